// TMAD 5.27, Appendices A, B and C: every error code and sub-step, injected on purpose (a fault rule of
// the simulated estate for one CHF, a DCO refusal, a Smart Metering Inventory refusal, or input data
// that fails the step's check), in an estate of two installations of the GroupID: the faulty one must
// fail at exactly that step and code, the clean one beside it must be commissioned. Each case checks:
// the FailedStepNumber and error code recorded (the trace's failed row too), whether the group's
// Installation Rollback ran (12.10, 13.12, 14.11: Table 12.10; 15.10; 16.11) and what it did to the
// installation, the SCF entry as written (hand-written expected XML), and that no Incident is raised
// (12.10.1/12.10.2, 15.10.1/15.10.2 raise one only when keys cannot be deleted: tested at the end).
// docs/S1SP-COMMISSIONING.md has the table of codes and these tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createCommissioner,
  createMemoryKeyStore,
  withStoreFaults,
  type CommissioningKeyStore,
} from '../../src/s1sp/commissioning/index.js';
import { scfEntryOf, type S1spViableInstallation } from '../../src/s1sp/commissioning-contract.js';
import type { FaultRule } from '../../src/estate/devices/index.js';
import type { GroupId } from '../../src/core/ids/reference.js';
import type { SmiChfRequests } from '../../src/core/head-end/index.js';
import {
  migrationFileToXmlString,
  type DecryptedS1spDpGroupInformation,
  type DecryptedS1spGroupInformation,
  type MefInstallation,
} from '../../src/core/formats/migration-files/index.js';
import {
  createInMemoryTestDcoRequests,
  testSmi,
  worldDevices,
  worldInstallations,
  type TestDcoOperation,
  type TestDcoRequestSummary,
  type WorldInstallation,
} from '../support/commissioning-world.js';

const NOW = new Date('2026-01-19T09:00:00Z');
const now = (): Date => NOW;
const FAST = { log2N: 10, r: 8, p: 1 };
const ROLLBACK_CERT = {
  certificate: Buffer.from('SMSO rollback certificate').toString('base64'),
  validFrom: new Date('2025-01-01T00:00:00Z'),
  validTo: new Date('2027-01-01T00:00:00Z'),
};
/** Every installation here has a GSME, a GPF and a PPMID, so every table row applies. */
const full = (i: WorldInstallation['smso']): boolean =>
  ['GSME', 'GPF', 'PPMID'].every((t) => i.devices.some((d) => d.deviceType === t));

type Who = 'chf' | 'gpf' | 'esme' | 'gsme';
const idOf = (v: S1spViableInstallation, who: Who): string =>
  who === 'chf'
    ? v.mcf.chfDetail.deviceId
    : who === 'gpf'
      ? v.mcf.gpfDetail.deviceId
      : who === 'esme'
        ? v.mcf.esmeDetail.deviceId
        : v.mcf.gsmeDetail!.deviceId;

/** What the Appendix's SupportingData column puts beside the error code. */
type Sd = 'subStep' | 'none' | 'encryptedMasterKey' | { device: Who; association?: string };

interface Case {
  /** The clause and code, as in the test name. */
  name: string;
  g: GroupId;
  /** The error code and sub-step the SCF must record (sub-step absent: the column gives none). */
  code: string;
  sub?: number;
  /** FailedStepNumber: the group table's StepNumber and the error code. */
  step: string;
  sd: Sd;
  /** Device fault rules (the faulty installation's CHF is added to each). */
  rules?: Array<Omit<FaultRule, 'chf' | 'deviceId'> & { device?: Who }>;
  /** The DCO refuses this request for the faulty installation. */
  dco?: (op: TestDcoOperation, r: TestDcoRequestSummary) => boolean;
  /** The DCO holds another MEF for the faulty installation than the S1SP (A1 ET02 "semantically identical"). */
  dcoMef?: (m: MefInstallation) => MefInstallation;
  /** The DCC answers the S1SP's DP01 instruction for the faulty installation with this status. */
  smiStatus?: string;
  /** Input data that fails the step's check (the faulty installation only). */
  data?: (v: S1spViableInstallation) => void;
  /** Every meter in prepayment mode (else every meter in credit mode). */
  prepay?: boolean;
  /** Whether the Installation Rollback of the GroupID runs (DA: whether control reverts, 16.11.1). */
  rolledBack?: boolean;
  /** The code cannot fail here: the installation is commissioned (GT04/ET04 go on to GT06/ET06...). */
  commissioned?: true;
  /** More checks of the case. */
  also?: (r: Run) => void;
}

const sa = (v: S1spViableInstallation): DecryptedS1spGroupInformation =>
  v.groupInformation as DecryptedS1spGroupInformation;
const sdp = (v: S1spViableInstallation): DecryptedS1spDpGroupInformation =>
  v.groupInformation as DecryptedS1spDpGroupInformation;
const flipHex = (h: string): string => (h[0] === '0' ? '1' : '0') + h.slice(1);

