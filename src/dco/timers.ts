// The DCO's timers (TMAD 5.16, 5.17, 5.18), as pure functions of a set's record and `now`. A timer
// "reaches" its length at the instant start + length: at that instant it has expired (a file arriving
// then is too late; a request then is after the 192 hours).
import type { DcoFileSetRecord } from '../store/index.js';

const HOUR = 3_600_000;
/** TMAD 5.18: the DCO Required File Set must be complete within 24 hours of its first MVF. */
export const SET_TIMER_MS = 24 * HOUR;
/** TMAD 5.16: 192 hours from authenticating the MEF without an S1SP request → the MEF is discarded. */
export const MEF_TIMER_MS = 192 * HOUR;
/** TMAD 5.17: 60 days from the first S1SP request → never-requested installations' details discarded. */
export const REQUEST_TIMER_MS = 60 * 24 * HOUR;

export interface SetDeadlines {
  completeBy: Date | null;
  firstRequestBy: Date | null;
  unrequestedDiscardAt: Date | null;
}

const plus = (d: Date, ms: number): Date => new Date(d.getTime() + ms);

/** The running timers of a set (null: not started, or no longer running). */
export function setDeadlines(s: DcoFileSetRecord): SetDeadlines {
  if (s.state === 'discarded') return { completeBy: null, firstRequestBy: null, unrequestedDiscardAt: null };
  return {
    completeBy: s.state === 'open' && s.files.MVF ? plus(s.files.MVF.receivedAt, SET_TIMER_MS) : null,
    firstRequestBy: s.files.MEF && !s.firstRequestAt ? plus(s.files.MEF.receivedAt, MEF_TIMER_MS) : null,
    unrequestedDiscardAt:
      s.firstRequestAt && !s.unrequestedExpiredAt ? plus(s.firstRequestAt, REQUEST_TIMER_MS) : null,
  };
}

export interface DueAction {
  action: 'discard-set' | 'expire-unrequested';
  clause: string;
  reason: string;
}

/** What must be done to the set at `now`: at most one discard, or the 60-day expiry. */
export function dueActions(s: DcoFileSetRecord, now: Date): DueAction[] {
  const d = setDeadlines(s);
  const t = now.getTime();
  if (d.completeBy && t >= d.completeBy.getTime()) {
    const missing = (['MCF', 'MVF', 'MEF'] as const).filter((x) => !s.files[x]);
    return [
      {
        action: 'discard-set',
        clause: 'TMAD 5.18',
        reason: `24 hours from its first MVF (${s.files.MVF!.receivedAt.toISOString()}) without the whole DCO Required File Set (${missing.join(', ')} missing)`,
      },
    ];
  }
  if (d.firstRequestBy && t >= d.firstRequestBy.getTime())
    return [
      {
        action: 'discard-set',
        clause: 'TMAD 5.16',
        reason: `192 hours from authenticating the MEF (${s.files.MEF!.receivedAt.toISOString()}) without an S1SP request for its details`,
      },
    ];
  if (d.unrequestedDiscardAt && t >= d.unrequestedDiscardAt.getTime())
    return [
      {
        action: 'expire-unrequested',
        clause: 'TMAD 5.17',
        reason: `60 days from the first S1SP request (${s.firstRequestAt!.toISOString()}): details of installations never requested discarded`,
      },
    ];
  return [];
}
