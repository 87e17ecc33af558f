// The S1SP's commissioning (TMAD 5.27) against the simulated SMETS1 devices of a generated estate, with
// the DCO (src/dco) over the store: what `s1mig s1sp commission` runs by hand after `s1mig dco receive`
// and `s1mig s1sp receive` (docs/S1SP-COMMISSIONING.md). The week's stage s1sp-commission builds the
// same from its run directory (src/orchestrator/week/commission-stage.ts).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Dco, loadDcoKeys } from '../dco/index.js';
import { planEstate, type EstateProblem } from '../estate/estate.js';
import {
  createSimulatedEstate,
  parseFaultRule,
  simulatedInstallationsOf,
  type FaultRule,
} from '../estate/devices/index.js';
import { createCommissioner } from '../s1sp/commissioning/index.js';
import { createStoredKeyStore } from '../s1sp/commissioning/key-store.js';
import type { CommissionInstallation } from '../s1sp/commissioning-contract.js';
import type { DcoRequests } from '../core/dco-requests/index.js';
import type { Store } from '../store/index.js';

export class EstateCommissioningError extends Error {
  override name = 'EstateCommissioningError';
}

/** Parse fault rules (`CODE[.SUBSTEP][@RATE|@chf=ID]`); the first problem is an EstateCommissioningError. */
export function faultRulesOf(texts: readonly string[]): FaultRule[] {
  return texts.map((t) => {
    const r = parseFaultRule(t);
    if (typeof r === 'string') throw new EstateCommissioningError(`fault rule '${t}': ${r}`);
    return r;
  });
}

/**
 * The S1SP's commissioner over the simulated devices of the estate in `estateDir` (those of the CHFs
 * given, else all), and the DCO answering its requests with the estate's DCO group keys.
 */
export async function estateCommissioning(o: {
  store: Store;
  estateDir: string;
  passphrase: string | undefined;
  now: () => Date;
  faults?: readonly FaultRule[];
  chfs?: ReadonlySet<string>;
}): Promise<{ commission: CommissionInstallation; dco: DcoRequests }> {
  const manifestFile = path.join(o.estateDir, 'manifest.json');
  let manifest: {
    seed: string;
    installations: number;
    problems: Record<string, { share: number }>;
  };
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as typeof manifest;
  } catch (e) {
    throw new EstateCommissioningError(
      `${manifestFile}: ${(e as Error).message} (expected the manifest of an estate written by \`s1mig estate generate\`)`,
    );
  }
  if (typeof manifest.seed !== 'string' || !Number.isSafeInteger(manifest.installations))
    throw new EstateCommissioningError(`${manifestFile}: expected a seed and a number of installations`);
  const problems: Partial<Record<EstateProblem, number>> = {};
  for (const [k, v] of Object.entries(manifest.problems ?? {}))
    if (v.share > 0) problems[k as EstateProblem] = v.share;
  const plan = planEstate({ installations: manifest.installations, seed: manifest.seed, problems });
  // The MGF's DeviceCertificate (EA, EB, EC) is the CHF's own (docs/RP-GROUP-FILES.md).
  const certs = new Map<string, string>();
  const details = await readFile(path.join(o.estateDir, 'requesting-party', 'chf-details.csv'), 'utf8');
  for (const line of details.split('\n').slice(1)) {
    const f = line.split(',');
    if (f.length >= 7 && f[6]) certs.set(f[0]!, f[6]);
  }
  const estate = createSimulatedEstate({
    seed: manifest.seed,
    now: o.now,
    faults: [...(o.faults ?? [])],
    installations: simulatedInstallationsOf(plan)
      .filter((i) => !o.chfs || o.chfs.has(i.installation.chfDeviceId))
      .map((i) =>
        /^E[ABC]$/.test(i.groupId) && certs.has(i.installation.chfDeviceId)
          ? { ...i, deviceCertificate: certs.get(i.installation.chfDeviceId)! }
          : i,
      ),
  });
  const dco = new Dco({
    store: o.store,
    keys: await loadDcoKeys(path.join(o.estateDir, 'group-keys'), o.passphrase),
    trust: await o.store.reference.data.trustStore(),
    passphrase: o.passphrase,
    clock: o.now,
  });
  const commission = createCommissioner({
    headEnd: estate.headEnd,
    inventory: estate.inventory,
    keyStore: createStoredKeyStore(o.store.s1spKeys),
    passphrase: o.passphrase,
  });
  return { commission, dco };
}
