// Appendix A: Device installation for GroupIDs AA, BA, CA and CB (Tables A1-A5), the S1SP and DCO
// columns. Each function throws a StepFailure (error code, sub-step, SupportingData) on the first
// failed check; "checking and processing ... shall not proceed to a subsequent step".
import { randomBytes } from 'node:crypto';
import type {
  ApplicationAssociationName,
  ChannelHandle,
  SmiChfRequests,
  StepRef,
} from '../../core/head-end/index.js';
import type {
  AssociationKeys,
  DecryptedDeviceKeys,
  DecryptedMeterKeys,
  DecryptedS1spGroupInformation,
  EncryptedMasterKey,
} from '../../core/formats/migration-files/index.js';
import {
  check,
  closeAt,
  failAt,
  invalidateKey,
  keyBytes,
  need,
  needDco,
  onWhitelist,
  storeKey,
  type StepContext,
  type SupportingDataKind,
} from './context.js';

/** Appendix A SupportingData columns. */
export const APPENDIX_A_SUPPORTING_DATA: Readonly<Record<string, SupportingDataKind>> = {
  ET01: 'deviceId',
  ET02: 'encryptedMasterKey',
  ET04: 'deviceAndAssociation',
  ET05: 'subStep',
  ET06: 'subStep',
  ET07: 'subStep',
  GT01: 'subStep',
  GT02: 'subStep',
  DP01: 'none',
  ET08: 'deviceId',
};

const PROP = {
  DataCollectionAssociation: 'dataCollectionAssociation',
  ExtendedDataCollectionAssociation: 'extendedDataCollectionAssociation',
  ManagementAssociation: 'managementAssociation',
  FirmwareAssociation: 'firmwareAssociation',
} as const;
type DlmsAssociation = keyof typeof PROP;

const DAY = 86_400_000;

function info(ctx: StepContext): DecryptedS1spGroupInformation {
  return (ctx.installation.groupInformation ?? { chfIdentifier: ctx.chf }) as DecryptedS1spGroupInformation;
}

/** The devices of A1 ET01/ET04: CHF, GPF (AA: only with a GSMEDetail), ESME, with their plaintext keys. */
function a1Devices(
  ctx: StepContext,
): Array<{ deviceId: string; type: 'CHF' | 'GPF' | 'ESME'; keys?: DecryptedDeviceKeys }> {
  const m = ctx.installation.mcf;
  const gi = info(ctx);
  const out: Array<{ deviceId: string; type: 'CHF' | 'GPF' | 'ESME'; keys?: DecryptedDeviceKeys }> = [
    { deviceId: m.chfDetail.deviceId, type: 'CHF', ...(gi.chfDetail ? { keys: gi.chfDetail } : {}) },
  ];
  if (gpfIncluded(ctx))
    out.push({
      deviceId: m.gpfDetail.deviceId,
      type: 'GPF',
      ...(gi.gpfDetail ? { keys: gi.gpfDetail } : {}),
    });
  out.push({
    deviceId: m.esmeDetail.deviceId,
    type: 'ESME',
    ...(gi.esmeDetail ? { keys: gi.esmeDetail } : {}),
  });
  return out;
}

/**
 * A1 ET01, ET04, ET06, A5 ET08: the GPF takes part "for GroupID = AA, only where a GSMEDetail element
 * is also present"; for BA, CA and CB where the installation has a GPF (its keys are in the plaintext:
 * 13.10.1, 14.9.1) — docs/SPEC-DECISIONS.md.
 */
export function gpfIncluded(ctx: StepContext): boolean {
  if (ctx.groupId === 'AA') return ctx.installation.mcf.gsmeDetail !== undefined;
  return info(ctx).gpfDetail !== undefined || ctx.installation.mcf.gsmeDetail !== undefined;
}

function pair(
  k: AssociationKeys | undefined,
): { authenticationKey: Buffer; encryptionKey: Buffer } | undefined {
  const a = keyBytes(k?.authenticationKey);
  const e = keyBytes(k?.encryptionKey);
  return a && e ? { authenticationKey: a, encryptionKey: e } : undefined;
}

