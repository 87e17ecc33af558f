// File names of the TMAD 10.2: FileType_RequesterID_MCFCounter_AdditionalID.xml, with RequesterID and
// AdditionalID per Table 10.2:
//   MCF  RequestingPartyID (named by the Requesting Party), or, when the DCC sends it to the Registered
//        Supplier, SupplierSignifier + '_' + RequestingPartyID; AdditionalID = 0 ("Zero")
//   MGF  RequestingPartyID; MGFCounter          MEF  RequestingPartyID; MEFCounter
//   MVF  ReportingPartyID;  MVFCounter
//   SCF  SupplierSignifier + '_' + ReportingPartyID (from the SCF); SCFCounter
//   COF  SupplierSignifier (from the SCF's file name) + '_' + ReportingPartyID; COFCounter
// MCFCounter is always that of the MCF that triggered the processing (TMAD 10.2).
// IDs are written as in the XML (hyphenated upper-case EUI-64); the Supplier Signifier is empty when
// any CriticalSupplierCertificateID in the MCF is the Null Certificate ID (TMAD 2), giving '_<ID>'.
import { type Result, ok, err } from '../result.js';
import { MAX_UNSIGNED_LONG } from './lexical.js';
import { MIGRATION_FILE_TYPES, rootByFileType, type MigrationFileType } from './model.js';

export { MIGRATION_FILE_TYPES, type MigrationFileType };

/** Root element of each file type (Table 10.2), from the schema model's ROOTS. */
export const ROOT_OF_FILE_TYPE: Readonly<Record<MigrationFileType, string>> = Object.freeze(
  Object.fromEntries(MIGRATION_FILE_TYPES.map((t) => [t, rootByFileType(t).element])) as Record<
    MigrationFileType,
    string
  >,
);

const EUI = '[0-9A-F]{2}(?:-[0-9A-F]{2}){7}';
const SIGNIFIER = '[A-Z0-9]{1,8}';
const COUNTER = /^(0|[1-9][0-9]{0,19})$/;
const FILE_NAME = new RegExp(`^(${MIGRATION_FILE_TYPES.join('|')})_(.+)_([0-9]+)_([0-9]+)\\.xml$`);

export interface MigrationFileNameParts {
  fileType: MigrationFileType;
  /** The whole RequesterID (may contain one '_'). */
  requesterId: string;
  /** Decimal MCFCounter of the triggering MCF. */
  mcfCounter: string | bigint | number;
  /** Decimal: the file's own counter, or 0 for an MCF. */
  additionalId: string | bigint | number;
}

export interface ParsedMigrationFileName {
  fileType: MigrationFileType;
  requesterId: string;
  /** Supplier Signifier part of a two-part RequesterID ('' when empty), else undefined. */
  supplierSignifier?: string;
  /** The DCC/User ID part of the RequesterID (RequestingPartyID or ReportingPartyID). */
  partyId: string;
  mcfCounter: string;
  additionalId: string;
}

function counterText(v: string | bigint | number, what: string): Result<string> {
  const s = typeof v === 'string' ? v : v.toString();
  if (!COUNTER.test(s) || BigInt(s) > MAX_UNSIGNED_LONG)
    return err(
      `${what} '${s}' is not a counter: expected a decimal integer 0..${MAX_UNSIGNED_LONG} without leading zeros`,
    );
  return ok(s);
}

/** Which RequesterID shapes Table 10.2 allows for a file type. */
function requesterPattern(fileType: MigrationFileType): RegExp {
  switch (fileType) {
    case 'MCF':
      return new RegExp(`^(?:(${SIGNIFIER}|)_)?(${EUI})$`);
    case 'SCF':
    case 'COF':
      return new RegExp(`^(${SIGNIFIER}|)_(${EUI})$`);
    default:
      return new RegExp(`^()(${EUI})$`);
  }
}

/** RequesterID of an SCF or COF (or an MCF forwarded by the DCC to the Registered Supplier). */
export function signifiedRequesterId(supplierSignifier: string, partyId: string): string {
  return `${supplierSignifier}_${partyId}`;
}

/** Build a TMAD 10.2 file name; throws on parts that Table 10.2 does not allow. */
export function migrationFileName(parts: MigrationFileNameParts): string {
  const r = tryMigrationFileName(parts);
  if (!r.ok) throw new RangeError(r.error);
  return r.value;
}

