// The Responsible Supplier's Migration Authorisation builder (MAM 4, 7.2; TMAD 4.35–4.40): from a
// list of MPxNs and the supplier's certificate IDs to a file that validates. Pure (no I/O): the
// CLI reads the inputs and writes the file.
import { isIsoDate, londonDateOf, migrationCycle, migrationWeekOf } from '../core/calendar/index.js';
import {
  MA_CERTIFICATE_KEYS,
  MANDATORY_WITH_MPAN,
  MANDATORY_WITH_MPRN,
  MaValidator,
  certificateFields,
  certificateLabel,
  maFileName,
  renderMaHeader,
  renderMaRow,
  tokenizeCsvLine,
  type MaCertificateKey,
  type MaCertificates,
  type MaProblem,
  type MaRowInput,
} from '../core/formats/ma/index.js';
import { DigitLineIndex } from '../core/formats/ma/line-index.js';
import {
  type CertificateId,
  type Eui64,
  parseCertificateId,
  parseMpan,
  parseMprn,
} from '../core/ids/index.js';

/** One entry of the input list; `line` is the 1-based line of the input list file. */
export interface MpxnEntry {
  line: number;
  mpan: string | null;
  mprn: string | null;
  /** Optional per-entry overrides (JSON lists only). */
  priority?: boolean;
  migrateOn?: string;
  migrationWeek?: string;
}

export interface ParsedList<T> {
  value: T;
  problems: MaProblem[];
}

const LIST_RULE = 'MAM 4';

/** MPANs or MPRNs seen in a list → their first line: digit strings compactly (DigitLineIndex), others in a Map. */
class SeenValues {
  private readonly digits = new DigitLineIndex();
  private readonly other = new Map<string, number>();
  firstLineOrSet(value: string, line: number): number | undefined {
    if (/^\d{1,15}$/.test(value)) return this.digits.firstLineOrSet(value, line);
    const first = this.other.get(value);
    if (first === undefined) this.other.set(value, line);
    return first;
  }
}

function checkEntry(e: MpxnEntry, problems: MaProblem[], seen: { mpan: SeenValues; mprn: SeenValues }) {
  if (e.mpan === null && e.mprn === null) {
    problems.push({
      line: e.line,
      field: 'MPAN',
      rule: LIST_RULE,
      message: 'neither an MPAN nor an MPRN is given: each entry needs an MPAN, an MPRN, or both',
    });
    return false;
  }
  let ok = true;
  for (const [field, value, parse, firstLines] of [
    ['MPAN', e.mpan, parseMpan, seen.mpan],
    ['MPRN', e.mprn, parseMprn, seen.mprn],
  ] as const) {
    if (value === null) continue;
    const p = parse(value);
    const first = p.ok ? firstLines.firstLineOrSet(value, e.line) : undefined;
    if (!p.ok) problems.push({ line: e.line, field, rule: 'MAM 7.2.3', message: p.error });
    else if (first !== undefined)
      problems.push({
        line: e.line,
        field,
        rule: 'MAM 7.2.3',
        message: `${field} ${value} is also on line ${first} of the list: each ${field} may appear only once`,
      });
    if (!p.ok || first !== undefined) ok = false;
  }
  return ok;
}

/**
 * A CSV list read one line at a time (`mpan,mprn` per line, as parseMpxnCsv): feed it the lines in
 * order with `line()`, which returns the line's entry when it is sound. Holds only the duplicate
 * index (DigitLineIndex, about 24 bytes an MPxN) and the problems, so a list of any length can be
 * streamed from a file (issue #10) and read again for each pass of the builder.
 */
export class MpxnCsvLines {
  readonly problems: MaProblem[] = [];
  private readonly seen = { mpan: new SeenValues(), mprn: new SeenValues() };
  private first = true;
  private k = 0;
  private kept = 0;

