// The simulated estate (issue #11, `s1mig estate generate`): the same seed gives the same data bytes;
// each planted problem's share is honoured and can be found in the data files themselves (read back
// with plain CSV splitting, not with the plan); all eight GroupIDs appear and every clean installation's
// models are on an EPC entry of its GroupID and SMSO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ESTATE_PROBLEM_NAMES,
  GROUP_SMSO,
  UNLISTED_FIRMWARE,
  checkProblemShares,
  planEstate,
  type EstateProblem,
} from '../../src/estate/estate.js';
import { writeEstate } from '../../src/estate/write-estate.js';
import { parseProblemShares } from '../../src/cli/commands/estate.js';
import { renderMigrationAuthorisation } from '../../src/core/formats/ma/writer.js';
import { validateMigrationAuthorisation } from '../../src/core/formats/ma/validator.js';
import { GROUP_IDS } from '../../src/core/ids/reference.js';

/** RFC 4180 line split (our files quote only issuer names). */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
function table(text: string): Array<Record<string, string>> {
  const [head, ...rows] = text.trimEnd().split('\n');
  const cols = fields(head!);
  return rows.map((l) => Object.fromEntries(fields(l).map((v, i) => [cols[i]!, v])));
}

const SHARES: Record<EstateProblem, number> = {
  'unknown-model': 0.02,
  'in-smi': 0.01,
  'wrong-supplier': 0.03,
  'revoked-certificate': 0.015,
  'change-of-supplier': 0.025,
  dormant: 0.05,
  'split-supply': 0.04,
  'stale-wan': 0.02,
};

test('estate: each planted problem share is honoured at N=2000 and found in the data files (issue #11)', () => {
  const N = 2000;
  const plan = planEstate({ installations: N, seed: 'shares', problems: SHARES });
  const asOf = plan.asOf.getTime();
  const products = new Set(
    table(plan.reference.products!).map((r) => `${r['Manufacturer']}|${r['Model']}|${r['Firmware Version']}`),
  );
  const smi = new Set(table(plan.reference.smi!).map((r) => r['Device ID']));
  const reg = table(plan.reference.registration!);
  const importSuppliers = new Map<string, string[]>();
  const gasSuppliers = new Map<string, string>();
  for (const r of reg) {
    if (r['Role'] === 'ImportSupplier')
      importSuppliers.set(r['Meter Point']!, [
        ...(importSuppliers.get(r['Meter Point']!) ?? []),
        r['Party']!,
      ]);
    if (r['Role'] === 'GasSupplier') gasSuppliers.set(r['Meter Point']!, r['Party']!);
  }
  const found: Record<EstateProblem, Set<string>> = Object.fromEntries(
    ESTATE_PROBLEM_NAMES.map((p) => [p, new Set<string>()]),
  ) as Record<EstateProblem, Set<string>>;
  const byMpan = new Map<string, string>(); // MPAN → CHF
  const byMprn = new Map<string, string>();
  for (const s of plan.smsos.values())
    for (const i of s.installations) {
      byMpan.set(i.mpan!, i.chfDeviceId);
      if (i.mprn) byMprn.set(i.mprn, i.chfDeviceId);
      const esme = i.devices.find((d) => d.deviceType === 'ESME')!;
      if (!products.has(`${esme.manufacturer}|${esme.model}|${esme.firmwareVersion}`))
        found['unknown-model'].add(i.chfDeviceId);
      if (i.devices.some((d) => smi.has(d.deviceId))) found['in-smi'].add(i.chfDeviceId);
      if (i.devices.filter((d) => d.status !== null).every((d) => d.status === 'Dormant'))
        found.dormant.add(i.chfDeviceId);
      if (i.lastWanContactAt === null || Date.parse(i.lastWanContactAt) < asOf - 7 * 86_400_000)
        found['stale-wan'].add(i.chfDeviceId);
      if ((importSuppliers.get(i.mpan!) ?? []).length > 1) found['change-of-supplier'].add(i.chfDeviceId);
    }
  const revokedSerials = new Set(plan.revoked.map((r) => r.id.serialNumber));
  for (const ma of plan.mas) {
    // The MA as written, read back by the MAM 7.2 validator.
    const report = validateMigrationAuthorisation(
      renderMigrationAuthorisation({
        header: { userId: ma.supplier.userId as never, commissionedByDcc: false, smsoCode: ma.smso },
        rows: ma.rows,
      }),
      { keepRows: true },
    );
    assert.equal(report.valid, true, JSON.stringify(report.errors.slice(0, 3)));
    for (const row of report.authorisation!.rows) {
      if (row.mpan === null) {
        found['split-supply'].add(byMprn.get(row.mprn!)!);
        continue;
      }
      const chf = byMpan.get(row.mpan)!;
      const parties = importSuppliers.get(row.mpan)!;
      if (parties.length === 1 && parties[0] !== ma.supplier.signifier) {
        found['wrong-supplier'].add(chf);
        assert.notEqual(gasSuppliers.get(row.mprn ?? '') ?? '', ma.supplier.signifier);
      }
      if (revokedSerials.has(row.esmeSupplierCritical!.serialNumber)) found['revoked-certificate'].add(chf);
    }
  }
  for (const p of ESTATE_PROBLEM_NAMES) {
    const want = plan.records.filter((r) => r.problems.includes(p)).map((r) => r.chfDeviceId);
    assert.equal(want.length, Math.round(SHARES[p] * N), p);
    assert.ok(Math.abs(found[p].size / N - SHARES[p]) < 0.005, `${p}: ${found[p].size} of ${N}`);
    assert.deepEqual(
      [...found[p]].sort(),
      want.sort(),
      `${p}: the data shows exactly the planted installations`,
    );
  }
  // TMAD 5.2: every GroupID appears; every installation whose models are listed matches an EPC entry.
  const epc = table(plan.reference.epc!);
  assert.deepEqual([...new Set(plan.records.map((r) => r.groupId))].sort(), [...GROUP_IDS].sort());
  for (const s of plan.smsos.values())
    for (const i of s.installations) {
      const rec = plan.records.find((r) => r.chfDeviceId === i.chfDeviceId)!;
      if (rec.problems.includes('unknown-model')) {
        assert.equal(i.devices[1]!.firmwareVersion, UNLISTED_FIRMWARE);
        continue;
      }
      const slot = (t: string) => i.devices.find((d) => d.deviceType === t);
      const m = (t: string) => {
        const d = slot(t);
        return d ? `${d.manufacturer}|${d.model}|${d.firmwareVersion}` : '||';
      };
      const hits = epc.filter((e) =>
        ['CHF', 'ESME', 'GSME', 'PPMID'].every(
          (t) => `${e[`${t} Manufacturer`]}|${e[`${t} Model`]}|${e[`${t} Firmware Version`]}` === m(t),
        ),
      );
      assert.equal(hits.length, 1, i.chfDeviceId);
      assert.equal(hits[0]!['GroupID'], rec.groupId);
      assert.equal(hits[0]!['SMSO'], GROUP_SMSO[rec.groupId]);
      assert.equal(hits[0]!['SMSO'], rec.smso);
    }
});

