// TMAD Table 6.3: the Commissioning Requests of one SMETS1 Installation, in sequence, with the
// condition under which each is submitted, its 'Target SMETS1 Device', 'Other SMETS1 Device' and
// RemotePartyRole; and the Table 8.7.4 values each request is built with, from the Migration Common
// File's entry for the installation (TMAD 6.3(d)(i)). Pure: certificates and counters come through
// the BuildContext.
import { isNullCertificateId, type CertificateId } from '../ids/certificate-id.js';
import type {
  DeviceWithoutCertificates,
  FailedCheck,
  McfInstallation,
} from '../formats/migration-files/types.js';
import {
  TABLE_8_7_2,
  type CarriedCertificate,
  type CommissioningRequest,
  type CommissioningRequestBody,
  type CommissioningRequestName,
  type RemotePartyRoleValue,
} from './requests.js';

export type DeviceSlot = 'CHF' | 'GPF' | 'ESME' | 'GSME' | 'PPMID' | 'IHD' | 'CAD';

export interface Table63Step {
  /** StepNumber: '6.3.1' … '6.3.20' (the COF FailedStepNumber). */
  step: string;
  request: CommissioningRequestName;
  /** 'Only submit if' as the table writes it. */
  onlySubmitIf: string;
  target: DeviceSlot;
  other?: DeviceSlot;
  remotePartyRole?: RemotePartyRoleValue;
  /** Handover: whose Certificate IDs (the pair of that device for that role). */
  certificatesOf?: 'ESME' | 'GSME' | 'GPF';
}

const s = (
  step: string,
  request: CommissioningRequestName,
  onlySubmitIf: string,
  target: DeviceSlot,
  extra: Partial<Table63Step> = {},
): Table63Step => Object.freeze({ step, request, onlySubmitIf, target, ...extra });

const PRE = 'Device Pre-notification';
const HAN = 'Update HAN Device Log';
const HANDOVER = 'Request Handover Of DCC Controlled Device';

/** TMAD Table 6.3, in its sequence. */
export const TABLE_6_3: readonly Table63Step[] = Object.freeze([
  s('6.3.1', PRE, 'True', 'ESME'),
  s('6.3.2', HAN, 'True', 'CHF', { other: 'ESME' }),
  s('6.3.3', PRE, 'If GSME present', 'GSME'),
  s('6.3.4', HAN, 'If GSME present', 'CHF', { other: 'GSME' }),
  s('6.3.5', PRE, 'If PPMID present', 'PPMID'),
  s('6.3.6', HAN, 'If PPMID present', 'CHF', { other: 'PPMID' }),
  s('6.3.7', PRE, 'If IHD present', 'IHD'),
  s('6.3.8', HAN, 'If IHD present', 'CHF', { other: 'IHD' }),
  s('6.3.9', PRE, 'If CAD present', 'CAD'),
  s('6.3.10', HAN, 'If CAD present', 'CHF', { other: 'CAD' }),
  s('6.3.11', HANDOVER, 'If Supplier Certificate IDs in the ESME element are not null', 'ESME', {
    remotePartyRole: 'Supplier',
    certificatesOf: 'ESME',
  }),
  s(
    '6.3.12',
    HANDOVER,
    'If (GSME present) and (Supplier Certificate IDs in the GSME element are not null)',
    'GSME',
    { remotePartyRole: 'Supplier', certificatesOf: 'GSME' },
  ),
  s('6.3.13', 'Commission Device', 'True', 'ESME'),
  s('6.3.14', 'Commission Device', 'If GSME present', 'GSME'),
  s('6.3.15', 'Join Service (Non-Critical)', 'If PPMID present', 'PPMID', { other: 'ESME' }),
  s('6.3.16', 'Join Service (Critical)', 'If PPMID present', 'ESME', { other: 'PPMID' }),
  s('6.3.17', 'Join Service (Non-Critical)', 'If GSME present', 'GSME', { other: 'GPF' }),
  s(
    '6.3.18',
    HANDOVER,
    'If (GSME present) and (Supplier Certificate IDs in the GPF element are not null)',
    'GPF',
    { remotePartyRole: 'Supplier', certificatesOf: 'GPF' },
  ),
  s('6.3.19', HANDOVER, 'If Network Operator Certificate IDs in the ESME element are not null', 'ESME', {
    remotePartyRole: 'NetworkOperator',
    certificatesOf: 'ESME',
  }),
  s('6.3.20', HANDOVER, 'If Network Operator Certificate IDs in the GPF element are not null', 'GPF', {
    remotePartyRole: 'NetworkOperator',
    certificatesOf: 'GPF',
  }),
]);

