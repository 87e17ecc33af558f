// What the S1SP stores while it commissions an installation (Appendices A-C: "securely store each key
// and its association with its 'key type', the 'name of Application Association', the Device ID"
// and, where the table says so, the serial number), sealed at rest (src/lib/crypto/seal.ts), and
// deleted on Installation Rollback (12.10.2, 15.10.2) or when 5.27(b)(iii) discards the installation.
import type { InstallationRef } from '../../core/dco-requests/index.js';
import type { StepRef } from '../../core/head-end/index.js';
import type { S1spKeyRepository } from '../../store/index.js';

/** Which key (never its value). */
export interface StoredKeyName {
  deviceId: string;
  /** The Application Association, 'MasterKey', or absent (PrepaymentKey, SUA public keys...). */
  association?: string;
  /** AuthenticationKey, EncryptionKey, PrepaymentKey, PrepaymentWrapperKey, MasterKey, DcoSignedPackage... */
  keyType: string;
}

export interface StoredKeyEntry extends StoredKeyName {
  serialNumber?: string;
  /** The sealed value (`s1seal1.…`): never the plaintext. */
  sealed: string;
  /** The Appendix step that stored it. */
  storedAt: StepRef;
  /** Replaced by a newer key (A5 ET08.5, B6 ET07.2, ET10.3): kept until the installation is done. */
  invalidated?: boolean;
}

/** The S1SP's key store port. `put` and `invalidate` may throw: the step that stores then fails. */
export interface CommissioningKeyStore {
  put(ref: InstallationRef, entry: StoredKeyEntry): Promise<void>;
  /**
   * The current (not invalidated) entry for a key. `at`: the Appendix step that retrieves it (A2 GT01.1,
   * GT02.1, GT02.10; A5 ET08.3; B6 ET04.1), for a store that logs it or (withStoreFaults) fails it.
   */
  get(ref: InstallationRef, name: StoredKeyName, at?: StepRef): Promise<StoredKeyEntry | undefined>;
  /** Invalidate the replaced keys of that name: every entry but the latest. */
  invalidate(ref: InstallationRef, name: StoredKeyName, at: StepRef): Promise<void>;
  /** Every entry of an installation (sealed values only). */
  list(ref: InstallationRef): Promise<StoredKeyEntry[]>;
  /** TMAD 12.10.2 / 15.10.2 / 5.27(b)(iii): delete every key and item of the installation. */
  deleteInstallation(ref: InstallationRef): Promise<void>;
}

export const installationKey = (r: InstallationRef): string =>
  `${r.requestingPartyId}/${r.mcfCounter}/${r.groupId}/${r.chfIdentifier}`;

const same = (a: StoredKeyName, b: StoredKeyName): boolean =>
  a.deviceId === b.deviceId && (a.association ?? '') === (b.association ?? '') && a.keyType === b.keyType;

/** The sealing context (AAD) of a key: a sealed value moved onto another key does not open. */
export const sealContext = (r: InstallationRef, n: StoredKeyName): string =>
  `s1sp/${installationKey(r)}/${n.deviceId}/${n.association ?? '-'}/${n.keyType}`;

/** An in-memory key store (one process; the values in it are sealed). */
export function createMemoryKeyStore(): CommissioningKeyStore & { size(): number } {
  const m = new Map<string, StoredKeyEntry[]>();
  return {
    async put(ref, entry) {
      const k = installationKey(ref);
      const list = m.get(k) ?? [];
      list.push({ ...entry });
      m.set(k, list);
    },
    async get(ref, name) {
      const list = m.get(installationKey(ref)) ?? [];
      return [...list].reverse().find((e) => !e.invalidated && same(e, name));
    },
    async invalidate(ref, name) {
      const matching = (m.get(installationKey(ref)) ?? []).filter((e) => same(e, name));
      for (const e of matching.slice(0, -1)) e.invalidated = true;
    },
    async list(ref) {
      return (m.get(installationKey(ref)) ?? []).map((e) => ({ ...e }));
    },
    async deleteInstallation(ref) {
      m.delete(installationKey(ref));
    },
    size() {
      return m.size;
    },
  };
}

/**
 * A key store whose storing, retrieving and invalidating fail where `fails(ref, at)` says so: the
 * S1SP-only sub-steps of Appendices A-C ("securely store", "retrieve", "invalidate the replaced key")
 * produced on purpose, e.g. from the simulated estate's fault rules
 * (`(ref, at) => sim.faults.storeFails(ref.chfIdentifier, ref.groupId, at)`). A failing call throws, as a
 * real store's would; the step then fails with its error code (context.ts storeKey, invalidateKey).
 */
export function withStoreFaults<S extends CommissioningKeyStore>(
  inner: S,
  fails: (ref: InstallationRef, at: StepRef) => boolean,
): S {
  const refuse = (ref: InstallationRef, at: StepRef, what: string): void => {
    if (fails(ref, at))
      throw new Error(
        `the key store could not ${what} (${at.errorCode}${at.subStep !== undefined ? `.${at.subStep}` : ''})`,
      );
  };
  const overrides: Partial<CommissioningKeyStore> = {
    async put(ref, entry) {
      refuse(ref, entry.storedAt, 'store the key');
      return inner.put(ref, entry);
    },
    async get(ref, name, at) {
      if (at) refuse(ref, at, 'retrieve the key');
      return inner.get(ref, name, at);
    },
    async invalidate(ref, name, at) {
      refuse(ref, at, 'invalidate the replaced key');
      return inner.invalidate(ref, name, at);
    },
  };
  // Every other member (list, deleteInstallation, a store's extras) is the inner store's own.
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides)
        return overrides[prop as keyof CommissioningKeyStore];
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The key store in the project's store (migration 013, `store.s1spKeys`): survives the process, holds
 * the sealed values only (the repository refuses anything else), and `deleteInstallation` removes
 * every row of the installation (12.10.2, 15.10.2, 5.27(b)(iii)).
 */
export function createStoredKeyStore(repo: S1spKeyRepository): CommissioningKeyStore {
  const toName = (n: StoredKeyName) => ({
    deviceId: n.deviceId,
    association: n.association ?? '',
    keyType: n.keyType,
  });
  const toEntry = (r: Awaited<ReturnType<S1spKeyRepository['keys']>>[number]): StoredKeyEntry => ({
    deviceId: r.deviceId,
    ...(r.association !== '' ? { association: r.association } : {}),
    keyType: r.keyType,
    ...(r.serialNumber !== null ? { serialNumber: r.serialNumber } : {}),
    sealed: r.sealed,
    storedAt: r.storedAt as StepRef,
    ...(r.invalidated ? { invalidated: true } : {}),
  });
  return {
    async put(ref, entry) {
      await repo.putKey(ref, {
        ...toName(entry),
        serialNumber: entry.serialNumber ?? null,
        sealed: entry.sealed,
        storedAt: entry.storedAt,
        invalidated: entry.invalidated === true,
      });
    },
    async get(ref, name) {
      const rows = (await repo.keys(ref)).map(toEntry);
      return rows.reverse().find((e) => !e.invalidated && same(e, name));
    },
    async invalidate(ref, name) {
      await repo.invalidateOlder(ref, toName(name));
    },
    async list(ref) {
      return (await repo.keys(ref)).map(toEntry);
    },
    async deleteInstallation(ref) {
      await repo.deleteInstallationKeys(ref);
    },
  };
}