  /** The next line of the list (without its LF; a trailing CR and a leading BOM are dropped). */
  line(raw: string): MpxnEntry | undefined {
    const line = ++this.k;
    const s = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '');
    if (s.trim() === '' || s.trimStart().startsWith('#')) return undefined;
    const tok = tokenizeCsvLine(s);
    if (!tok.ok) {
      this.problems.push({
        line,
        field: null,
        rule: 'MAM 7.1',
        message: `malformed quoting: ${tok.message}`,
      });
      return undefined;
    }
    const values = tok.fields.map((f) => f.value.trim());
    if (this.first && /^mpan$/i.test(values[0] ?? '')) {
      this.first = false;
      return undefined; // optional title line
    }
    this.first = false;
    if (values.length > 2) {
      this.problems.push({
        line,
        field: null,
        rule: LIST_RULE,
        message: `expected 'mpan,mprn' (2 values), found ${values.length}`,
      });
      return undefined;
    }
    const e: MpxnEntry = { line, mpan: values[0] || null, mprn: values[1] || null };
    if (!checkEntry(e, this.problems, this.seen)) return undefined;
    this.kept++;
    return e;
  }

  /** After the last line: the problems, with "no MPxNs" when the list held none (MAM 7.2.3). */
  end(): MaProblem[] {
    if (this.kept === 0 && this.problems.length === 0)
      this.problems.push({
        line: null,
        field: null,
        rule: 'MAM 7.2.3',
        message: 'the list holds no MPxNs: nothing to authorise',
      });
    return this.problems;
  }
}

/**
 * A CSV list: `mpan,mprn` per line (either may be blank; a line with one value is an MPAN), an
 * optional title line (`mpan,mprn`), blank lines and `#` comment lines ignored, CRLF accepted.
 * The whole list in memory: for a large list read it line by line with MpxnCsvLines.
 */
export function parseMpxnCsv(text: string): ParsedList<MpxnEntry[]> {
  const reader = new MpxnCsvLines();
  const entries: MpxnEntry[] = [];
  // Line by line without splitting the text into an array (a list of a million MPxNs, issue #10).
  for (let at = 0; at <= text.length;) {
    let lf = text.indexOf('\n', at);
    if (lf < 0) lf = text.length;
    const e = reader.line(text.slice(at, lf));
    if (e) entries.push(e);
    at = lf + 1;
  }
  return { value: entries, problems: reader.end() };
}

/** 1-based start lines of the elements of a top-level JSON array (so entries can be reported by line). */
function arrayElementLines(text: string): number[] {
  const out: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\')
        i++; // JSON.parse accepted the text: an escaped character is never a raw LF
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (depth === 1 && expectValue && c !== ']') {
      out.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectValue = true;
  }
  return out;
}

/**
 * A JSON list: an array of MPAN strings or of objects `{ "mpan"?, "mprn"?, "priority"?, "migrateOn"?,
 * "migrationWeek"? }` (dates YYYY-MM-DD). Problems name the line where the entry starts.
 */