async function storePair(
  ctx: StepContext,
  deviceId: string,
  association: string,
  keys: { authenticationKey: Buffer; encryptionKey: Buffer },
  at: StepRef,
  extra: { serialNumber?: string } = {},
  sd: { deviceId?: string; applicationAssociation?: string } = {},
): Promise<void> {
  await storeKey(
    ctx,
    { deviceId, association, keyType: 'AuthenticationKey', ...extra },
    keys.authenticationKey,
    at,
    sd,
  );
  await storeKey(
    ctx,
    { deviceId, association, keyType: 'EncryptionKey', ...extra },
    keys.encryptionKey,
    at,
    sd,
  );
}

async function storedPair(
  ctx: StepContext,
  deviceId: string,
  association: string,
  at?: StepRef,
): Promise<{ authenticationKey: Buffer; encryptionKey: Buffer } | undefined> {
  const a = await ctx.openStored({ deviceId, association, keyType: 'AuthenticationKey' }, at);
  const e = await ctx.openStored({ deviceId, association, keyType: 'EncryptionKey' }, at);
  return a && e ? { authenticationKey: a, encryptionKey: e } : undefined;
}

async function openWith(
  ctx: StepContext,
  deviceId: string,
  association: ApplicationAssociationName,
  keys: { authenticationKey: Buffer; encryptionKey: Buffer } | undefined,
  at: StepRef,
  sd: { deviceId?: string; applicationAssociation?: string } = {},
): Promise<ChannelHandle> {
  if (!keys)
    failAt(ctx, at, `no valid AuthenticationKey and EncryptionKey for ${association} of ${deviceId}`, sd);
  return need(
    ctx,
    await ctx.headEnd.openAssociation(ctx.chf, { deviceId, association, ...keys }, at),
    at,
    sd,
  );
}

// ---- Table A1: Installing a SMETS1 Electricity Meter ---------------------------------------------

