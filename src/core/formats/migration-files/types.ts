// Typed view of the SMETS1 Migration Schema (TMAD 10.1, Table 10.1; roots per Table 10.2 and Table 11.2.1).
//
// Naming: each property is the camelCase of its TMAD element name, acronyms lower-cased as one word
// (RequestingPartyID → requestingPartyId, ToBeCommissionedByDCC → toBeCommissionedByDcc,
// EncryptedS1SPGroupInformation → encryptedS1spGroupInformation). A repeated element (maxOccurs > 1) is an
// array named in the plural (FailedCheck → failedChecks, DeviceID ×3 → deviceIds; SUAKeyDetails stays
// suaKeyDetails). An optional element that is absent is `undefined`; a present but empty one is ''.
// Certificate IDs are `CertificateId` ({ serialNumber, issuerName } from X509SerialNumber/X509IssuerName).
// Counters (xs:unsignedLong, Table 5.7) are bigint; flags (xs:boolean) are boolean; all other values are
// the element text as written (lexical rules are the schema validator's job, TMAD 5.9.1; Table 5.10
// rules the checker's).
import type { CertificateId } from '../../ids/index.js';
import type { MigrationFileType } from '../../schema/model.js';

export type { CertificateId };

/** The six signed files of Table 10.2 (MIGRATION_FILE_TYPES of src/core/schema/model.ts). */
export type SignedMigrationFileType = MigrationFileType;

// ---------------------------------------------------------------------------------------------
// Shared parts

/** Table 10.1 DeviceDetail. */
export interface DeviceDetail {
  firmwareVersion: string;
  deviceModel: string;
  deviceManufacturer: string;
  deviceType: string;
}

/** CHFDetail, PPMIDDetail, IHDDetail, CADDetail of an MCF (DeviceWithoutCertificatesType). */
export interface DeviceWithoutCertificates {
  deviceId: string;
  deviceDetail: DeviceDetail;
}

/** GPFDetail of an MCF. */
export interface GpfDetail extends DeviceWithoutCertificates {
  criticalSupplierCertificateId: CertificateId;
  nonCriticalSupplierCertificateId: CertificateId;
  criticalNetworkOperatorCertificateId: CertificateId;
  nonCriticalNetworkOperatorCertificateId: CertificateId;
}

/** ESMEDetail of an MCF. */
export interface EsmeDetail extends DeviceWithoutCertificates {
  esmeVariant: string;
  importMpan: string;
  criticalSupplierCertificateId: CertificateId;
  nonCriticalSupplierCertificateId: CertificateId;
  criticalNetworkOperatorCertificateId: CertificateId;
  nonCriticalNetworkOperatorCertificateId: CertificateId;
}

/** GSMEDetail of an MCF. */
export interface GsmeDetail extends DeviceWithoutCertificates {
  mprn: string;
  criticalSupplierCertificateId: CertificateId;
  nonCriticalSupplierCertificateId: CertificateId;
}

/** SMETS1 Installation of an MCF (TMAD 2, 5.8). */
export interface McfInstallation {
  chfDetail: DeviceWithoutCertificates;
  gpfDetail: GpfDetail;
  esmeDetail: EsmeDetail;
  gsmeDetail?: GsmeDetail;
  ppmidDetail?: DeviceWithoutCertificates;
  ihdDetail?: DeviceWithoutCertificates;
  cadDetail?: DeviceWithoutCertificates;
}

/** Supporting Data of 5.10.8/11/13/16: Critical then Non-Critical Certificate ID. */
export interface CertificatePair {
  certificateIds: CertificateId[];
}

/** One EncryptedKey and the Device IDs it is the Master Key of (TMAD 11.3). */
export interface EncryptedMasterKey {
  encryptedKey: string;
  deviceIds: string[];
}

/** Supporting Data (Table 5.10, group tables, Appendices A-C). */
export interface SupportingData {
  deviceId?: string;
  certificateId?: CertificateId;
  certificatePair?: CertificatePair;
  errorCode?: string;
  subStep?: string;
  applicationAssociation?: string;
  encryptedMasterKey?: EncryptedMasterKey;
}

/** A failed check (TMAD 5.10(c), 5.25, 5.27(b), 6.3(d)(ii)). */
export interface FailedCheck {
  failedStepNumber: string;
  supportingData?: SupportingData;
}

/** MVF and COF entry. */
export interface OutcomeInstallation {
  chfIdentifier: string;
  failedChecks: FailedCheck[];
}

/** SCF entry. */
export interface ScfInstallation {
  chfIdentifier: string;
  prepayFlag?: boolean;
  failedChecks: FailedCheck[];
}

/** SerialNumbers of an MGF CHFDetail. */
export interface SerialNumbers {
  chf?: string;
  gpf?: string;
  esme?: string;
  gsme?: string;
  ppmid?: string;
}

/** CHFDetail of an MGF (SIM data; 12.6.1, 14.7.1, 15.6.1). */
export interface MgfChfDetail {
  imsi?: string;
  ipAddr?: string;
  dnsServer?: string;
  pingServer?: string;
  previousApn?: string;
  serialNumbers?: SerialNumbers;
  /** Base64 (DER) of the CHF's device certificate. */
  deviceCertificate?: string;
}

