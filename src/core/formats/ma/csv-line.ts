// A strict RFC 4180 tokenizer for ONE physical line (MAM 7.1). The MA format has one record per
// physical line (every line ends with 0x0A, MAM 7.2.2) and no field may contain a line break, so
// splitting on LF first and tokenizing each line gives exact line numbers and lets one bad line
// never hide the problems of the others. A quoted field that does not close on its own line is an
// error on that line.

export interface CsvField {
  /** The value with enclosing quotes removed and "" unescaped. */
  value: string;
  /** 0-based offset of the field's first character (its opening quote when quoted). */
  start: number;
  /** 0-based offset just past the field (its closing quote when quoted). */
  end: number;
  quoted: boolean;
}

export type CsvLineResult =
  | { ok: true; fields: CsvField[] }
  | { ok: false; /** 1-based column */ column: number; message: string; fields: CsvField[] };

export function tokenizeCsvLine(line: string): CsvLineResult {
  const fields: CsvField[] = [];
  const len = line.length;
  let i = 0;
  for (;;) {
    const start = i;
    if (line.charCodeAt(i) === 0x22 /* " */) {
      i++;
      let value = '';
      let closed = false;
      while (i < len) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          i = len;
          break;
        }
        value += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 0x22) {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        closed = true;
        break;
      }
      if (!closed)
        return {
          ok: false,
          column: start + 1,
          message: `the quoted field opened at column ${start + 1} is not closed on this line (RFC 4180: a field that starts with a double quote must end with one; a quote inside it is written "")`,
          fields,
        };
      fields.push({ value, start, end: i, quoted: true });
      if (i < len && line.charCodeAt(i) !== 0x2c /* , */)
        return {
          ok: false,
          column: i + 1,
          message: `unexpected '${line[i]}' at column ${i + 1} after the closing quote of the field at column ${start + 1}: expected a comma or the end of the line`,
          fields,
        };
    } else {
      let j = line.indexOf(',', i);
      if (j < 0) j = len;
      const value = line.slice(i, j);
      const q = value.indexOf('"');
      if (q >= 0)
        return {
          ok: false,
          column: i + q + 1,
          message: `double quote at column ${i + q + 1} inside an unquoted field: a field containing quotes must be enclosed in quotes and its quotes doubled (RFC 4180)`,
          fields,
        };
      fields.push({ value, start, end: j, quoted: false });
      i = j;
    }
    if (i >= len) break;
    i++; // the comma
  }
  return { ok: true, fields };
}

/** Write one field per RFC 4180: quoted only when it contains a comma, a quote or a line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
