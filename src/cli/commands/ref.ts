// s1mig ref: the reference-data registries (issue #11; TMAD 2, 3.6, 4.47, 4.48, 5.1(a), 5.2). Import
// from the CSV format of docs/REFERENCE-DATA.md (certificates also from PEM/DER files or a directory),
// list, show, export back to the same CSV. Parses, calls the store, prints.
import { stat, open } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  printJson,
  printLines,
  requireFile,
  setExit,
} from '../io.js';
import { openStore } from '../../store/index.js';
import {
  REGISTRIES,
  REGISTRY_NAMES,
  exportLines,
  headerLine,
  isRegistryName,
  rowLine,
  type ReferenceProblem,
  type RegistryName,
} from '../../core/reference/index.js';
import {
  readCertificateRows,
  readReferenceCsv,
  type ReferenceImportInput,
} from '../../files/reference-files.js';

function registryArg(v: string): RegistryName {
  if (!isRegistryName(v))
    throw new UsageError(`unknown registry '${v}': expected one of ${REGISTRY_NAMES.join(', ')}`);
  return v;
}

function describeProblem(p: ReferenceProblem): string {
  const where = [p.line === null ? null : `line ${p.line}`, p.field ? `column '${p.field}'` : null]
    .filter(Boolean)
    .join(', ');
  return `${p.file}${where ? `: ${where}` : ''}: ${p.message} [${p.rule}]`;
}

function asObject(registry: RegistryName, fields: readonly string[]): Record<string, string> {
  return Object.fromEntries(REGISTRIES[registry].columns.map((c, i) => [c.name, fields[i] ?? '']));
}

/** Certificates from PEM/DER files: a path that cannot be read is a usage error. */
async function certificateImport(file: string): Promise<ReferenceImportInput> {
  try {
    return await readCertificateRows(file);
  } catch (e) {
    throw new UsageError(describePathProblem(file, e, 'file or directory'));
  }
}

