// Migration Incidents (TMAD 3.5): the category table that replaces SEC Appendix AG 2.4 Table 1
// (3.5(e)), target times, assignment (3.5(c)) and when an Incident may be raised (3.5(d)).
import {
  defaultWorkingDayCalendar,
  formatLondonIso,
  londonDateOf,
  londonTime,
  WorkingDayCalendar,
} from '../calendar/index.js';

export type IncidentCategory = 1 | 2 | 3 | 4 | 5;
export const INCIDENT_CATEGORY_VALUES: readonly IncidentCategory[] = [1, 2, 3, 4, 5];

export type TargetUnit = 'minutes' | 'hours' | 'days';
export interface TargetDuration {
  amount: number;
  unit: TargetUnit;
}

export interface IncidentCategoryDefinition {
  category: IncidentCategory;
  /** Short description of the TMAD 3.5(e) table's "Description" column. */
  summary: string;
  targetInitialResponse: TargetDuration;
  targetResolution: TargetDuration;
}

const d = (amount: number, unit: TargetUnit): TargetDuration => Object.freeze({ amount, unit });

/** TMAD 3.5(e): Incident Categories with Target Initial Response Time and Target Resolution Time. */
export const INCIDENT_CATEGORIES: Readonly<Record<IncidentCategory, IncidentCategoryDefinition>> =
  Object.freeze({
    1: Object.freeze({
      category: 1,
      summary:
        'Major Incident: prevents a large group of Incident Parties using the Live Services; critical adverse impact on ' +
        'Incident Parties or on migrating Dormant Meters; significant financial loss; material loss or corruption of DCC Data',
      targetInitialResponse: d(10, 'minutes'),
      targetResolution: d(4, 'hours'),
    }),
    2: Object.freeze({
      category: 2,
      summary:
        'Non-critical adverse impact (Live Service at reduced capacity); more than trivial financial loss; ' +
        'non-critical adverse impact on migrating Dormant Meters',
      targetInitialResponse: d(20, 'minutes'),
      targetResolution: d(24, 'hours'),
    }),
    3: Object.freeze({
      category: 3,
      summary:
        'Moderate adverse impact on an Incident Party (or reducible to moderate by a workaround), or on migrating Dormant Meters',
      targetInitialResponse: d(45, 'minutes'),
      targetResolution: d(72, 'hours'),
    }),
    4: Object.freeze({
      category: 4,
      summary: 'Minor adverse impact on an Incident Party or on migrating Dormant Meters',
      targetInitialResponse: d(3, 'hours'),
      targetResolution: d(5, 'days'),
    }),
    5: Object.freeze({
      category: 5,
      summary: 'Minimal impact on an Incident Party or on migrating Dormant Meters',
      targetInitialResponse: d(1, 'days'),
      targetResolution: d(10, 'days'),
    }),
  });

export function isIncidentCategory(x: unknown): x is IncidentCategory {
  return x === 1 || x === 2 || x === 3 || x === 4 || x === 5;
}

/** Parse '1'..'5' (e.g. from a CLI flag or a config file); undefined otherwise. */
export function parseIncidentCategory(s: string): IncidentCategory | undefined {
  const n = /^[1-5]$/.test(s.trim()) ? Number(s.trim()) : NaN;
  return isIncidentCategory(n) ? n : undefined;
}

/**
 * The Incidents the TMAD itself requires to be raised (3.5(d) forbids others for notified step
 * failures), with the clause that requires each.
 */
export const INCIDENT_KINDS = Object.freeze({
  'file-authentication-failure': 'TMAD 5.9: a check in Table 5.9 fails; the file is discarded',
  'master-key-decryption-failure': 'TMAD 5.15(b): the DCO cannot decrypt MasterKeyInformation of an MEF',
  'group-information-decryption-failure':
    'TMAD 5.23: the S1SP cannot decrypt EncryptedS1SPGroupInformation or the plaintext is invalid',
  'scf-without-mcf':
    'TMAD 6.3(a): no Migration Common File with the S1SP Commissioning File’s Migration Header',
  'scf-installation-not-in-mcf': 'TMAD 6.3(c): a successful SCF installation is missing from the MCF',
  'commissioning-request-rejected':
    'TMAD 8.6: the Commissioning Party receives an error Response (other than to Request Handover Of DCC Controlled Device)',
  'key-deletion-failure':
    'TMAD 12.10.1/12.10.2, 15.10.1/15.10.2: the DCO or S1SP cannot delete keys and information',
} as const);
export type IncidentKind = keyof typeof INCIDENT_KINDS;

/**
 * Default category per kind. The category is the DCC's "reasonable opinion" (3.5(e)), so these are
 * defaults to be overridden by configuration (docs/SPEC-DECISIONS.md):
 * - a whole file discarded or undecryptable stops a batch of installations: 3 (moderate impact; the
 *   Requesting Party's workaround is to resubmit);
 * - a single installation's commissioning halted: 4 (minor);
 * - key material that cannot be deleted is a security exposure: 3.
 */
