// TMAD 10.2 file names from a typed header: picks RequesterID and AdditionalID per Table 10.2 and
// leaves building and checking the name to src/core/schema/file-names.ts (one implementation).
import { migrationFileName as nameFromParts, signifiedRequesterId } from '../../schema/file-names.js';
import type { HeaderByFileType, SignedMigrationFileType } from './types.js';

export { parseMigrationFileName, type ParsedMigrationFileName } from '../../schema/file-names.js';

export interface MigrationFileNameContext {
  /** SCF, COF (and an MCF the DCC forwards to the Registered Supplier): the Supplier Signifier. */
  supplierSignifier?: string;
  /** COF: the ReportingPartyID of the S1SP Commissioning File it answers (Table 10.2). */
  scfReportingPartyId?: string;
  /** MCF: named by the DCC for the Registered Supplier (Table 10.2 MCF second sentence). */
  forRegisteredSupplier?: boolean;
}

export class MigrationFileNameError extends Error {
  override name = 'MigrationFileNameError';
}

function need(v: string | undefined, what: string, ft: string): string {
  if (v === undefined)
    throw new MigrationFileNameError(`${ft} file name needs ${what} (TMAD 10.2, Table 10.2)`);
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
        ? signifiedRequesterId(
            need(ctx.supplierSignifier, 'the Supplier Signifier', fileType),
            m.requestingPartyId,
          )
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
      requesterId = signifiedRequesterId(
        need(ctx.supplierSignifier, 'the Supplier Signifier', fileType),
        (header as HeaderByFileType['SCF']).reportingPartyId,
      );
      additionalId = String((header as HeaderByFileType['SCF']).scfCounter);
      break;
    case 'COF':
      requesterId = signifiedRequesterId(
        need(ctx.supplierSignifier, 'the Supplier Signifier of the SCF', fileType),
        need(ctx.scfReportingPartyId, 'the ReportingPartyID of the SCF', fileType),
      );
      additionalId = String((header as HeaderByFileType['COF']).cofCounter);
      break;
    default:
      throw new MigrationFileNameError(`unknown file type ${String(fileType)}`);
  }
  try {
    return nameFromParts({ fileType, requesterId, mcfCounter: h.mcfCounter, additionalId });
  } catch (e) {
    throw new MigrationFileNameError((e as Error).message);
  }
}
