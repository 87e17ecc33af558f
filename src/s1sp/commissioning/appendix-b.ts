// Appendix B: Device installation for GroupIDs EA, EB and EC (Tables B2-B6). Application
// Association G (B1): without High Level Security it is opened as the device's lowest-security
// association ('Public'), with HLS as 'HighLevelAssociation' using the DecryptedS1SPDPGroupInformation
// keys (TMAD 15.8.1).
import { randomBytes } from 'node:crypto';
import type { ChannelHandle, StepRef } from '../../core/head-end/index.js';
import type { DecryptedS1spDpGroupInformation } from '../../core/formats/migration-files/index.js';
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

/** Appendix B SupportingData columns. */
export const APPENDIX_B_SUPPORTING_DATA: Readonly<Record<string, SupportingDataKind>> = {
  ET01: 'subStep',
  ET02: 'subStep',
  ET03: 'subStep',
  GT01: 'subStep',
  GT02: 'subStep',
  DP01: 'none',
  ET04: 'subStep',
  ET05: 'deviceId',
  ET06: 'none',
  ET07: 'subStep',
  ET08: 'deviceId',
  ET09: 'none',
  ET10: 'subStep',
};

const HLS = 'HighLevelAssociation';
const EMPTY = new Uint8Array();

function info(ctx: StepContext): DecryptedS1spDpGroupInformation {
  return (ctx.installation.groupInformation ?? { chfIdentifier: ctx.chf }) as DecryptedS1spDpGroupInformation;
}

/** B2 ET01 / B3 GT01 / GT02 sub-steps 1-2: network and a TLS session with the CHF (its DeviceCertificate). */
async function tlsToChf(ctx: StepContext, code: string): Promise<ChannelHandle> {
  need(ctx, await ctx.headEnd.initialiseNetwork(ctx.chf, { errorCode: code, subStep: 1 }), {
    errorCode: code,
    subStep: 1,
  });
  const cert = ctx.installation.mgf?.chfDetail?.deviceCertificate;
  if (!cert) failAt(ctx, { errorCode: code, subStep: 2 }, 'no CHFDetails\\DeviceCertificate in the MGF');
  return need(ctx, await ctx.headEnd.openTlsSession(ctx.chf, cert, { errorCode: code, subStep: 2 }), {
    errorCode: code,
    subStep: 2,
  });
}

// ---- Table B2: Installing a SMETS1 Electricity Meter ----------------------------------------------

export async function installingEsmeB2(ctx: StepContext): Promise<void> {
  const inst = ctx.installation;
  const esme = inst.mcf.esmeDetail.deviceId;
  const gi = info(ctx);
  // ET01: TLS to the CHF; the ESME on its whitelist; the CHF's serial number.
  {
    const t = await tlsToChf(ctx, 'ET01');
    const wl = need(
      ctx,
      await ctx.headEnd.readChfWhitelist(t, { errorCode: 'ET01', subStep: 3, checkedBy: [4] }),
      {
        errorCode: 'ET01',
        subStep: 3,
      },
    );
    ctx.whitelist = wl;
    check(
      ctx,
      onWhitelist(wl, esme),
      { errorCode: 'ET01', subStep: 4 },
      'the ESME is not on the CHF Whitelist',
    );
    const serial = need(
      ctx,
      await ctx.headEnd.readSerialNumber(t, { errorCode: 'ET01', subStep: 5, checkedBy: [6] }),
      {
        errorCode: 'ET01',
        subStep: 5,
      },
    );
    const want = inst.mgf?.chfDetail?.serialNumbers?.chf;
    check(
      ctx,
      want !== undefined && serial === want,
      { errorCode: 'ET01', subStep: 6 },
      "the CHF's serial number is not the MGF's",
    );
    ctx.serials.set(inst.mcf.chfDetail.deviceId, serial);
    await ctx.headEnd.close(t, { errorCode: 'ET01' });
  }
  // ET02: AA G (without HLS): Payment Mode; prepayment needs the PrepaymentKey; PrepayFlag.
  {
    const at = (n: number, checkedBy?: number[]): StepRef => ({
      errorCode: 'ET02',
      subStep: n,
      ...(checkedBy ? { checkedBy } : {}),
    });
    const h = need(
      ctx,
      await ctx.headEnd.openAssociation(
        ctx.chf,
        { deviceId: esme, association: 'Public', authenticationKey: EMPTY, encryptionKey: EMPTY },
        at(1),
      ),
      at(1),
    );
    // 2, 3: Not Used.
    const mode = need(ctx, await ctx.headEnd.readPaymentMode(h, at(4, [4])), at(4));
    const pk = keyBytes(gi.esmeDetail?.prepaymentKey);
    if (mode === 'prepayment')
      check(ctx, !!pk, at(4), 'prepayment: no valid PrepaymentKey in the ESMEDetail');
    await closeAt(ctx, h, at(5));
    if (mode === 'prepayment') ctx.prepayFlag = true; // 6
    if (pk) await storeKey(ctx, { deviceId: esme, keyType: 'PrepaymentKey' }, pk, at(7));
  }
  // ET03: AA G with HLS and the ESME's keys: open, close, store.
  {
    const keys = hlsKeys(ctx);
    if (!keys)
      failAt(ctx, { errorCode: 'ET03', subStep: 1 }, 'no valid HighLevelAssociation keys in the ESMEDetail');
    const h = need(
      ctx,
      await ctx.headEnd.openAssociation(
        ctx.chf,
        { deviceId: esme, association: HLS, ...keys },
        { errorCode: 'ET03', subStep: 1 },
      ),
      { errorCode: 'ET03', subStep: 1 },
    );
    await closeAt(ctx, h, { errorCode: 'ET03', subStep: 2 });
    await storeKey(
      ctx,
      { deviceId: esme, association: HLS, keyType: 'AuthenticationKey' },
      keys.authenticationKey,
      { errorCode: 'ET03', subStep: 3 },
    );
    await storeKey(ctx, { deviceId: esme, association: HLS, keyType: 'EncryptionKey' }, keys.encryptionKey, {
      errorCode: 'ET03',
      subStep: 3,
    });
  }
}

