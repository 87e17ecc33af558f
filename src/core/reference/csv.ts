// The reference-data CSV format (docs/REFERENCE-DATA.md): RFC 4180 fields, one record per physical
// line (LF or CRLF), a header line naming exactly the registry's columns in order, UTF-8, no comments.
// The reader takes one line at a time, so a file of a million rows streams: every bad row is reported
// with the file, line, column name, rule and what was expected, and one bad row never hides another.
import { csvField, tokenizeCsvLine } from '../formats/ma/csv-line.js';
import type { Problem } from '../problem.js';
import {
  REGISTRIES,
  type RegistryDefinition,
  type RegistryEntryTypes,
  type RegistryName,
} from './registries.js';

/** A problem in a reference-data file: always names the file and the line (null: the whole file). */
export interface ReferenceProblem extends Problem {
  file: string;
  line: number | null;
  /** The column name, or null when the problem is about the whole line or file. */
  field: string | null;
}

/** One stored entry: its identity, look-up key and its CSV fields in column order. */
export interface ReferenceRow {
  identity: string;
  lookupKey: string;
  fields: string[];
}

export const CSV_RULE = 'RFC 4180 (docs/REFERENCE-DATA.md)';
/** At most this many problems are kept per file (the count goes on). */
export const MAX_REPORTED_PROBLEMS = 1000;

export function headerLine(registry: RegistryName): string {
  return REGISTRIES[registry].columns.map((c) => csvField(c.name)).join(',');
}

export function rowLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** Reads one registry's CSV, line by line. */
export class ReferenceCsvReader<K extends RegistryName> {
  readonly definition: RegistryDefinition<RegistryEntryTypes[K]>;
  readonly problems: ReferenceProblem[] = [];
  problemCount = 0;
  rowCount = 0;
  private lineNo = 0;
  private sawHeader = false;
  private readonly seen = new Map<string, number>();
  /** Organisations: signifier -> [name, role, line] (one party, one name and role). */
  private readonly parties = new Map<string, [string, string, number]>();

  constructor(
    readonly registry: K,
    readonly file: string,
    /** Keep identities to find duplicates (memory: one string per row). */
    private readonly checkDuplicates = true,
  ) {
    this.definition = REGISTRIES[registry];
  }

  private report(p: Omit<ReferenceProblem, 'file'>): void {
    this.problemCount++;
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push({ file: this.file, ...p });
  }

