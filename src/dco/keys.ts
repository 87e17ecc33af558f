// The DCO's private keys (TMAD 5.1(a), 5.3, 5.4A): each is the private half of a Public Key the DCC
// notified for a GroupID, with the notice's Key Identifier (TMAD 2, X509SKI) and inclusive validity
// dates. The DCO picks the key by Key Identifier — the one notified for the file's GroupID and valid
// on the day of receipt — and refuses to use a key outside its dates (5.1(a)(ii)).
//
// On disk (docs/ESTATE.md `group-keys/`): `DCO-MasterKey-<GroupID>.notice` and `.key.pem`, and for
// GroupID DA `DCO-SUAKey-DA.notice` / `.key.pem`. Only `DCO-*` files are read: the S1SP's private keys
// (5.4) are never the DCO's.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  parseGroupKeyNotice,
  rsaKeyIdentifier,
  selectGroupKey,
  type GroupKeyNotice,
} from '../core/formats/smso/group-key.js';
import type { GroupId } from '../core/ids/index.js';
import { loadPrivateKey } from '../files/trust-store.js';
import { type Result, ok, err } from '../core/result.js';

export type DcoKeyPurpose = 'DCO-MasterKey' | 'DCO-SUAKey';

export interface DcoPrivateKey {
  notice: GroupKeyNotice;
  privateKey: KeyObject;
}

/** A usage error of the key directory (unreadable, no key, key without its notice). */
export class DcoKeyError extends Error {
  override name = 'DcoKeyError';
}

/** Read the DCO's notices and private keys from `dir`, pairing them by Key Identifier (TMAD 5.1(a)(i)). */
export async function loadDcoKeys(dir: string, passphrase?: string): Promise<DcoPrivateKey[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.startsWith('DCO-')).sort();
  } catch (e) {
    throw new DcoKeyError(
      `${dir}: cannot read the key directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const notices: GroupKeyNotice[] = [];
  for (const n of names.filter((x) => x.endsWith('.notice'))) {
    const r = parseGroupKeyNotice(await readFile(path.join(dir, n), 'utf8'), n);
    if (!r.ok) throw new DcoKeyError(r.error);
    if (r.value.purpose === 'S1SP-GroupInformation') continue;
    notices.push(r.value);
  }
  const byKid = new Map<string, KeyObject>();
  for (const n of names.filter((x) => /\.key\.pem$/.test(x))) {
    const k =
      passphrase === undefined
        ? await loadPrivateKey(path.join(dir, n))
        : await loadPrivateKey(path.join(dir, n), passphrase);
    if (k.asymmetricKeyType !== 'rsa')
      throw new DcoKeyError(`${n}: expected an RSA private key (Table 11.3)`);
    byKid.set(rsaKeyIdentifier(createPublicKey(k)), k);
  }
  const out: DcoPrivateKey[] = [];
  for (const notice of notices) {
    const privateKey = byKid.get(notice.keyIdentifier);
    if (!privateKey)
      throw new DcoKeyError(
        `${notice.source}: no private key in ${dir} for Key Identifier ${notice.keyIdentifier} (TMAD 5.1(a)(i), 5.3)`,
      );
    out.push({ notice, privateKey });
  }
  if (out.length === 0)
    throw new DcoKeyError(
      `${dir}: no DCO key notices (DCO-MasterKey-<GroupID>.notice, DCO-SUAKey-DA.notice)`,
    );
  return out;
}

/**
 * TMAD 5.1(a), 5.15(a): the private key for `purpose` and `groupId` on the UTC day of `at`, chosen by
 * the Key Identifier of the notified key valid then. A key outside its dates is refused (5.1(a)(ii)).
 */
export function selectDcoKey(
  keys: readonly DcoPrivateKey[],
  purpose: DcoKeyPurpose,
  groupId: GroupId,
  at: Date,
): Result<DcoPrivateKey> {
  const candidates = keys.filter(
    (k) =>
      k.notice.purpose === purpose && (k.notice.groupIds === null || k.notice.groupIds.includes(groupId)),
  );
  if (candidates.length === 0)
    return err(`the DCO holds no ${purpose} private key for GroupID ${groupId} (TMAD 5.1(a), 5.3)`);
  const day = at.toISOString().slice(0, 10);
  const chosen = selectGroupKey(
    candidates.map((k) => k.notice),
    purpose,
    groupId,
    at,
  );
  if (!chosen.ok) {
    const dates = candidates
      .map((k) => `${k.notice.keyIdentifier} valid ${k.notice.validFrom}..${k.notice.validTo}`)
      .join('; ');
    return err(
      `no ${purpose} key for GroupID ${groupId} may be used on ${day} (TMAD 5.1(a)(ii)): expected a key within its inclusive start and end dates; keys held: ${dates}`,
    );
  }
  return ok(candidates.find((k) => k.notice.keyIdentifier === chosen.value.keyIdentifier)!);
}
