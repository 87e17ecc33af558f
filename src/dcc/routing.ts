// Who receives the MCF and the MVF (TMAD 5.10(a), 5.10(d)) once an MCF has passed Table 5.9:
//
//   5.10(a) the MCF: the relevant S1SP, the relevant DCO, and the Commissioning Party when
//           ToBeCommissionedByDCC is True, else the Responsible Supplier of its installations;
//   5.10(d) the MVF: the relevant S1SP and the relevant DCO, and the Requesting Party identified by
//           RequestingPartyID (not the Commissioning Party nor the Responsible Supplier).
//
// The Responsible Supplier of an installation is its 'ESME Supplier Party' (Table 5.10, 5.10.8): the
// Supplier Party of the User ID in the ESME's Critical Supplier Certificate. An installation whose
// Supplier Party cannot be found (Null Certificate ID, unknown certificate or User ID) adds no
// recipient; it is reported (docs/SPEC-DECISIONS.md).
import { criticalSupplierId } from '../core/pki/index.js';
import type { McfInstallation, MigrationCommonHeader } from '../core/formats/migration-files/types.js';
import type { MailboxAddress } from '../files/mailbox.js';
import type { CommonValidationContext } from './common-validation-context.js';

/** The relevant S1SP and DCO of the file's Group (configuration: the TMAD does not name them in the file). */
export interface RoutingParties {
  s1sp: string;
  dco: string;
}

/** TMAD 5.10(d): the MVF goes to the S1SP, the DCO and the Requesting Party. */
export function mvfRecipients(header: MigrationCommonHeader, parties: RoutingParties): MailboxAddress[] {
  return [
    { role: 's1sp', party: parties.s1sp },
    { role: 'dco', party: parties.dco },
    { role: 'requesting-party', party: header.requestingPartyId },
  ];
}

/** Collects, installation by installation, the Responsible Suppliers an MCF must go to (TMAD 5.10(a)). */
export class McfRouting {
  readonly suppliers = new Set<string>();
  /** Installations (1-based, CHF Device ID) with no Responsible Supplier found, and why. */
  readonly unrouted: Array<{ installation: number; chf: string; reason: string }> = [];
  private count = 0;

  /** Note one installation of the MCF (only used when ToBeCommissionedByDCC is False). */
  add(inst: McfInstallation, ctx: CommonValidationContext): void {
    this.count++;
    const id = inst.esmeDetail.criticalSupplierCertificateId;
    const why = (reason: string): void =>
      void this.unrouted.push({ installation: this.count, chf: inst.chfDetail.deviceId, reason });
    if (/^0+$/.test(id.serialNumber) && id.issuerName === 'NULL')
      return why('the ESME CriticalSupplierCertificateID is the Null Certificate ID');
    const cert = ctx.certificate(id);
    if (!cert)
      return why(
        `no Organisation Certificate with the ESME CriticalSupplierCertificateID (serial ${id.serialNumber})`,
      );
    const userId = criticalSupplierId(cert);
    if (!userId) return why('the ESME Critical Supplier Certificate has no Critical Supplier ID');
    const party = ctx.supplierPartyOf(userId);
    if (!party) return why(`User ID ${userId} is allocated to no Supplier Party`);
    this.suppliers.add(party);
  }

  /** TMAD 5.10(a): the MCF's recipients. */
  recipients(header: MigrationCommonHeader, parties: RoutingParties): MailboxAddress[] {
    const out: MailboxAddress[] = [
      { role: 's1sp', party: parties.s1sp },
      { role: 'dco', party: parties.dco },
    ];
    if (header.toBeCommissionedByDcc)
      // TMAD 3.1(e): the Commissioning Party is the DCC; the header names it when present.
      out.push({ role: 'commissioning-party', party: header.commissioningPartyIdentifier ?? 'DCC' });
    else for (const s of [...this.suppliers].sort()) out.push({ role: 'responsible-supplier', party: s });
    return out;
  }
}
