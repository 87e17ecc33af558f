// TMAD 5.9: a rejected file is discarded — with `--discard-to <dir>` moved out of the intake into
// <dir>, its verdict beside it as <name>.verdict.json. A discard never overwrites: a second rejected
// file of the same name becomes <name>.1 (verdict <name>.1.verdict.json), then <name>.2, ...; and
// <dir> may be on another file system (rename fails with EXDEV there: the file is copied, then removed).
import { constants as FS } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface Discarded {
  /** Where the file now is. */
  file: string;
  /** Its verdict. */
  verdictFile: string;
}

/** The file-system calls used (replaceable in tests, e.g. to make link fail with EXDEV). */
export interface DiscardFs {
  link: (from: string, to: string) => Promise<void>;
  copyFile: (from: string, to: string, mode: number) => Promise<void>;
}

const DEFAULT_FS: DiscardFs = { link, copyFile };

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if (code(e) === 'ENOENT') return false;
    throw e;
  }
}

/**
 * Move `file` into `dir` under a name no other discard has taken, and write `verdict` (JSON) beside
 * it (`verdict` may be a function of the new name). The verdict file is reserved first (O_EXCL), the file is then hard-linked to its new name (which
 * fails rather than overwrites) and unlinked; across file systems (EXDEV, or a file system without
 * hard links) it is copied (COPYFILE_EXCL) and then removed.
 */
export async function discardFile(
  file: string,
  dir: string,
  verdict: unknown | ((target: string) => unknown),
  fs: DiscardFs = DEFAULT_FS,
): Promise<Discarded> {
  await mkdir(dir, { recursive: true });
  const base = path.basename(file);
  for (let n = 0; ; n++) {
    const target = path.join(dir, n === 0 ? base : `${base}.${n}`);
    const verdictFile = `${target}.verdict.json`;
    let fh;
    try {
      fh = await open(verdictFile, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, 0o644);
    } catch (e) {
      if (code(e) === 'EEXIST') continue;
      throw e;
    }
    try {
      if (await exists(target)) {
        await fh.close();
        fh = undefined;
        await unlink(verdictFile);
        continue;
      }
      try {
        await fs.link(file, target);
      } catch (e) {
        if (code(e) === 'EEXIST') {
          await fh.close();
          fh = undefined;
          await unlink(verdictFile);
          continue;
        }
        if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK'].includes(code(e) ?? '')) throw e;
        // Another file system (or no hard links): copy, never over an existing file.
        await fs.copyFile(file, target, FS.COPYFILE_EXCL);
      }
      await unlink(file);
      const written = typeof verdict === 'function' ? (verdict as (t: string) => unknown)(target) : verdict;
      await fh.writeFile(JSON.stringify(written, null, 2) + '\n');
      return { file: target, verdictFile };
    } finally {
      await fh?.close();
    }
  }
}
