// Streaming verification of an enveloped XMLDSig in the TMAD 10.1 profile (TMAD 5.9.2 "Check
// Cryptographic Protection in terms of the signature within the file").
//
// Runs as an XmlEventSink so that the Authenticator can validate the schema and verify the signature
// in ONE parse (createSignatureVerifier), or on its own (verifyXmlFile / verifyXml).
//
// Because the ds:Signature is the last child of the root, its DigestValue is only known at the end:
// the document is canonicalised into two SHA-256 digests at once, exclusive (Reference Transforms
// enveloped-signature + exc-c14n) and inclusive (enveloped-signature alone: XMLDSig 4.3.3.2 converts the
// node-set with Canonical XML 1.0), and the one the Transforms call for is compared.
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  parseXml,
  XmlSyntaxError,
  type XmlElementEnd,
  type XmlElementStart,
  type XmlEventSink,
  type XmlSource,
} from '../xml/sax.js';
import { C14nWriter, DocumentC14nSink } from './c14n.js';
import { decodeBase64 } from '../crypto/base64.js';
import { ALG_ECDSA_SHA256, ALG_ENVELOPED, ALG_EXC_C14N, ALG_SHA256, DSIG_NS, RULE } from './profile.js';

/**
 * A signature problem located at most by line. The building blocks import nothing from the TMAD core,
 * so this is declared here; it is structurally a core Problem (src/core/problem.ts).
 */
export interface XmlSignatureProblem {
  rule: string;
  message: string;
  line?: number;
}

export interface XmlSignatureVerdict {
  valid: boolean;
  signer?: { issuerName: string; serialNumber: string };
  problems: XmlSignatureProblem[];
}

export interface XmlVerifyOptions {
  /** The signer's public key, found by the IssuerSerial in KeyInfo (undefined: unknown signer). */
  resolveKey(
    issuerName: string,
    serialNumber: string,
  ): KeyObject | undefined | Promise<KeyObject | undefined>;
}

/** A node of the (small, bounded) ds:Signature subtree. */
interface SigNode {
  local: string;
  uri: string;
  attrs: Map<string, string>;
  children: SigNode[];
  text: string;
  line: number;
}

const MAX_SIGNATURE_NODES = 200;
const MAX_SIGNATURE_TEXT = 65536;

function b64(s: string): Buffer | undefined {
  const b = decodeBase64(s);
  return typeof b === 'string' || b.length === 0 ? undefined : b;
}

class SignatureVerifierSink implements XmlEventSink {
  readonly problems: XmlSignatureProblem[] = [];
  private readonly doc: DocumentC14nSink;
  private signatures = 0;
  /** The Signature subtree being collected (depth-1 ds:Signature only). */
  private sigStack: SigNode[] = [];
  private sigRoot: SigNode | undefined;
  private sigNodes = 0;
  private sigText = 0;
  private afterSignature = false;
  private signedInfo: C14nWriter | undefined;
  private signedInfoDepth = -1;
  private signedInfoCanonical = '';
  private signedInfoCount = 0;
  ended = false;

  constructor() {
    // One SHA-256 for both while the two canonical forms agree (for a migration file: all along).
    const sha256 = createHash('sha256');
    this.doc = new DocumentC14nSink(
      [
        { mode: 'exclusive', hash: sha256 },
        { mode: 'inclusive', hash: sha256 },
      ],
      true,
    );
  }

  private problem(rule: string, message: string, line?: number): void {
    if (this.problems.length < 50)
      this.problems.push(line !== undefined ? { rule, message, line } : { rule, message });
  }

  startElement(el: XmlElementStart): void {
    this.doc.startElement(el);
    const isSig = el.uri === DSIG_NS && el.local === 'Signature';
    if (isSig) {
      this.signatures++;
      if (el.depth !== 1) {
        this.problem(
          RULE.signature,
          'ds:Signature must be a child of the root element (enveloped signature)',
          el.pos.line,
        );
      } else if (this.signatures > 1 || this.sigRoot) {
        this.problem(RULE.signature, 'more than one ds:Signature in the file', el.pos.line);
      }
    }
    if (el.depth === 1 && this.afterSignature) {
      this.afterSignature = false;
      this.problem(
        RULE.signature,
        `ds:Signature must be the last child of the root element, but ${el.name} follows it`,
        el.pos.line,
      );
    }
    if (this.sigStack.length > 0 || (isSig && el.depth === 1 && !this.sigRoot)) {
      const node: SigNode = {
        local: el.local,
        uri: el.uri,
        attrs: new Map(el.attributes.map((a) => [a.uri === '' ? a.local : `{${a.uri}}${a.local}`, a.value])),
        children: [],
        text: '',
        line: el.pos.line,
      };
      if (++this.sigNodes > MAX_SIGNATURE_NODES)
        throw new XmlSyntaxError('ds:Signature too large', el.pos.line, el.pos.column);
      const parent = this.sigStack[this.sigStack.length - 1];
      if (parent) parent.children.push(node);
      else this.sigRoot = node;
      this.sigStack.push(node);
      if (el.uri === DSIG_NS && el.local === 'SignedInfo' && el.depth === 2) {
        this.signedInfoCount++;
        if (this.signedInfoCount === 1) {
          this.signedInfo = new C14nWriter('exclusive', (c) => (this.signedInfoCanonical += c));
          this.signedInfoDepth = el.depth;
        }
      }
      this.signedInfo?.startElement(el);
    }
  }