export async function installingEsmeA1(ctx: StepContext): Promise<void> {
  const inst = ctx.installation;
  const gi = info(ctx);
  const devices = a1Devices(ctx);

  // ET01: the Public Application Association of the CHF, GPF (AA: with GSME) and ESME, with counters.
  for (const d of devices) {
    const at: StepRef = { errorCode: 'ET01', checkedBy: [1] };
    const r = need(ctx, await ctx.headEnd.readPublicAssociation(ctx.chf, d.deviceId, at), at, {
      deviceId: d.deviceId,
    });
    // The counters of the four AAs the later steps open (ET04-ET07).
    const needed = Object.keys(PROP) as DlmsAssociation[];
    check(
      ctx,
      r.deviceId.toUpperCase() === d.deviceId.toUpperCase() &&
        needed.every((a) => r.invocationCounters[a] !== undefined),
      at,
      `the Public Application Association of ${d.deviceId} did not return valid data with every device counter`,
      { deviceId: d.deviceId },
    );
  }

  // ET02: each EncryptedMasterKey through the DCO; the signed package stored.
  for (const emk of inst.mef.encryptedMasterKeys) {
    const at: StepRef = { errorCode: 'ET02' };
    const v = needDco(ctx, await ctx.dco.processEncryptedMasterKey(ctx.ref, emk), at, {
      encryptedMasterKey: emk,
    });
    await storeKey(
      ctx,
      { deviceId: emk.deviceIds.join(' '), association: 'MasterKey', keyType: 'DcoSignedPackage' },
      v.signedPackage,
      at,
      { encryptedMasterKey: emk },
    );
  }

  // ET03: NOT USED. ET04: DataCollection, Management, Firmware AAs of each device open and close.
  for (const d of devices)
    for (const a of ['DataCollectionAssociation', 'ManagementAssociation', 'FirmwareAssociation'] as const) {
      const sd = { deviceId: d.deviceId, applicationAssociation: a };
      const keys = pair(d.keys?.[PROP[a]]);
      const h = await openWith(ctx, d.deviceId, a, keys, { errorCode: 'ET04', subStep: 1 }, sd);
      await closeAt(ctx, h, { errorCode: 'ET04', subStep: 2 }, sd);
      await storePair(ctx, d.deviceId, a, keys!, { errorCode: 'ET04', subStep: 3 }, {}, sd);
    }

  // ET05: the CHF's ExtendedDataCollection AA: whitelist, serial number.
  {
    const chf = inst.mcf.chfDetail.deviceId;
    const keys = pair(gi.chfDetail?.extendedDataCollectionAssociation);
    const h = await openWith(ctx, chf, 'ExtendedDataCollectionAssociation', keys, {
      errorCode: 'ET05',
      subStep: 1,
    });
    const wl = need(
      ctx,
      await ctx.headEnd.readChfWhitelist(h, { errorCode: 'ET05', subStep: 2, checkedBy: [3] }),
      { errorCode: 'ET05', subStep: 2 },
    );
    ctx.whitelist = wl;
    if (ctx.groupId === 'AA')
      check(
        ctx,
        onWhitelist(wl, inst.mcf.esmeDetail.deviceId),
        { errorCode: 'ET05', subStep: 3 },
        'the ESME is not on the CHF Whitelist (TMAD 12.12)',
      );
    const serial = need(
      ctx,
      await ctx.headEnd.readSerialNumber(h, { errorCode: 'ET05', subStep: 4, checkedBy: [5] }),
      {
        errorCode: 'ET05',
        subStep: 4,
      },
    );
    const want = inst.mgf?.chfDetail?.serialNumbers?.chf;
    check(
      ctx,
      want !== undefined && serial === want,
      { errorCode: 'ET05', subStep: 5 },
      `the CHF's serial number is not SerialNumbers\\CHF of the MGF`,
    );
    ctx.serials.set(chf, serial);
    await closeAt(ctx, h, { errorCode: 'ET05', subStep: 6 });
    await storePair(
      ctx,
      chf,
      'ExtendedDataCollectionAssociation',
      keys!,
      { errorCode: 'ET05', subStep: 7 },
      { serialNumber: serial },
    );
  }

  // ET06: the GPF's ExtendedDataCollection AA (AA: only with GSME).
  if (gpfIncluded(ctx)) {
    const gpf = inst.mcf.gpfDetail.deviceId;
    const keys = pair(gi.gpfDetail?.extendedDataCollectionAssociation);
    const h = await openWith(ctx, gpf, 'ExtendedDataCollectionAssociation', keys, {
      errorCode: 'ET06',
      subStep: 1,
    });
    // 2: NOT USED
    await closeAt(ctx, h, { errorCode: 'ET06', subStep: 3 });
    await storePair(ctx, gpf, 'ExtendedDataCollectionAssociation', keys!, { errorCode: 'ET06', subStep: 4 });
  }

  // ET07: the ESME (sub-steps numbered 1-14: docs/SPEC-DECISIONS.md).
  await meterInstallation(ctx, {
    code: 'ET07',
    meterId: inst.mcf.esmeDetail.deviceId,
    via: inst.mcf.esmeDetail.deviceId,
    viaKeys: gi.esmeDetail,
    meterKeys: gi.esmeDetail,
    expectedSerial: inst.mgf?.chfDetail?.serialNumbers?.esme,
    compareSerial: true,
  });
}

interface MeterStep {
  code: 'ET07' | 'GT02';
  meterId: string;
  /** The device the AAs are with: the ESME itself, or the GSME's GPF. */
  via: string;
  viaKeys: DecryptedDeviceKeys | undefined;
  meterKeys: DecryptedMeterKeys | undefined;
  expectedSerial: string | undefined;
  compareSerial: boolean;
}

