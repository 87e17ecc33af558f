// TMAD 10.2 file names: FileType_RequesterID_MCFCounter_AdditionalID.xml, values per Table 10.2.
// Local to this module until src/core/schema/file-names.ts (the schema owner's) lands; then replace.
import type { HeaderByFileType, SignedMigrationFileType } from './types.js';

export interface MigrationFileNameContext {
  /** SCF, COF (and an MCF the DCC forwards to the Registered Supplier): the Supplier Signifier. */
  supplierSignifier?: string;
  /** COF: the ReportingPartyID of the S1SP Commissioning File it answers (Table 10.2). */
  scfReportingPartyId?: string;
  /** MCF: named by the DCC for the Registered Supplier (Table 10.2 MCF second sentence). */
  forRegisteredSupplier?: boolean;
}

export interface MigrationFileNameParts {
  fileType: SignedMigrationFileType;
  requesterId: string;
  mcfCounter: string;
  additionalId: string;
}

export class MigrationFileNameError extends Error {
  override name = 'MigrationFileNameError';
}

function need(v: string | undefined, what: string, ft: string): string {
  if (!v) throw new MigrationFileNameError(`${ft} file name needs ${what} (TMAD 10.2, Table 10.2)`);
  return v;
}

/** The TMAD 10.2 name of a file with this header. */
export function migrationFileName<T extends SignedMigrationFileType>(
  fileType: T,
  header: HeaderByFileType[T],
  ctx: MigrationFileNameContext = {},
): string {
  const h = header as HeaderByFileType[SignedMigrationFileType] & Record<string, unknown>;
  let requesterId: string;
  let additionalId: string;
  switch (fileType) {
    case 'MCF': {
      const m = header as HeaderByFileType['MCF'];
      requesterId = ctx.forRegisteredSupplier
        ? `${need(ctx.supplierSignifier, 'the Supplier Signifier', fileType)}_${m.requestingPartyId}`
        : m.requestingPartyId;
      additionalId = '0';
      break;
    }
    case 'MGF':
      requesterId = (header as HeaderByFileType['MGF']).requestingPartyId;
      additionalId = String((header as HeaderByFileType['MGF']).mgfCounter);
      break;
    case 'MEF':
      requesterId = (header as HeaderByFileType['MEF']).requestingPartyId;
      additionalId = String((header as HeaderByFileType['MEF']).mefCounter);
      break;
    case 'MVF':
      requesterId = (header as HeaderByFileType['MVF']).reportingPartyId;
      additionalId = String((header as HeaderByFileType['MVF']).mvfCounter);
      break;
    case 'SCF':
      requesterId = `${need(ctx.supplierSignifier, 'the Supplier Signifier', fileType)}_${(header as HeaderByFileType['SCF']).reportingPartyId}`;
      additionalId = String((header as HeaderByFileType['SCF']).scfCounter);
      break;
    case 'COF':
      requesterId = `${need(ctx.supplierSignifier, 'the Supplier Signifier of the SCF', fileType)}_${need(ctx.scfReportingPartyId, 'the ReportingPartyID of the SCF', fileType)}`;
      additionalId = String((header as HeaderByFileType['COF']).cofCounter);
      break;
    default:
      throw new MigrationFileNameError(`unknown file type ${String(fileType)}`);
  }
  return `${fileType}_${requesterId}_${String(h.mcfCounter)}_${additionalId}.xml`;
}

/** Split a TMAD 10.2 file name; undefined if it does not have that shape. */
export function parseMigrationFileName(name: string): MigrationFileNameParts | undefined {
  const m = /^(MCF|MGF|MEF|MVF|SCF|COF)_(.+)_(\d+)_(\d+)\.xml$/.exec(name);
  if (!m) return undefined;
  return {
    fileType: m[1] as SignedMigrationFileType,
    requesterId: m[2]!,
    mcfCounter: m[3]!,
    additionalId: m[4]!,
  };
}
