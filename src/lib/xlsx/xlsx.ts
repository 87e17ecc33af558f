// A minimal Office Open XML workbook (ECMA-376 SpreadsheetML, "xlsx") of one worksheet whose cells are
// all text: enough to exchange tables that people open in Excel or LibreOffice, and to read back the
// same tables after either saved them (shared strings, inline strings, formula strings, numbers).
//
// Writing: every non-empty cell is an inline string with the text number format ('@'), so values such
// as dates written 05012027 keep their leading zeros when someone edits the sheet.
// Both stream: writeXlsxStream takes the rows from an iterator and writes the sheet's XML as a stream
// into a streaming zip; streamXlsxRows inflates the sheet entry chunk by chunk into the streaming XML
// tokenizer and hands over one row at a time, so memory is bounded by a row, not by the sheet
// (shared strings, which Excel and LibreOffice write, are held: they are the cells' text).
// Reading: the workbook is untrusted. The zip bounds of src/lib/archive are applied before inflating,
// the XML parser refuses DOCTYPE (no entities), and rows and columns are bounded by the format's own
// limits (1,048,576 rows, 16,384 columns).
import {
  listZip,
  streamZipEntry,
  writeZip,
  writeZipStream,
  ZipError,
  type ReadZipOptions,
  type ZipLimits,
} from '../archive/zip.js';
import { streamXml, XmlSyntaxError, type XmlElementStart, type XmlSource } from '../xml/sax.js';
import { escapeAttribute, escapeText } from '../xml/writer.js';

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const REL_WORKSHEET = `${REL_NS}/worksheet`;
const REL_SHARED_STRINGS = `${REL_NS}/sharedStrings`;
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export const MAX_ROWS = 1_048_576;
export const MAX_COLUMNS = 16_384;
const MiB = 1024 * 1024;

/** Bounds on a workbook read: its zip container (entries, sizes, ratio). */
export const DEFAULT_XLSX_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxEntries: 64,
  maxEntryBytes: 512 * MiB,
  maxTotalBytes: 1024 * MiB,
  maxRatio: 1000,
  ratioFloorBytes: 4 * MiB,
});

/** A workbook that cannot be read as one: names the part and what was wrong. */
export class XlsxError extends Error {
  override name = 'XlsxError';
  constructor(
    readonly file: string,
    readonly part: string | undefined,
    detail: string,
  ) {
    super(`${file}${part ? ` [${part}]` : ''}: ${detail}`);
  }
}

export interface XlsxSheet {
  /** Worksheet name (at most 31 characters, none of : \ / ? * [ ]). */
  name: string;
  /** Rows of cells; '' or a missing cell is an empty cell. */
  rows: ReadonlyArray<ReadonlyArray<string>>;
}

