// File I/O for the PKI (kept apart from the pure modules): loading trust stores and private keys.
import 'reflect-metadata';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  CertificateParseError,
  parseCertificate,
  pemBlocks,
  type ParseCertificateOptions,
} from '../core/pki/certificate.js';
import { addToTrustStore, emptyTrustStore, parseCrl, type TrustStore } from '../core/pki/validity.js';
import { configuration } from '../config.js';

const MAX_FILES = 10_000;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

async function pemFiles(p: string, out: string[]): Promise<void> {
  const s = await stat(p);
  if (s.isFile()) {
    out.push(p);
    return;
  }
  if (!s.isDirectory()) return;
  const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (out.length >= MAX_FILES)
      throw new Error(`${p}: more than ${MAX_FILES} files under the trust store directory`);
    const full = path.join(p, e.name);
    if (e.isDirectory()) await pemFiles(full, out);
    else if (e.isFile() && /\.(pem|crt|cer|crl)$/i.test(e.name) && !/\.key\.pem$/i.test(e.name))
      out.push(full);
  }
}

/**
 * Load a trust store from a PEM file or a directory (recursive; `*.key.pem` ignored). CA certificates
 * go to `roots` when self-issued, else `intermediates`; other certificates to `certificates`; every
 * `X509 CRL` block to `crls`. Every self-issued CA found is trusted: point this at the SMKI material
 * you trust only. Throws an Error naming the file on unreadable or malformed input.
 */
export async function loadTrustStore(
  pathOrDir: string,
  opts: ParseCertificateOptions = {},
): Promise<TrustStore> {
  const files: string[] = [];
  await pemFiles(pathOrDir, files);
  const trust = emptyTrustStore();
  for (const f of files) {
    const s = await stat(f);
    if (s.size > MAX_FILE_BYTES)
      throw new Error(`${f}: ${s.size} bytes, larger than ${MAX_FILE_BYTES} for a PEM file`);
    const buf = await readFile(f);
    const text = buf.toString('latin1');
    const isPem = text.includes('-----BEGIN ');
    try {
      if (isPem) {
        for (const der of pemBlocks(text, 'CERTIFICATE')) addToTrustStore(trust, parseCertificate(der, opts));
        for (const der of pemBlocks(text, 'X509 CRL')) trust.crls.push(parseCrl(der));
      } else if (/\.crl$/i.test(f)) trust.crls.push(parseCrl(new Uint8Array(buf)));
      else addToTrustStore(trust, parseCertificate(new Uint8Array(buf), opts));
    } catch (e) {
      if (e instanceof CertificateParseError) throw new Error(`${f}: ${e.message}`);
      throw e;
    }
  }
  return trust;
}

/** The environment variable holding the passphrase of encrypted private keys (never logged). */
export const KEY_PASSPHRASE_ENV = 'S1MIG_KEY_PASSPHRASE';

/**
 * Load a private key (PKCS#8 or SEC1 PEM, or DER PKCS#8). An encrypted PKCS#8 PEM is decrypted with
 * `passphrase` (default: $S1MIG_KEY_PASSPHRASE). Never logs key material.
 */
export async function loadPrivateKey(
  p: string,
  passphrase: string | undefined = configuration().keyPassphrase,
): Promise<KeyObject> {
  const buf = await readFile(p);
  try {
    if (buf.toString('latin1').includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
      if (!passphrase) throw new Error(`the key is encrypted: set ${KEY_PASSPHRASE_ENV} to its passphrase`);
      return createPrivateKey({ key: buf, format: 'pem', passphrase });
    }
    if (buf.toString('latin1').includes('-----BEGIN')) return createPrivateKey({ key: buf, format: 'pem' });
    return createPrivateKey({ key: buf, format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new Error(`${p}: ${describeKeyError(e as Error & { reason?: string })}`);
  }
}

/** A key-loading error in words, without OpenSSL's raw codes ("error:1C800064:Provider routines::bad decrypt"). */
function describeKeyError(e: Error & { reason?: string }): string {
  const raw = e.message.split('\n')[0] ?? '';
  if (/bad decrypt|wrong password|bad password/i.test(raw))
    return `wrong passphrase: the key is encrypted and ${KEY_PASSPHRASE_ENV} does not decrypt it`;
  if (raw.startsWith('the key is encrypted')) return raw;
  const reason = /^error:[0-9A-F]+:[^:]*:[^:]*:(.*)$/i.exec(raw)?.[1] ?? e.reason ?? raw;
  return `not a readable private key (PEM or DER PKCS#8 expected: ${reason.replace(/_/g, ' ').toLowerCase()})`;
}
