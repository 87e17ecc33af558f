// The simulated SMETS1 estate behind the head-end port (src/core/head-end): CHF, GPF, ESME, GSME,
// PPMID, IHD and CAD state built from the SMSO's inventory and key material (the same keys the SMSO
// encrypts into the MEF, so the plaintext keys of a real MEF open the simulated devices), deterministic
// from a seed, with fault injection (faults.ts). docs/S1SP-COMMISSIONING.md describes it.
//
// - Application Associations (Appendix A A0, B1) open only with the device's AuthenticationKey and
//   EncryptionKey; the Public AA returns the invocation counters (A1 ET01).
// - Master Keys (Table 11.3): a key change instruction carries the new key wrapped with RFC 3394
//   under the device's Master Key (src/lib/crypto/key-wrap.ts); any other form is refused.
// - CHF Whitelists per GroupID: 12.11/12.12 (AA: the ESME), 13.14 and 14.13 (BA, CA, CB: a GSME on
//   ZigBee), 16.13 (DA: the GSME), EA/EB/EC: the ESME (docs/SPEC-DECISIONS.md); PPMIDs, IHDs and
//   CADs always; last-communicated times in the hour before `now`.
// - Payment Mode: prepayment for a seeded share of meters, with a UTRN Meter ID.
// - SUA (Appendix C): the device's SUA key and permanent P-256 key (suaDeviceKeyPair); instructions
//   in the form of src/core/head-end/sua-instruction.ts.
// - Rollback: WAN back to the SMSO (12.10.3, 15.10.4), SMSO certificates (15.10.3), control (16.11.1).
import { createECDH, createHash, createPrivateKey, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import type {
  ApplicationAssociationName,
  ChannelHandle,
  HeadEnd,
  HeadEndResult,
  KeyChangeInstruction,
  PaymentMode,
  RollbackCertificate,
  SecurityConfiguration,
  SmiChfRequests,
  StepRef,
  SuaDeviceKey,
  WhitelistEntry,
} from '../../core/head-end/index.js';
import {
  decodeSuaInstruction,
  suaInstructionMacValid,
  suaRotationKey,
} from '../../core/head-end/sua-instruction.js';
import type { DeviceType, GroupId } from '../../core/ids/reference.js';
import type { SmsoInstallation } from '../../core/formats/smso/inventory.js';
import type { InstallationKeyMaterial } from '../../core/formats/smso/key-material.js';
import { ASSOCIATION_NAMES } from '../../core/formats/smso/key-material.js';
import { aesKeyUnwrap } from '../../lib/crypto/key-wrap.js';
import { seededRandom, suaDeviceKeyPair } from '../smso-inventory.js';
import { createFaultPlan, type FaultPlan, type FaultRule } from './faults.js';

export interface SimulatedInstallationInput {
  groupId: GroupId;
  installation: SmsoInstallation;
  keyMaterial: InstallationKeyMaterial;
  /** The CHF's DeviceCertificate (base64 DER) the MGF carries (Appendix B); absent: any is accepted. */
  deviceCertificate?: string;
}

export interface SimulatedEstateOptions {
  seed: string;
  installations: Iterable<SimulatedInstallationInput>;
  faults?: readonly FaultRule[];
  /** Share of ESMEs and GSMEs in prepayment mode (default 0.3). */
  prepaymentShare?: number;
  /** Share of GSMEs of GroupIDs BA, CA, CB that talk to the GPF over ZigBee (13.14, 14.13; default 1). */
  zigbeeGsmeShare?: number;
  /**
   * The clock (default the real one). The devices keep talking to the CHF: each whitelist entry's last
   * communication lies a fixed time (under an hour) before the clock whenever the whitelist is read.
   */
  now?: () => Date;
}

interface AssociationKeys {
  authenticationKey: Buffer;
  encryptionKey: Buffer;
}

interface SuaState {
  suaKey: Buffer;
  permanentPrivate: KeyObject;
  permanentPublic: Buffer;
  currentPrivate: Buffer;
  currentPublic: Buffer;
  dcoPublicKey?: Buffer;
  suaUsed: boolean;
  rotations: number;
}

/** One simulated device. Keys are Buffers held in memory only. */
interface SimDevice {
  deviceType: DeviceType;
  deviceId: string;
  serialNumber: string;
  associations: Map<ApplicationAssociationName, AssociationKeys>;
  invocationCounters: Map<ApplicationAssociationName, bigint>;
  masterKey?: Buffer;
  paymentMode?: PaymentMode;
  utrnMeterId?: string;
  vendPriceChangeHanLimit: number;
  creditAdded: number;
  sua?: SuaState;
  clockAdjustLimit?: number;
  nonHlsWriteRestricted: boolean;
  firmwareActivationKey: boolean;
}

interface SimInstallation {
  chf: string;
  groupId: GroupId;
  devices: Map<string, SimDevice>;
  /** CHF Whitelist entries: how long before the clock the CHF last heard the device (12.11, 16.12). */
  whitelist: Array<{ deviceId: string; agoMs: number }>;
  deviceCertificate?: string;
  wan: 's1sp' | 'smso';
  control: 'smso' | 's1sp';
  smsoCertificates: boolean;
  reachable: boolean;
}

/** What a test may see of an installation (never a key). */
export interface SimulatedInstallationView {
  chf: string;
  groupId: GroupId;
  wan: 's1sp' | 'smso';
  control: 'smso' | 's1sp';
  smsoCertificatesReinstated: boolean;
  devices: Array<{
    deviceType: DeviceType;
    deviceId: string;
    serialNumber: string;
    paymentMode?: PaymentMode;
    vendPriceChangeHanLimit: number;
    creditAdded: number;
    underDcoControl: boolean;
    clockAdjustLimit?: number;
    nonHlsWriteRestricted: boolean;
    firmwareActivationKey: boolean;
    /** SHA-256 (hex, 8 octets) of each AA's current EncryptionKey: tells a key change happened. */
    encryptionKeyDigests: Partial<Record<ApplicationAssociationName, string>>;
    masterKeyDigest?: string;
  }>;
  whitelist: WhitelistEntry[];
}

export interface SimulatedEstate {
  headEnd: HeadEnd;
  /**
   * TMAD 3.3(a), Appendix A A4 / B5 / C4 DP01: the DCC's Smart Metering Inventory as the S1SP's
   * instruction reaches it. A CHF of the estate is added as 'Commissioned'; a DP01 fault rule makes the
   * DCC refuse it; an unknown CHF is refused.
   */
  inventory: SmiChfRequests;
  /** The CHFs the inventory has added ('Commissioned'), in order. */
  readonly smiAdded: readonly string[];
  faults: FaultPlan;
  view(chf: string): SimulatedInstallationView | undefined;
  /** Make a CHF (un)reachable over the WAN. */
  setReachable(chf: string, reachable: boolean): void;
  /** Head-end calls made so far, in order (operation, CHF, step): for tests of the step order. */
  readonly calls: ReadonlyArray<{ op: string; chf: string; at?: StepRef; deviceId?: string }>;
}

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);
const hexKey = (s: string | undefined): Buffer | undefined =>
  s === undefined ? undefined : Buffer.from(s, 'hex');

