// Per-party mailboxes of the SMETS1 Migration Interface (TMAD 9.2: a directory structure per party
// through which it exchanges files; 9.3: only the files relevant to a party). Layout (docs/MAILBOXES.md):
//
//   <root>/<role>/<party id>/inbox/<file>      delivered, not yet taken
//   <root>/<role>/<party id>/taken/<file>      taken by the party (kept, never overwritten)
//   <root>/<role>/<party id>/.incoming/        a delivery in progress (never listed)
//
// A delivery is atomic: the bytes are written and synced under .incoming/, then hard-linked into
// inbox/ (which fails if the name is taken: a delivery never replaces a file) and the temporary name
// removed. A reader of inbox/ sees a whole file or none.
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';

/** The parties with a mailbox (TMAD 5.10(a), (d) and the files of later clauses). */
export const MAILBOX_ROLES = [
  'mcc',
  'dcc',
  's1sp',
  'dco',
  'requesting-party',
  'commissioning-party',
  'responsible-supplier',
  'smso',
] as const;
export type MailboxRole = (typeof MAILBOX_ROLES)[number];

export interface MailboxAddress {
  role: MailboxRole;
  /** The party's identifier: an EUI-64, a SEC Party Signifier or an SMSO code. */
  party: string;
}

/** A bad address or file name, or a name already in the inbox. */
export class MailboxError extends Error {
  override name = 'MailboxError';
}

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function checkName(what: string, s: string): void {
  if (!SAFE.test(s) || s.includes('..'))
    throw new MailboxError(
      `${what} '${s}': expected 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit (TMAD 9.2 mailbox layout)`,
    );
}

export function mailboxDirectory(root: string, a: MailboxAddress): string {
  if (!(MAILBOX_ROLES as readonly string[]).includes(a.role))
    throw new MailboxError(`mailbox role '${a.role}': expected one of ${MAILBOX_ROLES.join(', ')}`);
  checkName('party identifier', a.party);
  return path.join(root, a.role, a.party);
}

/** Where a delivered file of that name is (whether or not it exists). */
export function inboxPath(root: string, a: MailboxAddress, name: string): string {
  checkName('file name', name);
  return path.join(mailboxDirectory(root, a), 'inbox', name);
}

/**
 * Deliver the file at `source` (or the given bytes) into the party's inbox as `name`, atomically and
 * without replacing a file already there (MailboxError). Returns the delivered path.
 */
export async function deliver(
  root: string,
  to: MailboxAddress,
  name: string,
  source: string | Uint8Array,
): Promise<string> {
  const dir = mailboxDirectory(root, to);
  const target = inboxPath(root, to, name);
  const incoming = path.join(dir, '.incoming');
  await mkdir(incoming, { recursive: true, mode: 0o700 });
  await mkdir(path.join(dir, 'inbox'), { recursive: true, mode: 0o700 });
  const tmp = path.join(incoming, `${name}.${randomBytes(6).toString('hex')}`);
  try {
    if (typeof source === 'string') {
      // The kernel copies (a reflink where the file system has them): no bytes pass through JavaScript.
      await copyFile(source, tmp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      await chmod(tmp, 0o600);
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } else {
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true });
      await new Promise<void>((resolve, reject) => {
        out.on('error', reject);
        out.end(source, () => resolve());
      });
    }
    try {
      await link(tmp, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST')
        throw new MailboxError(`${target}: already delivered (a delivery never replaces a file)`);
      throw e;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return target;
}

/** The names in the party's inbox, sorted (an absent mailbox is empty). */
export async function list(root: string, of: MailboxAddress): Promise<string[]> {
  try {
    const names = await readdir(path.join(mailboxDirectory(root, of), 'inbox'));
    return names.filter((n) => SAFE.test(n)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * Take a delivered file: move it from inbox/ to taken/ (a taken name is never overwritten: the file
 * keeps its inbox entry and MailboxError is thrown) and return its new path.
 */
export async function take(root: string, of: MailboxAddress, name: string): Promise<string> {
  const from = inboxPath(root, of, name);
  const takenDir = path.join(mailboxDirectory(root, of), 'taken');
  await mkdir(takenDir, { recursive: true, mode: 0o700 });
  const to = path.join(takenDir, name);
  // link + unlink: a name already in taken/ is never replaced (rename would replace it).
  try {
    await link(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MailboxError(`${from}: no such file in the inbox`);
    if (code === 'EEXIST') throw new MailboxError(`${to}: a file of this name was already taken`);
    throw e;
  }
  await unlink(from);
  return to;
}

/** Every party with a mailbox under root (role and identifier), sorted. */
export async function parties(root: string): Promise<MailboxAddress[]> {
  const out: MailboxAddress[] = [];
  for (const role of MAILBOX_ROLES) {
    let names: string[];
    try {
      names = await readdir(path.join(root, role));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    for (const party of names.sort()) if (SAFE.test(party)) out.push({ role, party });
  }
  return out;
}