  endElement(el: XmlElementEnd): void {
    this.doc.endElement(el);
    if (this.sigStack.length > 0) {
      if (this.signedInfo) {
        this.signedInfo.endElement(el);
        if (el.depth === this.signedInfoDepth) {
          this.signedInfo.flush();
          this.signedInfo = undefined;
        }
      }
      this.sigStack.pop();
      if (this.sigStack.length === 0) this.afterSignature = true;
    }
  }

  text(t: string, pos: { line: number; column: number }, cdata: boolean): void {
    this.doc.text(t, pos, cdata);
    const n = this.sigStack.length;
    if (n > 0) {
      const node = this.sigStack[n - 1]!;
      this.sigText += t.length;
      if (this.sigText > MAX_SIGNATURE_TEXT)
        throw new XmlSyntaxError('ds:Signature too large', pos.line, pos.column);
      node.text += t;
      this.signedInfo?.text(t);
    } else if (this.afterSignature && t.trim() !== '') {
      this.afterSignature = false;
      this.problem(
        RULE.signature,
        'ds:Signature must be the last child of the root element, but text follows it',
        pos.line,
      );
    }
  }

  processingInstruction(target: string, body: string): void {
    this.doc.processingInstruction(target, body);
    if (this.sigStack.length > 0) this.signedInfo?.processingInstruction(target, body);
  }

  end(): void {
    this.doc.end();
    this.ended = true;
  }

