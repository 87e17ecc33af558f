// s1mig dco receive | status | tick: the DCO (TMAD 5.13-5.21; docs/DCO.md). Thin: parse options, call
// src/dco, print.
import type { Command } from 'commander';
import { configuration } from '../../config.js';
import { loadTrustStore } from '../../files/trust-store.js';
import { openStore } from '../../store/index.js';
import {
  Dco,
  DcoKeyError,
  DcoUsageError,
  loadDcoKeys,
  type DcoReceipt,
  type DcoPrivateKey,
} from '../../dco/index.js';
import {
  EXIT,
  UsageError,
  commandGroup,
  jsonPerFile,
  parseInstant,
  printJson,
  printLines,
  requireFile,
  setExit,
} from '../io.js';

function describeReceipt(r: DcoReceipt): string[] {
  const set = r.set ? ` (set ${r.set.requestingPartyId}/${r.set.mcfCounter}/${r.set.groupId})` : '';
  const head = `${r.file}: ${r.fileType ?? 'file'} ${r.outcome.toUpperCase()}${set}`;
  const out = [head];
  if (r.outcome === 'refused') out.push(`  ${r.reason ?? ''} (${r.clause ?? ''})`);
  if (r.incidentId !== null) out.push(`  Incident ${r.incidentId} raised`);
  if (r.outcome === 'refused' && r.disposition) out.push(`  ${r.disposition}`);
  if (r.viable) {
    out.push(`  DCO Viable Installations (TMAD 5.19): ${r.viable.length}`);
    for (const n of r.notViable ?? [])
      out.push(`  not viable ${n.chfIdentifier}: ${n.failures.map((f) => f.message).join('; ')}`);
  }
  return out;
}