export function parseMpxnJson(text: string): ParsedList<MpxnEntry[]> {
  const problems: MaProblem[] = [];
  const entries: MpxnEntry[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return {
      value: [],
      problems: [{ line: null, field: null, rule: LIST_RULE, message: `not JSON: ${(e as Error).message}` }],
    };
  }
  if (!Array.isArray(data))
    return {
      value: [],
      problems: [
        {
          line: null,
          field: null,
          rule: LIST_RULE,
          message: 'expected a JSON array of MPANs or {mpan, mprn} objects',
        },
      ],
    };
  const lines = arrayElementLines(text);
  const seen = { mpan: new SeenValues(), mprn: new SeenValues() };
  data.forEach((item: unknown, i) => {
    const line = lines[i] ?? i + 1;
    const str = (v: unknown, what: string): string | null | undefined => {
      if (v === undefined || v === null || v === '') return null;
      if (typeof v === 'string') return v.trim();
      if (typeof v === 'number' && what !== 'MPAN') return String(v); // an MPRN written as a number
      problems.push({
        line,
        field: what,
        rule: LIST_RULE,
        message: `${what} must be a string of digits, found ${JSON.stringify(v)}`,
      });
      return undefined;
    };
    let e: MpxnEntry;
    if (typeof item === 'string') e = { line, mpan: item.trim() || null, mprn: null };
    else if (item && typeof item === 'object' && !Array.isArray(item)) {
      const o = item as Record<string, unknown>;
      const unknownKeys = Object.keys(o).filter(
        (k) => !['mpan', 'mprn', 'priority', 'migrateOn', 'migrationWeek'].includes(k),
      );
      if (unknownKeys.length) {
        problems.push({
          line,
          field: null,
          rule: LIST_RULE,
          message: `unknown key${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.join(', ')}: expected mpan, mprn, priority, migrateOn, migrationWeek`,
        });
        return;
      }
      const mpan = str(o.mpan, 'MPAN');
      const mprn = str(o.mprn, 'MPRN');
      if (mpan === undefined || mprn === undefined) return;
      e = { line, mpan, mprn };
      if (o.priority !== undefined) {
        if (typeof o.priority !== 'boolean') {
          problems.push({
            line,
            field: 'Priority',
            rule: 'MAM 7.2.3',
            message: `priority must be true or false, found ${JSON.stringify(o.priority)}`,
          });
          return;
        }
        e.priority = o.priority;
      }
      for (const k of ['migrateOn', 'migrationWeek'] as const) {
        if (o[k] === undefined) continue;
        const v = o[k];
        if (typeof v !== 'string' || !isIsoDate(v)) {
          problems.push({
            line,
            field: k === 'migrateOn' ? 'Migrate on' : 'Migration Week',
            rule: 'MAM 7.2.3',
            message:
              typeof v === 'string'
                ? `${k} '${v}' is not a date: expected YYYY-MM-DD`
                : `${k} must be a date string YYYY-MM-DD`,
          });
          return;
        }
        e[k] = v;
      }
    } else {
      problems.push({
        line,
        field: null,
        rule: LIST_RULE,
        message: `expected an MPAN string or an {mpan, mprn} object, found ${JSON.stringify(item)}`,
      });
      return;
    }
    if (checkEntry(e, problems, seen)) entries.push(e);
  });
  if (data.length === 0)
    problems.push({
      line: null,
      field: null,
      rule: 'MAM 7.2.3',
      message: 'the list holds no MPxNs: nothing to authorise',
    });
  return { value: entries, problems };
}

/** The certificate IDs a supplier puts on every row, and optional per-distributor Network Operator IDs. */
export interface MaCertificateConfig {
  certificates: Partial<MaCertificates>;
  /** ESME Network Operator Certificate IDs by distributor ID (first two digits of the MPAN). */
  esmeNetworkOperatorByDistributor: Record<
    string,
    Partial<Pick<MaCertificates, 'esmeNetworkOperatorCritical' | 'esmeNetworkOperatorNonCritical'>>
  >;
}

function parseCertObject(v: unknown, where: string, problems: MaProblem[]): CertificateId | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    problems.push({
      line: null,
      field: where,
      rule: 'MAM 7.2.3',
      message: `${where}: expected {"serialNumber": "<decimal>", "issuerName": "<RFC 4514 DN>"}`,
    });
    return null;
  }
  const o = v as Record<string, unknown>;
  const serial = typeof o.serialNumber === 'number' ? String(o.serialNumber) : o.serialNumber;
  if (typeof serial !== 'string' || typeof o.issuerName !== 'string') {
    problems.push({
      line: null,
      field: where,
      rule: 'MAM 7.2.3',
      message: `${where}: serialNumber and issuerName must both be strings`,
    });
    return null;
  }
  const r = parseCertificateId(serial, o.issuerName);
  if (!r.ok) {
    problems.push({ line: null, field: where, rule: 'MAM 7.2.3', message: `${where}: ${r.error}` });
    return null;
  }
  return r.value;
}

/**
 * Certificates JSON: `{ "<certificate key>": { "serialNumber": "...", "issuerName": "..." }, …,
 * "esmeNetworkOperatorByDistributor": { "<2-digit distributor ID>": { "esmeNetworkOperatorCritical": {…}, … } } }`.
 * Keys are MA_CERTIFICATE_KEYS; a "comment" key is ignored.
 */