/** A1-style column letters of a 0-based column index. */
export function columnLetters(index: number): string {
  let s = '';
  let n = index + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** 0-based column index of A1-style letters (undefined if not letters or past XFD). */
export function columnIndex(letters: string): number | undefined {
  if (!/^[A-Z]{1,3}$/.test(letters)) return undefined;
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1 < MAX_COLUMNS ? n - 1 : undefined;
}

/**
 * The 0-based column of an A1-style cell reference in row `row` (1-based), or undefined when it is not
 * one (letters A-XFD then the row's digits). By character codes: it runs once per cell.
 */
export function cellRefColumn(ref: string, row: number): number | undefined {
  let i = 0;
  let col = 0;
  for (; i < ref.length && i < 4; i++) {
    const ch = ref.charCodeAt(i);
    if (ch < 65 || ch > 90) break;
    col = col * 26 + (ch - 64);
  }
  if (i === 0 || i > 3 || col > MAX_COLUMNS) return undefined;
  let n = 0;
  const digitsFrom = i;
  for (; i < ref.length; i++) {
    const ch = ref.charCodeAt(i);
    if (ch < 48 || ch > 57) return undefined;
    n = n * 10 + (ch - 48);
    if (n > MAX_ROWS) return undefined;
  }
  if (i === digitsFrom || n !== row) return undefined;
  return col - 1;
}

// ECMA-376 Part 1, 22.9.2.19 ST_Xstring: characters XML cannot carry are written _xHHHH_ (and a
// literal "_xHHHH_" has its underscore escaped as _x005F_).
function encodeXstring(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex -- exactly the characters XML 1.0 cannot carry
    /_(?=x[0-9A-Fa-f]{4}_)|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g,
    (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
  );
}
function decodeXstring(s: string): string {
  return s.includes('_x')
    ? s.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    : s;
}

// Column letters by index, computed once (rowXml writes one per cell).
const LETTERS: string[] = [];
const letters = (c: number): string => (LETTERS[c] ??= columnLetters(c));

// A value that needs none of: ST_Xstring encoding (control characters, U+FFFE/U+FFFF, a literal
// "_xHHHH_"), XML escaping (& < > CR), xml:space="preserve" (leading/trailing white space, a newline).
// Nearly every cell of a notice (digits, hex IDs, dates, names) takes this fast path.
// eslint-disable-next-line no-control-regex -- exactly the characters that need the slow path
const NEEDS_WORK = /[\u0000-\u001F&<>_\uD800-\uDFFF\uFFFE\uFFFF]|^\s|\s$/;

function cellText(v: string): string {
  if (!NEEDS_WORK.test(v)) return `<t>${v}</t>`;
  const space = /^\s|\s$|\n/.test(v) ? ' xml:space="preserve"' : '';
  return `<t${space}>${escapeText(encodeXstring(v))}</t>`;
}

function rowXml(row: ReadonlyArray<string>, r: number): string {
  if (row.length > MAX_COLUMNS) throw new RangeError(`row ${r + 1} has more than ${MAX_COLUMNS} cells`);
  const rn = r + 1;
  let out = `<row r="${rn}">`;
  for (let c = 0; c < row.length; c++) {
    const v = row[c]!;
    if (v === '') continue;
    out += `<c r="${letters(c)}${rn}" s="1" t="inlineStr"><is>${cellText(v)}</is></c>`;
  }
  return out + '</row>';
}

/** XML text gathered before it is encoded and handed to the zip writer (bounds memory per piece). */
const PIECE = 512 * 1024;

const SHEET_START = `${XML_DECL}<worksheet xmlns="${MAIN_NS}"><sheetData>`;
const SHEET_END = '</sheetData></worksheet>';

function sheetXml(rows: XlsxSheet['rows']): string {
  return SHEET_START + rows.map(rowXml).join('') + SHEET_END;
}

function checkSheetName(name: string): void {
  if (!/^[^:\\/?*[\]]{1,31}$/.test(name))
    throw new RangeError(
      `worksheet name ${JSON.stringify(name)}: 1 to 31 characters, none of : \\ / ? * [ ]`,
    );
}

const ENC = new TextEncoder();
const CT = 'application/vnd.openxmlformats-officedocument';

/** The parts of a workbook other than the worksheet. */
function fixedParts(sheetName: string): { name: string; data: Uint8Array }[] {
  const part = (name: string, text: string) => ({ name, data: ENC.encode(text) });
  return [
    part(
      '[Content_Types].xml',
      `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        `<Override PartName="/xl/workbook.xml" ContentType="${CT}.spreadsheetml.sheet.main+xml"/>` +
        `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CT}.spreadsheetml.worksheet+xml"/>` +
        `<Override PartName="/xl/styles.xml" ContentType="${CT}.spreadsheetml.styles+xml"/>` +
        '</Types>',
    ),
    part(
      '_rels/.rels',
      `${XML_DECL}<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ),
    part(
      'xl/workbook.xml',
      `${XML_DECL}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets><sheet name="${escapeAttribute(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ),
    part(
      'xl/_rels/workbook.xml.rels',
      `${XML_DECL}<Relationships xmlns="${PKG_REL_NS}">` +
        `<Relationship Id="rId1" Type="${REL_WORKSHEET}" Target="worksheets/sheet1.xml"/>` +
        `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`,
    ),
    part(
      'xl/styles.xml',
      `${XML_DECL}<styleSheet xmlns="${MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
    ),
  ];
}

export interface XlsxWriteOptions {
  /** Modification date of the parts (default: now). */
  modified?: Date;
  /**
   * Deflate level 0–9 (default 1). Most of the cost of writing a large sheet is deflating its XML: level 1
   * takes about half the CPU of level 6 for a file about a quarter larger (13.1 → 16.4 MB at 200,000
   * schedule rows); any zip reader inflates either.
   */
  level?: number;
}
const DEFAULT_LEVEL = 1;

/** Write a one-sheet workbook of text cells. */
export async function writeXlsx(sheet: XlsxSheet, opts: XlsxWriteOptions = {}): Promise<Uint8Array> {
  checkSheetName(sheet.name);
  if (sheet.rows.length > MAX_ROWS) throw new RangeError(`more than ${MAX_ROWS} rows`);
  return writeZip(
    [...fixedParts(sheet.name), { name: 'xl/worksheets/sheet1.xml', data: ENC.encode(sheetXml(sheet.rows)) }],
    { lastModDate: opts.modified, level: opts.level ?? DEFAULT_LEVEL },
  );
}

/**
 * Write the same workbook as writeXlsx into `sink`, streaming: rows are taken from the iterator as the
 * zip writer asks for more, in pieces of about 512 KiB of XML, so memory does not grow with the rows.
 */
export async function writeXlsxStream(
  sheet: { name: string; rows: Iterable<ReadonlyArray<string>> | AsyncIterable<ReadonlyArray<string>> },
  sink: WritableStream<Uint8Array>,
  opts: XlsxWriteOptions = {},
): Promise<void> {
  checkSheetName(sheet.name);
  const it =
    Symbol.asyncIterator in sheet.rows ? sheet.rows[Symbol.asyncIterator]() : sheet.rows[Symbol.iterator]();
  let r = 0;
  let started = false;
  let done = false;
  const xml = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk = started ? '' : SHEET_START;
      started = true;
      while (!done && chunk.length < PIECE) {
        const next = await it.next();
        if (next.done) {
          done = true;
          chunk += SHEET_END;
          break;
        }
        if (r >= MAX_ROWS) throw new RangeError(`more than ${MAX_ROWS} rows`);
        chunk += rowXml(next.value, r++);
      }
      if (chunk.length > 0) controller.enqueue(ENC.encode(chunk));
      if (done) controller.close();
    },
  });
  await writeZipStream([...fixedParts(sheet.name), { name: 'xl/worksheets/sheet1.xml', data: xml }], sink, {
    lastModDate: opts.modified,
    level: opts.level ?? DEFAULT_LEVEL,
  });
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** A workbook being written row by row (createXlsxWriter). */
export interface XlsxRowWriter {
  /** Add the next row; resolves when the writer can take more (backpressure from the sink). */
  write(row: ReadonlyArray<string>): Promise<void>;
  /** End the sheet and the workbook; resolves when everything has reached the sink. */
  close(): Promise<void>;
}

/**
 * The streaming writer of writeXlsxStream driven from the other side: the caller pushes rows with
 * `write` (awaiting it) instead of the writer pulling them from an iterator.
 */
export function createXlsxWriter(
  sheetName: string,
  sink: WritableStream<Uint8Array>,
  opts: XlsxWriteOptions = {},
): XlsxRowWriter {
  checkSheetName(sheetName);
  let buf = SHEET_START;
  let r = 0;
  let closed = false;
  let wake: (() => void) | undefined;
  let failed: unknown;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // The zip writer reads `out`; rows are enqueued in pieces of about 512 KiB and `write` waits while
  // the queue holds 1 MiB or more.
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const out = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull: wakeUp,
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 1024 * 1024 }),
  );
  const done = writeZipStream(
    [...fixedParts(sheetName), { name: 'xl/worksheets/sheet1.xml', data: out }],
    sink,
    {
      lastModDate: opts.modified,
      level: opts.level ?? DEFAULT_LEVEL,
    },
  ).catch((e: unknown) => {
    failed = e;
    wakeUp();
  });
  const flush = async () => {
    if (buf.length === 0) return;
    controller.enqueue(ENC.encode(buf));
    buf = '';
    while ((controller.desiredSize ?? 1) <= 0 && failed === undefined)
      await new Promise<void>((resolve) => (wake = resolve));
    if (failed !== undefined) throw asError(failed);
  };
  return {
    async write(row) {
      if (closed) throw new Error('xlsx writer: write after close');
      if (failed !== undefined) throw asError(failed);
      if (r >= MAX_ROWS) throw new RangeError(`more than ${MAX_ROWS} rows`);
      buf += rowXml(row, r++);
      if (buf.length >= PIECE) await flush();
    },
    async close() {
      if (closed) return;
      closed = true;
      buf += SHEET_END;
      await flush();
      controller.close();
      await done;
      if (failed !== undefined) throw asError(failed);
    },
  };
}

const attr = (el: XmlElementStart, local: string, uri = ''): string | undefined =>
  el.attributes.find((a) => a.local === local && a.uri === uri)?.value;

type XlsxSource = Uint8Array | Blob;

/** Stream one part of the workbook (inflated chunk by chunk) through the XML tokenizer. */
async function parsePart(
  file: string,
  zip: { source: XlsxSource; opts: ReadZipOptions },
  name: string,
  onStart: (el: XmlElementStart) => void,
  onEnd?: (local: string) => void,
  onText?: (text: string) => void,
  afterChunk?: () => Promise<void>,
): Promise<void> {
  try {
    await streamZipEntry(zip.source, zip.opts, name, (_info, chunks) =>
      streamXml((afterChunk ? paced(chunks, afterChunk) : chunks) as XmlSource, [
        {
          startElement: onStart,
          endElement: onEnd ? (e) => onEnd(e.local) : undefined,
          text: onText ? (t) => onText(t) : undefined,
        },
      ]),
    );
  } catch (e) {
    if (e instanceof XlsxError) throw e;
    if (e instanceof XmlSyntaxError) throw new XlsxError(file, name, `not well-formed XML: ${e.message}`);
    if (e instanceof ZipError) throw new XlsxError(file, name, `not a readable workbook: ${e.message}`);
    throw e;
  }
}

/** The chunks, awaiting `after` once the events of each have been delivered (before the next is read). */
async function* paced(
  chunks: AsyncIterable<Uint8Array>,
  after: () => Promise<void>,
): AsyncIterable<Uint8Array> {
  for await (const c of chunks) {
    yield c;
    await after();
  }
  await after();
}

/** Resolve a relationship target against the folder of the part that names it. */
function resolveTarget(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = base.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

export interface ReadXlsxResult {
  /** Name of the first worksheet. */
  sheetName: string;
  /** The first worksheet's rows (index 0 = row 1); a missing row is []; trailing empty cells dropped. */
  rows: string[][];
}

/**
 * Read the first worksheet of a workbook as text: shared and inline strings as written, numbers and
 * booleans as their stored text. Throws XlsxError (not a workbook, a part missing or malformed, out of
 * bounds) naming the file and part. Gathers every row: streamXlsxRows for large sheets.
 */
export async function readXlsx(
  bytes: XlsxSource,
  file: string,
  limits: Partial<ZipLimits> = {},
): Promise<ReadXlsxResult> {
  const rows: string[][] = [];
  const { sheetName } = await streamXlsxRows(
    bytes,
    file,
    (index, cells) => {
      while (rows.length < index) rows.push([]);
      rows.push(cells);
    },
    limits,
  );
  return { sheetName, rows };
}

/**
 * Stream the first worksheet of a workbook row by row: `onRow(index, cells)` for every row that has a
 * non-empty cell (index 0 = row 1; trailing empty cells dropped), in increasing order. The sheet entry
 * is inflated chunk by chunk into the streaming tokenizer: memory is bounded by the largest row (and
 * the shared strings table, if the workbook has one), not by the number of rows. For large files pass
 * a Blob (`fs.openAsBlob(path)`). Throws XlsxError naming the file and part.
 */
export async function streamXlsxRows(
  source: XlsxSource,
  file: string,
  onRow: (index: number, cells: string[]) => void,
  limits: Partial<ZipLimits> = {},
  opts: {
    /**
     * Awaited after the rows of each inflated chunk (about 64 KiB of XML) have been delivered and before
     * the next is read, and once at the end: where the rows are written somewhere asynchronous (a
     * database, a file), `onRow` gathers them and this writes them, so memory stays bounded.
     */
    afterChunk?: () => Promise<void>;
  } = {},
): Promise<{ sheetName: string; rows: number }> {
  const zipOpts: ReadZipOptions = {
    archiveName: file,
    allowDirectories: true,
    skipDirectories: true,
    limits: { ...DEFAULT_XLSX_LIMITS, ...limits },
  };
  let names: Set<string>;
  try {
    names = new Set((await listZip(source, zipOpts)).map((e) => e.name));
  } catch (e) {
    if (e instanceof ZipError) throw new XlsxError(file, undefined, `not a readable workbook: ${e.message}`);
    throw e;
  }
  const zip = { source, opts: zipOpts };
  const need = (name: string): string => {
    if (!names.has(name))
      throw new XlsxError(file, name, 'part missing: expected an Office Open XML workbook (.xlsx)');
    return name;
  };

  // The first sheet of the workbook and the relationships of the workbook part.
  let sheetName: string | undefined;
  let sheetRel: string | undefined;
  await parsePart(file, zip, need('xl/workbook.xml'), (el) => {
    if (el.local === 'sheet' && sheetRel === undefined) {
      sheetName = attr(el, 'name') ?? '';
      sheetRel = attr(el, 'id', REL_NS);
    }
  });
  if (sheetRel === undefined) throw new XlsxError(file, 'xl/workbook.xml', 'no worksheet listed');
  const rels = new Map<string, { type: string; target: string }>();
  await parsePart(file, zip, need('xl/_rels/workbook.xml.rels'), (el) => {
    if (el.local === 'Relationship') {
      const id = attr(el, 'Id');
      const target = attr(el, 'Target');
      if (id && target) rels.set(id, { type: attr(el, 'Type') ?? '', target });
    }
  });
  const sheetTarget = rels.get(sheetRel);
  if (!sheetTarget || sheetTarget.type !== REL_WORKSHEET)
    throw new XlsxError(
      file,
      'xl/_rels/workbook.xml.rels',
      `relationship ${sheetRel} of the first sheet is not a worksheet`,
    );
  const sheetPart = resolveTarget('xl/workbook.xml', sheetTarget.target);

  // Shared strings (ECMA-376 18.4): each <si> is a <t> or rich-text runs <r><t>; phonetic runs ignored.
  const sst: string[] = [];
  const sstRel = [...rels.values()].find((r) => r.type === REL_SHARED_STRINGS);
  if (sstRel) {
    const name = resolveTarget('xl/workbook.xml', sstRel.target);
    let cur: string | null = null;
    let inT = false;
    let phonetic = 0;
    await parsePart(
      file,
      zip,
      need(name),
      (el) => {
        if (el.local === 'si') cur = '';
        else if (el.local === 'rPh') phonetic++;
        else if (el.local === 't' && phonetic === 0) inT = true;
      },
      (local) => {
        if (local === 'si') {
          sst.push(decodeXstring(cur ?? ''));
          cur = null;
        } else if (local === 'rPh') phonetic--;
        else if (local === 't') inT = false;
      },
      (t) => {
        if (inT && cur !== null) cur += t;
      },
    );
  }

  // The worksheet's cells, one row at a time.
  let rowIndex = -1;
  let row: string[] = [];
  let delivered = 0;
  let cell: { col: number; type: string; text: string } | null = null;
  let colNext = 0;
  let capture: 'v' | 't' | null = null;
  let phonetic = 0;
  const badRef = (what: string) => new XlsxError(file, sheetPart, what);
  const flush = () => {
    if (row.length > 0) {
      onRow(rowIndex, row);
      delivered++;
    }
    row = [];
  };
  await parsePart(
    file,
    zip,
    need(sheetPart),
    (el) => {
      switch (el.local) {
        case 'row': {
          const r = attr(el, 'r');
          const n = r === undefined ? rowIndex + 1 : Number(r) - 1;
          if (!Number.isInteger(n) || n <= rowIndex || n >= MAX_ROWS)
            throw badRef(`row r="${r}": expected rows in increasing order, 1 to ${MAX_ROWS}`);
          rowIndex = n;
          colNext = 0;
          break;
        }
        case 'c': {
          const ref = attr(el, 'r');
          let col = colNext;
          if (ref !== undefined) {
            const c = cellRefColumn(ref, rowIndex + 1);
            if (c === undefined)
              throw badRef(`cell r="${ref}" in row ${rowIndex + 1}: expected a reference in that row`);
            col = c;
          }
          if (col < colNext || col >= MAX_COLUMNS)
            throw badRef(
              `cell ${columnLetters(col)}${rowIndex + 1}: expected cells in increasing column order`,
            );
          cell = { col, type: attr(el, 't') ?? 'n', text: '' };
          break;
        }
        case 'v':
          capture = 'v';
          break;
        case 'rPh':
          phonetic++;
          break;
        case 't':
          if (phonetic === 0 && cell?.type === 'inlineStr') capture = 't';
          break;
      }
    },
    (local) => {
      if (local === 'v' || local === 't') capture = null;
      else if (local === 'rPh') phonetic--;
      else if (local === 'row') flush();
      else if (local === 'c' && cell) {
        let value = cell.text;
        if (cell.type === 's') {
          const i = Number(value);
          if (!Number.isInteger(i) || sst[i] === undefined)
            throw badRef(
              `cell ${columnLetters(cell.col)}${rowIndex + 1}: shared string ${value} does not exist`,
            );
          value = sst[i]!;
        } else if (cell.type === 'b') value = value === '1' ? 'TRUE' : 'FALSE';
        else value = decodeXstring(value);
        if (value !== '') {
          while (row.length < cell.col) row.push('');
          row[cell.col] = value;
        }
        colNext = cell.col + 1;
        cell = null;
      }
    },
    (t) => {
      if (cell && capture !== null) cell.text += t;
    },
    opts.afterChunk,
  );
  return { sheetName: sheetName ?? '', rows: delivered };
}
