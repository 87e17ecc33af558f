// The TMAD states of an installation in a Migration Week run (docs/WEEK.md). Each stage takes the
// installations in some states and moves each to another; the terminal states end its week.
export const WEEK_STATES = {
  authorised: 'listed in a Migration Authorisation of the week (MAM 7.2)',
  commenced: "within its supplier's Migration Demand Commitment for a day of the week (TMAD 4.8(b), 4.11)",
  'not-committed': 'beyond the Migration Demand Commitment: not migrated this week (TMAD 4.11)',
} as const;

export type WeekState = keyof typeof WEEK_STATES;

/** States in which an installation's week has ended (further stages on main may extend this list). */
export const TERMINAL_STATES: readonly string[] = ['not-committed', 'failed', 'rolled-back', 'commissioned'];