export function register(program: Command): void {
  const ref = commandGroup(program, 'ref');

  ref
    .command('import <registry> <file>')
    .description(
      `Import a registry from its CSV (docs/REFERENCE-DATA.md); registries: ${REGISTRY_NAMES.join(', ')}. ` +
        'certificates also from PEM/DER files or a directory of them. Every bad row is reported and nothing ' +
        'is stored; without --replace an entry of the same identity is updated and new ones are added',
    )
    .option('--replace', "replace the registry's entries with the file's")
    .option('--json', 'print JSON')
    .action(async (name: string, file: string, o: { replace?: boolean; json?: boolean }) => {
      const registry = registryArg(name);
      let isDir = false;
      try {
        isDir = (await stat(file)).isDirectory();
      } catch (e) {
        throw new UsageError(describePathProblem(file, e));
      }
      const fromPem = registry === 'certificates' && (isDir || !/\.csv$/i.test(file));
      if (!fromPem) await requireFile(file, 'CSV file');
      const input = fromPem ? await certificateImport(file) : await readReferenceCsv(registry, file);
      if (input.problemCount > 0) {
        if (o.json)
          printJson({
            registry,
            file,
            ok: false,
            problemCount: input.problemCount,
            problems: input.problems,
          });
        else {
          process.stderr.write(input.problems.map((p) => describeProblem(p) + '\n').join(''));
          if (input.problemCount > input.problems.length)
            process.stderr.write(`... and ${input.problemCount - input.problems.length} more\n`);
          process.stderr.write(
            `${file}: ${input.problemCount} problem(s); nothing imported into ${registry}\n`,
          );
        }
        setExit(EXIT.INVALID);
        return;
      }
      const store = await openStore();
      try {
        const result = await store.reference.import(registry, input.rows(), { replace: !!o.replace });
        if (o.json) printJson({ file, ok: true, ...result });
        else
          printLines(
            `${registry}: ${result.added} added, ${result.updated} updated${o.replace ? `, ${result.removed} replaced` : ''}; ${result.total} entries (${store.location})`,
            ...result.warnings.map((w) => `warning: ${w.message} (TMAD 2, 5.10.2/5.10.3)`),
          );
      } finally {
        await store.close();
      }
    });

  ref
    .command('list [registry]')
    .description(
      'Without a registry: the entries per registry. With one: its entries in import order, as CSV',
    )
    .option('--limit <n>', 'at most this many entries (default 100)', '100')
    .option('--offset <n>', 'skip this many entries first', '0')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o: { limit: string; offset: string; json?: boolean }) => {
      const registry = name === undefined ? undefined : registryArg(name);
      const limit = wholeNumber(o.limit, '--limit');
      const offset = wholeNumber(o.offset, '--offset');
      const store = await openStore();
      try {
        if (registry === undefined) {
          const counts = await store.reference.counts();
          if (o.json) printJson(counts.map((c) => ({ ...c, title: REGISTRIES[c.registry].title })));
          else
            printLines(
              ...counts.map(
                (c) =>
                  `${c.registry.padEnd(22)} ${String(c.entries).padStart(9)}  ${REGISTRIES[c.registry].title}`,
              ),
            );
          return;
        }
        const rows = await store.reference.list(registry, { limit, offset });
        if (o.json) printJson(rows.map((r) => ({ identity: r.identity, ...asObject(registry, r.fields) })));
        else printLines(headerLine(registry), ...rows.map((r) => rowLine(r.fields)));
      } finally {
        await store.close();
      }
    });

  ref
    .command('show <registry> <key>')
    .description(
      'The entries with this key: products Manufacturer|Model|Firmware, epc Entry ID, group-models GroupID, ' +
        'smi Device ID, registration MPAN or MPRN, organisations DCC User ID, certificates serial number, ' +
        'network-operator-ids distributor, group-keys Key Identifier (exit 1 when none)',
    )
    .option('--json', 'print JSON')
    .action(async (name: string, key: string, o: { json?: boolean }) => {
      const registry = registryArg(name);
      const store = await openStore();
      try {
        const rows = await store.reference.show(registry, key);
        if (o.json) printJson(rows.map((r) => ({ identity: r.identity, ...asObject(registry, r.fields) })));
        else if (rows.length === 0) process.stderr.write(`${registry}: no entry with key '${key}'\n`);
        else
          printLines(
            ...rows.flatMap((r, i) => [
              ...(i > 0 ? [''] : []),
              ...Object.entries(asObject(registry, r.fields)).map(([k, v]) => `${k}: ${v}`),
            ]),
          );
        if (rows.length === 0) setExit(EXIT.INVALID);
      } finally {
        await store.close();
      }
    });

  ref
    .command('export <registry>')
    .description('Write the registry as its CSV (docs/REFERENCE-DATA.md), in import order')
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--json', 'print JSON: the entries, or with --out a summary')
    .action(async (name: string, o: { out?: string; json?: boolean }) => {
      const registry = registryArg(name);
      const store = await openStore();
      try {
        if (o.json && o.out === undefined) {
          const all: Record<string, string>[] = [];
          for await (const f of store.reference.export(registry)) all.push(asObject(registry, f));
          printJson(all);
          return;
        }
        let entries = 0;
        const counted = (async function* () {
          for await (const f of store.reference.export(registry)) {
            entries++;
            yield f;
          }
        })();
        if (o.out === undefined) {
          for await (const line of asyncExportLines(registry, counted)) {
            if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once('drain', r));
          }
          return;
        }
        let fh;
        try {
          fh = await open(o.out, 'w');
        } catch (e) {
          throw new UsageError(describePathProblem(o.out, e, 'output file'));
        }
        try {
          let buf = '';
          for await (const line of asyncExportLines(registry, counted)) {
            buf += line;
            if (buf.length > 1 << 20) {
              await fh.write(buf);
              buf = '';
            }
          }
          await fh.write(buf);
        } finally {
          await fh.close();
        }
        if (o.json) printJson({ registry, out: o.out, entries });
        else printLines(`${registry}: ${entries} entries written to ${o.out}`);
      } finally {
        await store.close();
      }
    });
}

async function* asyncExportLines(
  registry: RegistryName,
  rows: AsyncIterable<string[]>,
): AsyncGenerator<string> {
  const [header] = exportLines(registry, []);
  yield header!;
  for await (const f of rows) yield rowLine(f) + '\n';
}

function wholeNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} '${v}': expected a whole number`);
  return n;
}
