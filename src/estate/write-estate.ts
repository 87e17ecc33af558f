// Write a planned estate (estate.ts) into a directory: the test PKI with seed-derived serial numbers
// and one revoked certificate per supplier, the reference-data CSVs, the group keys (TMAD 5.1(a)), the
// SMSO inventories and key material, the suppliers' MPxN lists and MAs, and manifest.json. The layout
// is in docs/ESTATE.md.
import { createHash, generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GROUP_IDS, type GroupId } from '../core/ids/reference.js';
import { writeSmsoInventoryCsv } from '../core/formats/smso/inventory.js';
import { writeSmsoKeyMaterialCsv } from '../core/formats/smso/key-material.js';
import { formatGroupKeyNotice, type KeyPurpose } from '../core/formats/smso/group-key.js';
import { writeMigrationAuthorisation } from '../core/formats/ma/writer.js';
import { maFileName } from '../core/formats/ma/file-name.js';
import type { Eui64 } from '../core/ids/eui64.js';
import { headerLine, rowLine, spkiKeyIdentifier, type RegistryName } from '../core/reference/index.js';
import {
  ESTATE_PROBLEMS,
  ESTATE_PROBLEM_NAMES,
  certificateSerialHex,
  planEstate,
  type EstateOptions,
  type EstatePlan,
} from './estate.js';
import {
  initTestPki,
  issueOrganisationCertificate,
  revokeCertificate,
  writePrivateKeyFile,
  ISSUING_CA_NAME,
} from './test-pki.js';

const generateKeyPairAsync = promisify(generateKeyPair);
const DAY = 86_400_000;

export const ESTATE_MANIFEST = 'manifest.json';
export const ESTATE_FORMAT = 's1mig-estate';

export interface WrittenEstate {
  dir: string;
  plan: EstatePlan;
  /** Files whose bytes follow from the options alone (relative path → SHA-256 hex), manifest excluded. */
  dataFiles: Record<string, string>;
  /** Files with keys, certificates or signatures: they differ from run to run. */
  keyFiles: string[];
  /** Milliseconds taken. */
  millis: number;
}

/** Group keys per GroupID (TMAD 5.1(a)): the S1SP's and the DCO's; DA also the DCO's SUA key (11.3B). */
function groupKeyPurposes(g: GroupId): KeyPurpose[] {
  return g === 'DA'
    ? ['S1SP-GroupInformation', 'DCO-MasterKey', 'DCO-SUAKey']
    : ['S1SP-GroupInformation', 'DCO-MasterKey'];
}

/**
 * One row per installation's CHF: IMSI (234 + 12 digits), an IPv4 address, the previous APN and a
 * stand-in DeviceCertificate (Base64 of 96 bytes), each from SHA-256 of the seed and the CHF Device ID.
 */
