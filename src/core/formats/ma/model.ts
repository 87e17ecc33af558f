// The Migration Authorisation model (MAM 7.2; TMAD 4.35–4.40).
import type { CertificateId, Eui64 } from '../../ids/index.js';
import type { MaCertificateKey } from './fields.js';
import type { Problem } from '../../problem.js';

/** MAM Table 7.2.2. */
export interface MaHeader {
  /** The Supplier's User ID, canonical hyphenated upper-case EUI-64. */
  userId: Eui64;
  /** "YES": the Responsible Supplier wishes the DCC to Commission its Devices (TMAD 4.35(b)). */
  commissionedByDcc: boolean;
  /** Three-letter SMSO code. */
  smsoCode: string;
}

/** One certificate ID per certificate pair of MAM Table 7.2.3 (null when the pair is blank). */
export type MaCertificates = { [K in MaCertificateKey]: CertificateId | null };

/** One body row (one authorisation) of MAM Table 7.2.3. */
export interface MaRow extends MaCertificates {
  /** 1-based physical line of the file. */
  line: number;
  mpan: string | null;
  mprn: string | null;
  /** Migration Week as given, as YYYY-MM-DD (a Monday), or null when omitted. */
  migrationWeek: string | null;
  /** Migrate on as given, as YYYY-MM-DD (UTC date), or null. */
  migrateOn: string | null;
  /** The Migration Week the row applies to: the given week, or the Monday of "Migrate on". */
  effectiveMigrationWeek: string;
  priority: boolean;
  /** Raw field values (quotes stripped) keyed by MAM field name. */
  fields: Record<string, string>;
}

export interface MigrationAuthorisation {
  header: MaHeader;
  rows: MaRow[];
}

/** A Problem (src/core/problem.ts) that always names its line and field (null when not applicable). */
export interface MaProblem extends Problem {
  /** 1-based physical line, or null for the whole file. */
  line: number | null;
  /** MAM field name (MA_FIELDS / MA_HEADER_FIELDS), or null. */
  field: string | null;
  /** The clause, e.g. 'MAM 7.2.3'. */
  rule: string;
  /** What was found and what was expected. */
  message: string;
}

export interface MaValidationReport {
  valid: boolean;
  /** The first errors (maxErrors, default 100), by line; errorCount counts them all. */
  errors: MaProblem[];
  warnings: MaProblem[];
  /** Every error found, listed or not. */
  errorCount: number;
  warningCount: number;
  /** The errors not listed, counted per rule. */
  omittedErrors: Array<{ rule: string; count: number }>;
  omittedWarnings: Array<{ rule: string; count: number }>;
  /** Body lines (rows) after the three header lines, valid or not. */
  rowCount: number;
  /** Rows that passed every row check. */
  validRowCount: number;
  /** The header, when all three lines are valid (even if the body is not). */
  header?: MaHeader;
  /** Present when valid and the rows were kept (validateMigrationAuthorisation). */
  authorisation?: MigrationAuthorisation;
}

export interface MaValidateOptions {
  /** The file's name (a path is reduced to its base name): checked against MAM 7.2.1 and the header. */
  fileName?: string;
  /** When the DCC received the file: rows whose Migration Week's cut-off has passed get a lateness warning. */
  receivedAt?: Date;
  /** Known SMSO codes (default DEFAULT_SMSO_CODES). */
  smsoCodes?: Record<string, string>;
}

/** Input row for the writer: dates as YYYY-MM-DD or YYYYMMDD. */
export type MaRowInput = Partial<
  {
    mpan: string | null;
    mprn: string | null;
    migrationWeek: string | null;
    migrateOn: string | null;
    priority: boolean;
  } & MaCertificates
>;