// ---- Appendix A: GroupIDs AA, BA, CA, CB (Table 12.9; 13.11 and 14.10 apply it) ---------------------
const A: Case[] = [
  // A1 ET01: SupportingData DeviceID.
  {
    name: 'A1 ET01 Public AA of the CHF unreadable',
    g: 'AA',
    code: 'ET01',
    step: '12.9.1.ET01',
    sd: { device: 'chf' },
    rules: [{ errorCode: 'ET01' }],
  },
  {
    name: 'A1 ET01 Public AA of the GPF unreadable (AA with GSME)',
    g: 'AA',
    code: 'ET01',
    step: '12.9.1.ET01',
    sd: { device: 'gpf' },
    rules: [{ errorCode: 'ET01', device: 'gpf' }],
  },
  {
    name: 'A1 ET01 ESME Public AA without the device counters',
    g: 'BA',
    code: 'ET01',
    step: '12.9.1.ET01',
    sd: { device: 'esme' },
    rules: [{ errorCode: 'ET01', subStep: 1, device: 'esme' }],
  },
  // A1 ET02: SupportingData EncryptedMasterKey.
  {
    name: 'A1 ET02 the DCO refuses the EncryptedMasterKey',
    g: 'CA',
    code: 'ET02',
    step: '12.9.1.ET02',
    sd: 'encryptedMasterKey',
    dco: (op) => op === 'processEncryptedMasterKey',
  },
  {
    name: "A1 ET02 the EncryptedMasterKey is not semantically identical to the DCO's MEF",
    g: 'CB',
    code: 'ET02',
    step: '12.9.1.ET02',
    sd: 'encryptedMasterKey',
    dcoMef: (m) => ({
      ...m,
      encryptedMasterKeys: m.encryptedMasterKeys.map((k) => ({
        ...k,
        encryptedKey: Buffer.from('another key').toString('base64'),
      })),
    }),
  },
  // A1 ET03: NOT USED: a rule for it changes nothing.
  {
    name: 'A1 ET03 NOT USED',
    g: 'AA',
    code: 'ET03',
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'ET03' }],
    commissioned: true,
  },
  // A1 ET04: SupportingData DeviceID and 'name of Application Association'.
  {
    name: 'A1 ET04.1 CHF DataCollection AA does not open',
    g: 'AA',
    code: 'ET04',
    step: '12.9.1.ET04',
    sd: { device: 'chf', association: 'DataCollectionAssociation' },
    rules: [{ errorCode: 'ET04', subStep: 1 }],
  },
  {
    name: "A1 ET04.1 the ESME refuses the MEF's ManagementAssociation key",
    g: 'CB',
    code: 'ET04',
    step: '12.9.1.ET04',
    sd: { device: 'esme', association: 'ManagementAssociation' },
    data: (v) => {
      const k = sa(v).esmeDetail!.managementAssociation!;
      k.encryptionKey = flipHex(k.encryptionKey!);
    },
  },
  {
    name: 'A1 ET04.2 GPF DataCollection AA does not close',
    g: 'BA',
    code: 'ET04',
    step: '12.9.1.ET04',
    sd: { device: 'gpf', association: 'DataCollectionAssociation' },
    rules: [{ errorCode: 'ET04', subStep: 2, device: 'gpf' }],
  },
  {
    name: 'A1 ET04.3 keys not stored',
    g: 'CA',
    code: 'ET04',
    step: '12.9.1.ET04',
    sd: { device: 'chf', association: 'DataCollectionAssociation' },
    rules: [{ errorCode: 'ET04', subStep: 3 }],
  },
  // A1 ET05: sub-steps 1-7.
  ...[
    [1, 'AA', 'the CHF ExtendedDataCollection AA does not open'],
    [2, 'BA', 'the CHF Whitelist cannot be read'],
    [3, 'AA', 'the ESME is not on the CHF Whitelist (AA)'],
    [4, 'CA', 'the CHF serial number cannot be read'],
    [5, 'CB', "the CHF serial number is not the MGF's"],
    [6, 'AA', 'the AA does not close'],
    [7, 'BA', 'the keys and serial number not stored'],
  ].map(([n, g, what]): Case => ({
    name: `A1 ET05.${n} ${what}`,
    g: g as GroupId,
    code: 'ET05',
    sub: n as number,
    step: '12.9.1.ET05',
    sd: 'subStep',
    rules: [{ errorCode: 'ET05', subStep: n as number }],
  })),
  // A1 ET06: sub-steps 1, 3, 4 (2 NOT USED).
  {
    name: 'A1 ET06.1 the GPF ExtendedDataCollection AA does not open',
    g: 'AA',
    code: 'ET06',
    sub: 1,
    step: '12.9.1.ET06',
    sd: 'subStep',
    rules: [{ errorCode: 'ET06', subStep: 1 }],
  },
  {
    name: 'A1 ET06.2 NOT USED',
    g: 'CB',
    code: 'ET06',
    sub: 2,
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'ET06', subStep: 2 }],
    commissioned: true,
  },
  {
    name: 'A1 ET06.3 the GPF AA does not close',
    g: 'BA',
    code: 'ET06',
    sub: 3,
    step: '12.9.1.ET06',
    sd: 'subStep',
    rules: [{ errorCode: 'ET06', subStep: 3 }],
  },
  {
    name: 'A1 ET06.4 the GPF keys not stored',
    g: 'CA',
    code: 'ET06',
    sub: 4,
    step: '12.9.1.ET06',
    sd: 'subStep',
    rules: [{ errorCode: 'ET06', subStep: 4 }],
  },
  // A1 ET07: sub-steps 1-13 (14, setting PrepayFlag, cannot fail: the clean prepayment installations show it set).
  ...[
    [1, 'AA', false, 'the ESME ExtendedDataCollection AA does not open'],
    [2, 'BA', false, 'the ESME serial number cannot be read'],
    [3, 'CA', false, "the ESME serial number is not the MGF's"],
    [4, 'CB', false, 'the Payment Mode cannot be read'],
    [5, 'AA', true, 'the UTRN Meter ID cannot be read (prepayment)'],
    [6, 'BA', false, 'the AA does not close'],
    [7, 'CA', false, 'the keys and serial number not stored'],
    [8, 'CB', false, "the credit ESME's PrepaymentWrapperKey not stored (CA, CB)"],
    [9, 'AA', true, 'the Management AA does not open (prepayment)'],
    [10, 'BA', true, 'the zero-value Add Credit cannot be sent'],
    [11, 'CA', true, 'the ESME does not confirm the Add Credit'],
    [12, 'CB', true, 'the Management AA does not close'],
    [13, 'AA', true, 'the PrepaymentKey and PrepaymentWrapperKey not stored'],
  ].map(([n, g, prepay, what]): Case => ({
    name: `A1 ET07.${n} ${what}`,
    g: g as GroupId,
    code: 'ET07',
    sub: n as number,
    step: '12.9.1.ET07',
    sd: 'subStep',
    rules: [{ errorCode: 'ET07', subStep: n as number }],
    prepay: prepay as boolean,
  })),
  {
    name: 'A1 ET07.8 prepayment without WrappedPrepaymentKey (BA)',
    g: 'BA',
    code: 'ET07',
    sub: 8,
    step: '12.9.1.ET07',
    sd: 'subStep',
    prepay: true,
    data: (v) => void delete sa(v).esmeDetail!.wrappedPrepaymentKey,
  },
  {
    name: 'A1 ET07.8 prepayment without PrepaymentWrapperKey (CA)',
    g: 'CA',
    code: 'ET07',
    sub: 8,
    step: '12.9.1.ET07',
    sd: 'subStep',
    prepay: true,
    data: (v) => void delete sa(v).esmeDetail!.prepaymentWrapperKey,
  },
  // A2 GT01: sub-steps 1-5.
  ...[
    [1, 'AA', 'the CHF ExtendedDataCollection keys cannot be retrieved'],
    [2, 'BA', 'the CHF AA does not open'],
    [3, 'CA', 'the CHF Whitelist cannot be read'],
    [4, 'CB', 'the GSME is not on the CHF Whitelist'],
    [5, 'AA', 'the CHF AA does not close'],
  ].map(([n, g, what]): Case => ({
    name: `A2 GT01.${n} ${what}`,
    g: g as GroupId,
    code: 'GT01',
    sub: n as number,
    step: '12.9.2.GT01',
    sd: 'subStep',
    rules: [{ errorCode: 'GT01', subStep: n as number }],
  })),
  // A2 GT02: sub-steps 1-14 (15, setting PrepayFlag, cannot fail).
  ...[
    [1, 'AA', false, 'the GPF ExtendedDataCollection keys cannot be retrieved'],
    [2, 'BA', false, 'the GPF AA does not open'],
    [3, 'CA', false, 'the GSME serial number cannot be read'],
    [4, 'BA', false, "the GSME serial number is not the MGF's (BA only)"],
    [5, 'CB', false, 'the GSME Payment Mode cannot be read'],
    [6, 'AA', true, 'the GSME UTRN Meter ID cannot be read (prepayment)'],
    [7, 'BA', false, 'the GPF AA does not close'],
    [8, 'CB', false, 'the GSME serial number not stored'],
    [10, 'AA', true, 'the GPF Management AA does not open (prepayment)'],
    [11, 'BA', true, 'the zero-value Add Credit cannot be sent'],
    [12, 'CB', true, 'the GSME does not confirm the Add Credit'],
    [13, 'AA', true, 'the GPF Management AA does not close'],
    [14, 'BA', true, 'the GSME PrepaymentKey not stored'],
  ].map(([n, g, prepay, what]): Case => ({
    name: `A2 GT02.${n} ${what}`,
    g: g as GroupId,
    code: 'GT02',
    sub: n as number,
    step: '12.9.2.GT02',
    sd: 'subStep',
    rules: [{ errorCode: 'GT02', subStep: n as number }],
    prepay: prepay as boolean,
  })),
  {
    name: 'A2 GT02.4 the serial number is compared for BA only (CA: no check)',
    g: 'CA',
    code: 'GT02',
    sub: 4,
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'GT02', subStep: 4 }],
    commissioned: true,
  },
  {
    name: 'A2 GT02.9 prepayment GSME without PrepaymentKey (BA)',
    g: 'BA',
    code: 'GT02',
    sub: 9,
    step: '12.9.2.GT02',
    sd: 'subStep',
    prepay: true,
    data: (v) => void delete sa(v).gsmeDetail!.prepaymentKey,
  },
  {
    name: 'A2 GT02.9 prepayment GSME without PrepaymentWrapperKey (CA)',
    g: 'CA',
    code: 'GT02',
    sub: 9,
    step: '12.9.2.GT02',
    sd: 'subStep',
    prepay: true,
    data: (v) => void delete sa(v).gsmeDetail!.prepaymentWrapperKey,
  },
  // A4 DP01 (Table 12.9 StepNumber 12.9.7).
  {
    name: 'A4 DP01 the DCC refuses to add the CHF to the SMI',
    g: 'AA',
    code: 'DP01',
    step: '12.9.7.DP01',
    sd: 'none',
    rules: [{ errorCode: 'DP01' }],
  },
  {
    name: "A4 DP01 the CHF's SMI status is not Commissioned",
    g: 'CB',
    code: 'DP01',
    step: '12.9.7.DP01',
    sd: 'none',
    smiStatus: 'Pending',
  },
  // A5 ET08: SupportingData DeviceID (the Master Key that does not work). Sub-step 1 (a random key) cannot fail.
  {
    name: 'A5 ET08.2 the DCO refuses the key-change form',
    g: 'AA',
    code: 'ET08',
    step: '12.9.1.ET08',
    sd: { device: 'esme' },
    dco: (op) => op === 'createKeyChange',
  },
  {
    name: 'A5 ET08.3 the ESME refuses the key change',
    g: 'BA',
    code: 'ET08',
    step: '12.9.1.ET08',
    sd: { device: 'esme' },
    rules: [{ errorCode: 'ET08', subStep: 3 }],
  },
  {
    name: 'A5 ET08.4 the ESME has not switched to the new key',
    g: 'CA',
    code: 'ET08',
    step: '12.9.1.ET08',
    sd: { device: 'esme' },
    rules: [{ errorCode: 'ET08', subStep: 4 }],
  },
  {
    name: 'A5 ET08.5 the new key not stored',
    g: 'CB',
    code: 'ET08',
    step: '12.9.1.ET08',
    sd: { device: 'esme' },
    rules: [{ errorCode: 'ET08', subStep: 5 }],
  },
];