export function parseCertificatesJson(text: string): ParsedList<MaCertificateConfig> {
  const problems: MaProblem[] = [];
  const value: MaCertificateConfig = { certificates: {}, esmeNetworkOperatorByDistributor: {} };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return {
      value,
      problems: [
        {
          line: null,
          field: null,
          rule: 'MAM 7.2.3',
          message: `certificates file is not JSON: ${(e as Error).message}`,
        },
      ],
    };
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return {
      value,
      problems: [
        {
          line: null,
          field: null,
          rule: 'MAM 7.2.3',
          message: 'certificates file: expected a JSON object keyed by certificate (esmeSupplierCritical, …)',
        },
      ],
    };
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (k === 'comment' || k === '$comment') continue;
    if (k === 'esmeNetworkOperatorByDistributor') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) {
        problems.push({
          line: null,
          field: null,
          rule: 'TMAD 4.40',
          message: `${k}: expected an object keyed by two-digit distributor ID`,
        });
        continue;
      }
      for (const [dist, certs] of Object.entries(v as Record<string, unknown>)) {
        if (!/^\d{2}$/.test(dist)) {
          problems.push({
            line: null,
            field: null,
            rule: 'TMAD 4.40',
            message: `${k}: '${dist}' is not a distributor ID (two digits, the start of an MPAN)`,
          });
          continue;
        }
        const entry: MaCertificateConfig['esmeNetworkOperatorByDistributor'][string] = {};
        for (const [ck, cv] of Object.entries((certs ?? {}) as Record<string, unknown>)) {
          if (ck !== 'esmeNetworkOperatorCritical' && ck !== 'esmeNetworkOperatorNonCritical') {
            problems.push({
              line: null,
              field: null,
              rule: 'TMAD 4.40',
              message: `${k}.${dist}: unknown key '${ck}': expected esmeNetworkOperatorCritical, esmeNetworkOperatorNonCritical`,
            });
            continue;
          }
          const c = parseCertObject(cv, `${k}.${dist}.${ck}`, problems);
          if (c) entry[ck] = c;
        }
        value.esmeNetworkOperatorByDistributor[dist] = entry;
      }
      continue;
    }
    if (!(MA_CERTIFICATE_KEYS as readonly string[]).includes(k)) {
      problems.push({
        line: null,
        field: null,
        rule: 'MAM 7.2.3',
        message: `certificates file: unknown key '${k}': expected ${MA_CERTIFICATE_KEYS.join(', ')}, esmeNetworkOperatorByDistributor`,
      });
      continue;
    }
    const c = parseCertObject(v, k, problems);
    if (c) value.certificates[k as MaCertificateKey] = c;
  }
  return { value, problems };
}

/**
 * The next Migration Week whose MA cut-off (10:00 UK time on the Thursday before, MAM 4) has not
 * passed at `now` (a deadline exactly at `now` still counts as open).
 */
export function nextOpenMigrationWeek(now: Date): string {
  let week = migrationWeekOf(londonDateOf(now));
  for (let i = 0; i < 4; i++) {
    if (migrationCycle(week).migrationAuthorisation.getTime() >= now.getTime()) return week;
    week = addWeek(week);
  }
  return week;
}

function addWeek(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 7);
  return d.toISOString().slice(0, 10);
}

export interface BuildMaInput {
  /**
   * The list's sound entries. Any iterable that yields the same entries each time it is iterated: an
   * array, or a list streamed afresh from its file on each pass (the builder makes up to four passes
   * and never holds the entries, issue #10).
   */
  entries: Iterable<MpxnEntry>;
  userId: Eui64;
  smsoCode: string;
  commissionedByDcc: boolean;
  /** Priority for every row (TMAD 4.40); a JSON entry may override. */
  priority?: boolean;
  /** YYYY-MM-DD; the Migration Week is then its Monday. */
  migrateOn?: string;
  /** YYYY-MM-DD Monday; default: nextOpenMigrationWeek(now). */
  migrationWeek?: string;
  certificates: MaCertificateConfig;
  /** File time stamp (UTC) and the reference for the default week and lateness warnings. */
  now: Date;
  smsoCodes?: Record<string, string>;
}

export interface BuildMaResult {
  ok: boolean;
  fileName: string;
  /**
   * The file in pieces of up to CHUNK_LINES lines, generated afresh on each call: write them to a file
   * so a large MA is never held in memory (issue #10). Empty when not ok.
   */
  chunks(): Iterable<string>;
  /** The whole file as one string (for small files and tests: it holds the file in memory). */
  readonly content: string;
  rows: number;
  migrationWeek: string;
  /** Problems with the input (line = line of the MPxN list, null = options or certificates). */
  errors: MaProblem[];
  /** Warnings of the built file, e.g. lateness (line = line of the built file). */
  warnings: MaProblem[];
}

