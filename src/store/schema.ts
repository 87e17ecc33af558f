// Kysely table types shared by both engines. Column values differ by engine (see codec.ts): the
// repositories only ever write values produced by the codec and read them back through it.
import type { Generated } from 'kysely';

/** A boolean column: SQLite INTEGER 0/1, PostgreSQL boolean. */
export type DbBool = number | boolean;
/** A timestamp column: SQLite TEXT (ISO 8601 UTC, fixed width), PostgreSQL timestamptz. */
export type DbDate = string | Date;
/** A JSON column: SQLite TEXT, PostgreSQL json (written as text, read back parsed). */
export type DbJson = unknown;
/** An unsigned 64-bit counter: SQLite TEXT (20 digits, zero-padded), PostgreSQL NUMERIC(20,0). */
export type DbCounter = string;

export interface ReceivedMaTable {
  id: Generated<number>;
  file_name: string;
  sha256: string;
  user_id: string;
  smso_code: string | null;
  commissioned_by_dcc: DbBool | null;
  received_at: DbDate;
  outcome: string;
  errors: DbJson;
  warnings: DbJson;
  row_count: number;
  /** 'storing' while its rows are written in short transactions; only 'complete' ones are read. */
  status: Generated<'storing' | 'complete'>;
  /** While storing: the time of the last row transaction (a receipt whose heartbeat stops is stale). */
  heartbeat_at: DbDate | null;
}

export interface ReceivedMaRowTable {
  ma_id: number;
  line: number;
  mpan: string | null;
  mprn: string | null;
  migration_week: string | null;
  migrate_on: string | null;
  priority: DbBool;
  fields: DbJson;
}

/** Table 5.9 General column: every accepted counter, one row per (key, counter value). */
export interface StoredCounterTable {
  authenticator: string;
  party_id: string;
  file_type: string;
  counter: DbCounter;
  stored_at: DbDate;
}

/** Table 5.9 S1SP column: the single stored counter per key. */
export interface StoredCounterLatestTable {
  authenticator: string;
  party_id: string;
  file_type: string;
  counter: DbCounter;
  stored_at: DbDate;
}

export interface IncidentTable {
  id: Generated<number>;
  category: number;
  kind: string;
  summary: string;
  file_name: string | null;
  step: string | null;
  party: string;
  raised_at: DbDate;
  target_response_by: DbDate;
  target_resolution_by: DbDate;
  assignee: string | null;
  details: DbJson;
}

/** SMSO inventory, one row per installation (migration 005). */
export interface SmsoInstallationTable {
  smso: string;
  chf_device_id: string;
  mpan: string | null;
  mprn: string | null;
  last_wan_contact_at: DbDate | null;
  unsolicited_hh_data: DbBool;
  imported_at: DbDate;
  source_file: string;
}

/** SMSO inventory, one row per device (migration 005). */
export interface SmsoDeviceTable {
  smso: string;
  chf_device_id: string;
  ordinal: number;
  device_type: string;
  device_id: string;
  manufacturer: string;
  model: string;
  firmware_version: string;
  serial_number: string | null;
  status: string | null;
  han_joined_at: DbDate | null;
}

/** Sealed key material per installation (migration 005): never plaintext. */
export interface SmsoKeyMaterialTable {
  smso: string;
  chf_device_id: string;
  sealed: string;
  stored_at: DbDate;
}

export interface ReferenceEntryTable {
  registry: string;
  identity: string;
  lookup_key: string;
  seq: number | string;
  /** The entry's CSV fields in column order (JSON array of strings). */
  fields: DbJson;
}

/** TMAD 5.9.5-5.9.9: a file an Authenticator accepted, written with its Stored Counter (migration 003). */
export interface AcceptedFileTable {
  authenticator: string;
  sha256: string;
  file_type: string;
  counter: DbCounter;
  party_id: string;
  file_name: string | null;
  accepted_at: DbDate;
  verdict: DbJson;
}

/** The MCC's planning records (TMAD 4.5–4.11), append-only (migration 006). */
export interface PlanningRecordTable {
  id: Generated<number>;
  kind: string;
  supplier_id: string | null;
  period: string;
  file_name: string;
  sha256: string;
  at: DbDate;
  on_time: DbBool;
  outcome: string;
  problems: DbJson;
  rows: DbJson;
  details: DbJson;
}