/**
 * A1 ET07 (the ESME) and A2 GT02 (the GSME through its GPF). Sub-steps: ET07 1 open EDC, 2 read
 * serial, 3 compare, 4 Payment Mode, 5 UTRN Meter ID (prepayment), 6 close, 7 store, 8 prepayment key
 * checks (BA, CA) or the credit PrepaymentWrapperKey (CA, CB), 9 open Management, 10 zero Add Credit,
 * 11 confirm, 12 close, 13 store prepayment keys, 14 PrepayFlag. GT02: 1 retrieve the GPF's EDC keys
 * and then the same with one more (2 open, 3 serial, 4 compare (BA), 5 Payment Mode, 6 UTRN, 7 close,
 * 8 store serial, 9 keys, 10 open Management, 11 Add Credit, 12 confirm, 13 close, 14 store, 15 flag).
 */
async function meterInstallation(ctx: StepContext, s: MeterStep): Promise<void> {
  const o = s.code === 'GT02' ? 1 : 0; // GT02 has the extra "retrieve keys" sub-step 1
  const at = (n: number, checkedBy?: number[]): StepRef => ({
    errorCode: s.code,
    subStep: n + o,
    ...(checkedBy ? { checkedBy: checkedBy.map((c) => c + o) } : {}),
  });
  const target = s.via === s.meterId ? undefined : s.meterId;
  let edc: { authenticationKey: Buffer; encryptionKey: Buffer } | undefined;
  if (s.code === 'GT02') {
    edc = await retrieveStored(ctx, s.via, 'ExtendedDataCollectionAssociation', {
      errorCode: 'GT02',
      subStep: 1,
    });
  } else edc = pair(s.viaKeys?.extendedDataCollectionAssociation);
  const h = await openWith(ctx, s.via, 'ExtendedDataCollectionAssociation', edc, at(1));
  const serial = need(ctx, await ctx.headEnd.readSerialNumber(h, at(2, [3]), target), at(2));
  if (s.compareSerial)
    check(
      ctx,
      s.expectedSerial !== undefined && serial === s.expectedSerial,
      at(3),
      `the serial number of ${s.meterId} is not the MGF's`,
    );
  ctx.serials.set(s.meterId, serial);
  // 8 checks the MEF's plaintext for the mode read here, not the device's answer: a wrong answer shows
  // at 5 (no UTRN Meter ID) or nowhere, so the read is not marked as checked by 8.
  const mode = need(ctx, await ctx.headEnd.readPaymentMode(h, at(4), target), at(4));
  if (mode === 'prepayment') {
    const utrn = need(ctx, await ctx.headEnd.readUtrnMeterId(h, at(5, [5]), target), at(5));
    check(ctx, utrn !== '', at(5), `no UTRN Meter ID from ${s.meterId}`);
  }
  await closeAt(ctx, h, at(6));
  if (s.code === 'ET07')
    await storePair(ctx, s.via, 'ExtendedDataCollectionAssociation', edc!, at(7), { serialNumber: serial });
  else
    await storeKey(ctx, { deviceId: s.meterId, keyType: 'SerialNumber' }, Buffer.from(serial, 'utf8'), at(7));

  const mk = s.meterKeys;
  if (mode === 'prepayment') {
    // 8: BA needs PrepaymentKey and WrappedPrepaymentKey (13.3, 13.4), CA PrepaymentKey and PrepaymentWrapperKey.
    if (ctx.groupId === 'BA')
      check(
        ctx,
        !!keyBytes(mk?.prepaymentKey) && (s.code === 'GT02' || !!mk?.wrappedPrepaymentKey),
        at(8),
        'prepayment: PrepaymentKey and WrappedPrepaymentKey are required (GroupID BA)',
      );
    if (ctx.groupId === 'CA')
      check(
        ctx,
        !!keyBytes(mk?.prepaymentKey) && !!keyBytes(mk?.prepaymentWrapperKey),
        at(8),
        'prepayment: PrepaymentKey and PrepaymentWrapperKey are required (GroupID CA)',
      );
    // 9-14: zero-value Add Credit over the Management AA, then PrepayFlag.
    const mgmt =
      s.code === 'GT02'
        ? await retrieveStored(ctx, s.via, 'ManagementAssociation', at(9), false)
        : pair(s.viaKeys?.managementAssociation);
    const m = await openWith(ctx, s.via, 'ManagementAssociation', mgmt, at(9));
    const r = need(ctx, await ctx.headEnd.addCredit(m, 0, at(10, [11]), target), at(10));
    check(ctx, r.accepted, at(11), `${s.meterId} did not confirm the zero-value Add Credit`);
    await closeAt(ctx, m, at(12));
    const pk = keyBytes(mk?.prepaymentKey);
    if (pk) await storeKey(ctx, { deviceId: s.meterId, keyType: 'PrepaymentKey' }, pk, at(13));
    const wk = keyBytes(mk?.prepaymentWrapperKey);
    if (wk) await storeKey(ctx, { deviceId: s.meterId, keyType: 'PrepaymentWrapperKey' }, wk, at(13));
    ctx.prepayFlag = true; // 14
  } else if (ctx.groupId === 'CA' || ctx.groupId === 'CB') {
    // 8 (credit): store the PrepaymentWrapperKey where present.
    const wk = keyBytes(mk?.prepaymentWrapperKey);
    if (wk) await storeKey(ctx, { deviceId: s.meterId, keyType: 'PrepaymentWrapperKey' }, wk, at(8));
  }
}

