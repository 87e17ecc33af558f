// Writing a file that holds personal or secret data (a decrypted Migration Authorisation, MAM 7.5):
// mode 0600 from the moment it exists, never through a symlink, never over an existing file unless
// asked. With `force` the new content goes to a fresh 0600 file beside the target that is then
// renamed over it (atomic: a reader sees the old file or the new one, and a symlink at the target is
// replaced, not followed).
import { randomBytes } from 'node:crypto';
import { constants as FS } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** The target exists and `force` was not given. */
export class FileExistsError extends Error {
  override name = 'FileExistsError';
  constructor(readonly file: string) {
    super(`${file}: exists`);
  }
}

async function writeExclusive(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(file, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, 0o600);
  try {
    await fh.chmod(0o600); // whatever the umask
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write `data` to `file` with mode 0600 (O_EXCL); an existing file is replaced only with `force`. */
export async function writePrivateFile(
  file: string,
  data: string | Uint8Array,
  opts: { force?: boolean } = {},
): Promise<void> {
  try {
    await writeExclusive(file, data);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (!opts.force) throw new FileExistsError(file);
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeExclusive(temp, data);
    await rename(temp, file);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}
