// In-code migration provider: every schema version is a TypeScript module in this directory named
// NNN_name.ts and listed here (no filesystem scanning, so it works the same from src/ and dist/).
// Never edit a migration that has shipped: add the next one.
import type { Migration, MigrationProvider } from 'kysely';
import type { StoreKind } from '../codec.js';
import { migration001 } from './001_initial.js';
import { migration002 } from './002_received_ma_status.js';
import { migration003 } from './003_accepted_files.js';
import { migration004 } from './004_reference_data.js';
import { migration005 } from './005_smso_inventory.js';
import { migration006 } from './006_planning.js';
import { migration007 } from './007_rp_outcomes.js';
import { migration008 } from './008_dormant_responses.js';
import { migration009 } from './009_stop_requests.js';
import { migration010 } from './010_dormant_notices.js';
import { migration011 } from './011_dco.js';
import { migration014 } from './014_commissioning.js';
import { migration012 } from './012_s1sp.js';
import { migration013 } from './013_s1sp_keys.js';
import { migration015 } from './015_week.js';

export function migrationsFor(kind: StoreKind): Record<string, Migration> {
  return {
    '001_initial': migration001(kind),
    '002_received_ma_status': migration002(kind),
    '003_accepted_files': migration003(kind),
    '004_reference_data': migration004(kind),
    '005_smso_inventory': migration005(kind),
    '006_planning': migration006(kind),
    '007_rp_outcomes': migration007(kind),
    '008_dormant_responses': migration008(kind),
    '009_stop_requests': migration009(kind),
    '010_dormant_notices': migration010(kind),
    '011_dco': migration011(kind),
    '012_s1sp': migration012(kind),
    '013_s1sp_keys': migration013(kind),
    '014_commissioning': migration014(kind),
    '015_week': migration015(kind),
  };
}

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly kind: StoreKind) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.kind);
  }
}