function p256Private(priv: Buffer): { key: KeyObject; pub: Buffer } {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(priv);
  const pub = ecdh.getPublicKey(undefined, 'uncompressed');
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: priv.toString('base64url'),
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  return { key, pub };
}

function suaState(suaKeyHex: string): SuaState {
  const pair = suaDeviceKeyPair(suaKeyHex);
  const { key } = p256Private(pair.privateKey);
  return {
    suaKey: Buffer.from(suaKeyHex, 'hex'),
    permanentPrivate: key,
    permanentPublic: pair.publicKey,
    currentPrivate: pair.privateKey,
    currentPublic: pair.publicKey,
    suaUsed: false,
    rotations: 0,
  };
}

/** Build the simulated estate. */
export function createSimulatedEstate(o: SimulatedEstateOptions): SimulatedEstate {
  const now = o.now ?? (() => new Date());
  const faults = createFaultPlan(o.seed, o.faults ?? []);
  const prepaymentShare = o.prepaymentShare ?? 0.3;
  const zigbeeShare = o.zigbeeGsmeShare ?? 1;
  const installations = new Map<string, SimInstallation>();
  const calls: Array<{ op: string; chf: string; at?: StepRef; deviceId?: string }> = [];

  for (const input of o.installations) {
    const inst = input.installation;
    const r = seededRandom(`${o.seed}/devices/${inst.chfDeviceId}`);
    const keysById = new Map(input.keyMaterial.devices.map((d) => [d.deviceId, d.keys]));
    const devices = new Map<string, SimDevice>();
    for (const d of inst.devices) {
      const k = keysById.get(d.deviceId) ?? {};
      const associations = new Map<ApplicationAssociationName, AssociationKeys>();
      for (const a of [...ASSOCIATION_NAMES, 'HighLevelAssociation'] as const) {
        const auth = hexKey(k[`${a}.AuthenticationKey`]);
        const enc = hexKey(k[`${a}.EncryptionKey`]);
        if (auth && enc) associations.set(a, { authenticationKey: auth, encryptionKey: enc });
      }
      const meter = d.deviceType === 'ESME' || d.deviceType === 'GSME';
      const prepay = meter && r() < prepaymentShare;
      const dev: SimDevice = {
        deviceType: d.deviceType,
        deviceId: d.deviceId,
        serialNumber: d.serialNumber ?? `SIM${d.deviceId.replace(/-/g, '')}`,
        associations,
        invocationCounters: new Map(
          [...associations.keys()].map((a) => [a, BigInt(1 + Math.floor(r() * 5000))]),
        ),
        ...(k.MasterKey ? { masterKey: Buffer.from(k.MasterKey, 'hex') } : {}),
        ...(meter ? { paymentMode: prepay ? ('prepayment' as const) : ('credit' as const) } : {}),
        ...(prepay ? { utrnMeterId: String(10_000_000 + Math.floor(r() * 89_999_999)) } : {}),
        vendPriceChangeHanLimit: meter ? 1 + Math.floor(r() * 500) : 0,
        creditAdded: 0,
        ...(k.SUAKey ? { sua: suaState(k.SUAKey) } : {}),
        nonHlsWriteRestricted: false,
        firmwareActivationKey: false,
      };
      devices.set(d.deviceId, dev);
    }
    const g = input.groupId;
    const listed = (t: DeviceType): boolean => {
      switch (t) {
        case 'CHF':
        case 'GPF':
          return false; // 12.12, 13.14, 14.13, 16.13: never
        case 'ESME':
          return g === 'AA' || g === 'EA' || g === 'EB' || g === 'EC'; // 12.12; B2 ET01.4
        case 'GSME':
          return g === 'BA' || g === 'CA' || g === 'CB' ? r() < zigbeeShare : true; // 13.14, 14.13, 16.13
        default:
          return true; // 12.9.6, 15.9.4, 16.9.4: PPMIDs (and the other HAN devices)
      }
    };
    const whitelist: SimInstallation['whitelist'] = [];
    for (const d of devices.values())
      if (listed(d.deviceType)) whitelist.push({ deviceId: d.deviceId, agoMs: Math.floor(r() * 3_600_000) });
    installations.set(inst.chfDeviceId, {
      chf: inst.chfDeviceId,
      groupId: g,
      devices,
      whitelist,
      ...(input.deviceCertificate !== undefined ? { deviceCertificate: input.deviceCertificate } : {}),
      wan: 's1sp',
      control: 'smso',
      smsoCertificates: false,
      reachable: true,
    });
  }

  // ---- channels -----------------------------------------------------------------------------
  let nextId = 0;
  const channels = new Map<string, ChannelHandle & { open: boolean }>();
  const fail = <T>(reason: string): HeadEndResult<T> => ({ ok: false, reason });
  const ok = <T>(value: T): HeadEndResult<T> => ({ ok: true, value });

  /** The installation of a CHF, reachable, after the fault rules; or the failure. */
  const begin = (
    op: string,
    chf: string,
    at: StepRef | undefined,
    deviceId?: string,
  ): { inst: SimInstallation; corrupt: boolean } | { failure: string } => {
    calls.push({ op, chf, ...(at ? { at } : {}), ...(deviceId ? { deviceId } : {}) });
    const inst = installations.get(chf);
    if (!inst) return { failure: `no CHF ${chf} answers on the WAN` };
    if (!inst.reachable || inst.wan !== 's1sp') return { failure: `CHF ${chf} does not respond (WAN)` };
    const effect = at ? faults.effect(chf, inst.groupId, at, deviceId) : null;
    if (effect === 'fail') return { failure: `${op}: no valid response from the device (${at!.errorCode})` };
    return { inst, corrupt: effect === 'corrupt' };
  };
  const device = (inst: SimInstallation, id: string): SimDevice | undefined => inst.devices.get(id);
  const channelOf = (
    op: string,
    h: ChannelHandle,
    at: StepRef,
    target?: string,
  ): { inst: SimInstallation; ch: ChannelHandle; dev: SimDevice; corrupt: boolean } | { failure: string } => {
    const ch = channels.get(h.id);
    const b = begin(op, h.chf, at, target ?? h.deviceId);
    if ('failure' in b) return b;
    if (!ch || !ch.open) return { failure: `${op}: the channel is not open` };
    const dev = device(b.inst, target ?? ch.deviceId);
    if (!dev) return { failure: `${op}: no device ${target ?? ch.deviceId} behind CHF ${h.chf}` };
    return { inst: b.inst, ch, dev, corrupt: b.corrupt };
  };
  const newChannel = (
    chf: string,
    deviceId: string,
    kind: ChannelHandle['kind'],
    association?: ApplicationAssociationName,
  ): ChannelHandle => {
    const h = {
      id: `ch-${++nextId}`,
      chf,
      deviceId,
      kind,
      ...(association ? { association } : {}),
      open: true,
    };
    channels.set(h.id, h);
    const { open: _open, ...handle } = h;
    return handle;
  };
  const whitelistNow = (inst: SimInstallation): WhitelistEntry[] => {
    const t = now().getTime();
    return inst.whitelist.map((e) => ({ deviceId: e.deviceId, lastCommunicatedAt: new Date(t - e.agoMs) }));
  };
  const sameKey = (a: Uint8Array, b: Buffer): boolean =>
    a.length === b.length && timingSafeEqual(Buffer.from(a), b);

  const headEnd: HeadEnd = {
    async isReachable(chf) {
      const inst = installations.get(chf);
      return !!inst && inst.reachable && inst.wan === 's1sp';
    },

    async readPublicAssociation(chf, deviceId, at) {
      const b = begin('readPublicAssociation', chf, at, deviceId);
      if ('failure' in b) return fail(b.failure);
      const dev = device(b.inst, deviceId);
      if (!dev) return fail(`no device ${deviceId} behind CHF ${chf}`);
      return ok({
        deviceId,
        invocationCounters: b.corrupt ? {} : Object.fromEntries(dev.invocationCounters),
      });
    },

    async openAssociation(chf, req, at) {
      const b = begin('openAssociation', chf, at, req.deviceId);
      if ('failure' in b) return fail(b.failure);
      const dev = device(b.inst, req.deviceId);
      if (!dev) return fail(`no device ${req.deviceId} behind CHF ${chf}`);
      if (req.association === 'Public') return ok(newChannel(chf, req.deviceId, 'association', 'Public')); // no keys (A0, B1)
      const keys = dev.associations.get(req.association);
      if (!keys) return fail(`${req.deviceId} has no ${req.association}`);
      if (
        !sameKey(req.authenticationKey, keys.authenticationKey) ||
        !sameKey(req.encryptionKey, keys.encryptionKey)
      )
        return fail(`${req.deviceId} refused the ${req.association}: authentication failed`);
      dev.invocationCounters.set(req.association, (dev.invocationCounters.get(req.association) ?? 0n) + 1n);
      return ok(newChannel(chf, req.deviceId, 'association', req.association));
    },

    async initialiseNetwork(chf, at) {
      const b = begin('initialiseNetwork', chf, at, chf);
      return 'failure' in b ? fail(b.failure) : ok(undefined);
    },

    async openTlsSession(chf, deviceCertificate, at) {
      const b = begin('openTlsSession', chf, at, chf);
      if ('failure' in b) return fail(b.failure);
      if (deviceCertificate === '') return fail('no DeviceCertificate for the TLS session');
      if (b.inst.deviceCertificate !== undefined && b.inst.deviceCertificate !== deviceCertificate)
        return fail(`the TLS session with CHF ${chf} failed: the certificate is not the CHF's`);
      return ok(newChannel(chf, chf, 'tls'));
    },

    async openDeviceSession(chf, deviceId, at) {
      const b = begin('openDeviceSession', chf, at, deviceId);
      if ('failure' in b) return fail(b.failure);
      if (!device(b.inst, deviceId)) return fail(`no device ${deviceId} behind CHF ${chf}`);
      return ok(newChannel(chf, deviceId, 'device'));
    },

    async readChfWhitelist(h, at) {
      const c = channelOf('readChfWhitelist', h, at, h.chf);
      if ('failure' in c) return fail(c.failure);
      if (c.dev.deviceType !== 'CHF') return fail('the CHF Whitelist is read from the CHF');
      if (c.ch.kind === 'association' && c.ch.association !== 'ExtendedDataCollectionAssociation')
        return fail(`the CHF Whitelist is not readable in ${c.ch.association}`);
      return ok(c.corrupt ? [] : whitelistNow(c.inst));
    },

    async readSerialNumber(h, at, target) {
      const c = channelOf('readSerialNumber', h, at, target);
      if ('failure' in c) return fail(c.failure);
      return ok(c.corrupt ? `${c.dev.serialNumber}X` : c.dev.serialNumber);
    },

    async readPaymentMode(h, at, target) {
      const c = channelOf('readPaymentMode', h, at, target);
      if ('failure' in c) return fail(c.failure);
      if (!c.dev.paymentMode) return fail(`${c.dev.deviceId} is not a meter`);
      return ok(c.corrupt ? (c.dev.paymentMode === 'credit' ? 'prepayment' : 'credit') : c.dev.paymentMode);
    },

    async readUtrnMeterId(h, at, target) {
      const c = channelOf('readUtrnMeterId', h, at, target);
      if ('failure' in c) return fail(c.failure);
      if (!c.dev.utrnMeterId) return fail(`${c.dev.deviceId} has no UTRN Meter ID`);
      return ok(c.corrupt ? '' : c.dev.utrnMeterId);
    },

    async setVendPriceChangeHanLimit(h, value, at, target) {
      const c = channelOf('setVendPriceChangeHanLimit', h, at, target);
      if ('failure' in c) return fail(c.failure);
      if (!c.corrupt) c.dev.vendPriceChangeHanLimit = value;
      return ok(undefined);
    },

    async addCredit(h, amountPence, at, target) {
      const c = channelOf('addCredit', h, at, target);
      if ('failure' in c) return fail(c.failure);
      if (c.ch.kind === 'association' && c.ch.association !== 'ManagementAssociation')
        return fail(`Add Credit is refused in ${c.ch.association}`);
      if (c.dev.paymentMode !== 'prepayment' || c.corrupt) return ok({ accepted: false });
      c.dev.creditAdded += amountPence;
      return ok({ accepted: true });
    },

    async changeKey(h, instr: KeyChangeInstruction, at) {
      const c = channelOf('changeKey', h, at);
      if ('failure' in c) return fail(c.failure);
      if (!c.dev.masterKey) return fail(`${c.dev.deviceId} has no Master Key`);
      let key: Buffer;
      try {
        key = aesKeyUnwrap(c.dev.masterKey, Buffer.from(instr.protectedKey));
      } catch {
        return fail(`${c.dev.deviceId} refused the key change: not protected with its Master Key`);
      }
      if (c.corrupt) return ok(undefined); // acknowledged, not applied (checked by the next sub-step)
      if (instr.keyType === 'MasterKey') {
        c.dev.masterKey = key;
        return ok(undefined);
      }
      const a = c.dev.associations.get(instr.association as ApplicationAssociationName);
      if (!a) return fail(`${c.dev.deviceId} has no ${instr.association}`);
      if (instr.keyType === 'EncryptionKey') a.encryptionKey = key;
      else a.authenticationKey = key;
      return ok(undefined);
    },

    async configureSecurity(h, setting: SecurityConfiguration, at) {
      const c = channelOf('configureSecurity', h, at);
      if ('failure' in c) return fail(c.failure);
      if (c.ch.association !== 'HighLevelAssociation')
        return fail('security settings need HLS (Appendix B B6 ET04)');
      if (c.corrupt) return ok(undefined);
      if (setting.kind === 'clockAdjustLimit') c.dev.clockAdjustLimit = setting.seconds;
      else if (setting.kind === 'restrictNonHlsWriteAccess') c.dev.nonHlsWriteRestricted = true;
      else c.dev.firmwareActivationKey = true;
      return ok(undefined);
    },

    async readNonHlsWriteAccessRestricted(h, at) {
      const c = channelOf('readNonHlsWriteAccessRestricted', h, at);
      if ('failure' in c) return fail(c.failure);
      return ok(c.corrupt ? false : c.dev.nonHlsWriteRestricted);
    },

    async close(h, at) {
      const ch = channels.get(h.id);
      const b = begin('close', h.chf, at, h.deviceId);
      if (ch) ch.open = false;
      if ('failure' in b) return fail(b.failure);
      return ok(undefined);
    },

    async sendSuaInstruction(chf, deviceId, bytes, at): Promise<HeadEndResult<SuaDeviceKey>> {
      const b = begin('sendSuaInstruction', chf, at, deviceId);
      if ('failure' in b) return fail(b.failure);
      const dev = device(b.inst, deviceId);
      if (!dev?.sua) return fail(`${deviceId} has no SUA key`);
      const s = dev.sua;
      const i = decodeSuaInstruction(bytes);
      if (!i || i.serialNumber !== dev.serialNumber || i.deviceType !== dev.deviceType)
        return fail(`${deviceId} refused the instruction: not for this device`);
      let valid: boolean;
      if (i.kind === 'authorisation') {
        valid = !s.suaUsed && suaInstructionMacValid(s.suaKey, i);
        s.suaUsed = true; // single use, whatever the outcome
      } else {
        const ecdh = createECDH('prime256v1');
        ecdh.setPrivateKey(s.currentPrivate);
        let shared: Buffer | undefined;
        try {
          shared = ecdh.computeSecret(Buffer.from(i.dcoPublicKey));
        } catch {
          shared = undefined;
        }
        valid = !!shared && suaInstructionMacValid(suaRotationKey(shared), i);
      }
      if (!valid || b.corrupt) return fail(`${deviceId} refused the authorising instruction`);
      // A new key pair, signed with the permanent private key (Appendix C GT05.2 / ET05.2).
      s.rotations++;
      const priv = createHash('sha256').update(`s1mig sim sua ${o.seed}/${deviceId}/${s.rotations}`).digest();
      priv[0] = (priv[0]! & 0x7f) | 0x01;
      const next = p256Private(priv);
      s.currentPrivate = priv;
      s.currentPublic = next.pub;
      s.dcoPublicKey = Buffer.from(i.dcoPublicKey);
      b.inst.control = 's1sp';
      return ok({ devicePublicKey: next.pub, deviceSignature: sign('sha256', next.pub, s.permanentPrivate) });
    },

    async readSuaDeviceKey(chf, deviceId, at) {
      const b = begin('readSuaDeviceKey', chf, at, deviceId);
      if ('failure' in b) return fail(b.failure);
      const s = device(b.inst, deviceId)?.sua;
      if (!s) return fail(`${deviceId} has no SUA key`);
      const sig = sign('sha256', s.currentPublic, s.permanentPrivate);
      if (b.corrupt) sig[sig.length - 1] = sig[sig.length - 1]! ^ 0x01;
      return ok({ devicePublicKey: Buffer.from(s.currentPublic), deviceSignature: sig });
    },

    async restoreWanToSmso(chf) {
      calls.push({ op: 'restoreWanToSmso', chf });
      const inst = installations.get(chf);
      if (!inst) return fail(`no CHF ${chf}`);
      inst.wan = 'smso';
      return ok(undefined);
    },

    async reinstateSmsoCertificates(chf, certificates: readonly RollbackCertificate[]) {
      calls.push({ op: 'reinstateSmsoCertificates', chf });
      const inst = installations.get(chf);
      if (!inst) return fail(`no CHF ${chf}`);
      if (certificates.length === 0) return fail('no SMSO rollback certificates (TMAD 5.1(c))');
      const t = now().getTime();
      if (!certificates.every((c) => c.validFrom.getTime() <= t && t <= c.validTo.getTime()))
        return fail('an SMSO rollback certificate is outside its validity dates (TMAD 5.1(c))');
      inst.smsoCertificates = true;
      return ok(undefined);
    },

    async revertControlToSmso(chf) {
      calls.push({ op: 'revertControlToSmso', chf });
      const inst = installations.get(chf);
      if (!inst) return fail(`no CHF ${chf}`);
      inst.control = 'smso';
      for (const d of inst.devices.values()) if (d.sua) delete d.sua.dcoPublicKey;
      return ok(undefined);
    },
  };

  const smiAdded: string[] = [];
  const inventory: SmiChfRequests = {
    async addChf(r) {
      const chf = r.chfDeviceId;
      calls.push({ op: 'addChf', chf, at: { errorCode: 'DP01' }, deviceId: chf });
      const inst = installations.get(chf);
      if (!inst) return { ok: false, reason: `no CHF ${chf} in the estate` };
      if (faults.effect(chf, inst.groupId, { errorCode: 'DP01' }, chf) !== null)
        return {
          ok: false,
          reason: `the DCC refused to add CHF ${chf} to the Smart Metering Inventory (DP01)`,
        };
      if (!smiAdded.includes(chf)) smiAdded.push(chf);
      return { ok: true, status: 'Commissioned' };
    },
  };

  return {
    headEnd,
    inventory,
    smiAdded,
    faults,
    calls,
    setReachable(chf, reachable) {
      const inst = installations.get(chf);
      if (inst) inst.reachable = reachable;
    },
    view(chf) {
      const inst = installations.get(chf);
      if (!inst) return undefined;
      return {
        chf,
        groupId: inst.groupId,
        wan: inst.wan,
        control: inst.control,
        smsoCertificatesReinstated: inst.smsoCertificates,
        whitelist: whitelistNow(inst),
        devices: [...inst.devices.values()].map((d) => ({
          deviceType: d.deviceType,
          deviceId: d.deviceId,
          serialNumber: d.serialNumber,
          ...(d.paymentMode ? { paymentMode: d.paymentMode } : {}),
          vendPriceChangeHanLimit: d.vendPriceChangeHanLimit,
          creditAdded: d.creditAdded,
          underDcoControl: !!d.sua?.dcoPublicKey,
          ...(d.clockAdjustLimit !== undefined ? { clockAdjustLimit: d.clockAdjustLimit } : {}),
          nonHlsWriteRestricted: d.nonHlsWriteRestricted,
          firmwareActivationKey: d.firmwareActivationKey,
          encryptionKeyDigests: Object.fromEntries(
            [...d.associations].map(([a, k]) => [a, digest(k.encryptionKey)]),
          ),
          ...(d.masterKey ? { masterKeyDigest: digest(d.masterKey) } : {}),
        })),
      };
    },
  };
}