// ---- Appendix B: GroupIDs EA, EB, EC (Table 15.9) -------------------------------------------------
const B: Case[] = [
  ...[
    [1, 'EA', 'the network connection with the CHF fails'],
    [2, 'EB', 'no TLS session with the CHF'],
    [3, 'EC', 'the CHF Whitelist cannot be read'],
    [4, 'EA', 'the ESME is not on the CHF Whitelist'],
    [5, 'EB', 'the CHF serial number cannot be read'],
    [6, 'EC', "the CHF serial number is not the MGF's"],
  ].map(([n, g, what]): Case => ({
    name: `B2 ET01.${n} ${what}`,
    g: g as GroupId,
    code: 'ET01',
    sub: n as number,
    step: '15.9.1.ET01',
    sd: 'subStep',
    rules: [{ errorCode: 'ET01', subStep: n as number }],
  })),
  {
    name: 'B2 ET01.2 no CHFDetails\\DeviceCertificate in the MGF',
    g: 'EA',
    code: 'ET01',
    sub: 2,
    step: '15.9.1.ET01',
    sd: 'subStep',
    data: (v) => void delete v.mgf!.chfDetail!.deviceCertificate,
  },
  {
    name: "B2 ET01.2 the DeviceCertificate is not the CHF's",
    g: 'EB',
    code: 'ET01',
    sub: 2,
    step: '15.9.1.ET01',
    sd: 'subStep',
    data: (v) =>
      void (v.mgf!.chfDetail!.deviceCertificate = Buffer.from('another certificate').toString('base64')),
  },
  {
    name: 'B2 ET02.1 Application Association G does not open',
    g: 'EB',
    code: 'ET02',
    sub: 1,
    step: '15.9.1.ET02',
    sd: 'subStep',
    rules: [{ errorCode: 'ET02', subStep: 1 }],
  },
  {
    name: 'B2 ET02.2 Not Used',
    g: 'EC',
    code: 'ET02',
    sub: 2,
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'ET02', subStep: 2 }],
    commissioned: true,
  },
  {
    name: 'B2 ET02.3 Not Used',
    g: 'EA',
    code: 'ET02',
    sub: 3,
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'ET02', subStep: 3 }],
    commissioned: true,
  },
  {
    name: 'B2 ET02.4 the Payment Mode cannot be read',
    g: 'EC',
    code: 'ET02',
    sub: 4,
    step: '15.9.1.ET02',
    sd: 'subStep',
    rules: [{ errorCode: 'ET02', subStep: 4 }],
  },
  {
    name: 'B2 ET02.4 prepayment without PrepaymentKey',
    g: 'EA',
    code: 'ET02',
    sub: 4,
    step: '15.9.1.ET02',
    sd: 'subStep',
    prepay: true,
    data: (v) => void delete sdp(v).esmeDetail!.prepaymentKey,
  },
  {
    name: 'B2 ET02.5 Application Association G does not close',
    g: 'EB',
    code: 'ET02',
    sub: 5,
    step: '15.9.1.ET02',
    sd: 'subStep',
    rules: [{ errorCode: 'ET02', subStep: 5 }],
  },
  {
    name: 'B2 ET02.7 the PrepaymentKey not stored',
    g: 'EC',
    code: 'ET02',
    sub: 7,
    step: '15.9.1.ET02',
    sd: 'subStep',
    prepay: true,
    rules: [{ errorCode: 'ET02', subStep: 7 }],
  },
  ...[
    [1, 'EA', 'AA G with High Level Security does not open'],
    [2, 'EB', 'AA G with HLS does not close'],
    [3, 'EC', 'the HLS keys not stored'],
  ].map(([n, g, what]): Case => ({
    name: `B2 ET03.${n} ${what}`,
    g: g as GroupId,
    code: 'ET03',
    sub: n as number,
    step: '15.9.1.ET03',
    sd: 'subStep',
    rules: [{ errorCode: 'ET03', subStep: n as number }],
  })),
  ...[
    [1, 'EA', 'the network connection with the CHF fails'],
    [2, 'EB', 'no TLS session with the CHF'],
    [3, 'EC', 'the CHF Whitelist cannot be read'],
    [4, 'EA', 'the GSME is not on the CHF Whitelist'],
  ].map(([n, g, what]): Case => ({
    name: `B3 GT01.${n} ${what}`,
    g: g as GroupId,
    code: 'GT01',
    sub: n as number,
    step: '15.9.2.GT01',
    sd: 'subStep',
    rules: [{ errorCode: 'GT01', subStep: n as number }],
  })),
  ...[
    [1, 'EB', false, 'the network connection with the CHF fails'],
    [2, 'EC', false, 'no TLS session with the CHF'],
    [5, 'EA', false, 'the GSME Payment Mode cannot be read'],
    [6, 'EC', false, 'the TLS session does not close'],
    [8, 'EA', true, 'the GSME PrepaymentKey not stored'],
  ].map(([n, g, prepay, what]): Case => ({
    name: `B3 GT02.${n} ${what}`,
    g: g as GroupId,
    code: 'GT02',
    sub: n as number,
    step: '15.9.2.GT02',
    sd: 'subStep',
    prepay: prepay as boolean,
    rules: [{ errorCode: 'GT02', subStep: n as number }],
  })),
  {
    name: 'B3 GT02.3 Not Used',
    g: 'EA',
    code: 'GT02',
    sub: 3,
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'GT02', subStep: 3 }],
    commissioned: true,
  },
  {
    name: 'B3 GT02.4 Not Used',
    g: 'EB',
    code: 'GT02',
    sub: 4,
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'GT02', subStep: 4 }],
    commissioned: true,
  },
  {
    name: 'B3 GT02.5 prepayment GSME without PrepaymentKey',
    g: 'EB',
    code: 'GT02',
    sub: 5,
    step: '15.9.2.GT02',
    sd: 'subStep',
    prepay: true,
    data: (v) => void delete sdp(v).gsmeDetail!.prePayDetails!.prepaymentKey,
  },
  {
    name: 'B5 DP01 the DCC refuses to add the CHF to the SMI',
    g: 'EB',
    code: 'DP01',
    step: '15.9.6.DP01',
    sd: 'none',
    rules: [{ errorCode: 'DP01' }],
  },
  ...[
    [1, 'EA', 'AA G with HLS does not open for the clock adjustment limit'],
    [2, 'EB', 'write access without HLS is not restricted'],
    [3, 'EC', 'the restriction does not read back'],
    [4, 'EA', 'the firmware activation key is not configured'],
  ].map(([n, g, what]): Case => ({
    name: `B6 ET04.${n} ${what}`,
    g: g as GroupId,
    code: 'ET04',
    sub: n as number,
    step: '15.9.5.ET04',
    sd: 'subStep',
    rules: [{ errorCode: 'ET04', subStep: n as number }],
  })),
  {
    name: 'B6 ET05 the DCO refuses the new Master Key',
    g: 'EB',
    code: 'ET05',
    step: '15.9.5.ET05',
    sd: { device: 'esme' },
    dco: (op, r) => op === 'createKeyChange' && r.associationName === 'MasterKey',
  },
  {
    name: 'B6 ET05 no EncryptedMasterKey of the ESME',
    g: 'EC',
    code: 'ET05',
    step: '15.9.5.ET05',
    sd: { device: 'esme' },
    data: (v) =>
      void (v.mef = {
        ...v.mef,
        encryptedMasterKeys: v.mef.encryptedMasterKeys.filter(
          (k) => !k.deviceIds.includes(v.mcf.esmeDetail.deviceId),
        ),
      }),
  },
  {
    name: 'B6 ET06 the ESME refuses the Master Key rotation',
    g: 'EA',
    code: 'ET06',
    step: '15.9.5.ET06',
    sd: 'none',
    rules: [{ errorCode: 'ET06' }],
  },
  {
    name: 'B6 ET07.1 the encrypted Master Key not stored',
    g: 'EB',
    code: 'ET07',
    sub: 1,
    step: '15.9.5.ET07',
    sd: 'subStep',
    rules: [{ errorCode: 'ET07', subStep: 1 }],
  },
  {
    name: 'B6 ET07.2 the replaced Master Key not invalidated',
    g: 'EC',
    code: 'ET07',
    sub: 2,
    step: '15.9.5.ET07',
    sd: 'subStep',
    rules: [{ errorCode: 'ET07', subStep: 2 }],
  },
  {
    name: 'B6 ET08 the DCO refuses the new EncryptionKey and AuthenticationKey',
    g: 'EA',
    code: 'ET08',
    step: '15.9.5.ET08',
    sd: { device: 'esme' },
    dco: (op, r) => op === 'createKeyChange' && r.associationName === 'HighLevelAssociation',
  },
  {
    name: 'B6 ET09 the ESME refuses the key rotation',
    g: 'EB',
    code: 'ET09',
    step: '15.9.5.ET09',
    sd: 'none',
    rules: [{ errorCode: 'ET09' }],
  },
  ...[
    [1, 'EC', 'the ESME has not switched to the new keys'],
    [2, 'EA', 'the new keys not stored'],
    [3, 'EB', 'the replaced keys not invalidated'],
  ].map(([n, g, what]): Case => ({
    name: `B6 ET10.${n} ${what}`,
    g: g as GroupId,
    code: 'ET10',
    sub: n as number,
    step: '15.9.5.ET10',
    sd: 'subStep',
    rules: [{ errorCode: 'ET10', subStep: n as number }],
  })),
];

