// The SMSO's side of an e2e chain made from an MCF: its inventory (docs/SMSO.md) and key material
// CSV for the MCF's installations, the list of installations, and the Requesting Party's CHF details
// (docs/RP-GROUP-FILES.md), as `s1mig smso import` and `s1mig rp build-group-files` read them. Key
// values are random; the group keys are made by openssl (writeGroupKeyNotices).
import { createECDH, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { iterateMigrationFile, type McfInstallation } from '../../src/core/formats/migration-files/index.js';
import { writeSmsoInventoryCsv, type SmsoInstallation } from '../../src/core/formats/smso/index.js';

const hex = (n: number): string => randomBytes(n).toString('hex').toUpperCase();
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** TMAD 5.1(a): the S1SP, DCO and SUA group keys (RSA-2048, openssl) and their notices, valid around `atMs`. */
export function writeGroupKeyNotices(dir: string, atMs: number): void {
  for (const [k, purpose] of [
    ['s1sp', 'S1SP-GroupInformation'],
    ['dco', 'DCO-MasterKey'],
    ['sua', 'DCO-SUAKey'],
  ] as const) {
    const key = path.join(dir, `${k}.key`);
    execFileSync(
      'openssl',
      ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key],
      {
        stdio: 'ignore',
      },
    );
    const pub = execFileSync('openssl', ['pkey', '-in', key, '-pubout']).toString();
    writeFileSync(
      path.join(dir, `${k}.notice`),
      `Purpose: ${purpose}\nValid-From: ${day(atMs - 30 * 86_400_000)}\nValid-To: ${day(atMs + 365 * 86_400_000)}\n${pub}`,
    );
  }
}

export async function mcfInstallations(mcf: string): Promise<McfInstallation[]> {
  const out: McfInstallation[] = [];
  for await (const item of iterateMigrationFile(readFileSync(mcf)))
    if (item.kind === 'installation') out.push(item.installation as McfInstallation);
  return out;
}

export interface SmsoFilesOptions {
  /** The CHF's last WAN contact per installation (ms; null: never). */
  wanContact: (k: number) => number | null;
  /** Put the MCF's PPMIDs into the inventory (with their own Master Key). Default true. */
  ppmid?: boolean;
  /** A key the SMSO does not hold (to make a hand-over fail). */
  omitKey?: (k: number, deviceType: string, keyName: string) => boolean;
  /** The CHF device certificate (base64 DER) of the CHF details; default none. */
  chfCertificate?: string;
}

/** Write inventory.csv, keys.csv, installations.txt and chf.csv into `out`; returns the CHF Device IDs. */
export function writeSmsoFiles(installations: McfInstallation[], out: string, o: SmsoFilesOptions): string[] {
  const inv: SmsoInstallation[] = [];
  const keys: string[] = ['chf_device_id,device_type,device_id,key_name,value'];
  const assoc = ['DataCollection', 'ExtendedDataCollection', 'Management', 'Firmware'].flatMap((a) => [
    `${a}Association.AuthenticationKey`,
    `${a}Association.EncryptionKey`,
  ]);
  installations.forEach((m, k) => {
    const chf = m.chfDetail.deviceId;
    const dev = (deviceType: SmsoInstallation['devices'][number]['deviceType'], d: typeof m.chfDetail) => ({
      deviceType,
      deviceId: d.deviceId,
      manufacturer: d.deviceDetail.deviceManufacturer,
      model: d.deviceDetail.deviceModel,
      firmwareVersion: d.deviceDetail.firmwareVersion,
      serialNumber: `SN-${deviceType}-${k}`,
      status: deviceType === 'ESME' || deviceType === 'GSME' ? ('Active' as const) : null,
      hanJoinedAt: deviceType === 'CHF' ? null : '2020-01-01T00:00:00Z',
    });
    const devices = [dev('CHF', m.chfDetail), dev('ESME', m.esmeDetail), dev('GPF', m.gpfDetail)];
    if (m.gsmeDetail) devices.push(dev('GSME', m.gsmeDetail));
    if (m.ppmidDetail && o.ppmid !== false) devices.push(dev('PPMID', m.ppmidDetail));
    const c = o.wanContact(k);
    inv.push({
      chfDeviceId: chf,
      mpan: m.esmeDetail.importMpan,
      mprn: m.gsmeDetail?.mprn ?? null,
      lastWanContactAt: c === null ? null : iso(c),
      unsolicitedHalfHourlyData: false,
      devices,
    });
    const master = hex(16);
    const row = (t: string, id: string, name: string, v: string) => {
      if (!o.omitKey?.(k, t, name)) keys.push(`${chf},${t},${id},${name},${v}`);
    };
    for (const d of devices) {
      if (d.deviceType !== 'GSME' && d.deviceType !== 'PPMID')
        row(d.deviceType, d.deviceId, 'MasterKey', master);
      if (d.deviceType === 'PPMID') row('PPMID', d.deviceId, 'MasterKey', hex(16));
      else for (const a of assoc) row(d.deviceType, d.deviceId, a, hex(16));
      if (d.deviceType === 'ESME' || d.deviceType === 'GSME') {
        row(d.deviceType, d.deviceId, 'PrepaymentKey', hex(16));
        const ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
        row(d.deviceType, d.deviceId, 'SUAKey', hex(16));
        row(d.deviceType, d.deviceId, 'SUAPublicKey', ecdh.getPublicKey('hex', 'uncompressed').toUpperCase());
      }
      if (d.deviceType === 'ESME') {
        row('ESME', d.deviceId, 'HighLevelAssociation.AuthenticationKey', hex(16));
        row('ESME', d.deviceId, 'HighLevelAssociation.EncryptionKey', hex(16));
      }
    }
  });
  writeFileSync(path.join(out, 'inventory.csv'), writeSmsoInventoryCsv(inv));
  writeFileSync(path.join(out, 'keys.csv'), keys.join('\n') + '\n');
  writeFileSync(path.join(out, 'installations.txt'), inv.map((i) => i.chfDeviceId).join('\n') + '\n');
  writeFileSync(
    path.join(out, 'chf.csv'),
    'chf_device_id,imsi,ip_addr,dns_server,ping_server,previous_apn,device_certificate\n' +
      inv
        .map(
          (i, k) =>
            `${i.chfDeviceId},23410${String(k).padStart(10, '0')},10.0.0.${k + 1},,,apn.example,${o.chfCertificate ?? ''}`,
        )
        .join('\n') +
      '\n',
  );
  return inv.map((i) => i.chfDeviceId);
}

/** The base64 DER of a PEM certificate file (for the CHF details' device certificate column). */
export function certificateBase64(pemFile: string): string {
  return readFileSync(pemFile, 'latin1').replace(/-----[A-Z ]+-----|\s/g, '');
}