/** Responses to the Dormant Meter Migration Schedule (TMAD 4.32), append-only (migration 008). */
export interface DormantResponseTable {
  id: Generated<number>;
  migration_week: string;
  party_signifier: string;
  chf_device_id: string;
  mpan: string | null;
  mprn: string | null;
  priority: DbBool;
  certificates: DbJson;
  file_name: string;
  sha256: string;
  received_at: DbDate;
  on_time: DbBool;
}

/** The dormant notices sent (TMAD 4.29, 4.30), append-only (migration 010). */
export interface DormantNoticeTable {
  id: Generated<number>;
  migration_week: string;
  kind: string;
  smso: string;
  chf_device_id: string;
  mpan: string | null;
  mprn: string | null;
  party_signifier: string;
  sides: string;
  deemed_gas_supplier: string | null;
  group_ids: DbJson | null;
  row: DbJson;
  file_name: string | null;
  renotification: DbBool;
  replaces: string | null;
  note: string | null;
  sent_at: DbDate;
}

export interface RpOutcomeTable {
  id: Generated<number>;
  run_id: string;
  built_at: DbDate;
  requesting_party_id: string;
  migration_week: string;
  smso: string;
  chf_device_id: string;
  mpan: string | null;
  mprn: string | null;
  outcome: string;
  rule: string | null;
  reason: string | null;
  group_id: string | null;
  migrate_on: string | null;
  mcf_counter: DbCounter | null;
  mcf_file: string | null;
  notes: DbJson;
}

export interface RpCounterTable {
  requesting_party_id: string;
  file_type: string;
  last_value: DbCounter;
}

export interface DcoFileSetTable {
  requesting_party_id: string;
  mcf_counter: DbCounter;
  group_id: string;
  state: string;
  mcf_file: string | null;
  mcf_received_at: DbDate | null;
  mvf_file: string | null;
  mvf_received_at: DbDate | null;
  mef_file: string | null;
  mef_received_at: DbDate | null;
  completed_at: DbDate | null;
  first_request_at: DbDate | null;
  unrequested_expired_at: DbDate | null;
  discarded_at: DbDate | null;
  discard_clause: string | null;
  discard_reason: string | null;
}

export interface DcoInstallationTable {
  requesting_party_id: string;
  mcf_counter: DbCounter;
  group_id: string;
  chf_identifier: string;
  mcf: DbJson | null;
  mvf: DbJson | null;
  mef: DbJson | null;
  dco_failures: DbJson | null;
  viable: Generated<DbBool>;
  requested_at: DbDate | null;
  commissioned_at: DbDate | null;
  removed_at: DbDate | null;
  removed_clause: string | null;
}

export interface DcoKeyTable {
  requesting_party_id: string;
  mcf_counter: DbCounter;
  group_id: string;
  chf_identifier: string;
  name: string;
  sealed: string;
}

export interface DcoSecretTable {
  name: string;
  sealed: string;
  created_at: DbDate;
}

/** The Responsible Suppliers' stop requests (TMAD 4.23, 4.23A), append-only (migration 009). */
export interface StopRequestTable {
  id: Generated<number>;
  user_id: string;
  requested_at: DbDate;
  chf_device_id: string | null;
  mpan: string | null;
  mprn: string | null;
  note: string | null;
}

// ---- Commissioning Party and the DCC's Commissioning Requests (migration 014) ----
export interface CpMcfTable {
  id: Generated<number>;
  commissioning_party_id: string;
  requesting_party_id: string;
  mcf_counter: DbCounter;
  group_id: string;
  file_name: string;
  held_path: string;
  received_at: DbDate;
  installations: number;
  discarded_at: DbDate | null;
  discard_reason: string | null;
}
export interface CpInstallationTable {
  mcf_id: number;
  chf_device_id: string;
  state: string;
  updated_at: DbDate | null;
  details: DbJson | null;
}
export interface CpOutcomeTable {
  id: Generated<number>;
  mcf_id: number;
  batch_key: string;
  scf_supplier_signifier: string;
  scf_reporting_party_id: string;
  supplier_party: string | null;
  chf_device_id: string;
  failed_checks: DbJson;
  decided_at: DbDate;
  cof_file: string | null;
}
export interface CpCounterTable {
  commissioning_party_id: string;
  name: string;
  last_value: DbCounter;
}
export interface DccSmiLinkTable {
  device_id: string;
  mpxn: string | null;
  chf_device_id: string | null;
  gpf_device_id: string | null;
  notified_supplier_id: string | null;
}