// ---- Appendix C: GroupID DA (Tables 16.9 and 16.10) -----------------------------------------------
/** C5 and C6 failure paths need the authorisation (GT04 / ET04) to fail first. */
const afterFailed = (code: 'GT04' | 'ET04', n: number, r: string): Case['rules'] => [
  { errorCode: code },
  { errorCode: r, subStep: n },
];
const C: Case[] = [
  ...[
    [1, false, 'the Payment Mode cannot be read'],
    [2, false, 'VendPriceChangeHANLimit cannot be set to zero'],
    [3, true, 'the zero-value Add Credit cannot be sent'],
    [4, true, 'the ESME does not confirm the Add Credit'],
  ].map(([n, prepay, what]): Case => ({
    name: `C1 ET01.${n} ${what}`,
    g: 'DA',
    code: 'ET01',
    sub: n as number,
    step: '16.9.1.ET01',
    sd: 'subStep',
    prepay: prepay as boolean,
    rules: [{ errorCode: 'ET01', subStep: n as number }],
    rolledBack: false,
  })),
  {
    name: 'C2 GT01.1 the CHF Whitelist cannot be read',
    g: 'DA',
    code: 'GT01',
    step: '16.9.2.GT01',
    sd: 'none',
    rules: [{ errorCode: 'GT01', subStep: 1 }],
    rolledBack: false,
  },
  {
    name: 'C2 GT01.2 the GSME is not on the CHF Whitelist',
    g: 'DA',
    code: 'GT01',
    step: '16.9.2.GT01',
    sd: 'none',
    rules: [{ errorCode: 'GT01', subStep: 2 }],
    rolledBack: false,
  },
  ...[
    [1, false, 'the GSME Payment Mode cannot be read'],
    [2, false, 'VendPriceChangeHANLimit cannot be set to zero'],
    [3, true, 'the zero-value Add Credit cannot be sent'],
    [4, true, 'the GSME does not confirm the Add Credit'],
  ].map(([n, prepay, what]): Case => ({
    name: `C2 GT02.${n} ${what}`,
    g: 'DA',
    code: 'GT02',
    sub: n as number,
    step: '16.9.2.GT02',
    sd: 'subStep',
    prepay: prepay as boolean,
    rules: [{ errorCode: 'GT02', subStep: n as number }],
    rolledBack: false,
  })),
  {
    name: 'C4 DP01 the DCC refuses to add the CHF to the SMI',
    g: 'DA',
    code: 'DP01',
    step: '16.10.3.DP01',
    sd: 'none',
    rules: [{ errorCode: 'DP01' }],
    rolledBack: false,
  },
  // C5: the GSME (16.10.1): any failure reverts control to the SMSO (16.11.1).
  {
    name: "C5 GT03 the DCO refuses the GSME's Single Use Authorisation",
    g: 'DA',
    code: 'GT03',
    step: '16.10.1.GT03',
    sd: 'none',
    dco: (op, r) => op === 'createSuaAuthorisation' && r.deviceType === 'GSME',
    rolledBack: true,
  },
  {
    name: 'C5 GT03 no SUAKeyDetails for the GSME',
    g: 'DA',
    code: 'GT03',
    step: '16.10.1.GT03',
    sd: 'none',
    data: (v) =>
      void (v.mef = { ...v.mef, suaKeyDetails: v.mef.suaKeyDetails.filter((d) => d.deviceType !== 'GSME') }),
    rolledBack: true,
  },
  {
    name: 'C5 GT04 a refused authorisation goes on to GT06 and GT07',
    g: 'DA',
    code: 'GT04',
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'GT04' }],
    commissioned: true,
    also: (r) => {
      const ops = r.sim.calls
        .filter((c) => c.chf === r.bad.mcf.chfDetail.deviceId && c.at?.errorCode === 'GT06')
        .map((c) => `${c.op}@${c.at!.subStep}`);
      assert.deepEqual(ops, ['readSuaDeviceKey@1', 'sendSuaInstruction@3']);
      assert.ok(
        r.stored.some(
          (e) => e.storedAt.errorCode === 'GT07' && e.deviceId === r.bad.mcf.gsmeDetail!.deviceId,
        ),
      );
    },
  },
  {
    name: 'C5 GT05.1 the DCO Public Key not stored',
    g: 'DA',
    code: 'GT05',
    sub: 1,
    step: '16.10.1.GT05',
    sd: 'subStep',
    rules: [{ errorCode: 'GT05', subStep: 1 }],
    rolledBack: true,
  },
  {
    name: 'C5 GT05.2 the GSME Public Key and signature not stored',
    g: 'DA',
    code: 'GT05',
    sub: 2,
    step: '16.10.1.GT05',
    sd: 'subStep',
    rules: [{ errorCode: 'GT05', subStep: 2 }],
    rolledBack: true,
  },
  {
    name: 'C5 GT06.1 the GSME Public Key cannot be read',
    g: 'DA',
    code: 'GT06',
    sub: 1,
    step: '16.10.1.GT06',
    sd: 'subStep',
    rules: afterFailed('GT04', 1, 'GT06'),
    rolledBack: true,
  },
  {
    name: 'C5 GT06.2 the GSME signature does not verify (DCO)',
    g: 'DA',
    code: 'GT06',
    sub: 2,
    step: '16.10.1.GT06',
    sd: 'subStep',
    rules: afterFailed('GT04', 2, 'GT06'),
    rolledBack: true,
  },
  {
    name: 'C5 GT06.2 the DCO refuses the rotation instruction',
    g: 'DA',
    code: 'GT06',
    sub: 2,
    step: '16.10.1.GT06',
    sd: 'subStep',
    rules: [{ errorCode: 'GT04' }],
    dco: (op, r) => op === 'createSuaRotation' && r.deviceType === 'GSME',
    rolledBack: true,
  },
  {
    name: 'C5 GT06.3 the GSME refuses the rotation',
    g: 'DA',
    code: 'GT06',
    sub: 3,
    step: '16.10.1.GT06',
    sd: 'subStep',
    rules: afterFailed('GT04', 3, 'GT06'),
    rolledBack: true,
  },
  {
    name: 'C5 GT07.1 the DCO Public Key not stored after the rotation',
    g: 'DA',
    code: 'GT07',
    sub: 1,
    step: '16.10.1.GT07',
    sd: 'subStep',
    rules: afterFailed('GT04', 1, 'GT07'),
    rolledBack: true,
  },
  {
    name: 'C5 GT07.2 the GSME Public Key not stored after the rotation',
    g: 'DA',
    code: 'GT07',
    sub: 2,
    step: '16.10.1.GT07',
    sd: 'subStep',
    rules: afterFailed('GT04', 2, 'GT07'),
    rolledBack: true,
  },
  // C6: the ESME (16.10.2): control is never reverted (16.11.1).
  {
    name: "C6 ET03 the DCO refuses the ESME's Single Use Authorisation",
    g: 'DA',
    code: 'ET03',
    step: '16.10.2.ET03',
    sd: 'none',
    dco: (op, r) => op === 'createSuaAuthorisation' && r.deviceType === 'ESME',
    rolledBack: false,
  },
  {
    name: 'C6 ET04 a refused authorisation goes on to ET06 and ET07',
    g: 'DA',
    code: 'ET04',
    step: '',
    sd: 'none',
    rules: [{ errorCode: 'ET04' }],
    commissioned: true,
    also: (r) => {
      const ops = r.sim.calls
        .filter((c) => c.chf === r.bad.mcf.chfDetail.deviceId && c.at?.errorCode === 'ET06')
        .map((c) => `${c.op}@${c.at!.subStep}`);
      assert.deepEqual(ops, ['readSuaDeviceKey@1', 'sendSuaInstruction@3']);
      assert.ok(
        r.stored.some((e) => e.storedAt.errorCode === 'ET07' && e.deviceId === r.bad.mcf.esmeDetail.deviceId),
      );
    },
  },
  {
    name: 'C6 ET05.1 the DCO Public Key not stored',
    g: 'DA',
    code: 'ET05',
    sub: 1,
    step: '16.10.2.ET05',
    sd: 'subStep',
    rules: [{ errorCode: 'ET05', subStep: 1 }],
    rolledBack: false,
  },
  {
    name: 'C6 ET05.2 the ESME Public Key and signature not stored',
    g: 'DA',
    code: 'ET05',
    sub: 2,
    step: '16.10.2.ET05',
    sd: 'subStep',
    rules: [{ errorCode: 'ET05', subStep: 2 }],
    rolledBack: false,
  },
  {
    name: 'C6 ET06.1 the ESME Public Key cannot be read',
    g: 'DA',
    code: 'ET06',
    sub: 1,
    step: '16.10.2.ET06',
    sd: 'subStep',
    rules: afterFailed('ET04', 1, 'ET06'),
    rolledBack: false,
  },
  {
    name: 'C6 ET06.2 the ESME signature does not verify (DCO)',
    g: 'DA',
    code: 'ET06',
    sub: 2,
    step: '16.10.2.ET06',
    sd: 'subStep',
    rules: afterFailed('ET04', 2, 'ET06'),
    rolledBack: false,
  },
  {
    name: 'C6 ET06.3 the ESME refuses the rotation',
    g: 'DA',
    code: 'ET06',
    sub: 3,
    step: '16.10.2.ET06',
    sd: 'subStep',
    rules: afterFailed('ET04', 3, 'ET06'),
    rolledBack: false,
  },
  {
    name: 'C6 ET07.1 the DCO Public Key not stored after the rotation',
    g: 'DA',
    code: 'ET07',
    sub: 1,
    step: '16.10.2.ET07',
    sd: 'subStep',
    rules: afterFailed('ET04', 1, 'ET07'),
    rolledBack: false,
  },
  {
    name: 'C6 ET07.2 the ESME Public Key not stored after the rotation',
    g: 'DA',
    code: 'ET07',
    sub: 2,
    step: '16.10.2.ET07',
    sd: 'subStep',
    rules: afterFailed('ET04', 2, 'ET07'),
    rolledBack: false,
  },
];