function hlsKeys(ctx: StepContext): { authenticationKey: Buffer; encryptionKey: Buffer } | undefined {
  const k = info(ctx).esmeDetail?.highLevelAssociation;
  const a = keyBytes(k?.authenticationKey);
  const e = keyBytes(k?.encryptionKey);
  return a && e ? { authenticationKey: a, encryptionKey: e } : undefined;
}

// ---- Table B3: Installing a SMETS1 GSME --------------------------------------------------------

export async function installingGsmeB3(ctx: StepContext): Promise<void> {
  const gsme = ctx.installation.mcf.gsmeDetail!.deviceId;
  // GT01: TLS to the CHF; the GSME on its whitelist.
  {
    const t = await tlsToChf(ctx, 'GT01');
    const wl = need(
      ctx,
      await ctx.headEnd.readChfWhitelist(t, { errorCode: 'GT01', subStep: 3, checkedBy: [4] }),
      {
        errorCode: 'GT01',
        subStep: 3,
      },
    );
    ctx.whitelist = wl;
    check(
      ctx,
      onWhitelist(wl, gsme),
      { errorCode: 'GT01', subStep: 4 },
      'the GSME is not on the CHF Whitelist',
    );
    await ctx.headEnd.close(t, { errorCode: 'GT01' });
  }
  // GT02: the GSME's Payment Mode through the CHF; prepayment needs its PrepaymentKey.
  {
    const at = (n: number, checkedBy?: number[]): StepRef => ({
      errorCode: 'GT02',
      subStep: n,
      ...(checkedBy ? { checkedBy } : {}),
    });
    const t = await tlsToChf(ctx, 'GT02');
    // 3, 4: Not Used.
    const mode = need(ctx, await ctx.headEnd.readPaymentMode(t, at(5, [5]), gsme), at(5));
    const pk = keyBytes(info(ctx).gsmeDetail?.prePayDetails?.prepaymentKey);
    if (mode === 'prepayment')
      check(ctx, !!pk, at(5), 'prepayment: no valid PrepaymentKey in the GSMEDetail/PrePayDetails');
    await closeAt(ctx, t, at(6));
    if (mode === 'prepayment') ctx.prepayFlag = true; // 7
    if (pk) await storeKey(ctx, { deviceId: gsme, keyType: 'PrepaymentKey' }, pk, at(8));
  }
}

// ---- Table B4 (Installing a SMETS1 PPMID): no additional checks or processing. -------------------
// ---- Table B5 (Commission Device (CHF)): DP01, as A4 (appendix-a.ts commissionChfDp01). -----------

// ---- Table B6: Securing a SMETS1 ESME ----------------------------------------------------------