/** The device of a slot in the MCF entry, if present (CHF, GPF and ESME always are). */
export function deviceOf(inst: McfInstallation, slot: DeviceSlot): DeviceWithoutCertificates | undefined {
  switch (slot) {
    case 'CHF':
      return inst.chfDetail;
    case 'GPF':
      return inst.gpfDetail;
    case 'ESME':
      return inst.esmeDetail;
    case 'GSME':
      return inst.gsmeDetail;
    case 'PPMID':
      return inst.ppmidDetail;
    case 'IHD':
      return inst.ihdDetail;
    case 'CAD':
      return inst.cadDetail;
  }
}

/**
 * The Certificate IDs a Handover step replaces: the Critical and Non-Critical IDs of that device for
 * that role, without the Null ones. "Not null" (6.3.11/12/18-20) is read as "not both Null": a pair
 * with one Null ID is submitted with the other (docs/SPEC-DECISIONS.md).
 */
export function handoverCertificateIds(inst: McfInstallation, step: Table63Step): CertificateId[] {
  const dev =
    step.certificatesOf === 'ESME'
      ? inst.esmeDetail
      : step.certificatesOf === 'GSME'
        ? inst.gsmeDetail
        : step.certificatesOf === 'GPF'
          ? inst.gpfDetail
          : undefined;
  if (!dev) return [];
  const pair: CertificateId[] =
    step.remotePartyRole === 'Supplier'
      ? [dev.criticalSupplierCertificateId, dev.nonCriticalSupplierCertificateId]
      : 'criticalNetworkOperatorCertificateId' in dev
        ? [dev.criticalNetworkOperatorCertificateId, dev.nonCriticalNetworkOperatorCertificateId]
        : [];
  return pair.filter((id) => !isNullCertificateId(id));
}

/** TMAD Table 6.3 'Only submit if' for this installation. */
export function stepApplies(inst: McfInstallation, step: Table63Step): boolean {
  if (step.request === HANDOVER) {
    // 6.3.12 and 6.3.18 also need the GSME; 6.3.20 (GPF, Network Operator) does not.
    if ((step.step === '6.3.12' || step.step === '6.3.18') && !inst.gsmeDetail) return false;
    return handoverCertificateIds(inst, step).length > 0;
  }
  return (
    deviceOf(inst, step.target) !== undefined && (!step.other || deviceOf(inst, step.other) !== undefined)
  );
}

/** What the builder needs beyond the MCF entry. */
export interface BuildContext {
  /** Table 8.7.4: the DCC ID allocated for use by the Commissioning Party (Business Originator ID). */
  businessOriginatorId: string;
  /** Table 8.7.4: the DCC ID allocated by the DCC as Business Target ID of a Device Pre-notification. */
  preNotificationTargetId: string;
  /** Table 8.7.4 Originator Counter, any request but Join Service (Critical) (SMETS1 SR clause 5: increasing). */
  nextOriginatorCounter(): bigint | Promise<bigint>;
  /** Table 8.7.4: per Target Device ID, 1 then +1 for each Join Service (Critical). */
  nextJoinCriticalCounter(targetDeviceId: string): bigint | Promise<bigint>;
  /** The Commissioning Party's current date-time (Commission Device CurrentDateTime). */
  now: Date;
  /** The certificate of a Certificate ID and its Certification Authority certificates (base64 DER). */
  certificate(
    id: CertificateId,
  ):
    | { certificate: CarriedCertificate; path: CarriedCertificate[] }
    | undefined
    | Promise<{ certificate: CarriedCertificate; path: CarriedCertificate[] } | undefined>;
  /** Table 8.7.4 SMETSCHTSVersion from the CPL for the Device Model (default 'SMETS1'). */
  smetsChtsVersion?(device: DeviceWithoutCertificates): string;
}

export type PlannedStep =
  | { step: Table63Step; kind: 'not-applicable'; reason: string }
  | { step: Table63Step; kind: 'request'; request: CommissioningRequest }
  /** The request could not be built (a Certificate ID names no known certificate): an error of the step. */
  | { step: Table63Step; kind: 'error'; failedCheck: FailedCheck; reason: string };

