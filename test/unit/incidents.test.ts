// Migration Incidents: TMAD 3.5(c)(d)(e).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkingDayCalendar } from '../../src/core/calendar/index.js';
import {
  assigneeFor,
  categoryFor,
  DEFAULT_INCIDENT_CATEGORY,
  INCIDENT_CATEGORIES,
  INCIDENT_CATEGORY_VALUES,
  INCIDENT_KINDS,
  incidentTargets,
  isIncidentCategory,
  mayRaiseIncident,
  parseIncidentCategory,
  targetStatus,
  type IncidentCategory,
} from '../../src/core/incidents/index.js';

const MIN = 60_000;
const H = 60 * MIN;

test('TMAD 3.5(e) table: target initial response and resolution per category', () => {
  const expect: Record<IncidentCategory, [string, string]> = {
    1: ['10 minutes', '4 hours'],
    2: ['20 minutes', '24 hours'],
    3: ['45 minutes', '72 hours'],
    4: ['3 hours', '5 days'],
    5: ['1 days', '10 days'],
  };
  for (const c of INCIDENT_CATEGORY_VALUES) {
    const def = INCIDENT_CATEGORIES[c];
    assert.equal(def.category, c);
    assert.equal(`${def.targetInitialResponse.amount} ${def.targetInitialResponse.unit}`, expect[c][0]);
    assert.equal(`${def.targetResolution.amount} ${def.targetResolution.unit}`, expect[c][1]);
  }
  assert.ok(Object.isFrozen(INCIDENT_CATEGORIES) && Object.isFrozen(INCIDENT_CATEGORIES[1]));
});

test('TMAD 3.5(e) targets in elapsed time (default): minutes, hours and 24-hour days', () => {
  const at = new Date('2021-03-26T16:30:00Z'); // a Friday
  const ms = (c: IncidentCategory) => {
    const t = incidentTargets(c, at);
    return [t.targetResponseBy.getTime() - at.getTime(), t.targetResolutionBy.getTime() - at.getTime()];
  };
  assert.deepEqual(ms(1), [10 * MIN, 4 * H]);
  assert.deepEqual(ms(2), [20 * MIN, 24 * H]);
  assert.deepEqual(ms(3), [45 * MIN, 72 * H]);
  assert.deepEqual(ms(4), [3 * H, 5 * 24 * H]);
  assert.deepEqual(ms(5), [24 * H, 10 * 24 * H]);
  assert.equal(incidentTargets(3, at).category, 3);
});

test("TMAD 3.5(e) targets with 'working-days': same London wall time on the n-th Working Day", () => {
  const cal = new WorkingDayCalendar();
  // Thursday 1 April 2021 17:00 BST; Good Friday 2 April and Easter Monday 5 April are holidays.
  const at = new Date('2021-04-01T16:00:00Z');
  const t5 = incidentTargets(5, at, { dayCounting: 'working-days', calendar: cal });
  assert.equal(t5.targetResponseBy.toISOString(), '2021-04-06T16:00:00.000Z'); // Tuesday 6 April 17:00 BST
  assert.equal(t5.targetResolutionBy.toISOString(), '2021-04-19T16:00:00.000Z'); // 10 Working Days later
  // Hours stay elapsed even in working-days mode.
  const t4 = incidentTargets(4, at, { dayCounting: 'working-days', calendar: cal });
  assert.equal(t4.targetResponseBy.getTime() - at.getTime(), 3 * H);
  assert.equal(t4.targetResolutionBy.toISOString(), '2021-04-12T16:00:00.000Z'); // Tue 6, Wed 7, Thu 8, Fri 9, Mon 12
});

