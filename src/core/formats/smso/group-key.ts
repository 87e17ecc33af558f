// TMAD 5.1(a): the Public Keys the DCC notifies to an SMSO for creating EncryptedS1SPGroupInformation and
// MasterKeyInformation, each with (i) its Key Identifier, (ii) the inclusive start and end dates of its use
// and (iii) constraints on the part(s) of the Group it may be used for. The TMAD fixes no file for the
// notice; s1mig's form (docs/SMSO.md) is a PEM public key preceded by RFC 7468 explanatory text lines:
//
//   Purpose: S1SP-GroupInformation | DCO-MasterKey | DCO-SUAKey
//   Valid-From: 2026-01-01          (inclusive, UTC date)
//   Valid-To: 2027-12-31            (inclusive, UTC date)
//   GroupIDs: AA BA CA              (optional: the groups it may be used for; absent = any)
//   -----BEGIN PUBLIC KEY-----
//   ...
//
// openssl reads the same file (`openssl pkey -pubin -in notice.pem`): text before the PEM block is ignored.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { GROUP_IDS, isGroupId, type GroupId } from '../../ids/reference.js';
import { type Result, ok, err } from '../../result.js';

export const KEY_PURPOSES = ['S1SP-GroupInformation', 'DCO-MasterKey', 'DCO-SUAKey'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** Which element each purpose encrypts (for messages). */
export const PURPOSE_ELEMENT: Readonly<Record<KeyPurpose, string>> = {
  'S1SP-GroupInformation': 'EncryptedS1SPGroupInformation (Table 11.2.2)',
  'DCO-MasterKey': 'EncryptedMasterKey (Table 11.3)',
  'DCO-SUAKey': 'EncryptedSUAKey (Table 11.3B)',
};

export interface GroupKeyNotice {
  purpose: KeyPurpose;
  /** TMAD 2 Key Identifier: SHA-1 of the subjectPublicKey (for RSA, the PKCS#1 RSAPublicKey), lower-case hex. */
  keyIdentifier: string;
  /** Inclusive UTC dates YYYY-MM-DD. */
  validFrom: string;
  validTo: string;
  /** null = any GroupID. */
  groupIds: GroupId[] | null;
  publicKey: KeyObject;
  /** Where it came from (a file name), for messages. */
  source: string;
}

export const MIN_RSA_BITS = 2048;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** TMAD 2 Key Identifier of an RSA public key: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function rsaKeyIdentifier(publicKey: KeyObject): string {
  const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'der' });
  return createHash('sha1').update(pkcs1).digest('hex');
}

