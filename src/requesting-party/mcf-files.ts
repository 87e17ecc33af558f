// Signed MCFs from a plan (TMAD 5.6, 5.8, 10.1, 10.2): one file per planned MCF, a fresh MCFCounter
// each (increasing per Requesting Party, 5.6), named per Table 10.2, signed with the Requesting Party's
// requestingPartyFileSigning key (Table 5.5). Written to a temporary file, signed into the final name,
// never over an existing file.
import { createWriteStream } from 'node:fs';
import { link, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { createMigrationCommonFileWriter } from '../core/formats/migration-files/writer.js';
import { migrationFileName } from '../core/formats/migration-files/file-name.js';
import type { MigrationCommonHeader } from '../core/formats/migration-files/types.js';
import { signXmlFile } from '../lib/xmldsig/index.js';
import type { McfPlan } from './mcf-builder.js';

/** TMAD 5.6: the Requesting Party's counters, each file a value greater than any before it. */
export interface RequestingPartyCounters {
  next(requestingPartyId: string, fileType: 'MCF' | 'MGF' | 'MEF'): Promise<bigint>;
}

export interface McfSigner {
  privateKey: KeyObject;
  issuerName: string;
  serialNumber: string;
}

export interface WrittenMcf {
  file: string;
  name: string;
  mcfCounter: bigint;
  groupId: string;
  supplierParty: string;
  supplierSignifier: string;
  toBeCommissionedByDcc: boolean;
  migrateOn: string | null;
  installations: number;
  bytes: number;
}

export class McfWriteError extends Error {
  override name = 'McfWriteError';
}

export async function writeMigrationCommonFiles(
  plan: McfPlan,
  opts: {
    requestingPartyId: string;
    signer: McfSigner;
    counters: RequestingPartyCounters;
    outDir: string;
  },
): Promise<WrittenMcf[]> {
  const out: WrittenMcf[] = [];
  for (const mcf of plan.mcfs) {
    const counter = await opts.counters.next(opts.requestingPartyId, 'MCF');
    const header: MigrationCommonHeader = {
      requestingPartyId: opts.requestingPartyId,
      mcfCounter: counter,
      groupId: mcf.groupId,
      toBeCommissionedByDcc: mcf.toBeCommissionedByDcc,
    };
    const name = migrationFileName('MCF', header);
    const file = path.join(opts.outDir, name);
    const unsigned = `${file}.unsigned-${process.pid}`;
    const signed = `${file}.signed-${process.pid}`;
    try {
      const ws = createWriteStream(unsigned, { flags: 'wx', mode: 0o600 });
      const w = createMigrationCommonFileWriter(ws, header);
      for (const i of mcf.installations) await w.writeInstallation(i);
      await w.end();
      await signXmlFile(unsigned, signed, opts.signer);
      // link() refuses an existing target: a file of that name is never replaced.
      try {
        await link(signed, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new McfWriteError(`${file} exists: not overwritten (MCFCounter ${counter})`);
        throw e;
      }
    } finally {
      await unlink(unsigned).catch(() => undefined);
      await unlink(signed).catch(() => undefined);
    }
    out.push({
      file,
      name,
      mcfCounter: counter,
      groupId: mcf.groupId,
      supplierParty: mcf.supplierParty,
      supplierSignifier: mcf.supplierSignifier,
      toBeCommissionedByDcc: mcf.toBeCommissionedByDcc,
      migrateOn: mcf.migrateOn,
      installations: mcf.installations.length,
      bytes: (await stat(file)).size,
    });
  }
  return out;
}