// ---- the run -----------------------------------------------------------------------------------
const worlds = new Map<GroupId, Promise<WorldInstallation[]>>();
const worldOf = (g: GroupId): Promise<WorldInstallation[]> => {
  let w = worlds.get(g);
  if (!w) worlds.set(g, (w = worldInstallations(g, 2, 'codes', full)));
  return w;
};

interface Run {
  bad: S1spViableInstallation;
  good: S1spViableInstallation;
  sim: ReturnType<typeof worldDevices>;
  stored: Awaited<ReturnType<CommissioningKeyStore['list']>>;
}

async function runCase(c: Case): Promise<void> {
  const [w1, w2] = await worldOf(c.g);
  const bad = structuredClone(w1!.viable);
  const good = w2!.viable;
  c.data?.(bad);
  const badChf = bad.mcf.chfDetail.deviceId;
  const rules: FaultRule[] = (c.rules ?? []).map(({ device, ...r }) => ({
    ...r,
    chf: badChf,
    ...(device ? { deviceId: idOf(bad, device) } : {}),
  }));
  const sim = worldDevices([w1!, w2!], {
    seed: 'codes',
    now,
    faults: rules,
    prepaymentShare: c.prepay ? 1 : 0,
  });
  const dco = createInMemoryTestDcoRequests(
    [c.dcoMef ? c.dcoMef(w1!.viable.mef) : w1!.viable.mef, good.mef],
    { refuse: (op, chf, r) => chf === badChf && c.dco?.(op, r) === true },
  );
  const smi: SmiChfRequests & { added?: string[] } =
    c.smiStatus !== undefined ? testSmi((chf) => (chf === badChf ? c.smiStatus : undefined)) : sim.inventory;
  const added = (): readonly string[] => smi.added ?? sim.smiAdded;
  const incidents: unknown[] = [];
  const keyStore = withStoreFaults(createMemoryKeyStore(), (ref, at) =>
    sim.faults.storeFails(ref.chfIdentifier, ref.groupId, at),
  );
  const commission = createCommissioner({
    headEnd: sim.headEnd,
    inventory: smi,
    keyStore,
    passphrase: 'test',
    scrypt: FAST,
    rollbackCertificates: () => [ROLLBACK_CERT],
    raiseIncident: async (i) => void incidents.push(i),
  });
  const outBad = await commission(bad, { dco, now });
  const outGood = await commission(good, { dco, now });
  const goodChf = good.mcf.chfDetail.deviceId;

  // The clean installation beside it is commissioned (5.27(c)); its SCF entry has no FailedCheck.
  assert.equal(outGood.kind, 'commissioned', `the clean installation: ${JSON.stringify(outGood)}`);
  assert.ok(added().includes(goodChf));
  assert.ok(dco.commissioned.includes(goodChf));
  const header = {
    requestingPartyId: bad.ref.requestingPartyId,
    mcfCounter: 7n,
    reportingPartyId: '70-B3-D5-1F-30-00-00-09',
    scfCounter: 1n,
    groupId: c.g,
  };
  const scf = await migrationFileToXmlString('SCF', header, [scfEntryOf(outBad), scfEntryOf(outGood)]);
  // PrepayFlag: A1 ET07.14, A2 GT02.15, B2 ET02.6, B3 GT02.7, C1 ET01.5, C2 GT02.5 (they cannot fail).
  assert.ok(
    scf.includes(
      `<SMETS1Installation><CHFIdentifier>${goodChf}</CHFIdentifier><PrepayFlag>${c.prepay === true}</PrepayFlag></SMETS1Installation>`,
    ),
    scf,
  );
  assert.deepEqual(incidents, []);

  const r: Run = { bad, good, sim, stored: await keyStore.list(bad.ref) };
  if (c.commissioned) {
    assert.equal(outBad.kind, 'commissioned', JSON.stringify(outBad));
    assert.ok(added().includes(badChf));
    c.also?.(r);
    return;
  }

  // The step and error code recorded.
  assert.equal(outBad.kind, 'failed', JSON.stringify(outBad));
  if (outBad.kind !== 'failed') return;
  const fc = outBad.failedCheck;
  assert.equal(fc.failedStepNumber, c.step);
  assert.equal(fc.supportingData?.errorCode, c.code);
  assert.equal(fc.supportingData?.subStep, c.sd === 'subStep' ? String(c.sub) : undefined);
  assert.equal(outBad.critical, true); // every row of 12.9, 15.9, 16.9, 16.10 is Critical (5.27(b))
  const trace = commission.trace(bad.ref)!;
  const failedRow = trace.steps.find((s) => s.result === 'failed');
  assert.equal(`${failedRow?.stepNumber}.${c.code}`, c.step);
  assert.equal(trace.steps.at(-1), failedRow); // 5.27(b)(iii): no further processing

  // The SCF entry (5.27(b)(i)): hand-written from the Appendix's SupportingData column.
  const code = `<ErrorCode>${c.code}</ErrorCode>`;
  let sd: string;
  if (c.sd === 'subStep') sd = `${code}<SubStep>${c.sub}</SubStep>`;
  else if (c.sd === 'none') sd = code;
  else if (c.sd === 'encryptedMasterKey') {
    const k = bad.mef.encryptedMasterKeys[0]!;
    sd = `${code}<EncryptedMasterKey><EncryptedKey>${k.encryptedKey}</EncryptedKey>${k.deviceIds.map((d) => `<DeviceID>${d}</DeviceID>`).join('')}</EncryptedMasterKey>`;
  } else
    sd = `<DeviceID>${idOf(bad, c.sd.device)}</DeviceID>${code}${c.sd.association ? `<ApplicationAssociation>${c.sd.association}</ApplicationAssociation>` : ''}`;
  assert.ok(
    scf.includes(
      `<SMETS1Installation><CHFIdentifier>${badChf}</CHFIdentifier><PrepayFlag>false</PrepayFlag><FailedCheck><FailedStepNumber>${c.step}</FailedStepNumber><SupportingData>${sd}</SupportingData></FailedCheck></SMETS1Installation>`,
    ),
    `expected SupportingData ${sd} in\n${scf}`,
  );

  // Nothing kept, nothing commissioned (5.27(b)(iii)); the clean installation keeps its keys.
  assert.deepEqual(r.stored, []);
  assert.ok((await keyStore.list(good.ref)).length > 0);
  assert.ok(!added().includes(badChf));
  assert.ok(!dco.commissioned.includes(badChf));
  assert.ok(dco.rolledBack.includes(badChf)); // 12.10.1, 15.10.1; DA: 5.27(b)(iii)
  assert.equal(dco.held(badChf), 0);

  // The Installation Rollback of the GroupID.
  const view = sim.view(badChf)!;
  const steps = trace.rollback.map((x) => x.step);
  assert.ok(
    trace.rollback.every((x) => x.ok),
    JSON.stringify(trace.rollback),
  );
  if (c.g === 'DA') {
    // 16.11.1: control reverts to the SMSO only when "Securing a SMETS1 GSME" (16.10.1) failed.
    const revert = c.rolledBack === true;
    assert.equal(outBad.rolledBack, revert);
    assert.deepEqual(steps, [...(revert ? ['16.11.1'] : []), '5.27(b)(iii) DCO', '5.27(b)(iii)']);
    const gsmeSecured = c.step.startsWith('16.10.2') || c.step.startsWith('16.10.3');
    assert.equal(view.control, gsmeSecured ? 's1sp' : 'smso');
    assert.equal(view.devices.find((d) => d.deviceType === 'GSME')!.underDcoControl, gsmeSecured);
  } else if (c.g === 'EA' || c.g === 'EB' || c.g === 'EC') {
    assert.equal(outBad.rolledBack, true);
    assert.deepEqual(steps, ['15.10.1', '15.10.2', '15.10.3', '15.10.4']);
    assert.equal(view.wan, 'smso'); // 15.10.4
    assert.equal(view.smsoCertificatesReinstated, true); // 15.10.3
  } else {
    assert.equal(outBad.rolledBack, true);
    assert.deepEqual(steps, ['12.10.1', '12.10.2', '12.10.3']);
    assert.equal(view.wan, 'smso'); // 12.10.3
  }
  assert.equal(sim.view(goodChf)!.wan, 's1sp');
  c.also?.(r);
}