  /** Feed the next physical line (without its LF). Returns the entry and its row when the line is good. */
  line(raw: string): { entry: RegistryEntryTypes[K]; row: ReferenceRow } | null {
    const n = ++this.lineNo;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (n === 1 && text.charCodeAt(0) === 0xfeff) {
      this.report({
        line: 1,
        column: 1,
        field: null,
        rule: CSV_RULE,
        message: 'a byte order mark: expected UTF-8 without BOM',
      });
      return null;
    }
    const cols = this.definition.columns;
    if (!this.sawHeader) {
      this.sawHeader = true;
      const expected = headerLine(this.registry);
      if (text !== expected)
        this.report({
          line: n,
          column: 1,
          field: null,
          rule: CSV_RULE,
          message: `header '${text.slice(0, 300)}': expected exactly '${expected}' (the ${this.definition.title} columns, in this order)`,
        });
      return null;
    }
    if (text === '') {
      this.report({
        line: n,
        column: 1,
        field: null,
        rule: CSV_RULE,
        message: 'an empty line: expected a row of the registry',
      });
      return null;
    }
    this.rowCount++;
    const tok = tokenizeCsvLine(text);
    if (!tok.ok) {
      this.report({
        line: n,
        column: tok.column,
        field: cols[tok.fields.length]?.name ?? null,
        rule: CSV_RULE,
        message: tok.message,
      });
      return null;
    }
    if (tok.fields.length !== cols.length) {
      this.report({
        line: n,
        column: 1,
        field: null,
        rule: CSV_RULE,
        message: `${tok.fields.length} fields: expected ${cols.length} (${cols.map((c) => c.name).join(', ')})`,
      });
      return null;
    }
    let bad = false;
    const f: Record<string, string> = {};
    tok.fields.forEach((fld, i) => {
      const col = cols[i]!;
      f[col.name] = fld.value;
      let expected: string | null = null;
      if (fld.value === '') expected = col.optional ? null : 'a value (the column is required)';
      else if (col.check) expected = col.check(fld.value);
      if (expected !== null) {
        bad = true;
        this.report({
          line: n,
          column: fld.start + 1,
          field: col.name,
          rule: col.rule,
          message: `'${fld.value.slice(0, 100)}': expected ${expected}`,
        });
      }
    });
    if (bad) return null;
    const built = this.definition.build(f);
    if ('problems' in built) {
      for (const p of built.problems) {
        const i = p.field === null ? -1 : cols.findIndex((c) => c.name === p.field);
        this.report({
          line: n,
          column: i < 0 ? 1 : tok.fields[i]!.start + 1,
          field: p.field,
          rule: p.rule,
          message: p.message,
        });
      }
      return null;
    }
    const entry = built.entry;
    const identity = this.definition.identity(entry);
    if (this.checkDuplicates) {
      const first = this.seen.get(identity);
      if (first !== undefined) {
        this.report({
          line: n,
          column: 1,
          field: null,
          rule: this.definition.clause,
          message: `the same entry as line ${first} (${identity}): expected each entry once`,
        });
        return null;
      }
      this.seen.set(identity, n);
    }
    if (this.registry === 'organisations') {
      const o = entry as RegistryEntryTypes['organisations'];
      const prev = this.parties.get(o.partySignifier);
      if (prev && (prev[0] !== o.name || prev[1] !== o.role)) {
        this.report({
          line: n,
          column: 1,
          field: prev[0] !== o.name ? 'Name' : 'Role',
          rule: 'TMAD 2 Supplier Party / Network Party',
          message: `party ${o.partySignifier} is '${o.name}' (${o.role}) here but '${prev[0]}' (${prev[1]}) on line ${prev[2]}: expected one name and role per Party Signifier`,
        });
        return null;
      }
      if (!prev) this.parties.set(o.partySignifier, [o.name, o.role, n]);
    }
    return {
      entry,
      row: {
        identity,
        lookupKey: this.definition.lookupKey(entry),
        fields: tok.fields.map((x) => x.value),
      },
    };
  }

  /** After the last line. */
  finish(): void {
    if (!this.sawHeader)
      this.report({
        line: null,
        column: null,
        field: null,
        rule: CSV_RULE,
        message: `an empty file: expected the header '${headerLine(this.registry)}'`,
      });
  }
}

/** Read a whole CSV text (tests and small files). */
export function readReferenceCsv<K extends RegistryName>(
  registry: K,
  file: string,
  text: string,
): { entries: RegistryEntryTypes[K][]; rows: ReferenceRow[]; problems: ReferenceProblem[] } {
  const r = new ReferenceCsvReader(registry, file);
  const entries: RegistryEntryTypes[K][] = [];
  const rows: ReferenceRow[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const l of lines) {
    const got = r.line(l);
    if (got) {
      entries.push(got.entry);
      rows.push(got.row);
    }
  }
  r.finish();
  return { entries, rows, problems: r.problems };
}

/** Parse the stored fields of a registry's entry back into its typed entry (stored rows were checked on import). */
export function entryOf<K extends RegistryName>(
  registry: K,
  fields: readonly string[],
): RegistryEntryTypes[K] {
  const def = REGISTRIES[registry] as unknown as RegistryDefinition<RegistryEntryTypes[K]>;
  const f: Record<string, string> = {};
  def.columns.forEach((c, i) => (f[c.name] = fields[i] ?? ''));
  const built = def.build(f);
  if ('problems' in built)
    throw new Error(`stored ${registry} entry no longer valid: ${built.problems[0]!.message}`);
  return built.entry;
}

/** Lines of an export: the header, then one line per row; each line ends with LF. */
export function* exportLines(registry: RegistryName, rows: Iterable<readonly string[]>): Generator<string> {
  yield headerLine(registry) + '\n';
  for (const r of rows) yield rowLine(r) + '\n';
}
