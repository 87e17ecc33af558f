// s1mig xml: enveloped XMLDSig in the TMAD 10.1 profile (sign, verify) and canonicalisation.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT, UsageError, commandGroup, parseInstant, printJson, printLines, setExit } from '../io.js';
import {
  CertificateParseError,
  checkSigningCertificate,
  confirmValidity,
  findCertificate,
  loadPrivateKey,
  loadTrustStore,
  parseCertificate,
  type OrganisationCertificate,
  type RemotePartyRole,
} from '../../core/pki/index.js';
import {
  DocumentC14nSink,
  RULE,
  signXmlFile,
  verifyXmlFile,
  XmlSignError,
} from '../../core/xmldsig/index.js';
import { streamXmlFile, XmlSyntaxError } from '../../core/xml/sax.js';

async function readCert(p: string): Promise<OrganisationCertificate> {
  let buf: Buffer;
  try {
    buf = await readFile(p);
  } catch (e) {
    throw new UsageError(
      `${p}: cannot read certificate (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const text = buf.toString('latin1');
  try {
    return parseCertificate(text.includes('-----BEGIN') ? text : new Uint8Array(buf));
  } catch (e) {
    if (e instanceof CertificateParseError)
      throw new UsageError(`${p}: ${e.message}: expected a PEM or DER X.509 certificate`);
    throw e;
  }
}

function sameKey(priv: KeyObject, pub: KeyObject): boolean {
  const a = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  const b = pub.export({ format: 'der', type: 'spki' });
  return Buffer.compare(a, b) === 0;
}

export function register(program: Command): void {
  const xml = commandGroup(program, 'xml');

  xml
    .command('sign')
    .description(
      'Sign an XML file with an enveloped XMLDSig in the TMAD 10.1 profile (exc-c14n, ECDSA P-256/SHA-256, ' +
        'KeyInfo = X509IssuerSerial of --cert); the ds:Signature becomes the last child of the root element',
    )
    .argument('<in>', 'XML file to sign (UTF-8, no DOCTYPE)')
    .argument('<out>', 'signed file to write')
    .requiredOption('--key <pem>', 'ECDSA P-256 private key (PEM)')
    .requiredOption(
      '--cert <pem>',
      'Organisation Certificate of that key (gives X509IssuerName and X509SerialNumber)',
    )
    .option(
      '--exc-c14n-transform',
      'also list the exc-c14n Transform in the Reference (default: only enveloped-signature, as TMAD 10.1 lists)',
    )
    .option('--json', 'print what was signed as JSON')
    .action(
      async (
        inPath: string,
        outPath: string,
        o: { key: string; cert: string; excC14nTransform?: boolean; json?: boolean },
      ) => {
        const cert = await readCert(o.cert);
        let key: KeyObject;
        try {
          key = await loadPrivateKey(o.key);
        } catch (e) {
          throw new UsageError(`--key ${(e as Error).message}`);
        }
        if (!sameKey(key, cert.publicKey))
          throw new UsageError(`--key ${o.key} is not the private key of --cert ${o.cert}`);
        try {
          await signXmlFile(inPath, outPath, {
            privateKey: key,
            issuerName: cert.issuerName,
            serialNumber: cert.serialNumber,
            transforms: o.excC14nTransform ? 'enveloped+exc-c14n' : 'enveloped',
          });
        } catch (e) {
          if (e instanceof XmlSyntaxError) throw new UsageError(`${e.message}`);
          if (e instanceof XmlSignError) throw new UsageError(`${inPath}: ${e.message}`);
          const err = e as NodeJS.ErrnoException;
          if (err.code) throw new UsageError(`${err.path ?? inPath}: ${err.code} (${err.message})`);
          throw e;
        }
        const signer = { issuerName: cert.issuerName, serialNumber: cert.serialNumber };
        if (o.json) printJson({ in: inPath, out: outPath, signer });
        else
          printLines(
            `${outPath}: signed by certificate serial ${signer.serialNumber} issued by '${signer.issuerName}'`,
          );
        setExit(EXIT.OK);
      },
    );

  xml
    .command('verify')
    .description(
      'Verify the enveloped XMLDSig of an XML file (TMAD 5.9.2 with the TMAD 10.1 profile), find the signer ' +
        'certificate by X509IssuerSerial in --trust and Confirm its Validity (TMAD 5.9.4). Exit 0 valid, 1 invalid',
    )
    .argument('<file>', 'signed XML file')
    .requiredOption(
      '--trust <dir|pem>',
      'trust store: PEM file or directory of CA and Organisation Certificates and CRLs',
    )
    .option(
      '--cert <pem>',
      "signer's Organisation Certificate, if --trust does not hold it (like xmlsec1 --untrusted-pem); its chain must still end in --trust",
    )
    .option('--at <iso>', 'time at which the certificate must be valid (default now)')
    .option(
      '--role <role>',
      'also require this Remote Party Role (TMAD 5.9.3, Table 5.5), e.g. requestingPartyFileSigning',
    )
    .option('--no-require-crl', "accept the signer's certificate when no CRL of its issuer is available")
    .option('--json', 'print the verdict as JSON')
    .action(
      async (
        file: string,
        o: { trust: string; cert?: string; at?: string; role?: string; requireCrl: boolean; json?: boolean },
      ) => {
        const at = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        let trust;
        try {
          trust = await loadTrustStore(o.trust);
        } catch (e) {
          throw new UsageError(`--trust ${(e as Error).message}`);
        }
        if (o.cert !== undefined) {
          const extra = await readCert(o.cert);
          if (extra.isCa)
            throw new UsageError(`--cert ${o.cert}: a CA certificate; give CA certificates with --trust`);
          trust.certificates.push(extra);
        }
        let cert: OrganisationCertificate | undefined;
        let verdict;
        try {
          verdict = await verifyXmlFile(file, {
            resolveKey: (issuerName, serialNumber) => {
              cert = findCertificate(trust, issuerName, serialNumber);
              return cert?.publicKey;
            },
          });
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (err.code) throw new UsageError(`${file}: cannot read (${err.code})`);
          throw e;
        }
        const problems = [...verdict.problems];
        if (verdict.valid && cert) {
          const check = o.role
            ? checkSigningCertificate(cert, o.role as RemotePartyRole, trust, at, {
                requireCrl: o.requireCrl,
              })
            : confirmValidity(cert, trust, at, { requireCrl: o.requireCrl });
          for (const p of check.problems)
            problems.push({ rule: p.step ? `TMAD ${p.step}` : RULE.validity, message: p.message });
        }
        const valid = verdict.valid && problems.length === 0;
        const result = {
          file,
          valid,
          signer: verdict.signer ?? null,
          certificate: cert
            ? { subjectName: cert.subjectName, role: cert.role, notAfter: cert.notAfter.toISOString() }
            : null,
          problems,
        };
        if (o.json) printJson(result);
        else if (valid)
          printLines(
            `${file}: VALID: signed by certificate serial ${verdict.signer!.serialNumber} issued by '${verdict.signer!.issuerName}'`,
          );
        else
          printLines(
            `${file}: INVALID`,
            ...problems.map(
              (p) => `${file}${p.line !== undefined ? ':' + p.line : ''}: [${p.rule}] ${p.message}`,
            ),
          );
        setExit(valid ? EXIT.OK : EXIT.INVALID);
      },
    );

  xml
    .command('c14n')
    .description(
      'Write the canonical form of an XML file to stdout (exclusive c14n without comments by default)',
    )
    .argument('<file>', 'XML file')
    .option('--inclusive', 'Canonical XML 1.0 instead of exclusive')
    .option('--with-comments', 'keep comments')
    .option('--enveloped', 'leave out the ds:Signature child of the root (the enveloped-signature transform)')
    .action(async (file: string, o: { inclusive?: boolean; withComments?: boolean; enveloped?: boolean }) => {
      const sink = new DocumentC14nSink(
        [{ mode: o.inclusive ? 'inclusive' : 'exclusive', out: (c) => process.stdout.write(c) }],
        !!o.enveloped,
        !!o.withComments,
      );
      try {
        await streamXmlFile(file, [sink]);
      } catch (e) {
        if (e instanceof XmlSyntaxError) {
          process.stderr.write(`s1mig: ${e.message} [TMAD 5.9.1]\n`);
          setExit(EXIT.INVALID);
          return;
        }
        const err = e as NodeJS.ErrnoException;
        if (err.code) throw new UsageError(`${file}: cannot read (${err.code})`);
        throw e;
      }
      setExit(EXIT.OK);
    });
}
