// s1mig incidents: the Incidents recorded by the authenticator and later steps (TMAD 3.5).
import type { Command } from 'commander';
import { commandGroup, parseInstant, printJson, printLines } from '../io.js';
import { openStore } from '../../store/index.js';
import { INCIDENT_CATEGORIES } from '../../core/incidents/index.js';
import { AUTHENTICATORS, PARTY_ALIASES, parseAuthenticatorParty } from '../../core/authentication/index.js';

export function register(program: Command): void {
  commandGroup(program, 'incidents')
    .command('list', { isDefault: true })
    .description(
      'List recorded Incidents (TMAD 3.5): category, target response and resolution times, the step that failed ' +
        '(e.g. a file discarded at TMAD 5.9.x) and the party that raised it',
    )
    .option(
      '--party <name>',
      `only Incidents raised by this party (${AUTHENTICATORS.join(', ')}; short form ${Object.keys(PARTY_ALIASES).join(', ')})`,
    )
    .option('--since <iso>', 'only Incidents raised at or after this time')
    .option('--json', 'print JSON')
    .action(async (o: { party?: string; since?: string; json?: boolean }) => {
      const since = o.since !== undefined ? parseInstant(o.since, '--since') : undefined;
      const store = await openStore();
      try {
        const list = await store.incidents.list({
          ...(o.party !== undefined ? { party: parseAuthenticatorParty(o.party) ?? o.party } : {}),
          ...(since ? { since } : {}),
        });
        if (o.json) printJson(list);
        else if (list.length === 0) printLines(`no Incidents (${store.location})`);
        else
          printLines(
            ...list.flatMap((i) => {
              const r = INCIDENT_CATEGORIES[i.category].targetResolution;
              return [
                `${i.id} ${i.raisedAt.toISOString()} category ${i.category} (${r.amount} ${r.unit} to resolve) ${i.kind} by ${i.party}${i.step ? ` at ${i.step}` : ''}`,
                `    respond by ${i.targetResponseBy.toISOString()}, resolve by ${i.targetResolutionBy.toISOString()}; ${i.summary}`,
              ];
            }),
          );
      } finally {
        await store.close();
      }
    });
}