export function buildMigrationAuthorisation(input: BuildMaInput): BuildMaResult {
  const errors: MaProblem[] = [];
  const week =
    input.migrationWeek ??
    (input.migrateOn ? migrationWeekOf(input.migrateOn) : nextOpenMigrationWeek(input.now));
  const fileName = maFileName(input.smsoCode, input.userId, input.now);
  const fail = (): BuildMaResult => ({
    ok: false,
    fileName,
    chunks: () => [],
    content: '',
    rows: 0,
    migrationWeek: week,
    errors,
    warnings: [],
  });
  const firstOf = (has: (e: MpxnEntry) => boolean): MpxnEntry | undefined => {
    for (const e of input.entries) if (has(e)) return e;
    return undefined;
  };
  if (firstOf(() => true) === undefined) {
    errors.push({ line: null, field: null, rule: 'MAM 7.2.3', message: 'no MPxNs to authorise' });
    return fail();
  }
  // Mandatory supplier certificates (MAM Table 7.2.3; TMAD Table 4.38): say once which are missing.
  const c = input.certificates.certificates;
  const firstMpan = firstOf((e) => e.mpan !== null);
  const firstMprn = firstOf((e) => e.mprn !== null);
  const need = (keys: readonly MaCertificateKey[], first: MpxnEntry | undefined, what: string) => {
    if (!first) return;
    for (const k of keys)
      if (!c[k])
        errors.push({
          line: null,
          field: certificateFields(k)[0],
          rule: 'MAM 7.2.3',
          message: `${certificateLabel(k)} (${k}) is mandatory for rows with ${what} (first on line ${first.line} of the list) but is not among the certificates given`,
        });
  };
  need(MANDATORY_WITH_MPAN, firstMpan, 'an MPAN');
  need(MANDATORY_WITH_MPRN, firstMprn, 'an MPRN');
  if (errors.length) return fail();

  const rowFor = (e: MpxnEntry): MaRowInput => {
    const row: MaRowInput = { mpan: e.mpan, mprn: e.mprn, priority: e.priority ?? input.priority ?? false };
    const migrateOn = e.migrateOn ?? (e.migrationWeek ? undefined : input.migrateOn);
    row.migrateOn = migrateOn ?? null;
    row.migrationWeek = e.migrationWeek ?? (migrateOn ? migrationWeekOfSafe(migrateOn) : week);
    for (const k of MA_CERTIFICATE_KEYS) {
      // Supplier certificates of a fuel that is not on the row are left out (MAM 4: only the Active Meter's MPxN).
      const gas = k.startsWith('gpf') || k.startsWith('gsme');
      if (gas ? e.mprn === null : e.mpan === null) continue;
      row[k] = c[k] ?? null;
    }
    if (e.mpan) {
      const byDist = input.certificates.esmeNetworkOperatorByDistributor[e.mpan.slice(0, 2)];
      if (byDist?.esmeNetworkOperatorCritical)
        row.esmeNetworkOperatorCritical = byDist.esmeNetworkOperatorCritical;
      if (byDist?.esmeNetworkOperatorNonCritical)
        row.esmeNetworkOperatorNonCritical = byDist.esmeNetworkOperatorNonCritical;
    }
    return row;
  };
  const header = {
    userId: input.userId,
    commissionedByDcc: input.commissionedByDcc,
    smsoCode: input.smsoCode,
  };
  function* chunks(): Generator<string> {
    let piece = renderMaHeader(header);
    let n = 0;
    for (const e of input.entries) {
      piece += renderMaRow(rowFor(e));
      if (++n % CHUNK_LINES === 0) {
        yield piece;
        piece = '';
      }
    }
    if (piece !== '') yield piece;
  }

  // The file is validated as it is generated, streamed (the builder's own SMSO list may differ from
  // the defaults; the header is checked against it), before anyone writes it.
  const v = new MaValidator({
    fileName,
    receivedAt: input.now,
    ...(input.smsoCodes ? { smsoCodes: input.smsoCodes } : {}),
  });
  for (const piece of chunks()) v.write(Buffer.from(piece, 'latin1'));
  const report = v.end();
  if (!report.valid) {
    // Map lines of the would-be file back to lines of the input list (row i is on line i + 4): one
    // more pass over the entries for the (at most maxErrors) lines listed.
    const wanted = new Map<number, number>();
    for (const p of report.errors) if (p.line !== null && p.line > 3) wanted.set(p.line - 4, -1);
    if (wanted.size > 0) {
      const last = Math.max(...wanted.keys());
      let i = 0;
      for (const e of input.entries) {
        if (wanted.has(i)) wanted.set(i, e.line);
        if (++i > last) break;
      }
    }
    for (const p of report.errors) {
      const listLine = p.line !== null && p.line > 3 ? wanted.get(p.line - 4) : undefined;
      errors.push({ ...p, line: listLine !== undefined && listLine >= 0 ? listLine : null });
    }
    for (const o of report.omittedErrors)
      errors.push({
        line: null,
        field: null,
        rule: o.rule,
        message: `and ${o.count.toLocaleString('en-GB')} more error${o.count === 1 ? '' : 's'} of rule ${o.rule} not listed`,
      });
    return fail();
  }
  return {
    ok: true,
    fileName,
    chunks,
    get content() {
      return [...chunks()].join('');
    },
    rows: report.rowCount,
    migrationWeek: week,
    errors,
    warnings: report.warnings,
  };
}