async function body(
  inst: McfInstallation,
  step: Table63Step,
  ctx: BuildContext,
): Promise<CommissioningRequestBody | { error: FailedCheck; reason: string }> {
  const target = deviceOf(inst, step.target)!;
  const other = step.other ? deviceOf(inst, step.other)! : undefined;
  switch (step.request) {
    case 'Device Pre-notification': {
      const d = target.deviceDetail;
      const type = step.target;
      return {
        request: 'Device Pre-notification',
        deviceId: target.deviceId,
        deviceManufacturer: d.deviceManufacturer,
        deviceModel: d.deviceModel,
        deviceType: type,
        ...(type === 'CAD' ? {} : { smetsChtsVersion: ctx.smetsChtsVersion?.(target) ?? 'SMETS1' }),
        ...(d.firmwareVersion !== '' ? { firmwareVersion: d.firmwareVersion } : {}),
        ...(type === 'ESME' ? { esmeVariant: 'A' } : {}),
      };
    }
    case 'Update HAN Device Log': {
      const mpxn =
        step.other === 'ESME'
          ? inst.esmeDetail.importMpan
          : step.other === 'GSME'
            ? inst.gsmeDetail!.mprn
            : undefined;
      return {
        request: 'Update HAN Device Log',
        deviceId: other!.deviceId,
        requestType: 'Add',
        joinTimePeriod: 1,
        ...(mpxn !== undefined ? { importMpxn: mpxn } : {}),
      };
    }
    case 'Request Handover Of DCC Controlled Device': {
      const replacement: CarriedCertificate[] = [];
      const path = new Map<string, CarriedCertificate>();
      for (const id of handoverCertificateIds(inst, step)) {
        const found = await ctx.certificate(id);
        if (!found)
          return {
            error: {
              failedStepNumber: step.step,
              supportingData: { deviceId: target.deviceId, certificateId: id },
            },
            reason: `no Organisation Certificate with Certificate ID serial ${id.serialNumber}, issuer ${id.issuerName} (Table 8.7.4 ReplacementCertificates)`,
          };
        replacement.push(found.certificate);
        for (const ca of found.path) path.set(ca.der, ca);
      }
      const meter = step.target === 'ESME' || step.target === 'GSME';
      return {
        request: 'Request Handover Of DCC Controlled Device',
        remotePartyRole: step.remotePartyRole!,
        remotePartyFloorSeqNumber: 0n,
        ...(step.remotePartyRole === 'Supplier' && meter
          ? { remotePartyPrepaymentTopUpFloorSeqNumber: 0n }
          : {}),
        replacementCertificates: replacement,
        certificationPathCertificates: [...path.values()],
        applyTimeBasedCpvChecks: true,
      };
    }
    case 'Commission Device':
      return { request: 'Commission Device', currentDateTime: ctx.now.toISOString(), tolerancePeriod: 0 };
    case 'Join Service (Critical)':
    case 'Join Service (Non-Critical)':
      return { request: step.request, otherDeviceId: other!.deviceId };
  }
}

/** TMAD 6.3(d)(i), Table 6.3, Table 8.7.4: one step of one installation. Counters are taken only for requests. */
export async function planStep(
  inst: McfInstallation,
  step: Table63Step,
  ctx: BuildContext,
): Promise<PlannedStep> {
  if (!stepApplies(inst, step))
    return {
      step,
      kind: 'not-applicable',
      reason: `Only submit if: ${step.onlySubmitIf} — not so for this installation (TMAD Table 6.3)`,
    };
  const b = await body(inst, step, ctx);
  if ('error' in b) return { step, kind: 'error', failedCheck: b.error, reason: b.reason };
  const target = deviceOf(inst, step.target)!;
  const sr = TABLE_8_7_2[step.request];
  const request: CommissioningRequest = {
    serviceReference: sr.serviceReference,
    serviceReferenceVariant: sr.serviceReferenceVariant,
    requestId: {
      businessOriginatorId: ctx.businessOriginatorId,
      businessTargetId:
        step.request === 'Device Pre-notification' ? ctx.preNotificationTargetId : target.deviceId,
      originatorCounter:
        step.request === 'Join Service (Critical)'
          ? await ctx.nextJoinCriticalCounter(target.deviceId)
          : await ctx.nextOriginatorCounter(),
    },
    body: b,
  };
  return { step, kind: 'request', request };
}