function chfDetailsCsv(plan: EstatePlan, seed: string): string {
  const lines = ['chf_device_id,imsi,ip_addr,dns_server,ping_server,previous_apn,device_certificate'];
  for (const r of plan.records) {
    const h = createHash('sha256').update(`s1mig estate chf ${seed} ${r.chfDeviceId}`).digest();
    const imsi = '234' + [...h.subarray(0, 12)].map((b) => String(b % 10)).join('');
    const ip = `10.${h[12]}.${h[13]}.${1 + (h[14]! % 254)}`;
    const cert = Buffer.concat([h, createHash('sha256').update(h).digest(), h.subarray(0, 32)]);
    lines.push(
      `${r.chfDeviceId},${imsi},${ip},10.0.0.53,10.0.0.1,smets1.${r.groupId.toLowerCase()}.apn,${cert.toString('base64')}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Generate the estate into `dir` (created; an existing non-empty directory is refused). */
export async function writeEstate(
  dir: string,
  o: EstateOptions,
  io: {
    /** Where the group keys come from (default: fresh RSA-2048 pairs; tests may reuse a few). */
    rsaKeyPair?: () => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;
  } = {},
): Promise<WrittenEstate> {
  const started = Date.now();
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  if (existing.length > 0)
    throw new Error(`${dir} is not empty: an estate is written only into a new directory`);
  const plan = planEstate(o);
  await mkdir(dir, { recursive: true });
  const dataFiles: Record<string, string> = {};
  const keyFiles: string[] = [];
  const write = async (rel: string, text: string, kind: 'data' | 'key', mode = 0o644): Promise<void> => {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx', mode });
    if (kind === 'data') dataFiles[rel] = createHash('sha256').update(text).digest('hex');
    else keyFiles.push(rel);
  };

  // The PKI: its Certificate IDs follow from the seed (the MAs and NO IDs name them); keys do not.
  const pkiDir = path.join(dir, 'pki');
  const pkiNow = new Date(plan.asOf.getTime() - 365 * DAY);
  const { parties } = await initTestPki(pkiDir, {
    now: pkiNow,
    serialOf: (party, role, keyUsage) => certificateSerialHex(o.seed, party, role, keyUsage),
  });
  for (const p of parties)
    for (const c of p.certificates) {
      const want = BigInt(`0x${certificateSerialHex(o.seed, p.name, c.role, c.keyUsage)}`).toString(10);
      if (c.serialNumber !== want || c.issuerName !== ISSUING_CA_NAME)
        throw new Error(`the test PKI issued ${p.name} ${c.role} as ${c.serialNumber} / ${c.issuerName}`);
    }
  const revoked: Array<{ party: string; serialNumber: string; issuerName: string; cert: string }> = [];
  for (const r of plan.revoked) {
    const c = await issueOrganisationCertificate(pkiDir, {
      party: r.party,
      role: 'supplier',
      keyUsage: 'digitalSignature',
      fileName: 'supplier-ds-revoked',
      serialHex: r.serialHex,
      record: false,
      now: pkiNow,
    });
    if (c.serialNumber !== r.id.serialNumber)
      throw new Error(`revoked certificate of ${r.party}: serial differs`);
    await revokeCertificate(pkiDir, path.join(pkiDir, c.cert), { now: pkiNow, at: pkiNow });
    revoked.push({
      party: r.party,
      serialNumber: c.serialNumber,
      issuerName: c.issuerName,
      cert: `pki/${c.cert}`,
    });
  }

  for (const [registry, text] of Object.entries(plan.reference) as Array<[RegistryName, string]>)
    await write(`reference/${registry}.csv`, text, 'data');

  // Group keys (TMAD 5.1(a)): the notices the SMSO encrypts to, the private keys their holders keep.
  const keyRows: string[] = [];
  const jobs = GROUP_IDS.flatMap((g) => groupKeyPurposes(g).map((purpose) => ({ g, purpose })));
  const rsa = io.rsaKeyPair ?? (() => generateKeyPairAsync('rsa', { modulusLength: 2048 }));
  const pairs = await Promise.all(jobs.map(() => rsa()));
  for (const [i, { g, purpose }] of jobs.entries()) {
    const { publicKey, privateKey } = pairs[i]!;
    const validFrom = '2020-01-01';
    const validTo = '2030-12-31';
    await write(
      `group-keys/${purpose}-${g}.notice`,
      formatGroupKeyNotice({ purpose, validFrom, validTo, groupIds: [g], publicKey }),
      'key',
    );
    const keyFile = path.join(dir, 'group-keys', `${purpose}-${g}.key.pem`);
    await writePrivateKeyFile(keyFile, privateKey);
    keyFiles.push(`group-keys/${purpose}-${g}.key.pem`);
    const der = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const kid = spkiKeyIdentifier(der);
    if (!kid.ok) throw new Error(kid.error);
    keyRows.push(
      rowLine([
        kid.value,
        purpose.startsWith('S1SP') ? 'S1SP' : 'DCO',
        g,
        purpose === 'DCO-SUAKey' ? 'SUAKeyDetails' : '',
        validFrom,
        validTo,
        Buffer.from(der).toString('base64'),
      ]),
    );
  }
  await write('reference/group-keys.csv', [headerLine('group-keys'), ...keyRows].join('\n') + '\n', 'key');

  for (const [code, s] of plan.smsos) {
    if (s.installations.length === 0) continue;
    await write(`smso/${code}/inventory.csv`, writeSmsoInventoryCsv(s.installations), 'data');
    await write(`smso/${code}/keys.csv`, writeSmsoKeyMaterialCsv(s.keyMaterial), 'data', 0o600);
  }

  // The Requesting Party's CHF details for the MGF (docs/RP-GROUP-FILES.md): SIM and certificate data
  // the SMSO inventory does not hold, derived from the CHF Device ID (reproducible).
  await write('requesting-party/chf-details.csv', chfDetailsCsv(plan, o.seed), 'data');

  // The suppliers' MPxN lists (`s1mig ma build --mpxns`) and their MAs (MAM 7.2), written by the core
  // writer, which validates them first. The file name's time is 09:00 UTC on the estate's day.
  const maAt = new Date(
    Date.UTC(plan.asOf.getUTCFullYear(), plan.asOf.getUTCMonth(), plan.asOf.getUTCDate(), 9),
  );
  const mas: Array<{ supplier: string; smso: string; file: string; mpxns: string; rows: number }> = [];
  for (const ma of plan.mas) {
    const mpxns = `supplier/${ma.supplier.name}/mpxns-${ma.smso}.csv`;
    await write(
      mpxns,
      'mpan,mprn\n' + ma.rows.map((r) => `${r.mpan ?? ''},${r.mprn ?? ''}\n`).join(''),
      'data',
    );
    const file = `supplier/${ma.supplier.name}/${maFileName(ma.smso, ma.supplier.userId as Eui64, maAt)}`;
    await write(
      file,
      writeMigrationAuthorisation({
        header: {
          userId: ma.supplier.userId as Eui64,
          commissionedByDcc: ma.supplier.commissionedByDcc,
          smsoCode: ma.smso,
        },
        rows: ma.rows,
      }),
      'data',
    );
    mas.push({ supplier: ma.supplier.name, smso: ma.smso, file, mpxns, rows: ma.rows.length });
  }

  const manifest = {
    format: ESTATE_FORMAT,
    version: 1,
    seed: o.seed,
    installations: plan.records.length,
    asOf: plan.asOf.toISOString(),
    // The planted problems hold for a pipeline run from asOf to 4 days after it: a clean installation's
    // last WAN contact is at most 3 days old (TMAD 5.12 asks for 7), a change of supplier lies 7-14
    // days ahead (5.10.10 looks 14 days ahead); the others never expire.
    validUntil: new Date(plan.asOf.getTime() + 4 * DAY).toISOString(),
    migrationWeek: plan.migrationWeek,
    problems: Object.fromEntries(
      ESTATE_PROBLEM_NAMES.map((p) => [
        p,
        { clause: ESTATE_PROBLEMS[p], share: o.problems?.[p] ?? 0, count: plan.counts[p] },
      ]),
    ),
    suppliers: plan.suppliers,
    smsos: [...plan.smsos].map(([code, s]) => ({
      code,
      groupIds: GROUP_IDS.filter((g) => plan.records.some((r) => r.smso === code && r.groupId === g)),
      installations: s.installations.length,
      inventory: `smso/${code}/inventory.csv`,
      keys: `smso/${code}/keys.csv`,
    })),
    migrationAuthorisations: mas,
    revokedCertificates: revoked,
    dataFiles: Object.fromEntries(Object.entries(dataFiles).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    keyFiles: ['pki/', ...keyFiles.sort()],
    records: plan.records,
  };
  // The manifest names data files only (and the revoked serials, which follow from the seed): it is
  // itself byte-identical for the same options.
  await write(ESTATE_MANIFEST, JSON.stringify(manifest, null, 1) + '\n', 'data');
  return { dir, plan, dataFiles, keyFiles, millis: Date.now() - started };
}
