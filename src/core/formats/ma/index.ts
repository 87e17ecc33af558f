// Migration Authorisation format (MAM 7.1–7.2; TMAD 4.35–4.40): model, parser/validator, writer, file name.
export {
  MA_FIELDS,
  MA_HEADER_FIELDS,
  MA_CERTIFICATE_KEYS,
  MA_FIELD_MAX_LENGTH,
  MANDATORY_WITH_MPAN,
  MANDATORY_WITH_MPRN,
  type MaCertificateKey,
  certificateFields,
  certificateLabel,
} from './fields.js';
export type {
  MaHeader,
  MaRow,
  MaRowInput,
  MaCertificates,
  MigrationAuthorisation,
  MaProblem,
  MaValidationReport,
  MaValidateOptions,
} from './model.js';
export {
  validateMigrationAuthorisation,
  validateMaStream,
  MaValidator,
  MA_MAX_LINE_BYTES,
  type MaStreamOptions,
} from './validator.js';
export { readMaHeaderLeniently } from './loose-header.js';
export {
  writeMigrationAuthorisation,
  renderMigrationAuthorisation,
  renderMaHeader,
  renderMaRow,
  maRowValues,
  MaWriteError,
} from './writer.js';
export { maFileName, parseMaFileName } from './file-name.js';
export { tokenizeCsvLine, csvField, type CsvField } from './csv-line.js';
