// The Smart Metering Inventory as the DCC's handling of Commissioning Requests uses it (TMAD 3.3,
// 6.5, Tables 8.7.1, 8.7.3, 6.5). The Device ID, Device Type and status are the store's reference
// registry `smi`; the MPxN, CHF, GPF and Notified Critical Supplier ID learnt from the requests are
// kept beside it (the registry's CSV layout has no columns for them). src/store implements this port.
import type { SmiStatus } from '../reference/registries.js';

export interface InventoryDevice {
  deviceId: string;
  /** ESME, GSME, CHF, GPF, PPMID, IHD, CAD … (the `smi` registry's Device Type). */
  deviceType: string;
  status: SmiStatus;
  /** The MPxN recorded against the Device (Update HAN Device Log ImportMPxN; the GSME's for its GPF). */
  mpxn?: string | null;
  /** The CHF whose HAN Device Log holds the Device. */
  chfDeviceId?: string | null;
  /** A GSME's GPF (Join Service 6.3.17). */
  gpfDeviceId?: string | null;
  /** The Entity Identifier of the supplier certificates a Supplier handover installed (Table 6.5 RequestID). */
  notifiedSupplierId?: string | null;
}

export interface SmartMeteringInventoryPort {
  device(deviceId: string): Promise<InventoryDevice | undefined>;
  /** Add or update the Device (its registry entry and what is kept beside it). */
  put(device: InventoryDevice): Promise<void>;
}

/** An in-memory inventory (tests, dry runs). Device IDs compare case-insensitively. */
export function inMemoryInventory(devices: readonly InventoryDevice[] = []): SmartMeteringInventoryPort & {
  all(): InventoryDevice[];
} {
  const by = new Map<string, InventoryDevice>();
  const key = (id: string): string => id.toUpperCase();
  for (const d of devices) by.set(key(d.deviceId), { ...d });
  return {
    async device(id) {
      const d = by.get(key(id));
      return d ? { ...d } : undefined;
    },
    async put(d) {
      by.set(key(d.deviceId), { ...d });
    },
    all: () => [...by.values()].map((d) => ({ ...d })),
  };
}