/**
 * The stored keys of an AA (A2 GT01.1, GT02.1 "retrieve"; GT02.10 before the open), or the failure of
 * `at`. The key store sees `at` only where retrieving is the whole sub-step (`retrieveOnly`), so a
 * fault rule at GT02.10 reaches the device's Management AA rather than the store.
 */
async function retrieveStored(
  ctx: StepContext,
  deviceId: string,
  association: string,
  at: StepRef,
  retrieveOnly = true,
): Promise<{ authenticationKey: Buffer; encryptionKey: Buffer }> {
  try {
    const k = await storedPair(ctx, deviceId, association, retrieveOnly ? at : undefined);
    if (k) return k;
  } catch (e) {
    failAt(
      ctx,
      at,
      `the stored ${association} keys of ${deviceId} do not open: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return failAt(ctx, at, `no stored ${association} keys for ${deviceId}`);
}

// ---- Table A2: Installing a SMETS1 GSME --------------------------------------------------------

export async function installingGsmeA2(ctx: StepContext): Promise<void> {
  const inst = ctx.installation;
  const gsme = inst.mcf.gsmeDetail!.deviceId;
  const chf = inst.mcf.chfDetail.deviceId;
  // GT01: the GSME on the CHF Whitelist, heard in the last 24 hours.
  const keys = await retrieveStored(ctx, chf, 'ExtendedDataCollectionAssociation', {
    errorCode: 'GT01',
    subStep: 1,
  });
  const h = await openWith(ctx, chf, 'ExtendedDataCollectionAssociation', keys, {
    errorCode: 'GT01',
    subStep: 2,
  });
  const wl = need(
    ctx,
    await ctx.headEnd.readChfWhitelist(h, { errorCode: 'GT01', subStep: 3, checkedBy: [4] }),
    {
      errorCode: 'GT01',
      subStep: 3,
    },
  );
  ctx.whitelist = wl;
  check(
    ctx,
    onWhitelist(wl, gsme, ctx.now(), DAY),
    { errorCode: 'GT01', subStep: 4 },
    'the GSME is not on the CHF Whitelist or has not communicated in the last 24 hours',
  );
  await closeAt(ctx, h, { errorCode: 'GT01', subStep: 5 });

  // GT02: through the GPF (the text is garbled: docs/SPEC-DECISIONS.md).
  await meterInstallation(ctx, {
    code: 'GT02',
    meterId: gsme,
    via: inst.mcf.gpfDetail.deviceId,
    viaKeys: info(ctx).gpfDetail,
    meterKeys: info(ctx).gsmeDetail,
    expectedSerial: inst.mgf?.chfDetail?.serialNumbers?.gsme,
    compareSerial: ctx.groupId === 'BA',
  });
}

// ---- Table A3 (Installing a SMETS1 PPMID): the table is empty in the published text: nothing. ----

// ---- Table A4: Commission Device (CHF) ----------------------------------------------------------

/** A4 DP01 (also B5 and C4): the S1SP has the DCC add the CHF to the Smart Metering Inventory (TMAD 3.3). */
export async function commissionChfDp01(ctx: StepContext, inventory: SmiChfRequests): Promise<void> {
  const at: StepRef = { errorCode: 'DP01' };
  const c = ctx.installation.mcf.chfDetail;
  const r = await inventory.addChf({
    chfDeviceId: c.deviceId,
    deviceModel: c.deviceDetail.deviceModel,
    deviceManufacturer: c.deviceDetail.deviceManufacturer,
    firmwareVersion: c.deviceDetail.firmwareVersion,
  });
  if (!r.ok) failAt(ctx, at, `the DCC did not add the CHF to the Smart Metering Inventory: ${r.reason}`);
  check(
    ctx,
    r.status === 'Commissioned',
    at,
    `the CHF's Smart Metering Inventory status is ${r.status}, not Commissioned`,
  );
}

// ---- Table A5: Securing a SMETS1 ESME ----------------------------------------------------------

/** The EncryptedMasterKeys of A5 ET08: those of an ESME, a CHF or (with a GSMEDetail) a GPF. */
function a5MasterKeys(ctx: StepContext): Array<{ emk: EncryptedMasterKey; deviceId: string }> {
  const m = ctx.installation.mcf;
  const order = [
    m.esmeDetail.deviceId,
    m.chfDetail.deviceId,
    ...(m.gsmeDetail ? [m.gpfDetail.deviceId] : []),
  ].map((x) => x.toUpperCase());
  const out: Array<{ emk: EncryptedMasterKey; deviceId: string }> = [];
  for (const emk of ctx.installation.mef.encryptedMasterKeys) {
    const ids = emk.deviceIds.map((x) => x.toUpperCase());
    const first = order.find((x) => ids.includes(x));
    if (first) out.push({ emk, deviceId: emk.deviceIds[ids.indexOf(first)]! });
  }
  return out;
}

export async function securingEsmeA5(ctx: StepContext): Promise<void> {
  for (const { deviceId } of a5MasterKeys(ctx)) {
    const sd = { deviceId };
    const a = 'DataCollectionAssociation';
    const at = (n: number, checkedBy?: number[]): StepRef => ({
      errorCode: 'ET08',
      subStep: n,
      ...(checkedBy ? { checkedBy } : {}),
    });
    // 1: a new DataCollection EncryptionKey.
    const newKey = randomBytes(16);
    // 2: the DCO's form of it under the device's Master Key.
    const form = needDco(
      ctx,
      await ctx.dco.createKeyChange(ctx.ref, { deviceId, associationName: a, newKey }),
      at(2),
      sd,
    );
    // 3: ask the device to change (over its DataCollection AA, with the keys stored at ET04).
    const old = await storedPair(ctx, deviceId, a).catch(() => undefined);
    const h = await openWith(ctx, deviceId, a, old, at(3), sd);
    need(
      ctx,
      await ctx.headEnd.changeKey(
        h,
        { association: a, keyType: 'EncryptionKey', protectedKey: form.protectedKey },
        at(3, [4]),
      ),
      at(3),
      sd,
    );
    await ctx.headEnd.close(h, at(3));
    // 4: the device now opens the AA with the new key.
    const again = await ctx.headEnd.openAssociation(
      ctx.chf,
      { deviceId, association: a, authenticationKey: old!.authenticationKey, encryptionKey: newKey },
      at(4),
    );
    if (!again.ok) failAt(ctx, at(4), `${deviceId} has not switched to the new key: ${again.reason}`, sd);
    await ctx.headEnd.close(again.value, at(4));
    // 5: store the new key (the replaced one invalidated).
    await storeKey(ctx, { deviceId, association: a, keyType: 'EncryptionKey' }, newKey, at(5), sd);
    await invalidateKey(ctx, { deviceId, association: a, keyType: 'EncryptionKey' }, at(5), sd);
    newKey.fill(0);
  }
}
