// s1mig smso: the SMETS1 SMSO party (TMAD 4.21, 4.24A, 4.44B, 11): import its inventory and key material,
// list and show installations, delete key material, and write the TMAD 11 hand-over file for the
// Requesting Party. Thin: parsing, the store, printing; the rules live in src/smso and src/core.
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  parseInstant,
  printJson,
  printLines,
  requireFile,
  setExit,
} from '../io.js';
import { escapeControls } from '../ma-files.js';
import { openStore } from '../../store/index.js';
import type { SmsoCsvProblem } from '../../core/formats/smso/csv.js';
import { parseGroupKeyNotice, type GroupKeyNotice } from '../../core/formats/smso/group-key.js';
import {
  KeyMaterialError,
  SmsoUsageError,
  checkSmsoCode,
  encryptForRequestingParty,
  importInventory,
  parseInstallationList,
  type KeyMaterialSource,
} from '../../smso/index.js';

/** Largest inventory, key or installations file read (bytes). */
const MAX_INPUT_BYTES = 1024 * 1024 * 1024;

/** The key-material file, read as a stream twice (checked, then sealed in batches) by the import. */
async function keySource(file: string): Promise<KeyMaterialSource> {
  await requireFile(file, 'file');
  await readable(file, 'key-material CSV');
  return { open: () => createReadStream(file, { highWaterMark: 1 << 20 }), file };
}