  /** Check the structure and algorithms; returns the facts needed for the crypto checks. */
  private checkStructure():
    | {
        digestValue: Buffer;
        exclusive: boolean;
        signatureValue: Buffer;
        issuerName?: string;
        serialNumber?: string;
      }
    | undefined {
    const sig = this.sigRoot;
    if (!sig) {
      if (this.signatures === 0)
        this.problem(
          RULE.signature,
          'the file has no ds:Signature (TMAD 5.5: the file must be Digitally Signed)',
        );
      return undefined;
    }
    const S = RULE.signature;
    let ok = true;
    const bad = (rule: string, message: string, line: number): void => {
      ok = false;
      this.problem(rule, message, line);
    };
    const dsChildren = (n: SigNode, rule: string): SigNode[] => {
      for (const c of n.children)
        if (c.uri !== DSIG_NS) bad(rule, `unexpected element {${c.uri}}${c.local} in ds:${n.local}`, c.line);
      if (n.children.length > 0 && n.text.trim() !== '')
        bad(rule, `unexpected text in ds:${n.local}`, n.line);
      return n.children.filter((c) => c.uri === DSIG_NS);
    };
    const expect = (n: SigNode, names: string[], rule: string): Array<SigNode | undefined> => {
      const kids = dsChildren(n, rule);
      const got = kids.map((k) => k.local);
      if (got.length !== names.length || got.some((g, i) => g !== names[i])) {
        bad(
          rule,
          `ds:${n.local} must contain exactly ${names.map((x) => 'ds:' + x).join(', ')} in this order; found ${got.map((x) => 'ds:' + x).join(', ') || 'nothing'}`,
          n.line,
        );
      }
      return names.map((name) => kids.find((k) => k.local === name));
    };
    const onlyAttrs = (n: SigNode, allowed: string[], rule: string): void => {
      for (const k of n.attrs.keys())
        if (!allowed.includes(k)) bad(rule, `unexpected attribute ${k} on ds:${n.local}`, n.line);
    };
    const algorithm = (n: SigNode | undefined, want: string, what: string): void => {
      if (!n) return;
      onlyAttrs(n, ['Algorithm'], S);
      if (n.children.length > 0 || n.text.trim() !== '')
        bad(S, `ds:${n.local} must be empty (no parameters such as InclusiveNamespaces)`, n.line);
      const alg = n.attrs.get('Algorithm');
      if (alg !== want) bad(S, `${what} must be ${want}, found ${alg ?? 'none'}`, n.line);
    };

    onlyAttrs(sig, ['Id'], S);
    const kids = dsChildren(sig, S).map((k) => k.local);
    const [signedInfo, signatureValue, keyInfo] = expect(sig, ['SignedInfo', 'SignatureValue', 'KeyInfo'], S);
    if (kids.includes('SignedInfo') && !keyInfo)
      this.problem(RULE.keyInfo, 'ds:KeyInfo with X509Data/X509IssuerSerial is required', sig.line);

    let digestValue: Buffer | undefined;
    let exclusive = false;
    if (signedInfo) {
      onlyAttrs(signedInfo, ['Id'], S);
      const si = dsChildren(signedInfo, S);
      const refs = si.filter((c) => c.local === 'Reference');
      if (refs.length !== 1)
        bad(S, `ds:SignedInfo must contain exactly one ds:Reference, found ${refs.length}`, signedInfo.line);
      const [c14n, sm, ref] = expect(
        signedInfo,
        ['CanonicalizationMethod', 'SignatureMethod', 'Reference'],
        S,
      );
      algorithm(c14n, ALG_EXC_C14N, 'CanonicalizationMethod Algorithm');
      algorithm(sm, ALG_ECDSA_SHA256, 'SignatureMethod Algorithm');
      if (ref) {
        onlyAttrs(ref, ['URI', 'Id', 'Type'], S);
        const uri = ref.attrs.get('URI');
        if (uri !== '')
          bad(
            S,
            `Reference URI must be "" (the whole document), found ${uri === undefined ? 'no URI' : JSON.stringify(uri)}`,
            ref.line,
          );
        const [transforms, dm, dv] = expect(ref, ['Transforms', 'DigestMethod', 'DigestValue'], S);
        if (transforms) {
          onlyAttrs(transforms, [], S);
          const ts = dsChildren(transforms, S);
          const algs = ts.map((t) => t.attrs.get('Algorithm') ?? '');
          for (const t of ts) {
            if (t.local !== 'Transform') bad(S, `unexpected ds:${t.local} in ds:Transforms`, t.line);
            else {
              onlyAttrs(t, ['Algorithm'], S);
              if (t.children.length > 0 || t.text.trim() !== '')
                bad(S, 'ds:Transform must have no parameters (InclusiveNamespaces not supported)', t.line);
            }
          }
          if (algs.length === 2 && algs[0] === ALG_ENVELOPED && algs[1] === ALG_EXC_C14N) exclusive = true;
          else if (!(algs.length === 1 && algs[0] === ALG_ENVELOPED)) {
            bad(
              S,
              `Transforms must be ${ALG_ENVELOPED} (optionally followed by ${ALG_EXC_C14N}); found ${algs.join(', ') || 'none'}`,
              transforms.line,
            );
          }
        }
        algorithm(dm, ALG_SHA256, 'DigestMethod Algorithm');
        if (dv) {
          onlyAttrs(dv, [], S);
          digestValue = b64(dv.text);
          if (!digestValue || digestValue.length !== 32)
            bad(S, 'DigestValue must be the base64 of a 32-byte SHA-256 digest', dv.line);
        }
      }
    }

    let sigBytes: Buffer | undefined;
    if (signatureValue) {
      onlyAttrs(signatureValue, ['Id'], S);
      if (signatureValue.children.length > 0)
        bad(S, 'ds:SignatureValue must contain only base64 text', signatureValue.line);
      sigBytes = b64(signatureValue.text);
      if (!sigBytes || sigBytes.length !== 64) {
        bad(S, 'SignatureValue must be the base64 of a 64-byte ECDSA P-256 r||s value', signatureValue.line);
      }
    }

    let issuerName: string | undefined;
    let serialNumber: string | undefined;
    if (keyInfo) {
      const K = RULE.keyInfo;
      onlyAttrs(keyInfo, ['Id'], K);
      const [x509Data] = expect(keyInfo, ['X509Data'], K);
      if (x509Data) {
        onlyAttrs(x509Data, [], K);
        const [is] = expect(x509Data, ['X509IssuerSerial'], K);
        if (is) {
          onlyAttrs(is, [], K);
          const [name, serial] = expect(is, ['X509IssuerName', 'X509SerialNumber'], K);
          if (name) {
            if (name.children.length > 0) bad(K, 'X509IssuerName must be text', name.line);
            issuerName = name.text.trim();
            if (issuerName === '') bad(K, 'X509IssuerName is empty', name.line);
          }
          if (serial) {
            if (serial.children.length > 0) bad(K, 'X509SerialNumber must be text', serial.line);
            serialNumber = serial.text.trim();
            if (!/^\d+$/.test(serialNumber))
              bad(
                K,
                `X509SerialNumber must be a decimal integer, found ${JSON.stringify(serialNumber)}`,
                serial.line,
              );
          }
        }
      }
    }
    if (this.signedInfoCount !== 1 && signedInfo) ok = false;
    if (!ok || !digestValue || !sigBytes) {
      return undefined;
    }
    const r: {
      digestValue: Buffer;
      exclusive: boolean;
      signatureValue: Buffer;
      issuerName?: string;
      serialNumber?: string;
    } = {
      digestValue,
      exclusive,
      signatureValue: sigBytes,
    };
    if (
      issuerName !== undefined &&
      serialNumber !== undefined &&
      /^\d+$/.test(serialNumber) &&
      issuerName !== ''
    ) {
      r.issuerName = issuerName;
      r.serialNumber = serialNumber;
    }
    return r;
  }

