// Streaming enveloped XMLDSig signing in the TMAD 10.1 profile (see profile.ts).
//
// signXmlFile reads the input twice and never holds it in memory:
//   pass 1: parse once, canonicalise (minus nothing: the input must not be signed yet) into SHA-256;
//   pass 2: copy the input text unchanged and insert the ds:Signature as the LAST child of the root
//           element, immediately before the root's end tag (no whitespace added, so the canonical form
//           of the signed file minus its Signature is exactly what pass 1 digested).
//           The second pass copies bytes: it neither decodes nor parses.
// The raw bytes are hashed in both passes; if the file changed in between, signing fails.
import { createHash, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { isAscii } from 'node:buffer';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { parseXml, streamXml, XmlSyntaxError, type XmlElementStart, type XmlEventSink } from '../xml/sax.js';
import { escapeText } from '../xml/writer.js';
import { DocumentC14nSink, ElementC14nSink } from './c14n.js';
import {
  ALG_ECDSA_SHA256,
  ALG_ENVELOPED,
  ALG_EXC_C14N,
  ALG_SHA256,
  DSIG_NS,
  type ReferenceTransforms,
} from './profile.js';

export interface XmlSignOptions {
  /** ECDSA P-256 private key of the signer. */
  privateKey: KeyObject;
  /** X509IssuerName of the signer's certificate: RFC 4514 string as xmlsec1 prints it. */
  issuerName: string;
  /** X509SerialNumber of the signer's certificate, decimal. */
  serialNumber: string;
  /** Default 'enveloped' (exactly the TMAD 10.1 Transform). */
  transforms?: ReferenceTransforms;
  /** Reject inputs larger than this (bytes). */
  maxBytes?: number;
  /** signXmlFile: called with the bytes of the input read so far in pass 1 (digest) and pass 2 (copy). */
  onProgress?: (pass: 1 | 2, bytesRead: number) => void;
}

export class XmlSignError extends Error {
  override name = 'XmlSignError';
}

function checkOptions(opts: XmlSignOptions): void {
  const k = opts.privateKey;
  if (
    k.type !== 'private' ||
    k.asymmetricKeyType !== 'ec' ||
    k.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new XmlSignError(
      'the signing key must be an ECDSA P-256 private key (TMAD 10.1 Signature: ecdsa-sha256)',
    );
  }
  if (!/^\d+$/.test(opts.serialNumber))
    throw new XmlSignError(`X509SerialNumber must be decimal: ${opts.serialNumber}`);
  if (opts.issuerName.trim() === '') throw new XmlSignError('X509IssuerName must not be empty');
}

/** Rejects an input that already has a ds:Signature, and remembers the root element. */
class InputGuard implements XmlEventSink {
  root: XmlElementStart | undefined;
  startElement(el: XmlElementStart): void {
    if (el.depth === 0) this.root = el;
    if (el.uri === DSIG_NS && el.local === 'Signature') {
      throw new XmlSignError(`line ${el.pos.line}: the input already contains a ds:Signature`);
    }
  }
}

function signedInfoXml(digestB64: string, transforms: ReferenceTransforms): string {
  const t =
    `<ds:Transform Algorithm="${ALG_ENVELOPED}"/>` +
    (transforms === 'enveloped+exc-c14n' ? `<ds:Transform Algorithm="${ALG_EXC_C14N}"/>` : '');
  return (
    `<ds:SignedInfo>` +
    `<ds:CanonicalizationMethod Algorithm="${ALG_EXC_C14N}"/>` +
    `<ds:SignatureMethod Algorithm="${ALG_ECDSA_SHA256}"/>` +
    `<ds:Reference URI=""><ds:Transforms>${t}</ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${ALG_SHA256}"/>` +
    `<ds:DigestValue>${digestB64}</ds:DigestValue></ds:Reference>` +
    `</ds:SignedInfo>`
  );
}

/** The complete ds:Signature element for a document whose reference digest is `digest`. */
export async function buildSignatureElement(digest: Buffer, opts: XmlSignOptions): Promise<string> {
  checkOptions(opts);
  const transforms = opts.transforms ?? 'enveloped';
  const si = signedInfoXml(digest.toString('base64'), transforms);
  const open = `<ds:Signature xmlns:ds="${DSIG_NS}">`;
  // Canonicalise SignedInfo exactly as a verifier will: parsed, in place, exclusive c14n.
  const capture = new ElementC14nSink((el) => el.uri === DSIG_NS && el.local === 'SignedInfo');
  await streamXml(open + si + '</ds:Signature>', [capture]);
  const canonical = capture.canonical!;
  const sig = cryptoSign('sha256', Buffer.from(canonical, 'utf8'), {
    key: opts.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return (
    open +
    si +
    `<ds:SignatureValue>${sig.toString('base64')}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial>` +
    `<ds:X509IssuerName>${escapeText(opts.issuerName)}</ds:X509IssuerName>` +
    `<ds:X509SerialNumber>${opts.serialNumber}</ds:X509SerialNumber>` +
    `</ds:X509IssuerSerial></ds:X509Data></ds:KeyInfo>` +
    `</ds:Signature>`
  );
}

interface Pass1 {
  digest: Buffer;
  rawHash: string;
  rootEndPosition: number;
  rootName: string;
  rootSelfClosing: boolean;
  bom: boolean;
}

async function digestPass(
  source: string | NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  opts: XmlSignOptions,
  fileName?: string,
): Promise<Pass1> {
  const hash = createHash('sha256');
  const raw = createHash('sha256');
  const mode = (opts.transforms ?? 'enveloped') === 'enveloped' ? 'inclusive' : 'exclusive';
  const guard = new InputGuard();
  const c14n = new DocumentC14nSink([{ mode, hash }], false);
  const info = await parseXml(source, [guard, c14n], {
    ...(fileName !== undefined ? { fileName } : {}),
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
    onBytes: (b) => raw.update(b),
  });
  return {
    digest: hash.digest(),
    rawHash: raw.digest('hex'),
    rootEndPosition: info.rootEndPosition,
    rootName: guard.root!.name,
    rootSelfClosing: guard.root!.selfClosing,
    bom: info.bom,
  };
}

/** Insert the signature into `tail`, which ends exactly at the end of the root element. */
function insertIntoTail(tail: string, p1: Pass1, signature: string): string {
  if (p1.rootSelfClosing) {
    if (!tail.endsWith('/>')) throw new XmlSignError('internal: self-closing root element not found');
    return tail.slice(0, -2) + '>' + signature + '</' + p1.rootName + '>';
  }
  const i = tail.lastIndexOf('</');
  if (i < 0) throw new XmlSignError('internal: end tag of the root element not found');
  return tail.slice(0, i) + signature + tail.slice(i);
}

/** Sign a small document held in memory; returns the signed document. */
export async function signXmlString(xml: string, opts: XmlSignOptions): Promise<string> {
  checkOptions(opts);
  const p1 = await digestPass(xml, opts);
  const signature = await buildSignatureElement(p1.digest, opts);
  const body = p1.bom ? xml.slice(1) : xml;
  const head = body.slice(0, p1.rootEndPosition);
  return (p1.bom ? '\ufeff' : '') + insertIntoTail(head, p1, signature) + body.slice(p1.rootEndPosition);
}

function write(out: Writable, data: string | Uint8Array): Promise<void> {
  if (data.length === 0 || out.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off('error', onError);
      resolve();
    };
    const onError = (e: Error): void => {
      out.off('drain', onDrain);
      reject(e);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

/**
 * UTF-16 code units that the UTF-8 bytes `b` decode to, counting each character at its lead byte
 * (so a character split between chunks is counted once). The input was validated by pass 1.
 */
function utf16Units(b: Uint8Array): number {
  if (isAscii(b)) return b.length;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c & 0xc0) !== 0x80) n += c >= 0xf0 ? 2 : 1;
  }
  return n;
}

/** Byte offset in `b` after `units` UTF-16 code units (counted as in utf16Units). */
function byteOffsetOfUnits(b: Uint8Array, units: number): number {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c & 0xc0) !== 0x80) {
      if (n === units) return i;
      n += c >= 0xf0 ? 2 : 1;
    }
  }
  if (n === units) return b.length;
  throw new XmlSignError('internal: end of the root element not on a character boundary');
}