for (const [appendix, cases] of [
  ['Appendix A', A],
  ['Appendix B', B],
  ['Appendix C', C],
] as const)
  for (const c of cases)
    test(`TMAD ${appendix} ${c.name} (${c.g}): ${c.commissioned ? 'no failure, commissioned' : `fails ${c.step}${c.sd === 'subStep' ? ` SubStep ${c.sub}` : ''}`}`, () =>
      runCase(c));

// ---- Incidents: 12.10.1/12.10.2, 15.10.1/15.10.2 ------------------------------------------------------
for (const [g, rule, step] of [
  ['AA', { errorCode: 'ET05', subStep: 5 }, '12.10.2'],
  ['CB', { errorCode: 'GT01', subStep: 4 }, '12.10.2'],
  ['EA', { errorCode: 'ET01', subStep: 4 }, '15.10.2'],
  ['DA', { errorCode: 'GT01', subStep: 2 }, '5.27(b)(iii)'],
] as const)
  test(`TMAD ${step}: when the S1SP cannot delete the keys of a failed ${g} installation it raises an Incident; the failure is still reported`, async () => {
    const [w] = await worldOf(g);
    const chf = w!.viable.mcf.chfDetail.deviceId;
    const sim = worldDevices([w!], { seed: 'codes', now, faults: [{ ...rule, chf }], prepaymentShare: 0 });
    const inner = createMemoryKeyStore();
    const keyStore: CommissioningKeyStore = {
      put: (r, e) => inner.put(r, e),
      get: (r, n, at) => inner.get(r, n, at),
      invalidate: (r, n, at) => inner.invalidate(r, n, at),
      list: (r) => inner.list(r),
      deleteInstallation: async () => {
        throw new Error('the key store is read-only');
      },
    };
    const incidents: Array<{ kind: string; summary: string; step: string }> = [];
    const commission = createCommissioner({
      headEnd: sim.headEnd,
      inventory: sim.inventory,
      keyStore,
      passphrase: 'test',
      scrypt: FAST,
      rollbackCertificates: () => [ROLLBACK_CERT],
      raiseIncident: async (i) => void incidents.push(i),
    });
    const out = await commission(w!.viable, { dco: createInMemoryTestDcoRequests([w!.viable.mef]), now });
    assert.equal(out.kind, 'failed');
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.kind, 'key-deletion-failure');
    assert.equal(incidents[0]!.step, step);
    assert.match(incidents[0]!.summary, new RegExp(chf));
    assert.doesNotMatch(incidents[0]!.summary, /[0-9A-F]{32}/); // never a key
    const t = commission.trace(w!.viable.ref)!;
    assert.deepEqual(
      t.rollback.filter((x) => !x.ok).map((x) => x.step),
      [step],
    );
  });