async function readable(file: string, what: string): Promise<void> {
  try {
    await (await open(file, 'r')).close();
  } catch (e) {
    throw new UsageError(
      `${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

function formatProblem(p: SmsoCsvProblem): string {
  const where = `${p.file}:${p.line ?? ''}${p.line !== null && p.column !== null ? `:${p.column}` : ''}`;
  return escapeControls(`${where}: ${p.field ? `${p.field}: ` : ''}${p.message} (${p.rule})`);
}

async function readInput(file: string, what: string): Promise<string> {
  const size = await requireFile(file, 'file');
  if (size > MAX_INPUT_BYTES)
    throw new UsageError(`${file}: ${size} bytes, larger than ${MAX_INPUT_BYTES} for ${what}`);
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

function smsoArg(code: string): string {
  try {
    return checkSmsoCode(code);
  } catch (e) {
    if (e instanceof SmsoUsageError) throw new UsageError(e.message);
    throw e;
  }
}

function reportProblems(problems: SmsoCsvProblem[], json: boolean | undefined, summary: string): void {
  if (json) printJson({ accepted: false, problems });
  else printLines(...problems.map(formatProblem), summary);
  setExit(EXIT.INVALID);
}

/** Translate the party's usage errors (missing passphrase, no usable key) into the CLI's. */
async function asUsage<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof SmsoUsageError || e instanceof KeyMaterialError) throw new UsageError(e.message);
    throw e;
  }
}

function parseCount(v: string, flag: string, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n > max)
    throw new UsageError(`${flag} '${escapeControls(v)}': expected a whole number from 0 to ${max}`);
  return n;
}

export function register(program: Command): void {
  const g = commandGroup(program, 'smso');

  g.command('import')
    .description(
      "Import an SMSO's inventory CSV (TMAD 4.21: Device IDs, models, serial numbers, Active/Dormant, MPAN/MPRN, " +
        'last WAN contact, HAN join times, unsolicited half-hourly data of 4.24A/4.44B) and optionally its ' +
        'key-material CSV (TMAD 11; stored encrypted under S1MIG_KEY_PASSPHRASE). A file with any problem imports nothing. ' +
        'Formats: docs/SMSO.md',
    )
    .argument('<smso>', 'SMSO code (MAM 7.2.2), e.g. CGI')
    .argument('<inventory>', 'inventory CSV file')
    .option('--keys <file>', 'key-material CSV file (secret: read once, stored only encrypted)')
    .option('--json', 'print JSON')
    .action(async (smso: string, inventory: string, o: { keys?: string; json?: boolean }) => {
      const code = smsoArg(smso);
      const text = await readInput(inventory, 'inventory CSV');
      const keys = o.keys !== undefined ? await keySource(o.keys) : undefined;
      const store = await openStore();
      try {
        const r = await asUsage(() =>
          importInventory(store, code, { inventory: { text, file: inventory }, ...(keys ? { keys } : {}) }),
        );
        if (!r.accepted) {
          reportProblems(
            r.problems,
            o.json,
            `s1mig smso import: ${r.problems.length} problem(s); nothing imported`,
          );
          return;
        }
        if (o.json) printJson(r);
        else
          printLines(
            `imported ${r.installations} installation(s), ${r.devices} device(s) for SMSO ${r.smso}` +
              (keys ? `; key material for ${r.keyMaterial} installation(s), encrypted at rest` : '') +
              (r.keyMaterialDeleted
                ? `; key material of ${r.keyMaterialDeleted} installation(s) deleted (devices changed)`
                : '') +
              ` (${store.location})`,
          );
      } finally {
        await store.close();
      }
    });

  g.command('list')
    .description(
      "List an SMSO's installations: CHF Device ID, MPAN, MPRN, meter statuses, last WAN contact, flags",
    )
    .argument('<smso>', 'SMSO code')
    .option('--limit <n>', 'at most this many (default all)')
    .option('--offset <n>', 'skip this many first')
    .option('--json', 'print JSON')
    .action(async (smso: string, o: { limit?: string; offset?: string; json?: boolean }) => {
      const code = smsoArg(smso);
      const limit = o.limit !== undefined ? parseCount(o.limit, '--limit', 10_000_000) : undefined;
      const offset = o.offset !== undefined ? parseCount(o.offset, '--offset', 10_000_000) : undefined;
      const store = await openStore();
      try {
        const list = await store.smso.list(code, {
          ...(limit !== undefined ? { limit } : {}),
          ...(offset !== undefined ? { offset } : {}),
        });
        if (o.json) printJson(list);
        else if (list.length === 0) printLines(`no installations for SMSO ${code} (${store.location})`);
        else
          printLines(
            ...list.map(
              (i) =>
                `${i.chfDeviceId} MPAN ${i.mpan ?? '-'} MPRN ${i.mprn ?? '-'} ESME ${i.esmeStatus ?? '-'} GSME ${i.gsmeStatus ?? '-'} ` +
                `WAN ${i.lastWanContactAt ?? 'never'} devices ${i.deviceCount}${i.unsolicitedHalfHourlyData ? ' unsolicited-HH-data' : ''}${i.hasKeyMaterial ? ' keys' : ' no-keys'}`,
            ),
          );
      } finally {
        await store.close();
      }
    });

  g.command('show')
    .description(
      'Show one installation of an SMSO with every device (never its keys: only whether they are held)',
    )
    .argument('<smso>', 'SMSO code')
    .argument('<chf-device-id>', 'the CHF Device ID (EUI-64)')
    .option('--json', 'print JSON')
    .action(async (smso: string, chf: string, o: { json?: boolean }) => {
      const code = smsoArg(smso);
      const ids = parseInstallationList(chf, '<chf-device-id>');
      if (ids.problems.length || ids.ids.length !== 1)
        throw new UsageError(`'${escapeControls(chf)}': expected one CHF Device ID (EUI-64)`);
      const store = await openStore();
      try {
        const i = await store.smso.get(code, ids.ids[0]!.chf);
        if (!i) {
          if (o.json) printJson({ found: false, chfDeviceId: ids.ids[0]!.chf });
          else printLines(`no installation ${ids.ids[0]!.chf} for SMSO ${code}`);
          setExit(EXIT.INVALID);
          return;
        }
        if (o.json) printJson(i);
        else
          printLines(
            `installation ${i.chfDeviceId} (SMSO ${i.smso}, imported ${i.importedAt.toISOString()} from ${i.sourceFile})`,
            `  MPAN ${i.mpan ?? '-'}  MPRN ${i.mprn ?? '-'}  last WAN contact ${i.lastWanContactAt ?? 'never'}`,
            `  unsolicited half-hourly data (TMAD 4.24A/4.44B): ${i.unsolicitedHalfHourlyData ? 'yes' : 'no'}`,
            `  key material: ${i.hasKeyMaterial ? 'held (encrypted at rest)' : 'none'}`,
            ...i.devices.map(
              (d) =>
                `  ${d.deviceType.padEnd(5)} ${d.deviceId} ${d.manufacturer} ${d.model} fw ${d.firmwareVersion}` +
                `${d.serialNumber ? ` serial ${d.serialNumber}` : ''}${d.status ? ` ${d.status}` : ''}${d.hanJoinedAt ? ` joined ${d.hanJoinedAt}` : ''}`,
            ),
          );
      } finally {
        await store.close();
      }
    });

  g.command('encrypt')
    .description(
      'Write the hand-over file for the Requesting Party (docs/SMSO.md): per installation the ' +
        'EncryptedS1SPGroupInformation (Tables 11.2.1/11.2.2), EncryptedMasterKey (11.3), SUAKeyDetails (DA, 11.3B), ' +
        'with the TMAD 5.1(a) keys valid for the group and date; the plaintext only for GroupIDs EB and EC (11.1)',
    )
    .argument('<smso>', 'SMSO code')
    .requiredOption('--group <GroupID>', 'GroupID (AA, BA, CA, CB, DA, EA, EB, EC)')
    .requiredOption('--installations <file>', 'one CHF Device ID per line')
    .requiredOption(
      '--public-key <notice...>',
      'TMAD 5.1(a) key notice files (Purpose, Valid-From, Valid-To, GroupIDs + PEM)',
    )
    .requiredOption('--out <file>', 'the hand-over file to write (JSON Lines; not overwritten)')
    .option('--at <iso>', 'the time of use for the key validity dates (default now)')
    .option('--json', 'print JSON')
    .action(
      async (
        smso: string,
        o: {
          group: string;
          installations: string;
          publicKey: string[];
          out: string;
          at?: string;
          json?: boolean;
        },
      ) => {
        const code = smsoArg(smso);
        const at = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        const notices: GroupKeyNotice[] = [];
        for (const f of o.publicKey) {
          const r = parseGroupKeyNotice(await readInput(f, 'key notice'), f);
          if (!r.ok) throw new UsageError(r.error);
          notices.push(r.value);
        }
        const list = parseInstallationList(
          await readInput(o.installations, 'installations file'),
          o.installations,
        );
        if (list.problems.length) {
          reportProblems(
            list.problems,
            o.json,
            's1mig smso encrypt: the installations file has problems; nothing written',
          );
          return;
        }
        const tmp = `${o.out}.partial-${process.pid}`;
        let fh;
        try {
          await writeFile(o.out, '', { flag: 'wx' });
          fh = await open(tmp, 'wx', 0o600);
        } catch (e) {
          const c = (e as NodeJS.ErrnoException).code;
          throw new UsageError(
            c === 'EEXIST'
              ? `${o.out}: already exists (not overwritten)`
              : `${o.out}: cannot write (${c ?? (e as Error).message})`,
          );
        }
        const store = await openStore();
        let ok = false;
        try {
          const handle = fh;
          const r = await asUsage(() =>
            encryptForRequestingParty(store, code, {
              groupId: o.group,
              installations: list.ids,
              installationsFile: o.installations,
              notices,
              at,
              write: async (chunk) => {
                await handle.write(chunk);
              },
            }),
          );
          await fh.close();
          fh = undefined;
          await rename(tmp, o.out);
          ok = true;
          if (o.json) printJson({ out: o.out, ...r });
          else
            printLines(
              ...r.problems.map(formatProblem),
              `wrote ${o.out}: ${r.written} installation(s), GroupID ${r.groupId}, keys ${r.keys.map((k) => `${k.purpose} ${k.keyIdentifier}`).join(', ')}` +
                (r.problems.length ? `; ${r.problems.length} installation(s) left out` : ''),
            );
          if (r.problems.length) setExit(EXIT.INVALID);
        } finally {
          await fh?.close().catch(() => undefined);
          await store.close();
          if (!ok) {
            await rm(tmp, { force: true });
            await rm(o.out, { force: true });
          }
        }
      },
    );

  g.command('delete-keys')
    .description(
      "Delete the key material held for installations (TMAD 11 keys; e.g. after migration, 14.14, or 7.9's decommissioning)",
    )
    .argument('<smso>', 'SMSO code')
    .argument('[chf-device-id...]', 'CHF Device IDs')
    .option('--installations <file>', 'one CHF Device ID per line')
    .option('--json', 'print JSON')
    .action(async (smso: string, chfs: string[], o: { installations?: string; json?: boolean }) => {
      const code = smsoArg(smso);
      const lists = [parseInstallationList(chfs.join('\n'), '<chf-device-id>')];
      if (o.installations !== undefined)
        lists.push(
          parseInstallationList(await readInput(o.installations, 'installations file'), o.installations),
        );
      const problems = lists.flatMap((l) => l.problems);
      if (problems.length) {
        reportProblems(problems, o.json, 's1mig smso delete-keys: nothing deleted');
        return;
      }
      const ids = [...new Set(lists.flatMap((l) => l.ids.map((i) => i.chf)))];
      if (ids.length === 0) throw new UsageError('give CHF Device IDs or --installations <file>');
      const store = await openStore();
      try {
        const n = await store.smso.deleteKeyMaterial(code, ids);
        if (o.json) printJson({ smso: code, requested: ids.length, deleted: n });
        else printLines(`deleted the key material of ${n} of ${ids.length} installation(s) of SMSO ${code}`);
      } finally {
        await store.close();
      }
    });

  g.command('export')
    .description(
      "Write the SMSO's stored inventory as its inventory CSV (docs/SMSO.md), the file the Requesting Party reads " +
        '(`rp build-mcf --inventory`); never over an existing file; no key material',
    )
    .argument('<smso>', 'SMSO code (MAM 7.2.2), e.g. CGI')
    .requiredOption('--out <file>', 'inventory CSV to write')
    .action(async (smso: string, o: { out: string }) => {
      const code = smsoArg(smso);
      const { writeSmsoInventoryCsv } = await import('../../core/formats/smso/inventory.js');
      const store = await openStore();
      let installations;
      try {
        const ids = (await store.smso.list(code)).map((x) => x.chfDeviceId);
        installations = [];
        for (let i = 0; i < ids.length; i += 1000) {
          const part = ids.slice(i, i + 1000);
          const got = await store.smso.getMany(code, part);
          for (const id of part) if (got.has(id)) installations.push(got.get(id)!);
        }
      } finally {
        await store.close();
      }
      try {
        await writeFile(o.out, writeSmsoInventoryCsv(installations), { flag: 'wx' });
      } catch (e) {
        const c = (e as NodeJS.ErrnoException).code;
        throw new UsageError(
          c === 'EEXIST' ? `${o.out}: already exists (not overwritten)` : `${o.out}: cannot write (${c})`,
        );
      }
      printLines(`wrote ${o.out} (${installations.length} installation(s) of SMSO ${code})`);
    });

  g.command('generate')
    .description(
      'Generate a reproducible simulated SMSO inventory CSV (and its key-material CSV): the same seed gives the same bytes',
    )
    .requiredOption('--installations <n>', 'how many installations')
    .requiredOption('--seed <s>', 'the seed')
    .requiredOption('--out <file>', 'inventory CSV to write')
    .option('--keys-out <file>', 'key-material CSV to write (test keys)')
    .option('--smso <code>', 'SMSO code the estate belongs to (default CGI)', 'CGI')
    .option('--as-of <iso>', 'the time the inventory describes (default 2026-01-05T00:00:00Z)')
    .action(
      async (o: {
        installations: string;
        seed: string;
        out: string;
        keysOut?: string;
        smso: string;
        asOf?: string;
      }) => {
        const n = parseCount(o.installations, '--installations', 1_000_000);
        const code = smsoArg(o.smso);
        const { generateSmsoInventoryFiles } = await import('../../estate/smso-inventory.js');
        const files = generateSmsoInventoryFiles({
          installations: n,
          seed: o.seed,
          smso: code,
          ...(o.asOf !== undefined ? { asOf: parseInstant(o.asOf, '--as-of') } : {}),
        });
        const write = async (f: string, text: string, mode?: number): Promise<void> => {
          try {
            await writeFile(f, text, { flag: 'wx', ...(mode ? { mode } : {}) });
          } catch (e) {
            const c = (e as NodeJS.ErrnoException).code;
            throw new UsageError(
              c === 'EEXIST' ? `${f}: already exists (not overwritten)` : `${f}: cannot write (${c})`,
            );
          }
        };
        await write(o.out, files.inventoryCsv);
        if (o.keysOut !== undefined) await write(o.keysOut, files.keysCsv, 0o600);
        printLines(
          `wrote ${o.out} (${n} installation(s), seed ${o.seed})${o.keysOut !== undefined ? ` and ${o.keysOut}` : ''}`,
        );
      },
    );
}
