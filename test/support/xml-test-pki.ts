// Test PKI for the XMLDSig tests, made with openssl: an ECDSA P-256 CA and a leaf it issued, plain
// ASCII names (xmlsec1 1.2.37 cannot match issuers with '&', non-ASCII or multi-valued RDNs).
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface XmlTestPki {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  leafCertPath: string;
  leafKeyPath: string;
  /** A second leaf from a different CA (not trusted). */
  otherCertPath: string;
  otherKeyPath: string;
  leafKey: KeyObject;
  leafCert: X509Certificate;
  /** RFC 4514 issuer name (as xmlsec1 writes X509IssuerName). */
  issuerName: string;
  /** Decimal serial number. */
  serialNumber: string;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** RFC 4514 issuer name of a certificate, as xmlsec1 prints it (openssl -nameopt RFC2253). */
export function rfc4514Issuer(certPath: string): string {
  return openssl(
    ['x509', '-in', certPath, '-noout', '-issuer', '-nameopt', 'RFC2253'],
    path.dirname(certPath),
  )
    .trim()
    .replace(/^issuer=/, '');
}

export function decimalSerial(cert: X509Certificate): string {
  return BigInt('0x' + cert.serialNumber).toString(10);
}

export function makeXmlTestPki(): XmlTestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's1mig-xmldsig-pki-'));
  const ext = path.join(dir, 'ext.cnf');
  writeFileSync(
    ext,
    [
      '[ca]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      '[leaf]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  const mkCa = (name: string, subj: string): void => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
    openssl(
      [
        'req',
        '-new',
        '-x509',
        '-key',
        `${name}.key`,
        '-subj',
        subj,
        '-days',
        '3650',
        '-sha256',
        '-extensions',
        'ca',
        '-config',
        ext,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  };
  const mkLeaf = (name: string, ca: string, subj: string, serial: string): void => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
    openssl(
      ['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`, '-config', ext],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${ca}.pem`,
        '-CAkey',
        `${ca}.key`,
        '-set_serial',
        serial,
        '-days',
        '3650',
        '-sha256',
        '-extfile',
        ext,
        '-extensions',
        'leaf',
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  };
  // ext.cnf doubles as the req config: openssl req needs a [req] section with distinguished_name.
  writeFileSync(ext, readFileSync(ext, 'utf8') + '[req]\ndistinguished_name=dn\n[dn]\n');
  mkCa('ca', '/C=GB/O=S1MIG Test/CN=S1MIG Test Issuing CA');
  mkLeaf('leaf', 'ca', '/C=GB/O=S1MIG Test/OU=08/CN=Requesting Party File Signing', '0x1A2B3C4D5E6F7081');
  mkCa('otherca', '/C=GB/O=Other/CN=Other CA');
  mkLeaf('other', 'otherca', '/C=GB/O=Other/CN=Other Signer', '0x0777');
  const leafCertPath = path.join(dir, 'leaf.pem');
  const leafCert = new X509Certificate(readFileSync(leafCertPath));
  return {
    dir,
    caCertPath: path.join(dir, 'ca.pem'),
    caKeyPath: path.join(dir, 'ca.key'),
    leafCertPath,
    leafKeyPath: path.join(dir, 'leaf.key'),
    otherCertPath: path.join(dir, 'other.pem'),
    otherKeyPath: path.join(dir, 'other.key'),
    leafKey: createPrivateKey(readFileSync(path.join(dir, 'leaf.key'))),
    leafCert,
    issuerName: rfc4514Issuer(leafCertPath),
    serialNumber: decimalSerial(leafCert),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