test('estate: the same seed gives the same plan; another seed another', () => {
  const a = planEstate({ installations: 300, seed: 'x', problems: SHARES });
  const b = planEstate({ installations: 300, seed: 'x', problems: SHARES });
  const c = planEstate({ installations: 300, seed: 'y', problems: SHARES });
  assert.deepEqual(a.reference, b.reference);
  assert.deepEqual(a.records, b.records);
  assert.notDeepEqual(a.reference.registration, c.reference.registration);
});

test('estate: problem shares are checked (unknown name, out of range, sum above 1)', () => {
  assert.equal(checkProblemShares({ dormant: 0.5, 'stale-wan': 0.5 }), null);
  assert.match(checkProblemShares({ dormat: 0.1 })!, /unknown problem 'dormat'/);
  assert.match(checkProblemShares({ dormant: 1.5 })!, /from 0 to 1/);
  assert.match(checkProblemShares({ dormant: 0.6, 'stale-wan': 0.6 })!, /at most 1/);
  assert.deepEqual(parseProblemShares('unknown-model=0.02, in-smi=.01'), {
    'unknown-model': 0.02,
    'in-smi': 0.01,
  });
  assert.throws(() => parseProblemShares('unknown-model'), /name=share/);
  assert.throws(() => planEstate({ installations: 0, seed: 's' }), RangeError);
});

// RSA-2048 generation dominates a small estate's time: these tests reuse a few pairs.
const pool = Array.from({ length: 3 }, () => generateKeyPairSync('rsa', { modulusLength: 2048 }));
const keys = () => {
  let i = 0;
  return () => Promise.resolve(pool[i++ % pool.length]!);
};

function hashTree(dir: string, rels: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    rels.map((r) => [
      r,
      createHash('sha256')
        .update(fs.readFileSync(path.join(dir, r)))
        .digest('hex'),
    ]),
  );
}

test('estate: the same seed writes byte-identical data files (keys and certificates may differ)', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-estate-'));
  try {
    const opts = { installations: 150, seed: 'same', problems: SHARES };
    const a = await writeEstate(path.join(tmp, 'a'), opts, { rsaKeyPair: keys() });
    const b = await writeEstate(path.join(tmp, 'b'), opts, { rsaKeyPair: keys() });
    assert.deepEqual(a.dataFiles, b.dataFiles);
    const rels = Object.keys(a.dataFiles);
    assert.ok(rels.includes('manifest.json'));
    assert.ok(rels.some((r) => r.startsWith('supplier/') && r.includes('/MA_')));
    assert.ok(rels.includes('reference/network-operator-ids.csv'));
    assert.deepEqual(hashTree(path.join(tmp, 'a'), rels), hashTree(path.join(tmp, 'b'), rels));
    // the PKI differs (fresh keys), its Certificate IDs do not
    const pa = fs.readFileSync(path.join(tmp, 'a', 'pki', 'supplier-a', 'supplier-ds.cert.pem'));
    const pb = fs.readFileSync(path.join(tmp, 'b', 'pki', 'supplier-a', 'supplier-ds.cert.pem'));
    assert.notDeepEqual(pa, pb);
    const ja = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'pki', 'parties.json'), 'utf8')) as unknown[];
    const jb = JSON.parse(fs.readFileSync(path.join(tmp, 'b', 'pki', 'parties.json'), 'utf8')) as unknown[];
    assert.deepEqual(ja, jb);
    const c = await writeEstate(path.join(tmp, 'c'), { ...opts, seed: 'other' }, { rsaKeyPair: keys() });
    assert.notEqual(c.dataFiles['reference/registration.csv'], a.dataFiles['reference/registration.csv']);
    await assert.rejects(writeEstate(path.join(tmp, 'a'), opts), /not empty/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
