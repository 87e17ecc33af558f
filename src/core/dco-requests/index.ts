// The agreement between the S1SP and the DCO (TMAD 5.17, 5.20, 5.21; Appendices A, B and C, the
// "DCO checks and processing" column). The two are different parties and never import each other:
// the S1SP holds a `DcoRequests` (in one process an adapter over the DCO party, across machines a
// client of the DCO's service) and the DCO implements it. Pure types: no I/O here.
import type { GroupId } from '../ids/index.js';
import type { EncryptedMasterKey } from '../formats/migration-files/index.js';

/**
 * Names a DCO Required File Set (TMAD 12.5, 13.5, 14.5, 15.5, 16.5): all its files carry the same
 * Migration Header, so the Requesting Party, the MCF counter and the GroupID identify it.
 */
export interface RequiredFileSetRef {
  requestingPartyId: string;
  mcfCounter: bigint;
  groupId: GroupId;
}

/** One SMETS1 Installation of a file set, by its CHFIdentifier (TMAD 5.19, 5.20). */
export interface InstallationRef extends RequiredFileSetRef {
  chfIdentifier: string;
}

/**
 * The DCO's answer to an S1SP request. A refusal names the clause: TMAD 5.20 when the installation
 * is not (or no longer) a DCO Viable Installation, 5.1(a) when the key is outside its dates, or the
 * Appendix step whose DCO processing failed.
 */
export type DcoResponse<T> = { ok: true; value: T } | { ok: false; clause: string; reason: string };

export interface DcoRequests {
  /**
   * Appendix A / B, ET02: the DCO confirms the details are semantically identical to the
   * EncryptedMasterKey of the MEF, decrypts the EncryptedKey, re-encrypts it under its own secret
   * key and returns the digitally signed package the S1SP stores. Starts the 60-day timer of 5.17
   * on the first request for the file.
   */
  processEncryptedMasterKey(
    installation: InstallationRef,
    encryptedMasterKey: EncryptedMasterKey,
  ): Promise<DcoResponse<{ signedPackage: Uint8Array }>>;

  /**
   * Appendix A A5 ET08 and Appendix B ET05: the form of a new key for inclusion in a key change
   * instruction to `deviceId`, created with that device's Master Key (AES key wrap of RFC 3394 in
   * the simulated estate; a real DLMS adapter would use the device's own transport form).
   */
  createKeyChange(
    installation: InstallationRef,
    request: { deviceId: string; associationName: string; newKey: Uint8Array },
  ): Promise<DcoResponse<{ protectedKey: Uint8Array }>>;

  /**
   * Appendix C ET03 / GT03: a Single Use Authorisation for the device with this serial number,
   * from the decrypted EncryptedSUAKey of its SUAKeyDetails, carrying a DCO Public Key. Refused
   * unless the serial number is in a DCO Viable Installation.
   */
  createSuaAuthorisation(
    installation: InstallationRef,
    request: { deviceType: 'ESME' | 'GSME'; serialNumber: string },
  ): Promise<DcoResponse<{ instruction: Uint8Array; dcoPublicKey: Uint8Array }>>;

  /**
   * Appendix C ET06 / GT06: after a failed authorisation, the DCO validates the device's Digital
   * Signature on its public key against the key stored at installation and creates the
   * instruction that rotates the key used to authenticate the DCO's instructions.
   */
  createSuaRotation(
    installation: InstallationRef,
    request: {
      deviceType: 'ESME' | 'GSME';
      serialNumber: string;
      devicePublicKey: Uint8Array;
      deviceSignature: Uint8Array;
      dcoPublicKey: Uint8Array;
    },
  ): Promise<DcoResponse<{ instruction: Uint8Array }>>;

  /**
   * TMAD 5.27 (docs/SPEC-DECISIONS.md): the S1SP starts this installation's commissioning again from
   * its first step, an earlier attempt having stopped before its outcome was known (the S1SP's
   * process ended). The DCO forgets what that attempt changed (the Master Key a B ET05 change made),
   * so the key changes are again created under the Master Key of the MEF.
   */
  commissioningRestarted(installation: InstallationRef): Promise<void>;

  /** TMAD 5.20(b): the S1SP notifies the DCO that the CHF of this installation was commissioned. */
  chfCommissioned(installation: InstallationRef): Promise<void>;

  /**
   * TMAD 5.27(b)(ii), 12.10.1 (and the Installation Rollback tables of 13-16): the installation
   * was rolled back or discarded; the DCO deletes every key and related information it stored.
   */
  installationRolledBack(installation: InstallationRef): Promise<void>;
}