/** MGF entry. */
export interface MgfInstallation {
  chfIdentifier: string;
  chfDetail?: MgfChfDetail;
}

/** EncryptedS1SPGroupInformation (Tables 11.2.1, 11.2.2), base64 texts. */
export interface EncryptedS1spGroupInformationElement {
  protectedData: string;
  authenticationTag: string;
  wrappedTransportKey: string;
}

/** Table 11.3B SUAKeyDetails. */
export interface SuaKeyDetails {
  deviceType: string;
  serialNumber: string;
  publicKey: string;
  encryptedSuaKey: string;
}

/** MEF entry. */
export interface MefInstallation {
  chfIdentifier: string;
  encryptedS1spGroupInformation?: EncryptedS1spGroupInformationElement;
  encryptedMasterKeys: EncryptedMasterKey[];
  suaKeyDetails: SuaKeyDetails[];
}

// ---------------------------------------------------------------------------------------------
// Headers (the root's children before the first SMETS1Installation)

/** MigrationCommon (MCF, TMAD 5.8). */
export interface MigrationCommonHeader {
  requestingPartyId: string;
  mcfCounter: bigint;
  groupId: string;
  toBeCommissionedByDcc: boolean;
  commissioningPartyIdentifier?: string;
}

/** MigrationValidation (MVF, TMAD 5.10(b)-(d)). */
export interface MigrationValidationHeader {
  requestingPartyId: string;
  mcfCounter: bigint;
  reportingPartyId: string;
  mvfCounter: bigint;
  groupId: string;
}

/** MigrationGroup (MGF, TMAD 5.12(f)). */
export interface MigrationGroupHeader {
  requestingPartyId: string;
  mcfCounter: bigint;
  mgfCounter: bigint;
  groupId: string;
}

/** MigrationGroupEncrypted (MEF, TMAD 5.12(g)). */
export interface MigrationGroupEncryptedHeader {
  requestingPartyId: string;
  mcfCounter: bigint;
  mefCounter: bigint;
  groupId: string;
}

/** S1SPOutcomes (SCF, TMAD 5.25, 5.27, 5.28). */
export interface S1spOutcomesHeader {
  requestingPartyId: string;
  mcfCounter: bigint;
  reportingPartyId: string;
  scfCounter: bigint;
  groupId: string;
}

/** CommissioningOutcomes (COF, TMAD 6.3(d)(ii)). */
export interface CommissioningOutcomesHeader {
  requestingPartyId: string;
  mcfCounter: bigint;
  commissioningPartyId: string;
  cofCounter: bigint;
  groupId: string;
}

export interface HeaderByFileType {
  MCF: MigrationCommonHeader;
  MVF: MigrationValidationHeader;
  MGF: MigrationGroupHeader;
  MEF: MigrationGroupEncryptedHeader;
  SCF: S1spOutcomesHeader;
  COF: CommissioningOutcomesHeader;
}

export interface InstallationByFileType {
  MCF: McfInstallation;
  MVF: OutcomeInstallation;
  MGF: MgfInstallation;
  MEF: MefInstallation;
  SCF: ScfInstallation;
  COF: OutcomeInstallation;
}

export type AnyMigrationHeader = HeaderByFileType[SignedMigrationFileType];
export type AnyMigrationInstallation = InstallationByFileType[SignedMigrationFileType];

// ---------------------------------------------------------------------------------------------
// Decrypted plaintexts (Table 11.2.1; TMAD 5.23(b)): not signed.

/** AuthenticationKey and EncryptionKey of an Application Association. */
export interface AssociationKeys {
  authenticationKey?: string;
  encryptionKey?: string;
}

/** CHFDetail / GPFDetail of DecryptedS1SPGroupInformation (TMAD 12.8.1). */
export interface DecryptedDeviceKeys {
  dataCollectionAssociation?: AssociationKeys;
  extendedDataCollectionAssociation?: AssociationKeys;
  managementAssociation?: AssociationKeys;
  firmwareAssociation?: AssociationKeys;
}

/** ESMEDetail / GSMEDetail of DecryptedS1SPGroupInformation (TMAD 12.8.1, 12.8.2). */
export interface DecryptedMeterKeys extends DecryptedDeviceKeys {
  prepaymentKey?: string;
  prepaymentWrapperKey?: string;
  wrappedPrepaymentKey?: string;
}

/** GroupIDs AA, BA, CA, CB, DA. */
export interface DecryptedS1spGroupInformation {
  chfIdentifier: string;
  chfDetail?: DecryptedDeviceKeys;
  gpfDetail?: DecryptedDeviceKeys;
  esmeDetail?: DecryptedMeterKeys;
  gsmeDetail?: DecryptedMeterKeys;
}

/** GroupIDs EA, EB, EC (TMAD 15.8). */
export interface DecryptedS1spDpGroupInformation {
  chfIdentifier: string;
  esmeDetail?: { highLevelAssociation?: AssociationKeys; prepaymentKey?: string };
  gsmeDetail?: { prePayDetails?: { prepaymentKey?: string } };
}