export async function securingEsmeB6(ctx: StepContext): Promise<void> {
  const esme = ctx.installation.mcf.esmeDetail.deviceId;
  const sd = { deviceId: esme };
  const at4 = (n: number, checkedBy?: number[]): StepRef => ({
    errorCode: 'ET04',
    subStep: n,
    ...(checkedBy ? { checkedBy } : {}),
  });
  const stored = async (): Promise<{ authenticationKey: Buffer; encryptionKey: Buffer } | undefined> => {
    const a = await ctx.openStored({ deviceId: esme, association: HLS, keyType: 'AuthenticationKey' });
    const e = await ctx.openStored({ deviceId: esme, association: HLS, keyType: 'EncryptionKey' });
    return a && e ? { authenticationKey: a, encryptionKey: e } : undefined;
  };
  // ET04: over AA G with HLS (the keys stored at B2 ET03.3): clock limit 9 s, restrict non-HLS
  // writes, verify, firmware key. A store that cannot give the keys fails ET04.1.
  let keys: { authenticationKey: Buffer; encryptionKey: Buffer } | undefined;
  try {
    keys = await stored();
  } catch (e) {
    failAt(
      ctx,
      at4(1),
      `the stored HighLevelAssociation keys do not open: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!keys) failAt(ctx, at4(1), 'no stored HighLevelAssociation keys for the ESME');
  const h = need(
    ctx,
    await ctx.headEnd.openAssociation(ctx.chf, { deviceId: esme, association: HLS, ...keys }, at4(1)),
    at4(1),
  );
  need(ctx, await ctx.headEnd.configureSecurity(h, { kind: 'clockAdjustLimit', seconds: 9 }, at4(1)), at4(1));
  need(
    ctx,
    await ctx.headEnd.configureSecurity(h, { kind: 'restrictNonHlsWriteAccess' }, at4(2, [3])),
    at4(2),
  );
  const restricted = need(ctx, await ctx.headEnd.readNonHlsWriteAccessRestricted(h, at4(3, [3])), at4(3));
  check(ctx, restricted, at4(3), 'write access without HLS is not restricted');
  need(ctx, await ctx.headEnd.configureSecurity(h, { kind: 'firmwareActivationKey' }, at4(4)), at4(4));

  // ET05: the DCO makes the key-change form of a new Master Key (it checks the device is DCO Viable).
  const emk = ctx.installation.mef.encryptedMasterKeys.find((m) =>
    m.deviceIds.some((d) => d.toUpperCase() === esme.toUpperCase()),
  );
  if (!emk) failAt(ctx, { errorCode: 'ET05' }, 'no EncryptedMasterKey of the ESME', sd);
  const newMaster = randomBytes(16);
  const master = needDco(
    ctx,
    await ctx.dco.createKeyChange(ctx.ref, {
      deviceId: esme,
      associationName: 'MasterKey',
      newKey: newMaster,
    }),
    { errorCode: 'ET05' },
    sd,
  );
  newMaster.fill(0); // the S1SP keeps only the encrypted form (ET07.1)
  // ET06: the authorising request to rotate to the new Master Key.
  need(
    ctx,
    await ctx.headEnd.changeKey(
      h,
      { association: 'MasterKey', keyType: 'MasterKey', protectedKey: master.protectedKey },
      { errorCode: 'ET06', checkedBy: [] },
    ),
    { errorCode: 'ET06' },
  );
  // ET07: store the encrypted Master Key; invalidate the replaced one.
  const mkName = { deviceId: esme, association: HLS, keyType: 'MasterKey' };
  await storeKey(ctx, mkName, master.protectedKey, { errorCode: 'ET07', subStep: 1 });
  await invalidateKey(ctx, mkName, { errorCode: 'ET07', subStep: 2 });

  // ET08: the DCO makes the forms of a new EncryptionKey and AuthenticationKey under the new Master Key.
  const enc = randomBytes(16);
  const auth = randomBytes(16);
  const encForm = needDco(
    ctx,
    await ctx.dco.createKeyChange(ctx.ref, { deviceId: esme, associationName: HLS, newKey: enc }),
    { errorCode: 'ET08' },
    sd,
  );
  const authForm = needDco(
    ctx,
    await ctx.dco.createKeyChange(ctx.ref, { deviceId: esme, associationName: HLS, newKey: auth }),
    { errorCode: 'ET08' },
    sd,
  );
  // ET09: the authorising request to rotate both.
  for (const [keyType, form] of [
    ['EncryptionKey', encForm],
    ['AuthenticationKey', authForm],
  ] as const)
    need(
      ctx,
      await ctx.headEnd.changeKey(
        h,
        { association: HLS, keyType, protectedKey: form.protectedKey },
        { errorCode: 'ET09', checkedBy: [] },
      ),
      { errorCode: 'ET09' },
    );
  await ctx.headEnd.close(h, { errorCode: 'ET09' });
  // ET10: 1 the ESME uses the new keys and not the old; 2 store; 3 invalidate the replaced.
  const at10 = (n: number): StepRef => ({ errorCode: 'ET10', subStep: n });
  const fresh = await ctx.headEnd.openAssociation(
    ctx.chf,
    { deviceId: esme, association: HLS, authenticationKey: auth, encryptionKey: enc },
    at10(1),
  );
  if (!fresh.ok) failAt(ctx, at10(1), `the ESME has not switched to the new keys: ${fresh.reason}`);
  await ctx.headEnd.close(fresh.value, at10(1));
  const stale = await ctx.headEnd.openAssociation(
    ctx.chf,
    { deviceId: esme, association: HLS, ...keys },
    at10(1),
  );
  if (stale.ok) {
    await ctx.headEnd.close(stale.value, at10(1));
    failAt(ctx, at10(1), 'the ESME still accepts the old keys');
  }
  for (const [keyType, v] of [
    ['EncryptionKey', enc],
    ['AuthenticationKey', auth],
  ] as const)
    await storeKey(ctx, { deviceId: esme, association: HLS, keyType }, v, at10(2));
  for (const keyType of ['EncryptionKey', 'AuthenticationKey'])
    await invalidateKey(ctx, { deviceId: esme, association: HLS, keyType }, at10(3));
  enc.fill(0);
  auth.fill(0);
}
