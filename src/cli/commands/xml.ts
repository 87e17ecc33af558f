// s1mig xml: enveloped XMLDSig in the TMAD 10.1 profile (sign, verify) and canonicalisation.
import { readCertificateFile, readSigner } from '../signing-files.js';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  parseInstant,
  printErrLines,
  printJson,
  printLines,
  requireFile,
  setExit,
} from '../io.js';
import { countBytes, createProgress } from '../progress.js';
import { signedFileTypeOfRoot } from '../../core/authentication/index.js';
import {
  checkSigningCertificate,
  confirmValidity,
  findCertificate,
  type OrganisationCertificate,
} from '../../core/pki/index.js';
import { loadTrustStore } from '../../files/trust-store.js';
import {
  createSignatureVerifier,
  DocumentC14nSink,
  RULE,
  signXmlFile,
  XmlSignError,
  type XmlSignatureVerdict,
} from '../../lib/xmldsig/index.js';
import { parseXml, streamXmlFile, XmlSyntaxError, type XmlEventSink } from '../../lib/xml/sax.js';

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
    .option('--quiet', 'no progress display on stderr')
    .option('--json', 'print what was signed as JSON')
    .action(
      async (
        inPath: string,
        outPath: string,
        o: { key: string; cert: string; excC14nTransform?: boolean; quiet?: boolean; json?: boolean },
      ) => {
        const size = await requireFile(inPath, 'XML file');
        const { key, cert } = await readSigner(o.key, o.cert);
        const passes = [1, 2].map((pass) =>
          createProgress({
            label: `signing, pass ${pass} of 2 (${pass === 1 ? 'digest' : 'copy'})`,
            total: size,
            unit: 'bytes',
            json: !!o.json,
            quiet: !!o.quiet,
          }),
        );
        try {
          await signXmlFile(inPath, outPath, {
            privateKey: key,
            issuerName: cert.issuerName,
            serialNumber: cert.serialNumber,
            transforms: o.excC14nTransform ? 'enveloped+exc-c14n' : 'enveloped',
            onProgress: (pass, bytes) => {
              if (pass === 2) passes[0]!.done();
              passes[pass - 1]!.update(bytes);
            },
          });
        } catch (e) {
          if (e instanceof XmlSyntaxError) throw new UsageError(`${e.message}`);
          if (e instanceof XmlSignError) throw new UsageError(`${inPath}: ${e.message}`);
          const err = e as NodeJS.ErrnoException;
          if (err.code) throw new UsageError(describePathProblem(err.path ?? inPath, err));
          throw e;
        } finally {
          for (const p of passes) p.done();
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
        'certificate by X509IssuerSerial in --trust and Confirm its Validity (TMAD 5.9.4). The certificate must ' +
        'be a digitalSignature certificate, and for a migration file of Table 10.2 carry the Remote Party Role ' +
        'that Table 5.5 gives its file type (TMAD 5.9.3; --role overrides): otherwise the verdict is INVALID even ' +
        'when the signature value is correct. Exit 0 valid, 1 invalid',
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
      'require this Remote Party Role (TMAD 5.9.3) instead of the Table 5.5 role of the file type, e.g. requestingPartyFileSigning',
    )
    .option(
      '--no-require-crl',
      "5.9.4: accept the signer's certificate when no CRL of its issuer is available (default: a CRL is required)",
    )
    .option('--quiet', 'no progress display on stderr')
    .option('--json', 'print the verdict as JSON')
    .action(
      async (
        file: string,
        o: {
          trust: string;
          cert?: string;
          at?: string;
          role?: string;
          requireCrl: boolean;
          quiet?: boolean;
          json?: boolean;
        },
      ) => {
        const at = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        const size = await requireFile(file, 'signed XML file');
        let trust;
        try {
          trust = await loadTrustStore(o.trust);
        } catch (e) {
          throw new UsageError(`--trust ${(e as Error).message}`);
        }
        if (o.cert !== undefined) {
          const extra = await readCertificateFile(o.cert);
          if (extra.isCa)
            throw new UsageError(`--cert ${o.cert}: a CA certificate; give CA certificates with --trust`);
          trust.certificates.push(extra);
        }
        let cert: OrganisationCertificate | undefined;
        let rootElement: string | undefined;
        const rootSink: XmlEventSink = {
          startElement: (el) => {
            rootElement ??= el.local;
          },
        };
        const verifier = createSignatureVerifier({
          resolveKey: (issuerName, serialNumber) => {
            cert = findCertificate(trust, issuerName, serialNumber);
            return cert?.publicKey;
          },
        });
        const progress = createProgress({
          label: `verifying ${path.basename(file)}`,
          total: size,
          unit: 'bytes',
          json: !!o.json,
          quiet: !!o.quiet,
        });
        const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
        let verdict: XmlSignatureVerdict;
        try {
          await parseXml(countBytes(stream, progress), [verifier.sink, rootSink], { fileName: file });
          verdict = await verifier.result();
        } catch (e) {
          if (!(e instanceof XmlSyntaxError)) {
            const err = e as NodeJS.ErrnoException;
            if (err.code) throw new UsageError(describePathProblem(file, err));
            throw e;
          }
          verdict = { valid: false, problems: [{ rule: RULE.wellFormed, message: e.reason, line: e.line }] };
        } finally {
          stream.destroy();
          progress.done();
        }
        // TMAD 5.9.3 / Table 5.5: the role a migration file of this root must be signed in.
        const fileType = rootElement ? signedFileTypeOfRoot(rootElement) : undefined;
        const requiredRole = o.role ?? fileType?.signerRole;
        const problems = [...verdict.problems];
        const certificateProblems: typeof problems = [];
        if (verdict.valid && cert) {
          const check = requiredRole
            ? checkSigningCertificate(cert, requiredRole, trust, at, { requireCrl: o.requireCrl })
            : {
                problems: [
                  // A signature needs a digital-signing certificate (SMKI: keyAgreement-only is not one).
                  ...(cert.keyUsage.includes('digitalSignature')
                    ? []
                    : [
                        {
                          step: '5.9.3',
                          message: `certificate serial ${cert.serialNumber} keyUsage is [${cert.keyUsage.join(', ')}]: a signing certificate needs digitalSignature`,
                        },
                      ]),
                  ...confirmValidity(cert, trust, at, { requireCrl: o.requireCrl }).problems.map((p) => ({
                    step: '5.9.4',
                    message: p.message,
                  })),
                ],
              };
          for (const p of check.problems)
            certificateProblems.push({ rule: p.step ? `TMAD ${p.step}` : RULE.validity, message: p.message });
        }
        problems.push(...certificateProblems);
        const valid = verdict.valid && problems.length === 0;
        const result = {
          file,
          valid,
          signatureValid: verdict.valid,
          fileType: fileType?.fileType ?? null,
          requiredRole: requiredRole ?? null,
          crlRequired: o.requireCrl,
          signer: verdict.signer ?? null,
          certificate: cert
            ? {
                subjectName: cert.subjectName,
                role: cert.role,
                keyUsage: cert.keyUsage,
                notAfter: cert.notAfter.toISOString(),
              }
            : null,
          problems,
        };
        const line = (p: (typeof problems)[number]): string =>
          `${file}${p.line !== undefined ? ':' + p.line : ''}: [${p.rule}] ${p.message}`;
        if (o.json) printJson(result);
        else if (valid)
          printLines(
            `${file}: VALID: signed by certificate serial ${verdict.signer!.serialNumber} issued by '${verdict.signer!.issuerName}'` +
              (requiredRole
                ? ` (role ${requiredRole}${fileType && !o.role ? `, Table 5.5 for ${fileType.fileType}` : ''})`
                : ''),
          );
        else if (verdict.valid)
          printLines(
            `${file}: INVALID: the signature value is correct, but the signer's certificate is not acceptable` +
              (requiredRole ? ` for a file signed in role ${requiredRole}` : ''),
            ...problems.map(line),
          );
        else printLines(`${file}: INVALID`, ...problems.map(line));
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
          printErrLines(`s1mig: ${e.message} [TMAD 5.9.1]`);
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
