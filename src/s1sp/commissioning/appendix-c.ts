// Appendix C: Device installation for GroupID DA (Tables C1-C6). C1 and C2 are "DCC checks and
// processing" addressed by Device ID (openDeviceSession); C5 and C6 bring the GSME and ESME under
// the DCO's control with Single Use Authorisations (DcoRequests.createSuaAuthorisation / Rotation).
import type { StepRef } from '../../core/head-end/index.js';
import {
  check,
  closeAt,
  failAt,
  need,
  needDco,
  onWhitelist,
  storeKey,
  type StepContext,
  type SupportingDataKind,
} from './context.js';

/** Appendix C SupportingData columns (C2 GT01 and C5 GT03 / GT04, C6 ET03 / ET04 give none). */
export const APPENDIX_C_SUPPORTING_DATA: Readonly<Record<string, SupportingDataKind>> = {
  ET01: 'subStep',
  GT01: 'none',
  GT02: 'subStep',
  DP01: 'none',
  GT03: 'none',
  GT04: 'none',
  GT05: 'subStep',
  GT06: 'subStep',
  GT07: 'subStep',
  ET03: 'none',
  ET04: 'none',
  ET05: 'subStep',
  ET06: 'subStep',
  ET07: 'subStep',
};

const DAY = 86_400_000;

/** C1 ET01 (the ESME) and C2 GT02 (the GSME through its GPF): Payment Mode, HAN limit, zero Add Credit. */
async function meterC(ctx: StepContext, code: 'ET01' | 'GT02', meter: string, via: string): Promise<void> {
  const at = (n: number, checkedBy?: number[]): StepRef => ({
    errorCode: code,
    subStep: n,
    ...(checkedBy ? { checkedBy } : {}),
  });
  const target = meter === via ? undefined : meter;
  const h = need(ctx, await ctx.headEnd.openDeviceSession(ctx.chf, via, at(1)), at(1));
  const mode = need(ctx, await ctx.headEnd.readPaymentMode(h, at(1), target), at(1));
  need(ctx, await ctx.headEnd.setVendPriceChangeHanLimit(h, 0, at(2), target), at(2));
  if (mode === 'prepayment') {
    const r = need(ctx, await ctx.headEnd.addCredit(h, 0, at(3, [4]), target), at(3));
    check(ctx, r.accepted, at(4), `${meter} did not confirm the zero-value Add Credit`);
    ctx.prepayFlag = true; // 5
  }
  await ctx.headEnd.close(h, at(mode === 'prepayment' ? 5 : 2));
}

export async function installingEsmeC1(ctx: StepContext): Promise<void> {
  const esme = ctx.installation.mcf.esmeDetail.deviceId;
  await meterC(ctx, 'ET01', esme, esme);
}

export async function installingGsmeC2(ctx: StepContext): Promise<void> {
  const m = ctx.installation.mcf;
  const gsme = m.gsmeDetail!.deviceId;
  // GT01: the CHF Whitelist lists the GSME, heard in the last 24 hours.
  {
    const at = (n: number, checkedBy?: number[]): StepRef => ({
      errorCode: 'GT01',
      subStep: n,
      ...(checkedBy ? { checkedBy } : {}),
    });
    const h = need(ctx, await ctx.headEnd.openDeviceSession(ctx.chf, m.chfDetail.deviceId, at(1)), at(1));
    const wl = need(ctx, await ctx.headEnd.readChfWhitelist(h, at(1, [2])), at(1));
    ctx.whitelist = wl;
    check(
      ctx,
      onWhitelist(wl, gsme, ctx.now(), DAY),
      at(2),
      'the GSME is not on the CHF Whitelist or has not communicated in the last 24 hours',
    );
    await ctx.headEnd.close(h, at(2));
  }
  await meterC(ctx, 'GT02', gsme, m.gpfDetail.deviceId);
}

/**
 * C5 (GSME: GT03-GT07) and C6 (ESME: ET03-ET07): a SUA from the DCO, sent; on success the DCO Public
 * Key and the device's new public key and signature are stored; on failure ("except where otherwise
 * stated") the device's key is read, the DCO makes a rotation instruction, it is sent, and on success
 * the same is stored.
 */
export async function securingC(ctx: StepContext, deviceType: 'ESME' | 'GSME'): Promise<void> {
  const [sua, send, ok1, retry, ok2] =
    deviceType === 'GSME'
      ? ['GT03', 'GT04', 'GT05', 'GT06', 'GT07']
      : ['ET03', 'ET04', 'ET05', 'ET06', 'ET07'];
  const m = ctx.installation.mcf;
  const deviceId = deviceType === 'GSME' ? m.gsmeDetail!.deviceId : m.esmeDetail.deviceId;
  const details = ctx.installation.mef.suaKeyDetails.find((d) => d.deviceType === deviceType);
  if (!details)
    failAt(ctx, { errorCode: sua }, `no SUAKeyDetails for the ${deviceType} (TMAD 16.7.2, 16.7.3)`);
  const serialNumber = details.serialNumber;
  const a = needDco(ctx, await ctx.dco.createSuaAuthorisation(ctx.ref, { deviceType, serialNumber }), {
    errorCode: sua,
  });
  const sent = await ctx.headEnd.sendSuaInstruction(ctx.chf, deviceId, a.instruction, { errorCode: send });
  const store = async (
    code: string,
    dcoPublicKey: Uint8Array,
    key: { devicePublicKey: Uint8Array; deviceSignature: Uint8Array },
  ): Promise<void> => {
    await storeKey(ctx, { deviceId, association: 'SUA', keyType: 'DcoPublicKey' }, dcoPublicKey, {
      errorCode: code,
      subStep: 1,
    });
    await storeKey(ctx, { deviceId, association: 'SUA', keyType: 'DevicePublicKey' }, key.devicePublicKey, {
      errorCode: code,
      subStep: 2,
    });
    await storeKey(ctx, { deviceId, association: 'SUA', keyType: 'DeviceSignature' }, key.deviceSignature, {
      errorCode: code,
      subStep: 2,
    });
  };
  if (sent.ok) {
    await store(ok1, a.dcoPublicKey, sent.value);
    return;
  }
  // GT06 / ET06: the failure path.
  const at = (n: number): StepRef => ({ errorCode: retry, subStep: n });
  // The DCO checks at 2 the signature read at 1 (so a rule at 2 can corrupt what 1 reads).
  const key = need(
    ctx,
    await ctx.headEnd.readSuaDeviceKey(ctx.chf, deviceId, { ...at(1), checkedBy: [2] }),
    at(1),
  );
  const rot = needDco(
    ctx,
    await ctx.dco.createSuaRotation(ctx.ref, {
      deviceType,
      serialNumber,
      devicePublicKey: key.devicePublicKey,
      deviceSignature: key.deviceSignature,
      dcoPublicKey: a.dcoPublicKey,
    }),
    at(2),
  );
  const again = need(
    ctx,
    await ctx.headEnd.sendSuaInstruction(ctx.chf, deviceId, rot.instruction, at(3)),
    at(3),
  );
  await store(ok2, a.dcoPublicKey, again);
}

export { closeAt };
