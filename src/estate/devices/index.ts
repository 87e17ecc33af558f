// The simulated SMETS1 estate behind the head-end port (docs/S1SP-COMMISSIONING.md).
import type { EstatePlan } from '../estate.js';
import type { SimulatedInstallationInput } from './simulated-estate.js';

export * from './faults.js';
export * from './simulated-estate.js';

/** The devices of a planned estate (src/estate/estate.ts): every SMSO installation with its GroupID. */
export function simulatedInstallationsOf(plan: EstatePlan): SimulatedInstallationInput[] {
  const groupOf = new Map(plan.records.map((r) => [r.chfDeviceId, r.groupId]));
  const out: SimulatedInstallationInput[] = [];
  for (const { installations, keyMaterial } of plan.smsos.values()) {
    const keys = new Map(keyMaterial.map((k) => [k.chfDeviceId, k]));
    for (const installation of installations) {
      const groupId = groupOf.get(installation.chfDeviceId);
      const km = keys.get(installation.chfDeviceId);
      if (groupId && km) out.push({ groupId, installation, keyMaterial: km });
    }
  }
  return out;
}