/** Insert the signature into the bytes `tail`, which end exactly at the end of the root element. */
function insertIntoTailBytes(tail: Buffer, p1: Pass1, signature: string): Buffer[] {
  if (p1.rootSelfClosing) {
    const n = tail.length;
    if (n < 2 || tail[n - 2] !== 0x2f || tail[n - 1] !== 0x3e)
      throw new XmlSignError('internal: self-closing root element not found');
    return [tail.subarray(0, n - 2), Buffer.from('>' + signature + '</' + p1.rootName + '>', 'utf8')];
  }
  const i = tail.lastIndexOf('</');
  if (i < 0) throw new XmlSignError('internal: end tag of the root element not found');
  return [tail.subarray(0, i), Buffer.from(signature, 'utf8'), tail.subarray(i)];
}

async function* reportBytes(
  source: AsyncIterable<Uint8Array>,
  pass: 1 | 2,
  report: (pass: 1 | 2, bytesRead: number) => void,
): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const chunk of source) {
    n += chunk.byteLength;
    report(pass, n);
    yield chunk;
  }
}

/**
 * Sign `inPath` into `outPath` (streaming, bounded memory): the ds:Signature becomes the last child
 * of the root element. The output is written to a temporary file beside `outPath` and renamed when
 * complete.
 */