test("TMAD 3.5(e) 'working-days' keeps the London wall time across the clocks change", () => {
  // Friday 26 March 2021 10:00 GMT; clocks go forward on Sunday 28 March.
  const at = new Date('2021-03-26T10:00:00Z');
  const t = incidentTargets(5, at, { dayCounting: 'working-days' });
  assert.equal(t.targetResponseBy.toISOString(), '2021-03-29T09:00:00.000Z'); // Monday 10:00 BST
  // Raised on a Saturday: the first Working Day after it is Monday.
  const sat = incidentTargets(5, new Date('2021-03-27T12:00:00Z'), { dayCounting: 'working-days' });
  assert.equal(sat.targetResponseBy.toISOString(), '2021-03-29T11:00:00.000Z'); // Monday 12:00 BST
});

test('TMAD 3.5(e) bad input: category outside 1–5, invalid Date', () => {
  assert.throws(() => incidentTargets(6 as IncidentCategory, new Date()), RangeError);
  assert.throws(() => incidentTargets(1, new Date('nope')), RangeError);
  assert.equal(isIncidentCategory(0), false);
  assert.equal(parseIncidentCategory(' 4 '), 4);
  assert.equal(parseIncidentCategory('6'), undefined);
  assert.equal(parseIncidentCategory('1.0'), undefined);
});

test('TMAD 3.5(e) target status: breached when responded/resolved after the target, or still open past it', () => {
  const at = new Date('2021-05-04T09:00:00Z');
  const t = incidentTargets(1, at);
  const s1 = targetStatus(t, { now: new Date(at.getTime() + 5 * MIN) });
  assert.deepEqual(s1, { responseBreached: false, resolutionBreached: false });
  const s2 = targetStatus(t, {
    now: new Date(at.getTime() + 5 * H),
    respondedAt: new Date(at.getTime() + 9 * MIN),
  });
  assert.deepEqual(s2, { responseBreached: false, resolutionBreached: true });
  const s3 = targetStatus(t, {
    now: new Date(at.getTime() + 5 * H),
    respondedAt: new Date(at.getTime() + 11 * MIN),
    resolvedAt: new Date(at.getTime() + 4 * H),
  });
  assert.deepEqual(s3, { responseBreached: true, resolutionBreached: false });
});

test('TMAD 3.5(e) default category per incident kind, overridable by configuration', () => {
  for (const k of Object.keys(INCIDENT_KINDS)) assert.ok(isIncidentCategory(categoryFor(k)), k);
  assert.deepEqual(Object.keys(DEFAULT_INCIDENT_CATEGORY).sort(), Object.keys(INCIDENT_KINDS).sort());
  assert.equal(categoryFor('file-authentication-failure'), 3);
  assert.equal(categoryFor('commissioning-request-rejected'), 4);
  assert.equal(categoryFor('file-authentication-failure', { 'file-authentication-failure': 2 }), 2);
  assert.equal(categoryFor('something-else'), 3);
  assert.equal(categoryFor('something-else', {}, 5), 5);
});

test('TMAD 3.5(c) assignment: DCC when it (or the SMSO at its arrangement) can resolve alone, else the Responsible Supplier', () => {
  assert.equal(assigneeFor({ dccCanResolveAlone: true }), 'DCC');
  assert.equal(assigneeFor({ dccCanResolveAlone: false, smsoCanResolveAtDccRequest: true }), 'DCC');
  assert.equal(
    assigneeFor({ dccCanResolveAlone: false, smsoCanResolveAtDccRequest: false }),
    'ResponsibleSupplier',
  );
  assert.equal(assigneeFor({ dccCanResolveAlone: false }), 'ResponsibleSupplier');
});

test('TMAD 3.5(d) no Incident for a step failure notified under the TMAD, unless the TMAD requires one', () => {
  assert.equal(mayRaiseIncident({ requiredByTmad: false, stepFailureNotifiedUnderTmad: true }), false);
  assert.equal(mayRaiseIncident({ requiredByTmad: true, stepFailureNotifiedUnderTmad: true }), true);
  assert.equal(mayRaiseIncident({ requiredByTmad: false, stepFailureNotifiedUnderTmad: false }), true);
});
