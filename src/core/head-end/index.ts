// The head-end port: what the S1SP's commissioning (TMAD 5.27; Appendices A, B and C) needs of a
// SMETS1 Installation in the field, in TMAD / DLMS COSEM terms. The S1SP holds a `HeadEnd`; a real
// adapter (over the SMSO's or the S1SP's own head-end system) or the simulated estate
// (src/estate/devices) implements it. Pure types and helpers: no I/O here.
//
// Every operation names the CHF it goes through (the WAN end point) and carries a `StepRef`: the
// Appendix step on whose behalf the call is made (e.g. { errorCode: 'ET05', subStep: 2 }). An
// adapter may log it; the simulated estate uses it for its fault rules. It never changes what a real
// device is asked to do.

/** The Application Associations of Appendix A A0 and Appendix B B1 (their Table 11.2.1 names). */
export const APPLICATION_ASSOCIATIONS = [
  'Public',
  'DataCollectionAssociation',
  'ExtendedDataCollectionAssociation',
  'ManagementAssociation',
  'FirmwareAssociation',
  /** Appendix B B1 'Application Association G' using High Level Security (TMAD 15.8.1). */
  'HighLevelAssociation',
] as const;
export type ApplicationAssociationName = (typeof APPLICATION_ASSOCIATIONS)[number];

/** The Appendix step a call serves: error code, sub-step, and the sub-steps that check its result. */
export interface StepRef {
  /** The 'Error code on failure' of the Appendix row (ET01 … ET10, GT01 … GT07, DP01). */
  errorCode: string;
  /** The numbered sub-step of that row, when it has them. */
  subStep?: number;
  /**
   * The later sub-steps of the same row that check what this call returns (e.g. ET05.3 checks the
   * whitelist read at ET05.2). The simulated estate's rules for a checking sub-step corrupt the
   * result of the call it checks.
   */
  checkedBy?: readonly number[];
}

/** A head-end answer: the value, or the device's / network's failure in words (never a key). */
export type HeadEndResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Appendix A ET01: what reading the Public Application Association returns. */
export interface PublicAssociationReading {
  deviceId: string;
  /** The device counters the later steps need (DLMS invocation counters of the secured AAs). */
  invocationCounters: Partial<Record<ApplicationAssociationName, bigint>>;
}

/** TMAD 12.11, 13.13, 14.12, 16.12: one CHF Whitelist entry. */
export interface WhitelistEntry {
  deviceId: string;
  /** When the CHF last communicated with the device (UTC), or null: never. */
  lastCommunicatedAt: Date | null;
}

/** Payment Mode with its SMETS1 meaning (Appendix A ET07.4, B2 ET02.4, C1 ET01.1). */
export type PaymentMode = 'credit' | 'prepayment';

/** An open channel to a device: a DLMS Application Association, a TLS session or a DCC session. */
export interface ChannelHandle {
  readonly id: string;
  readonly chf: string;
  /** The device the channel is with (for a TLS session: the CHF). */
  readonly deviceId: string;
  readonly kind: 'association' | 'tls' | 'device';
  readonly association?: ApplicationAssociationName;
}

/** What a key change instruction carries (Appendix A A5 ET08, Appendix B B6 ET06 / ET09). */
export interface KeyChangeInstruction {
  association: ApplicationAssociationName | 'MasterKey';
  keyType: 'EncryptionKey' | 'AuthenticationKey' | 'MasterKey';
  /** The new key in the form the DCO created with the device's Master Key (DcoRequests.createKeyChange). */
  protectedKey: Uint8Array;
}

/** Appendix B B6 ET04: the four security configurations over Application Association G (HLS). */
export type SecurityConfiguration =
  | { kind: 'clockAdjustLimit'; seconds: number }
  | { kind: 'restrictNonHlsWriteAccess' }
  | { kind: 'firmwareActivationKey' };

/** Appendix C C5/C6: the device's answer to a SUA instruction, or its key when read (GT06.1). */
export interface SuaDeviceKey {
  /** The device's (new) public key: uncompressed P-256 point, 65 octets. */
  devicePublicKey: Uint8Array;
  /** ECDSA P-256 / SHA-256 signature (DER) on devicePublicKey by the device's permanent private key. */
  deviceSignature: Uint8Array;
}

/** Certificates of the SMSO to reinstate on rollback (TMAD 5.1(c), 15.10.3). */
export interface RollbackCertificate {
  /** Base64 DER. */
  certificate: string;
  validFrom: Date;
  validTo: Date;
  /** Device types it may be installed on (5.1(c) constraints). */
  deviceTypes?: readonly string[];
}

export interface HeadEnd {
  /** WAN reachability of the CHF (TMAD 5.12(c) in the field; 12.10.3 after rollback). */
  isReachable(chf: string): Promise<boolean>;

  /** Appendix A ET01: read the Public Application Association of a device behind the CHF. */
  readPublicAssociation(
    chf: string,
    deviceId: string,
    at: StepRef,
  ): Promise<HeadEndResult<PublicAssociationReading>>;