  async verdict(opts: XmlVerifyOptions): Promise<XmlSignatureVerdict> {
    if (!this.ended) {
      this.problem(RULE.wellFormed, 'the document was not completely parsed');
      return { valid: false, problems: this.problems };
    }
    const facts = this.checkStructure();
    const verdict: XmlSignatureVerdict = { valid: false, problems: this.problems };
    if (!facts) return verdict;
    if (facts.issuerName !== undefined && facts.serialNumber !== undefined) {
      verdict.signer = { issuerName: facts.issuerName, serialNumber: facts.serialNumber };
    }
    const line = this.sigRoot?.line;
    const digest = this.doc.hash(facts.exclusive ? 0 : 1).digest();
    if (!digest.equals(facts.digestValue)) {
      this.problem(
        RULE.crypto,
        'DigestValue does not match the document: it was altered after signing',
        line,
      );
    }
    if (!verdict.signer) return verdict;
    let key: KeyObject | undefined;
    try {
      key = await opts.resolveKey(verdict.signer.issuerName, verdict.signer.serialNumber);
    } catch (e) {
      this.problem(RULE.crypto, `could not find the signer's certificate: ${(e as Error).message}`, line);
      return verdict;
    }
    if (!key) {
      this.problem(
        RULE.crypto,
        `no trusted certificate with X509IssuerName "${verdict.signer.issuerName}" and X509SerialNumber ${verdict.signer.serialNumber}`,
        line,
      );
      return verdict;
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      this.problem(RULE.signature, "the signer's certificate does not hold an ECDSA P-256 key", line);
      return verdict;
    }
    const ok = cryptoVerify(
      'sha256',
      Buffer.from(this.signedInfoCanonical, 'utf8'),
      { key, dsaEncoding: 'ieee-p1363' },
      facts.signatureValue,
    );
    if (!ok)
      this.problem(
        RULE.crypto,
        "SignatureValue does not verify over ds:SignedInfo with the signer's public key",
        line,
      );
    verdict.valid = this.problems.length === 0;
    return verdict;
  }
}

/**
 * An XmlEventSink that verifies the file's signature as the file is parsed, for use beside other sinks
 * in one streamXml() call. Call result() after the parse has finished (it reports "not completely
 * parsed" otherwise; a syntax error is the caller's to report).
 */
export function createSignatureVerifier(opts: XmlVerifyOptions): {
  sink: XmlEventSink;
  result(): Promise<XmlSignatureVerdict>;
} {
  const sink = new SignatureVerifierSink();
  return { sink, result: () => sink.verdict(opts) };
}

/** Verify the enveloped signature of a document (path is handled by verifyXmlFile). */
export async function verifyXml(
  source: XmlSource,
  opts: XmlVerifyOptions,
  parseOpts: { fileName?: string; maxBytes?: number } = {},
): Promise<XmlSignatureVerdict> {
  const v = createSignatureVerifier(opts);
  try {
    await parseXml(source, [v.sink], parseOpts);
  } catch (e) {
    if (e instanceof XmlSyntaxError) {
      return { valid: false, problems: [{ rule: RULE.wellFormed, message: e.reason, line: e.line }] };
    }
    throw e;
  }
  return v.result();
}

/** Verify a file (streaming), or any other source. */
export async function verifyXmlFile(
  pathOrSource: string | XmlSource,
  opts: XmlVerifyOptions,
  parseOpts: { fileName?: string; maxBytes?: number } = {},
): Promise<XmlSignatureVerdict> {
  if (typeof pathOrSource === 'string') {
    const { createReadStream } = await import('node:fs');
    const stream = createReadStream(pathOrSource, { highWaterMark: 256 * 1024 });
    try {
      return await verifyXml(stream, opts, { fileName: pathOrSource, ...parseOpts });
    } finally {
      stream.destroy();
    }
  }
  return verifyXml(pathOrSource, opts, parseOpts);
}