export function tryMigrationFileName(parts: MigrationFileNameParts): Result<string> {
  const { fileType, requesterId } = parts;
  if (!MIGRATION_FILE_TYPES.includes(fileType)) return err(`'${fileType}' is not a file type of Table 10.2`);
  if (!requesterPattern(fileType).test(requesterId))
    return err(`RequesterID '${requesterId}' is not valid for a ${fileType} (TMAD Table 10.2)`);
  const mcf = counterText(parts.mcfCounter, 'MCFCounter');
  if (!mcf.ok) return mcf;
  const add = counterText(parts.additionalId, 'AdditionalID');
  if (!add.ok) return add;
  if (fileType === 'MCF' && add.value !== '0')
    return err(`AdditionalID of an MCF must be 0 (TMAD Table 10.2), got ${add.value}`);
  return ok(`${fileType}_${requesterId}_${mcf.value}_${add.value}.xml`);
}

/** The base name of a path (either separator), without importing node:path into the core. */
export function baseName(fileName: string): string {
  return fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
}

const STATED_TYPE = new RegExp(`^(${MIGRATION_FILE_TYPES.join('|')})_`);

/**
 * TMAD 10.2, Table 10.2: the file type a file name states by its FileType field ('MCF_…'), or
 * undefined when the name states none. Only the FileType prefix is read (upper case, as Table 10.2
 * writes it), so a name that is otherwise not of the TMAD 10.2 form still states its type.
 */
export function fileTypeStatedByName(fileName: string): MigrationFileType | undefined {
  const m = STATED_TYPE.exec(baseName(fileName));
  return m ? (m[1] as MigrationFileType) : undefined;
}

/** Parse a TMAD 10.2 file name (base name, no directory). */
export function parseMigrationFileName(name: string): Result<ParsedMigrationFileName> {
  const m = FILE_NAME.exec(name);
  if (!m)
    return err(`'${name}' is not a TMAD 10.2 file name (FileType_RequesterID_MCFCounter_AdditionalID.xml)`);
  const fileType = m[1] as MigrationFileType;
  const requesterId = m[2]!;
  const rm = requesterPattern(fileType).exec(requesterId);
  if (!rm)
    return err(`'${name}': RequesterID '${requesterId}' is not valid for a ${fileType} (TMAD Table 10.2)`);
  const mcf = counterText(m[3]!, 'MCFCounter');
  if (!mcf.ok) return err(`'${name}': ${mcf.error}`);
  const add = counterText(m[4]!, 'AdditionalID');
  if (!add.ok) return err(`'${name}': ${add.error}`);
  if (fileType === 'MCF' && add.value !== '0')
    return err(`'${name}': AdditionalID of an MCF must be 0 (TMAD Table 10.2)`);
  const out: ParsedMigrationFileName = {
    fileType,
    requesterId,
    partyId: rm[2]!,
    mcfCounter: mcf.value,
    additionalId: add.value,
  };
  if (requesterId.includes('_')) out.supplierSignifier = rm[1] ?? '';
  return ok(out);
}

/** A decimal xs:unsignedLong as written in a file (leading zeros or '+' allowed), or undefined. */
function counterValue(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  const t = v.trim().replace(/^\+/, '');
  return /^[0-9]{1,25}$/.test(t) ? BigInt(t) : undefined;
}

/**
 * TMAD 10.2: the counters a file's name carries must be those of its content. MCFCounter "as per the
 * content of the files"; AdditionalID is the file's own counter "value from the file" (MGFCounter,
 * MEFCounter, MVFCounter, SCFCounter, COFCounter; zero for an MCF, checked when parsing the name).
 * Returns one message per mismatch, naming both values (empty when they agree).
 */
export function fileNameCounterMismatches(
  name: ParsedMigrationFileName,
  content: { mcfCounter?: string; ownCounterElement?: string; ownCounter?: string },
): string[] {
  const out: string[] = [];
  const mcf = counterValue(content.mcfCounter);
  if (mcf !== undefined && mcf !== BigInt(name.mcfCounter))
    out.push(
      `the file name's MCFCounter is ${name.mcfCounter} but the file's MCFCounter is ${content.mcfCounter!.trim()}: TMAD 10.2 names a file by the counters of its content, so they must be equal`,
    );
  const own = counterValue(content.ownCounter);
  if (name.fileType !== 'MCF' && own !== undefined && own !== BigInt(name.additionalId))
    out.push(
      `the file name's AdditionalID is ${name.additionalId} but the file's ${content.ownCounterElement ?? 'counter'} is ${content.ownCounter!.trim()}: TMAD 10.2 (Table 10.2) makes the AdditionalID the ${content.ownCounterElement ?? 'counter'} value from the file, so they must be equal`,
    );
  return out;
}