export async function signXmlFile(inPath: string, outPath: string, opts: XmlSignOptions): Promise<void> {
  checkOptions(opts);
  if (path.resolve(inPath) === path.resolve(outPath))
    throw new XmlSignError('input and output must be different files');
  // Pass 1 reads what the parser digests best (as the verifier does); pass 2 copies in larger chunks.
  const pass1 = createReadStream(inPath, { highWaterMark: 256 * 1024 });
  const p1 = await digestPass(opts.onProgress ? reportBytes(pass1, 1, opts.onProgress) : pass1, opts, inPath);
  const CHUNK = 1024 * 1024;
  const signature = await buildSignatureElement(p1.digest, opts);

  // Pass 2: copy the input BYTES unchanged (no decoding, no per-event work), inserting the signature
  // before the root's end tag. rootEndPosition counts UTF-16 code units of the decoded text without
  // the BOM; the bytes are mapped to it without decoding (ASCII chunks: one unit per byte). One chunk
  // is held back, so that an end tag split between two chunks is found whole.
  const target = p1.rootEndPosition + (p1.bom ? 1 : 0);
  const tmp = `${outPath}.tmp-${process.pid}-${Date.now()}`;
  const out = createWriteStream(tmp, { highWaterMark: CHUNK });
  const raw = createHash('sha256');
  let units = 0;
  let held: Buffer | undefined;
  let inserted = false;
  try {
    const input = createReadStream(inPath, { highWaterMark: CHUNK });
    let copied = 0;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      raw.update(chunk);
      copied += chunk.length;
      opts.onProgress?.(2, copied);
      if (inserted) {
        await write(out, chunk);
        continue;
      }
      const n = utf16Units(chunk);
      if (units + n < target) {
        units += n;
        if (held) await write(out, held);
        held = chunk;
        continue;
      }
      const at = byteOffsetOfUnits(chunk, target - units);
      const tail = held ? Buffer.concat([held, chunk.subarray(0, at)]) : chunk.subarray(0, at);
      held = undefined;
      for (const part of insertIntoTailBytes(tail, p1, signature)) await write(out, part);
      await write(out, chunk.subarray(at));
      inserted = true;
    }
    if (!inserted) throw new XmlSignError('internal: root end not reached in the second pass');
    if (raw.digest('hex') !== p1.rawHash)
      throw new XmlSignError(`${inPath} changed while it was being signed`);
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    await rename(tmp, outPath);
  } catch (e) {
    out.destroy();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

export { XmlSyntaxError };