/** Lines of the built file per piece of chunks(). */
const CHUNK_LINES = 1000;

function migrationWeekOfSafe(date: string): string {
  try {
    return migrationWeekOf(date);
  } catch {
    return date; // not a date: written as given and reported by validation
  }
}

/** The parts of a test PKI party (`s1mig pki init`, parties.json) the certificate IDs come from. */
export interface PkiPartyCertificates {
  name: string;
  entityId: string;
  kind: string;
  certificates: ReadonlyArray<{ role: string; keyUsage: string; serialNumber: string; issuerName: string }>;
}

/**
 * The certificate IDs of an MA (MAM Table 7.2.3) from a test PKI: the supplier whose Entity Identifier is
 * the User ID gives the ESME, GPF and GSME Supplier Critical (digitalSignature) and Non-Critical
 * (keyAgreement) Organisation Certificates; the first network operator the ESME Network Operator ones.
 * `problems` says which party or certificate is missing.
 */
export function certificatesFromTestPki(
  parties: readonly PkiPartyCertificates[],
  userId: string,
): ParsedList<MaCertificateConfig> {
  const problems: MaProblem[] = [];
  const value: MaCertificateConfig = { certificates: {}, esmeNetworkOperatorByDistributor: {} };
  const problem = (message: string) => problems.push({ line: null, field: null, rule: 'MAM 7.2.3', message });
  const suppliers = parties.filter((p) => p.kind === 'supplier');
  const supplier = suppliers.find((p) => p.entityId.toUpperCase() === userId.toUpperCase());
  if (!supplier) {
    problem(
      `no supplier with User ID ${userId}: expected one of ${suppliers.map((p) => `${p.entityId} (${p.name})`).join(', ') || '(none)'}`,
    );
    return { value, problems };
  }
  const id = (party: PkiPartyCertificates, role: string, keyUsage: string): CertificateId | null => {
    const c = party.certificates.find((x) => x.role === role && x.keyUsage === keyUsage);
    if (!c) {
      problem(`party ${party.name} has no ${role} ${keyUsage} Organisation Certificate`);
      return null;
    }
    const r = parseCertificateId(c.serialNumber, c.issuerName);
    if (!r.ok) {
      problem(`party ${party.name}, ${role} ${keyUsage}: ${r.error}`);
      return null;
    }
    return r.value;
  };
  const set = (key: MaCertificateKey, v: CertificateId | null) => {
    if (v) value.certificates[key] = v;
  };
  const critical = id(supplier, 'supplier', 'digitalSignature');
  const nonCritical = id(supplier, 'supplier', 'keyAgreement');
  for (const k of ['esme', 'gpf', 'gsme'] as const) {
    set(`${k}SupplierCritical`, critical);
    set(`${k}SupplierNonCritical`, nonCritical);
  }
  const dno = parties.find((p) => p.kind === 'networkOperator');
  if (dno) {
    set('esmeNetworkOperatorCritical', id(dno, 'networkOperator', 'digitalSignature'));
    set('esmeNetworkOperatorNonCritical', id(dno, 'networkOperator', 'keyAgreement'));
  }
  return { value, problems };
}