/** Parse one notice. Errors say what is wrong and what was expected, citing TMAD 5.1(a). */
export function parseGroupKeyNotice(text: string, source: string): Result<GroupKeyNotice> {
  const begin = text.indexOf('-----BEGIN PUBLIC KEY-----');
  if (begin < 0)
    return err(
      `${source}: no '-----BEGIN PUBLIC KEY-----' block (TMAD 5.1(a)): expected a PEM SubjectPublicKeyInfo after the notice lines`,
    );
  const attrs = new Map<string, string>();
  for (const raw of text.slice(0, begin).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!m) return err(`${source}: notice line '${line.slice(0, 60)}' (TMAD 5.1(a)): expected Name: value`);
    const name = m[1]!.toLowerCase();
    if (attrs.has(name)) return err(`${source}: ${m[1]} given twice (TMAD 5.1(a)): expected once`);
    attrs.set(name, m[2]!.trim());
  }
  const purpose = attrs.get('purpose');
  if (!purpose || !(KEY_PURPOSES as readonly string[]).includes(purpose))
    return err(
      `${source}: Purpose '${purpose ?? ''}' (TMAD 5.1(a)(iii)): expected one of ${KEY_PURPOSES.join(', ')}`,
    );
  const from = attrs.get('valid-from') ?? '';
  const to = attrs.get('valid-to') ?? '';
  if (!validDate(from))
    return err(
      `${source}: Valid-From '${from}' (TMAD 5.1(a)(ii)): expected the inclusive start date YYYY-MM-DD`,
    );
  if (!validDate(to))
    return err(`${source}: Valid-To '${to}' (TMAD 5.1(a)(ii)): expected the inclusive end date YYYY-MM-DD`);
  if (to < from) return err(`${source}: Valid-To ${to} is before Valid-From ${from} (TMAD 5.1(a)(ii))`);
  let groupIds: GroupId[] | null = null;
  const g = attrs.get('groupids');
  if (g !== undefined) {
    const list = g.split(/[\s,]+/).filter(Boolean);
    const badG = list.filter((x) => !isGroupId(x));
    if (list.length === 0 || badG.length)
      return err(
        `${source}: GroupIDs '${g}' (TMAD 5.1(a)(iii)): expected GroupIDs from ${GROUP_IDS.join(' ')}`,
      );
    groupIds = list as GroupId[];
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: text.slice(begin), format: 'pem' });
  } catch {
    return err(`${source}: the PUBLIC KEY block is not a readable public key (TMAD 5.1(a))`);
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (publicKey.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS)
    return err(
      `${source}: expected an RSA public key of at least ${MIN_RSA_BITS} bits for RSAES-OAEP (Tables 11.2.2, 11.3, 11.3B), got ${publicKey.asymmetricKeyType ?? 'unknown'}${bits ? ` ${bits}-bit` : ''}`,
    );
  const keyIdentifier = rsaKeyIdentifier(publicKey);
  const stated = attrs.get('key-identifier');
  if (stated !== undefined && stated.toLowerCase().replace(/[\s:]/g, '') !== keyIdentifier)
    return err(
      `${source}: Key-Identifier ${stated} is not the key's (TMAD 5.1(a)(i), TMAD 2 Key Identifier): expected ${keyIdentifier}`,
    );
  return ok({
    purpose: purpose as KeyPurpose,
    keyIdentifier,
    validFrom: from,
    validTo: to,
    groupIds,
    publicKey,
    source,
  });
}

/** Write a notice (tests, the simulated estate). */
export function formatGroupKeyNotice(n: Omit<GroupKeyNotice, 'keyIdentifier' | 'source'>): string {
  const pem = n.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return (
    [
      `Purpose: ${n.purpose}`,
      `Key-Identifier: ${rsaKeyIdentifier(n.publicKey)}`,
      `Valid-From: ${n.validFrom}`,
      `Valid-To: ${n.validTo}`,
      ...(n.groupIds ? [`GroupIDs: ${n.groupIds.join(' ')}`] : []),
    ].join('\n') +
    '\n' +
    pem
  );
}

/**
 * TMAD 5.1(a): the notified key for `purpose` that may be used for `groupId` on the UTC date of `at`.
 * Several usable keys (a rollover overlap): the one whose period started last; still a tie: an error.
 */
export function selectGroupKey(
  notices: readonly GroupKeyNotice[],
  purpose: KeyPurpose,
  groupId: GroupId,
  at: Date,
): Result<GroupKeyNotice> {
  const day = at.toISOString().slice(0, 10);
  const forPurpose = notices.filter((n) => n.purpose === purpose);
  const usable = forPurpose.filter(
    (n) => (n.groupIds === null || n.groupIds.includes(groupId)) && n.validFrom <= day && day <= n.validTo,
  );
  if (usable.length === 0) {
    const why = forPurpose.length
      ? forPurpose
          .map(
            (n) =>
              `${n.keyIdentifier} (${n.validFrom}..${n.validTo}${n.groupIds ? `, GroupIDs ${n.groupIds.join(' ')}` : ''})`,
          )
          .join('; ')
      : 'none given';
    return err(
      `no ${purpose} key usable for GroupID ${groupId} on ${day} (TMAD 5.1(a)(ii)-(iii)): expected a notified key valid on that date for that group to create ${PURPOSE_ELEMENT[purpose]}; keys given: ${why}`,
    );
  }
  usable.sort((a, b) => (a.validFrom < b.validFrom ? 1 : a.validFrom > b.validFrom ? -1 : 0));
  if (
    usable.length > 1 &&
    usable[0]!.validFrom === usable[1]!.validFrom &&
    usable[0]!.keyIdentifier !== usable[1]!.keyIdentifier
  )
    return err(
      `two ${purpose} keys usable for GroupID ${groupId} on ${day} start on the same date (${usable[0]!.keyIdentifier}, ${usable[1]!.keyIdentifier}) (TMAD 5.1(a)): expected one`,
    );
  return ok(usable[0]!);
}
