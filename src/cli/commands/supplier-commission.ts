// s1mig supplier commission: TMAD 6.6, the Responsible Supplier commissions the installations of an MCF
// with ToBeCommissionedByDCC = False itself. Thin: parse options, call src/supplier/self-commissioning.ts
// with the DCC's Service Request entry (src/dcc, requester responsible-supplier), print.
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  escapeForTerminal,
  jsonSafe,
  parseInstant,
  printJson,
  printLines,
  requireFile,
} from '../io.js';
import { readCertificateFile } from '../signing-files.js';
import { configuration } from '../../config.js';
import { loadTrustStore } from '../../files/trust-store.js';
import { openStore } from '../../store/index.js';
import {
  commissioningRegistrationOf,
  dccCommissioningRequestPort,
} from '../../dcc/commissioning-requests.js';
import { selfCommission } from '../../supplier/self-commissioning.js';

interface Opts {
  trust?: string;
  supplier?: string;
  requestCert?: string;
  at?: string;
  requireCrl?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  commandGroup(program, 'supplier')
    .command('commission <mcf> <scf...>')
    .description(
      'TMAD 6.6: as the Responsible Supplier of an MCF with ToBeCommissionedByDCC = False, authenticate it and its SCFs ' +
        '(Table 5.9) and send the Table 6.3 requests for its own successful installations, signed with its supplier certificate',
    )
    .requiredOption('--supplier <signifier>', 'the Responsible Supplier (SEC Party Signifier, e.g. SUPA)')
    .requiredOption(
      '--request-cert <pem>',
      "the supplier's digital-signing certificate (Remote Party Role supplier) that verifies its requests",
    )
    .option('--trust <dir|pem>', 'certificates, CAs and CRLs (default S1MIG_TRUST)')
    .option('--at <time>', 'the time (ISO 8601; no offset = UTC; default now)')
    .option('--no-require-crl', "Confirm Validity (5.9.4) without requiring the issuer's CRL")
    .option('--json', 'print JSON')
    .action(async (mcf: string, scfs: string[], o: Opts) => {
      for (const f of [mcf, ...scfs]) await requireFile(f, 'signed XML file');
      const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
      const trustPath = o.trust ?? configuration().trust;
      if (!trustPath) throw new UsageError('--trust <dir|pem> is required (or set S1MIG_TRUST)');
      const trust = await loadTrustStore(trustPath).catch((e: Error) => {
        throw new UsageError(`--trust ${trustPath}: ${e.message}`);
      });
      const requestSigner = await readCertificateFile(o.requestCert!, '--request-cert');
      if (requestSigner.role !== 'supplier' || !requestSigner.entityId)
        throw new UsageError(
          `--request-cert ${o.requestCert}: expected a supplier certificate with an Entity Identifier (Remote Party Role ${requestSigner.role || 'none'})`,
        );
      const selfId = requestSigner.entityId;
      const store = await openStore();
      try {
        const data = store.reference.data;
        const partyOf = async (u: string) => (await data.partyOfUserId(u))?.partySignifier;
        const results = await selfCommission(
          path.resolve(mcf),
          scfs.map((s) => path.resolve(s)),
          {
            trust,
            now,
            ...(o.requireCrl === false ? { requireCrl: false } : {}),
            supplierParty: o.supplier!,
            requestSigner,
            dcc: dccCommissioningRequestPort({
              requester: 'responsible-supplier',
              inventory: store.smartMeteringInventory,
              registration: commissioningRegistrationOf(data),
              now: () => now,
            }),
            supplierPartyOf: partyOf,
            // Table 8.7.4 counters, kept per party (the supplier's Entity ID) in the store.
            nextCounter: (name) => store.commissioningParty.nextCounter(selfId, name),
          },
          { counters: store.counters, incidents: store.incidents, acceptedFiles: store.acceptedFiles },
        );
        if (o.json) printJson(jsonSafe(results.map(({ verdict: _v, ...r }) => r)));
        else
          for (const r of results)
            printLines(
              ...[
                `${r.file}: ${r.accepted ? 'accepted' : 'refused'}${r.rule ? ` — ${r.rule}` : ''}${r.reason ? `: ${r.reason}` : ''}`,
                ...(r.installations ?? []).map(
                  (i) =>
                    `  CHF ${i.chf}: ${i.state}, ${i.requests.length} request(s)` +
                    (i.failedChecks.length
                      ? `, FailedCheck ${i.failedChecks.map((f) => `${f.failedStepNumber} ${f.supportingData?.errorCode ?? ''}`.trim()).join(', ')}`
                      : ''),
                ),
              ].map(escapeForTerminal),
            );
        if (results.some((r) => !r.accepted)) process.exitCode = EXIT.INVALID;
      } finally {
        await store.close();
      }
    });
}
