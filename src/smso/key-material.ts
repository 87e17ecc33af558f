// TMAD 11 key material at rest: each installation's keys are one JSON document sealed with AES-256-GCM
// under a key derived (scrypt) from the configured passphrase (S1MIG_KEY_PASSPHRASE, src/config.ts), bound
// to its SMSO and CHF Device ID. The store only ever sees the sealed string; keys are never logged.
import { createSealer, openSealed, SealError, type Sealer } from '../lib/crypto/seal.js';
import type { InstallationKeyMaterial } from '../core/formats/smso/key-material.js';
import type { EnvironmentVariable } from '../config.js';

const KEY_PASSPHRASE_ENV: EnvironmentVariable = 'S1MIG_KEY_PASSPHRASE';

export class KeyMaterialError extends Error {
  override name = 'KeyMaterialError';
}

const context = (smso: string, chf: string): string => `s1mig smso key material v1 ${smso} ${chf}`;

export function keyMaterialSealer(passphrase: string | undefined): Sealer {
  if (passphrase === undefined)
    throw new KeyMaterialError(
      `key material is kept encrypted at rest: set ${KEY_PASSPHRASE_ENV} to the passphrase to encrypt it with`,
    );
  return createSealer(passphrase);
}

export function sealKeyMaterial(sealer: Sealer, smso: string, km: InstallationKeyMaterial): string {
  const plain = Buffer.from(JSON.stringify(km), 'utf8');
  try {
    return sealer.seal(plain, context(smso, km.chfDeviceId));
  } finally {
    plain.fill(0);
  }
}

export function openKeyMaterial(
  sealed: string,
  passphrase: string | undefined,
  smso: string,
  chf: string,
): InstallationKeyMaterial {
  if (passphrase === undefined)
    throw new KeyMaterialError(
      `the key material is encrypted at rest: set ${KEY_PASSPHRASE_ENV} to its passphrase`,
    );
  let plain: Buffer;
  try {
    plain = openSealed(sealed, passphrase, context(smso, chf));
  } catch (e) {
    if (e instanceof SealError)
      throw new KeyMaterialError(
        e.code === 'WRONG_PASSPHRASE_OR_ALTERED'
          ? `key material of ${chf} does not decrypt: wrong ${KEY_PASSPHRASE_ENV}, or the stored value was altered`
          : `key material of ${chf} is not a sealed value`,
      );
    throw e;
  }
  try {
    return JSON.parse(plain.toString('utf8')) as InstallationKeyMaterial;
  } finally {
    plain.fill(0);
  }
}