// ---- TMAD 16.9 / 16.10: DA steps in advance ---------------------------------------------------------
const DAY = 86_400_000;
async function daWorld(faults: FaultRule[] = []) {
  const [w] = await worldOf('DA');
  const chf = w!.viable.mcf.chfDetail.deviceId;
  // One clock for the S1SP and the devices (the CHF keeps hearing the GSME as days pass).
  let t = NOW;
  const clock = (): Date => t;
  const sim = worldDevices([w!], {
    seed: 'codes',
    now: clock,
    faults: faults.map((f) => ({ ...f, chf })),
    prepaymentShare: 1,
  });
  const dco = createInMemoryTestDcoRequests([w!.viable.mef]);
  const commission = createCommissioner({
    headEnd: sim.headEnd,
    inventory: sim.inventory,
    passphrase: 'test',
    scrypt: FAST,
  });
  /** The clock `ms` after NOW. */
  const after = (ms: number): (() => Date) => {
    t = new Date(NOW.getTime() + ms);
    return clock;
  };
  return { w: w!, chf, sim, dco, commission, clock, after };
}
/** The Appendix C error codes the head-end saw, in order, without repeats. */
const codesSeen = (calls: ReadonlyArray<{ at?: { errorCode: string } }>): string[] =>
  calls.map((c) => c.at?.errorCode ?? '').filter((c, i, a) => c !== '' && a[i - 1] !== c);

