// Migration Authorisation writer (MAM 7.1, 7.2): three header lines, one row of 25 fields per
// authorisation, LF line ends, no title row, no footer, quotes only where a value holds a comma.
// The output is validated before it is returned, so it always validates.
import type { CertificateId } from '../../ids/index.js';
import { csvField } from './csv-line.js';
import { normaliseDate, toCompactDate } from './dates.js';
import { MA_CERTIFICATE_KEYS } from './fields.js';
import type { MaHeader, MaProblem, MaRowInput } from './model.js';
import { validateMigrationAuthorisation } from './validator.js';

export class MaWriteError extends Error {
  override name = 'MaWriteError';
  constructor(readonly problems: MaProblem[]) {
    super(
      `the Migration Authorisation would not validate: ` +
        problems
          .slice(0, 5)
          .map(
            (p) =>
              `${p.line === null ? '' : `line ${p.line}: `}${p.field ? `${p.field}: ` : ''}${p.message} (${p.rule})`,
          )
          .join('; ') +
        (problems.length > 5 ? `; and ${problems.length - 5} more` : ''),
    );
  }
}

function date(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '';
  const d = normaliseDate(v);
  return d ? toCompactDate(d) : v; // an invalid date is written as given and reported by validation
}

function cert(c: CertificateId | null | undefined): [string, string] {
  return c ? [c.serialNumber, c.issuerName] : ['', ''];
}

/** The 25 field values of MAM Table 7.2.3 for one row. */
export function maRowValues(row: MaRowInput): string[] {
  return [
    row.mpan ?? '',
    row.mprn ?? '',
    date(row.migrateOn),
    date(row.migrationWeek),
    row.priority ? 'Y' : '',
    ...MA_CERTIFICATE_KEYS.flatMap((k) => cert(row[k])),
  ];
}

/** The three header lines (MAM Table 7.2.2), each ending with LF. */
export function renderMaHeader(h: MaHeader): string {
  return [h.userId, h.commissionedByDcc ? 'YES' : 'NO', h.smsoCode].map((v) => `${csvField(v)}\n`).join('');
}

/** One body line (MAM Table 7.2.3), ending with LF. */
export function renderMaRow(row: MaRowInput): string {
  return `${maRowValues(row).map(csvField).join(',')}\n`;
}

/** Render without validating (for tests that need a deliberately broken file, use plain strings instead). */
export function renderMigrationAuthorisation(ma: { header: MaHeader; rows: MaRowInput[] }): string {
  const lines = [ma.header.userId, ma.header.commissionedByDcc ? 'YES' : 'NO', ma.header.smsoCode].map(
    csvField,
  );
  for (const r of ma.rows) lines.push(maRowValues(r).map(csvField).join(','));
  return lines.join('\n') + '\n';
}

/** Write a Migration Authorisation file's content; throws MaWriteError if it would not validate. */
export function writeMigrationAuthorisation(
  ma: { header: MaHeader; rows: MaRowInput[] },
  opts: { smsoCodes?: Record<string, string> } = {},
): string {
  const text = renderMigrationAuthorisation(ma);
  const report = validateMigrationAuthorisation(text, {
    keepRows: false,
    ...(opts.smsoCodes ? { smsoCodes: opts.smsoCodes } : {}),
  });
  if (!report.valid) throw new MaWriteError(report.errors);
  return text;
}