async function withDco<T>(
  o: { keys?: string; trust?: string; requireCrl?: boolean; discardTo?: string },
  work: (dco: Dco) => Promise<T>,
): Promise<T> {
  let keys: DcoPrivateKey[] = [];
  if (o.keys !== undefined)
    keys = await loadDcoKeys(o.keys).catch((e: Error) => {
      throw new UsageError(
        e instanceof DcoKeyError ? `--keys ${e.message}` : `--keys ${o.keys}: ${e.message}`,
      );
    });
  const trust =
    o.trust !== undefined
      ? await loadTrustStore(o.trust).catch((e: Error) => {
          throw new UsageError(`--trust ${o.trust}: ${e.message}`);
        })
      : undefined;
  const store = await openStore();
  try {
    const dco = new Dco({
      store,
      keys,
      passphrase: configuration().keyPassphrase,
      ...(trust ? { trust } : {}),
      ...(o.requireCrl === false ? { requireCrl: false } : {}),
      ...(o.discardTo ? { discardTo: o.discardTo } : {}),
    });
    return await work(dco);
  } catch (e) {
    if (e instanceof DcoUsageError) throw new UsageError(e.message);
    throw e;
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const dco = commandGroup(program, 'dco');
  dco
    .command('receive')
    .description(
      'Receive MCF, MVF and MEF files as the DCO (TMAD 5.11, 5.13, 5.15): authenticate each (Table 5.9, the ' +
        "DCO's own Stored Counters), decrypt an MEF's EncryptedMasterKey (DA: EncryptedSUAKey) with the DCO key of " +
        'its GroupID chosen by Key Identifier and valid on --at (5.1(a)), keep the keys sealed at rest, and decide ' +
        'the DCO Viable Installations when a DCO Required File Set is complete within 24 hours of its MVF (5.18, ' +
        '5.19). A file that fails is discarded (--discard-to) and raises an Incident. Exit 0 all kept, 1 any refused, 2 usage',
    )
    .argument('<files...>', 'the signed files, received in the order given')
    .requiredOption(
      '--keys <dir>',
      "the DCO's key directory: DCO-MasterKey-<GroupID>.notice / .key.pem, DCO-SUAKey-DA.* (an estate's group-keys/)",
    )
    .option(
      '--trust <dir|pem>',
      'trusted CA certificates, CRLs and Organisation Certificates; default $S1MIG_TRUST',
    )
    .option('--at <time>', 'the time of receipt, ISO 8601 (default now; no offset = UTC)')
    .option('--no-require-crl', "5.9.4: accept the signer's certificate without a CRL of its issuer")
    .option('--discard-to <dir>', 'move a refused file here with its verdict beside it (TMAD 5.9, 5.15(b))')
    .option('--json', 'print each receipt as JSON (several files: JSON Lines)')
    .action(
      async (
        files: string[],
        o: {
          keys: string;
          trust?: string;
          at?: string;
          requireCrl: boolean;
          discardTo?: string;
          json?: boolean;
        },
      ) => {
        const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        for (const f of files) await requireFile(f, 'signed XML file');
        const trust = o.trust ?? configuration().trust;
        if (!trust) throw new UsageError('--trust <dir|pem> is required (or set S1MIG_TRUST)');
        const emit = jsonPerFile(files.length);
        const receipts = await withDco({ ...o, trust }, async (d) => {
          const out: DcoReceipt[] = [];
          for (const f of files) {
            const r = await d.receive(f, now);
            out.push(r);
            if (o.json) await emit(r);
            else printLines(...describeReceipt(r));
          }
          return out;
        });
        setExit(receipts.every((r) => r.outcome !== 'refused') ? EXIT.OK : EXIT.INVALID);
      },
    );
  dco
    .command('status')
    .description(
      "The DCO's Required File Sets (TMAD 5.16-5.19): files received, the running timers and their deadlines, " +
        'the DCO Viable Installations and those that are not, and what was discarded',
    )
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const sets = await withDco({}, (d) => d.status());
      if (o.json) return printJson({ sets });
      if (sets.length === 0) return printLines('no DCO Required File Sets');
      for (const s of sets) {
        const files = (['MCF', 'MVF', 'MEF'] as const).map(
          (t) => `${t} ${s.files[t] ? s.files[t].receivedAt : '-'}`,
        );
        printLines(`${s.requestingPartyId}/${s.mcfCounter}/${s.groupId}: ${s.state}; ${files.join(', ')}`);
        if (s.timers.completeBy) printLines(`  complete by ${s.timers.completeBy} (TMAD 5.18)`);
        if (s.timers.firstRequestBy)
          printLines(`  first S1SP request by ${s.timers.firstRequestBy} (TMAD 5.16)`);
        if (s.timers.unrequestedDiscardAt)
          printLines(
            `  never-requested installations discarded at ${s.timers.unrequestedDiscardAt} (TMAD 5.17)`,
          );
        if (s.discarded)
          printLines(
            `  discarded ${s.discarded.at}: ${s.discarded.reason ?? ''} (${s.discarded.clause ?? ''})`,
          );
        if (s.state === 'complete')
          printLines(
            `  DCO Viable Installations: ${s.viable.length}; not viable: ${s.notViable.length}; removed: ${s.removed.length}`,
          );
      }
    });
  dco
    .command('tick')
    .description(
      'Run the DCO timers at --at (TMAD 5.16 192 hours, 5.17 60 days, 5.18 24 hours): discard what expired and delete its key material',
    )
    .requiredOption('--at <time>', 'the time, ISO 8601 (no offset = UTC)')
    .option('--json', 'print as JSON')
    .action(async (o: { at: string; json?: boolean }) => {
      const now = parseInstant(o.at, '--at');
      const actions = await withDco({}, (d) => d.tick(now));
      if (o.json) return printJson({ at: now.toISOString(), actions });
      if (actions.length === 0) return printLines(`${now.toISOString()}: nothing expired`);
      for (const a of actions)
        printLines(
          `${a.set.requestingPartyId}/${a.set.mcfCounter}/${a.set.groupId}: ${a.action}: ${a.reason} (${a.clause}); ${a.keysDeleted} key(s) deleted`,
        );
    });
}