export interface S1spFileSetTable {
  id: Generated<number>;
  requesting_party_id: string;
  mcf_counter: DbCounter;
  group_id: string;
  state: string;
  created_at: DbDate;
  first_mvf_at: DbDate | null;
  closed_at: DbDate | null;
  close_reason: string | null;
  mcf: DbJson | null;
}

export interface S1spHeldFileTable {
  set_id: number;
  file_type: string;
  file_name: string;
  sha256: string;
  held_path: string;
  received_at: DbDate;
  installations: number;
}

export interface S1spGroupInformationTable {
  set_id: number;
  chf_identifier: string;
  sealed: string;
}

export interface S1spInstallationTable {
  set_id: number;
  chf_identifier: string;
  state: string;
  failed_checks: DbJson;
  prepay_flag: DbBool;
  detail: DbJson;
  decided_at: DbDate;
  scf_counter: DbCounter | null;
  scf_file: string | null;
}

export interface S1spCounterTable {
  reporting_party_id: string;
  file_type: string;
  last_value: DbCounter;
}

/** The S1SP's commissioning key store (TMAD 5.27, Appendices A-C; migration 013): sealed values only. */
export interface S1spKeyTable {
  id: Generated<number>;
  requesting_party_id: string;
  mcf_counter: DbCounter;
  group_id: string;
  chf_identifier: string;
  device_id: string;
  association: string;
  key_type: string;
  serial_number: string | null;
  sealed: string;
  stored_at: DbJson;
  invalidated: DbBool;
}

export interface WeekRunTable {
  run_id: string;
  seed: string;
  migration_week: string;
  options: DbJson;
  stages: DbJson;
  status: 'running' | 'done';
  created_at: DbDate;
  finished_at: DbDate | null;
}

export interface WeekInstallationTable {
  run_id: string;
  installation_id: string;
  group_id: string;
  smso: string;
  supplier: string;
  state: string;
  stage: string | null;
  failed_step: string | null;
  detail: DbJson;
}

export interface WeekEventTable {
  id: Generated<number>;
  run_id: string;
  job_id: number | string | null;
  at: DbDate;
  stage: string;
  party: string;
  group_id: string | null;
  installation_id: string | null;
  outcome: string;
  step: string | null;
  file: string | null;
  sha256: string | null;
  detail: DbJson;
}

export interface WeekJobTable {
  id: Generated<number>;
  run_id: string;
  stage: string;
  batch_no: number;
  batch_key: string;
  installations: DbJson;
  size: number;
  status: 'pending' | 'done';
  attempts: Generated<number>;
  worker: string | null;
  created_at: DbDate;
  done_at: DbDate | null;
}

export interface WeekFileTable {
  run_id: string;
  path: string;
  sha256: string;
  size: number | string;
  stage: string;
  job_id: number | string;
}

export interface Database {
  received_ma: ReceivedMaTable;
  received_ma_row: ReceivedMaRowTable;
  stored_counter: StoredCounterTable;
  stored_counter_latest: StoredCounterLatestTable;
  incident: IncidentTable;
  smso_installation: SmsoInstallationTable;
  smso_device: SmsoDeviceTable;
  smso_key_material: SmsoKeyMaterialTable;
  reference_entry: ReferenceEntryTable;
  accepted_file: AcceptedFileTable;
  planning_record: PlanningRecordTable;
  dormant_response: DormantResponseTable;
  dormant_notice: DormantNoticeTable;
  rp_outcome: RpOutcomeTable;
  rp_counter: RpCounterTable;
  dco_file_set: DcoFileSetTable;
  dco_installation: DcoInstallationTable;
  dco_key: DcoKeyTable;
  dco_secret: DcoSecretTable;
  stop_request: StopRequestTable;
  cp_mcf: CpMcfTable;
  cp_installation: CpInstallationTable;
  cp_outcome: CpOutcomeTable;
  cp_counter: CpCounterTable;
  dcc_smi_link: DccSmiLinkTable;
  s1sp_file_set: S1spFileSetTable;
  s1sp_held_file: S1spHeldFileTable;
  s1sp_group_information: S1spGroupInformationTable;
  s1sp_installation: S1spInstallationTable;
  s1sp_counter: S1spCounterTable;
  s1sp_key: S1spKeyTable;
  week_run: WeekRunTable;
  week_installation: WeekInstallationTable;
  week_event: WeekEventTable;
  week_job: WeekJobTable;
  week_file: WeekFileTable;
}
