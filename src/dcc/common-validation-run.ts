// One run of the Common Validation Checks on an authenticated MCF file (TMAD 5.10): the checks of
// Table 5.10 per installation, the signed MVF (5.10(b)-(d)) and, with mailboxes, the deliveries of the
// MCF (5.10(a)) and the MVF (5.10(d)). The DCC's pipeline (`s1mig dcc validate-mcf`) and early
// validation for an SMSO (TMAD 4.2, `s1mig dcc early-validate`) both call this one function; they
// differ only in the recipients they give it.
import { createReadStream } from 'node:fs';
import { migrationFileName, type MigrationCommonHeader } from '../core/formats/migration-files/index.js';
import { deliver, type MailboxAddress } from '../files/mailbox.js';
import type { CommonValidationContext, MvfSigner } from './common-validation.js';
import { writeMigrationCommonValidationFile, type MvfFileOptions, type MvfFileSummary } from './mvf-file.js';
import { McfRouting } from './routing.js';

export interface MailboxDelivery {
  /** The mailbox tree (docs/MAILBOXES.md). */
  root: string;
  /** Who gets a copy of the MCF (TMAD 5.10(a)); [] for none. */
  mcfTo(header: MigrationCommonHeader, routing: McfRouting): MailboxAddress[];
  /** Who gets the MVF (TMAD 5.10(d)). */
  mvfTo(header: MigrationCommonHeader): MailboxAddress[];
}

export interface Delivered {
  file: 'MCF' | 'MVF';
  to: MailboxAddress;
  path: string;
}

export interface CommonValidationRun extends MvfFileSummary {
  /** The MVF written. */
  path: string;
  delivered: Delivered[];
  /** Installations no Responsible Supplier was found for (TMAD 5.10(a)). */
  unrouted: McfRouting['unrouted'];
}

/**
 * Validate the MCF at `mcfPath` and write its signed MVF to `out` (a file, or a directory: the TMAD
 * 10.2 name), then deliver the MCF and the MVF to the mailboxes of `delivery`. The MCF is delivered
 * under its own file name (TMAD 10.2 names it; 5.10(a) "subject to the naming requirement").
 */
export async function runCommonValidation(
  mcfPath: string,
  mcfName: string,
  context: CommonValidationContext,
  signer: MvfSigner,
  out: string | { directory: string },
  opts: MvfFileOptions,
  delivery?: MailboxDelivery,
): Promise<CommonValidationRun> {
  const routing = new McfRouting();
  const summary = await writeMigrationCommonValidationFile(
    createReadStream(mcfPath),
    context,
    signer,
    typeof out === 'string' ? out : { directory: out.directory, name: (h) => migrationFileName('MVF', h) },
    {
      ...opts,
      onMcfInstallation: (inst, ctx) => {
        routing.add(inst, ctx);
        opts.onMcfInstallation?.(inst, ctx);
      },
    },
  );
  const delivered: Delivered[] = [];
  if (delivery) {
    const mvfName = migrationFileName('MVF', summary.mvfHeader);
    for (const to of delivery.mcfTo(summary.mcfHeader, routing))
      delivered.push({ file: 'MCF', to, path: await deliver(delivery.root, to, mcfName, mcfPath) });
    for (const to of delivery.mvfTo(summary.mcfHeader))
      delivered.push({ file: 'MVF', to, path: await deliver(delivery.root, to, mvfName, summary.path) });
  }
  return { ...summary, delivered, unrouted: summary.mcfHeader.toBeCommissionedByDcc ? [] : routing.unrouted };
}