test('TMAD 16.9, 16.10: run in advance, only the Table 16.9 steps (C1, C2, C3, 16.9.4) run; no Table 16.10 step (C5, C6, C4 DP01) runs early', async () => {
  const d = await daWorld();
  const r = await d.commission.commissionInAdvance(d.w.viable, { dco: d.dco, now });
  assert.deepEqual(r, { ok: true, steps: ['16.9.1', '16.9.2', '16.9.3', '16.9.4'] });
  assert.deepEqual(codesSeen(d.sim.calls), ['ET01', 'GT01', 'GT02']);
  assert.ok(!d.sim.calls.some((c) => c.op === 'sendSuaInstruction' || c.op === 'addChf'));
  assert.deepEqual(d.sim.smiAdded, []);
  assert.equal(d.sim.view(d.chf)!.control, 'smso'); // nothing under DCO control yet
  assert.deepEqual(
    d.commission.trace(d.w.viable.ref)!.steps.map((s) => s.stepNumber),
    ['16.9.1', '16.9.2', '16.9.3', '16.9.4'],
  );
  await assert.rejects(async () => {
    const [aa] = await worldOf('AA');
    await d.commission.commissionInAdvance(aa!.viable, { dco: d.dco, now });
  }, /TMAD 16\.9: only GroupID DA/);
});

for (const [days, reused] of [
  [1, true],
  [7, true], // "up to 7 days in advance"
  [7 + 1 / 86_400, false], // a second later: too early, run again
  [10, false],
] as const)
  test(`TMAD 16.9: steps run ${days === 7 ? 'exactly 7 days' : days > 7 && days < 8 ? '7 days and 1 second' : `${days} day(s)`} before the rest of 5.27 are ${reused ? 'not repeated (earlySteps in the outcome)' : 're-run with Table 16.10'}`, async () => {
    const d = await daWorld();
    await d.commission.commissionInAdvance(d.w.viable, { dco: d.dco, now });
    const before = d.sim.calls.length;
    const out = await d.commission(d.w.viable, { dco: d.dco, now: d.after(days * DAY) });
    assert.equal(out.kind, 'commissioned', JSON.stringify(out));
    const later = codesSeen(d.sim.calls.slice(before));
    const c1c2 = ['ET01', 'GT01', 'GT02'];
    if (reused) {
      assert.deepEqual(out.kind === 'commissioned' && out.earlySteps, [
        '16.9.1',
        '16.9.2',
        '16.9.3',
        '16.9.4',
      ]);
      assert.ok(!later.some((c) => c1c2.includes(c)), later.join());
      assert.deepEqual(
        d.commission
          .trace(d.w.viable.ref)!
          .steps.filter((s) => s.result === 'done in advance')
          .map((s) => s.stepNumber),
        ['16.9.1', '16.9.2', '16.9.3', '16.9.4'],
      );
    } else {
      assert.equal(out.kind === 'commissioned' && out.earlySteps, undefined);
      assert.deepEqual(later.slice(0, 3), c1c2); // C1, C2 again, then C5, C6, C4
    }
    assert.ok(later.includes('GT03') || later.includes('GT04'));
    assert.ok(later.includes('ET04') && later.includes('DP01'));
    assert.equal(out.kind === 'commissioned' && out.prepayFlag, true); // C1 ET01.5 / C2 GT02.5, kept from the early run
    assert.deepEqual(d.sim.smiAdded, [d.chf]);
  });

test('TMAD 16.9, 5.27(b): a Table 16.9 failure in advance is the outcome (16.9.2.GT01); nothing of Table 16.10 ran; the DCO deletes; no reversion (16.11.1)', async () => {
  const d = await daWorld([{ errorCode: 'GT01', subStep: 2 }]);
  const r = await d.commission.commissionInAdvance(d.w.viable, { dco: d.dco, now });
  assert.equal(r.ok, false);
  if (r.ok || r.outcome.kind !== 'failed') return;
  assert.equal(r.outcome.failedCheck.failedStepNumber, '16.9.2.GT01');
  assert.equal(r.outcome.rolledBack, false);
  assert.deepEqual(d.dco.rolledBack, [d.chf]);
  assert.ok(!d.sim.calls.some((c) => c.op === 'sendSuaInstruction' || c.op === 'addChf'));
  // A later run starts again from 16.9.1 (nothing from the failed early run is reused).
  const before = d.sim.calls.length;
  const out = await d.commission(d.w.viable, { dco: d.dco, now: d.after(DAY) });
  assert.equal(out.kind, 'failed');
  assert.equal(codesSeen(d.sim.calls.slice(before))[0], 'ET01');
});
