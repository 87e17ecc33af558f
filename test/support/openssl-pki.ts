// A throw-away test PKI made with the openssl CLI: root CA → issuing CA → leaf certificates
// (ECDSA P-256). Leaves carry a Remote Party Role as a two-hex-digit subject OU (src/core/pki/roles.ts;
// ikiFileSigning = A7, MAM 7.5.3). Used until `s1mig pki init` is available everywhere.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestLeaf {
  keyPath: string;
  certPath: string;
  keyPem: string;
  certPem: string;
}

export interface TestPki {
  dir: string;
  rootCertPath: string;
  issuingCertPath: string;
  /** root + issuing CA in one PEM file (for `openssl cms -verify -CAfile`, `--trust`). */
  caBundlePath: string;
  /** Issue a leaf signed by the issuing CA (or by an unrelated CA with `untrusted`). */
  leaf(name: string, opts?: { ou?: string; days?: number; untrusted?: boolean; keyUsage?: string }): TestLeaf;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string, subject: string, signer?: { cert: string; key: string }): void {
  const key = `${name}.key`;
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], dir);
  const ext = `${name}.ext`;
  writeFileSync(
    path.join(dir, ext),
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' +
      (signer ? 'authorityKeyIdentifier=keyid\n' : ''),
  );
  if (!signer) {
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        key,
        '-subj',
        subject,
        '-days',
        '3650',
        '-out',
        `${name}.pem`,
        '-extensions',
        'v3',
        '-config',
        writeReqConfig(dir, name),
      ],
      dir,
    );
  } else {
    openssl(['req', '-new', '-key', key, '-subj', subject, '-out', `${name}.csr`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        signer.cert,
        '-CAkey',
        signer.key,
        '-CAcreateserial',
        '-days',
        '3650',
        '-extfile',
        ext,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  }
}

function writeReqConfig(dir: string, name: string): string {
  const cfg = `${name}.cnf`;
  writeFileSync(
    path.join(dir, cfg),
    '[req]\ndistinguished_name=dn\n[dn]\n[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
  );
  return cfg;
}

/** Create a test PKI in a fresh temp directory. Takes ~100 ms. */
export function makeOpensslPki(): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's1mig-pki-'));
  makeCa(dir, 'root', '/C=GB/O=s1mig test/CN=Test Root CA');
  makeCa(dir, 'issuing', '/C=GB/O=s1mig test/CN=Test Issuing CA', { cert: 'root.pem', key: 'root.key' });
  makeCa(dir, 'other-root', '/C=GB/O=Elsewhere/CN=Untrusted Root CA');
  const bundle = path.join(dir, 'ca-bundle.pem');
  writeFileSync(
    bundle,
    readFileSync(path.join(dir, 'root.pem'), 'utf8') + readFileSync(path.join(dir, 'issuing.pem'), 'utf8'),
  );
  let n = 0;
  return {
    dir,
    rootCertPath: path.join(dir, 'root.pem'),
    issuingCertPath: path.join(dir, 'issuing.pem'),
    caBundlePath: bundle,
    leaf(name, opts = {}) {
      const base = `leaf-${name}-${++n}`;
      const key = `${base}.key`;
      openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], dir);
      const ou = opts.ou === undefined ? 'A7' : opts.ou;
      const subject = `/C=GB/O=Test Supplier${ou ? `/OU=${ou}` : ''}/CN=${name}`;
      openssl(['req', '-new', '-key', key, '-subj', subject, '-out', `${base}.csr`], dir);
      writeFileSync(
        path.join(dir, `${base}.ext`),
        `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,${opts.keyUsage ?? 'digitalSignature'}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`,
      );
      const ca = opts.untrusted ? 'other-root' : 'issuing';
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${base}.csr`,
          '-CA',
          `${ca}.pem`,
          '-CAkey',
          `${ca}.key`,
          '-CAcreateserial',
          '-days',
          String(opts.days ?? 365),
          '-extfile',
          `${base}.ext`,
          '-out',
          `${base}.pem`,
        ],
        dir,
      );
      const keyPath = path.join(dir, key);
      const certPath = path.join(dir, `${base}.pem`);
      return {
        keyPath,
        certPath,
        keyPem: readFileSync(keyPath, 'utf8'),
        certPem: readFileSync(certPath, 'utf8'),
      };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `openssl cms -sign -binary -md sha256` of `input` into `out`: a detached signature (MAM 7.5.3) made by
 * the reference tool, DER unless `outform` is PEM.
 */
export function opensslSignDetached(
  input: string,
  signer: { cert: string; key: string },
  out: string,
  outform: 'DER' | 'PEM' = 'DER',
): void {
  execFileSync('openssl', [
    'cms',
    '-sign',
    '-binary',
    '-outform',
    outform,
    '-md',
    'sha256',
    '-in',
    input,
    '-signer',
    signer.cert,
    '-inkey',
    signer.key,
    '-out',
    out,
  ]);
}