export const DEFAULT_INCIDENT_CATEGORY: Readonly<Record<IncidentKind, IncidentCategory>> = Object.freeze({
  'file-authentication-failure': 3,
  'master-key-decryption-failure': 3,
  'group-information-decryption-failure': 3,
  'scf-without-mcf': 3,
  'scf-installation-not-in-mcf': 3,
  'commissioning-request-rejected': 4,
  'key-deletion-failure': 3,
});

/** The category for an incident kind, with configured overrides; unknown kinds default to `fallback` (3). */
export function categoryFor(
  kind: string,
  overrides: Readonly<Record<string, IncidentCategory>> = {},
  fallback: IncidentCategory = 3,
): IncidentCategory {
  return overrides[kind] ?? (DEFAULT_INCIDENT_CATEGORY as Record<string, IncidentCategory>)[kind] ?? fallback;
}

/**
 * How the "days" of Categories 4 and 5 are counted (minutes and hours are always elapsed time,
 * around the clock):
 * - 'elapsed' (default): a day is 24 hours. TMAD writes "days", not its defined term "Working Days".
 * - 'working-days': SEC Working Days in England and Wales; the target is the same Europe/London
 *   wall-clock time on the n-th Working Day after the day the Incident was raised.
 */
export type DayCounting = 'elapsed' | 'working-days';

export interface IncidentTargetOptions {
  dayCounting?: DayCounting;
  calendar?: WorkingDayCalendar;
}

export interface IncidentTargets {
  category: IncidentCategory;
  raisedAt: Date;
  targetResponseBy: Date;
  targetResolutionBy: Date;
}

const MINUTE = 60_000;

function addTarget(from: Date, t: TargetDuration, opts: IncidentTargetOptions): Date {
  switch (t.unit) {
    case 'minutes':
      return new Date(from.getTime() + t.amount * MINUTE);
    case 'hours':
      return new Date(from.getTime() + t.amount * 60 * MINUTE);
    case 'days': {
      if ((opts.dayCounting ?? 'elapsed') === 'elapsed')
        return new Date(from.getTime() + t.amount * 24 * 60 * MINUTE);
      const cal = opts.calendar ?? defaultWorkingDayCalendar();
      const day = cal.addWorkingDays(londonDateOf(from), t.amount);
      const wall = formatLondonIso(from).slice(11, 19); // HH:MM:SS in Europe/London
      return new Date(londonTime(day, wall).getTime() + (from.getTime() % 1000));
    }
  }
}

/** TMAD 3.5(e): when the initial response and the resolution are due for an Incident raised at `raisedAt`. */
export function incidentTargets(
  category: IncidentCategory,
  raisedAt: Date,
  opts: IncidentTargetOptions = {},
): IncidentTargets {
  if (!isIncidentCategory(category))
    throw new RangeError(`Incident Category must be 1 to 5, got ${String(category)}`);
  if (Number.isNaN(raisedAt.getTime())) throw new RangeError('raisedAt is not a valid Date');
  const def = INCIDENT_CATEGORIES[category];
  return {
    category,
    raisedAt,
    targetResponseBy: addTarget(raisedAt, def.targetInitialResponse, opts),
    targetResolutionBy: addTarget(raisedAt, def.targetResolution, opts),
  };
}

export interface TargetStatus {
  responseBreached: boolean;
  resolutionBreached: boolean;
}

/** Whether the targets were (or, still open at `now`, are already) missed. */
export function targetStatus(
  t: IncidentTargets,
  at: { now: Date; respondedAt?: Date; resolvedAt?: Date },
): TargetStatus {
  const responded = at.respondedAt ?? at.now;
  const resolved = at.resolvedAt ?? at.now;
  return {
    responseBreached: responded.getTime() > t.targetResponseBy.getTime(),
    resolutionBreached: resolved.getTime() > t.targetResolutionBy.getTime(),
  };
}

export type IncidentAssignee = 'DCC' | 'ResponsibleSupplier';

export interface AssignmentFacts {
  /** The DCC ought reasonably to be able to resolve it without any Responsible Supplier's help. */
  dccCanResolveAlone: boolean;
  /** The DCC ought to be able to arrange for the SMETS1 SMSO to resolve it without any Responsible Supplier's help. */
  smsoCanResolveAtDccRequest?: boolean;
}

/** TMAD 3.5(c): incident resolution activities go to the DCC if it (or the SMSO at its arrangement) can resolve alone, else to the Responsible Supplier. */
export function assigneeFor(f: AssignmentFacts): IncidentAssignee {
  return f.dccCanResolveAlone || f.smsoCanResolveAtDccRequest === true ? 'DCC' : 'ResponsibleSupplier';
}

/**
 * TMAD 3.5(d): no Incident (by the DCC or any Party) where the DCC has notified the Responsible
 * Supplier or SMETS1 SMSO under the TMAD that migration steps were not completed — unless the TMAD
 * itself requires the DCC to raise one.
 */
export function mayRaiseIncident(f: {
  requiredByTmad: boolean;
  stepFailureNotifiedUnderTmad: boolean;
}): boolean {
  return f.requiredByTmad || !f.stepFailureNotifiedUnderTmad;
}