  /** Appendix A ET04–ET07, GT01, GT02; Appendix B ET02, ET03, ET04: open a DLMS Application Association. */
  openAssociation(
    chf: string,
    request: {
      deviceId: string;
      association: ApplicationAssociationName;
      authenticationKey: Uint8Array;
      encryptionKey: Uint8Array;
    },
    at: StepRef,
  ): Promise<HeadEndResult<ChannelHandle>>;

  /** Appendix B ET01.1, GT01.1, GT02.1: initialise the network connection with the CHF. */
  initialiseNetwork(chf: string, at: StepRef): Promise<HeadEndResult<void>>;

  /** Appendix B ET01.2, GT01.2, GT02.2: a TLS session with the CHF using its DeviceCertificate (base64 DER). */
  openTlsSession(chf: string, deviceCertificate: string, at: StepRef): Promise<HeadEndResult<ChannelHandle>>;

  /** Appendix C (GroupID DA): the DCC addresses a device by its Device ID through the CHF. */
  openDeviceSession(chf: string, deviceId: string, at: StepRef): Promise<HeadEndResult<ChannelHandle>>;

  /** A1 ET05.2, A2 GT01.3, B2 ET01.3, B3 GT01.3, C2 GT01.1: the CHF Whitelist (over a CHF channel). */
  readChfWhitelist(channel: ChannelHandle, at: StepRef): Promise<HeadEndResult<WhitelistEntry[]>>;

  /** The serial number of the channel's device, or of `target` reached through it (the GSME via its GPF). */
  readSerialNumber(channel: ChannelHandle, at: StepRef, target?: string): Promise<HeadEndResult<string>>;

  /** Payment Mode (SMETS1 meaning) of the channel's meter or of `target` (the GSME via its GPF). */
  readPaymentMode(channel: ChannelHandle, at: StepRef, target?: string): Promise<HeadEndResult<PaymentMode>>;

  /** The UTRN Meter ID of a prepayment meter (A1 ET07.5, A2 GT02.5). */
  readUtrnMeterId(channel: ChannelHandle, at: StepRef, target?: string): Promise<HeadEndResult<string>>;

  /** Appendix C ET01.2 / GT02.2: ensure VendPriceChangeHANLimit is zero (set it if not). */
  setVendPriceChangeHanLimit(
    channel: ChannelHandle,
    value: number,
    at: StepRef,
    target?: string,
  ): Promise<HeadEndResult<void>>;

  /** A1 ET07 (Management AA), C1 ET01.3: an 'Add Credit' instruction; resolves with the device's response. */
  addCredit(
    channel: ChannelHandle,
    amountPence: number,
    at: StepRef,
    target?: string,
  ): Promise<HeadEndResult<{ accepted: boolean }>>;

  /** A5 ET08.3, B6 ET06 / ET09: ask the device to change to a new key carried protected. */
  changeKey(
    channel: ChannelHandle,
    instruction: KeyChangeInstruction,
    at: StepRef,
  ): Promise<HeadEndResult<void>>;

  /** B6 ET04.1, .2, .4: configure a security setting over Application Association G (HLS). */
  configureSecurity(
    channel: ChannelHandle,
    setting: SecurityConfiguration,
    at: StepRef,
  ): Promise<HeadEndResult<void>>;

  /** B6 ET04.3: read back whether write access without HLS is restricted. */
  readNonHlsWriteAccessRestricted(channel: ChannelHandle, at: StepRef): Promise<HeadEndResult<boolean>>;

  /** Close a channel (an open channel left behind is the device's burden, not an error). */
  close(channel: ChannelHandle, at: StepRef): Promise<HeadEndResult<void>>;

  /** Appendix C GT04 / ET04 and GT06.3 / ET06.3: send a DCO authorising instruction to the device. */
  sendSuaInstruction(
    chf: string,
    deviceId: string,
    instruction: Uint8Array,
    at: StepRef,
  ): Promise<HeadEndResult<SuaDeviceKey>>;

  /** Appendix C GT06.1 / ET06.1: read the device's public key and its signature. */
  readSuaDeviceKey(chf: string, deviceId: string, at: StepRef): Promise<HeadEndResult<SuaDeviceKey>>;

  /** TMAD 12.10.3, 15.10.4: restore WAN communication between the installation and the SMSO. */
  restoreWanToSmso(chf: string): Promise<HeadEndResult<void>>;

  /** TMAD 15.10.3 (certificates of 5.1(c)): reinstate the SMSO's certificates on the devices. */
  reinstateSmsoCertificates(
    chf: string,
    certificates: readonly RollbackCertificate[],
  ): Promise<HeadEndResult<void>>;

  /** TMAD 16.11.1: revert control of the installation to the SMSO. */
  revertControlToSmso(chf: string): Promise<HeadEndResult<void>>;
}

/**
 * TMAD 3.3(a), Appendix A A4 / B5 / C4 DP01: the S1SP instructs the DCC to add the CHF to the Smart
 * Metering Inventory (the CHF is added by the S1SP only). Success only when its SMI status is
 * 'Commissioned' (12.9.7, 15.9.6, 16.10.3).
 */
export interface SmiChfRequests {
  addChf(request: {
    chfDeviceId: string;
    deviceModel?: string;
    deviceManufacturer?: string;
    firmwareVersion?: string;
  }): Promise<{ ok: true; status: string } | { ok: false; reason: string }>;
}

export * from './sua-instruction.js';
