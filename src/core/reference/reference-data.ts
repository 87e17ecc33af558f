// The read interface of the reference data that the parties use (the DCC's Table 5.10 checks, the
// Requesting Party's 4.16 and 4.48 gates, the S1SP and DCO key choice). The store implements it
// (src/store/repositories/reference.ts); a party adapts its own port to it.
import type { CertificateId } from '../ids/certificate-id.js';
import type { Eui64 } from '../ids/eui64.js';
import type { GroupId } from '../ids/reference.js';
import type { OrganisationCertificate } from '../pki/certificate.js';
import type { TrustStore } from '../pki/validity.js';
import type {
  CombinationSlot,
  DeviceCombination,
  DeviceModel,
  EpcEntry,
  GroupKeyEntry,
  GroupModelEntry,
  NetworkOperatorIdsEntry,
  OrganisationEntry,
  ProductEntry,
  SmiEntry,
} from './registries.js';
import type { CombinationQuery, RegistrationChange } from './rules.js';

/** TMAD 5.10.10 / 5.10.15 look-ahead (shared/spec README: 14 days, configurable). */
export const DEFAULT_SUPPLIER_CHANGE_LOOKAHEAD_DAYS = 14;

export interface ReferenceData {
  /** TMAD 5.10.1: the Central Products List entry of this Device Model, if any. */
  productOf(manufacturer: string, model: string, firmwareVersion: string): Promise<ProductEntry | undefined>;
  /** TMAD 3.6, 4.16, 5.10.3: the EPC (or Pending) entries matching every characteristic asked for. */
  eligibleCombinations(q: CombinationQuery): Promise<EpcEntry[]>;
  /** TMAD 5.10.2: the Group Device Model Combination List entries of the GroupID matching the devices. */
  groupModelCombination(groupId: GroupId, devices: DeviceCombination): Promise<GroupModelEntry[]>;
  /** TMAD 5.10.2 per device: does any combination of the GroupID allow this model in this slot? */
  groupAllowsDeviceModel(groupId: GroupId, slot: CombinationSlot, device: DeviceModel): Promise<boolean>;
  /** TMAD 5.10.4: the SMI entry of the Device ID, whatever its status. */
  inSmartMeteringInventory(deviceId: Eui64 | string): Promise<SmiEntry | undefined>;
  /** TMAD 5.10.9: Party Signifier of the Import Supplier registered for the MPAN at t. */
  importSupplierAt(mpan: string, t: Date): Promise<string | null>;
  /** TMAD 5.10.10: every Import Supplier change in (t, t + days]. */
  importSupplierChangesWithin(mpan: string, t: Date, days?: number): Promise<RegistrationChange[]>;
  /** TMAD 5.10.12, 4.48. */
  electricityDistributorAt(mpan: string, t: Date): Promise<string | null>;
  /** TMAD 5.10.14. */
  gasSupplierAt(mprn: string, t: Date): Promise<string | null>;
  /** TMAD 5.10.15. */
  gasSupplierChangesWithin(mprn: string, t: Date, days?: number): Promise<RegistrationChange[]>;
  /** TMAD 5.10.17. */
  gasTransporterAt(mprn: string, t: Date): Promise<string | null>;
  /** The organisation holding this DCC User ID (Entity Identifier of an Organisation Certificate). */
  partyOfUserId(userId: Eui64 | string): Promise<OrganisationEntry | undefined>;
  /** TMAD 2 Affiliate: two Party Signifiers of the same Affiliate Group (or the same party). */
  areAffiliates(partyA: string, partyB: string): Promise<boolean>;
  /** The Organisation Certificate with this Certificate ID (serial number + issuer CN). */
  certificate(id: CertificateId): Promise<OrganisationCertificate | undefined>;
  /** Every stored certificate and CRL as a trust store for Confirm Validity (TMAD 5.9.4). */
  trustStore(): Promise<TrustStore>;
  /** TMAD 4.48: the distributor's latest notified Network Operator Certificate IDs at t (4.47). */
  latestNetworkOperatorCertificateIds(
    distributor: string,
    t: Date,
  ): Promise<NetworkOperatorIdsEntry | undefined>;
  /** TMAD 5.1(a): the group public key with this Key Identifier usable at t (inclusive dates). */
  groupPublicKey(keyIdentifier: string, t: Date): Promise<GroupKeyEntry | undefined>;
  /**
   * Optional: read the registrations of these MPANs and MPRNs in one go, so that the look-ups by MPxN
   * that follow (importSupplierAt, gasSupplierAt, ...) for them need no round trip each. Only the last
   * set asked for is kept; the answers are the same as without it.
   */
  prefetchRegistrations?(mpxns: readonly string[]): Promise<void>;
}
