// The TMAD states of an installation in a Migration Week run (docs/WEEK.md). Each stage takes the
// installations in some states and moves each to another; the terminal states end its week.
export const WEEK_STATES = {
  authorised: 'listed in a Migration Authorisation of the week (MAM 7.2)',
  commenced: "within its supplier's Migration Demand Commitment for a day of the week (TMAD 4.8(b), 4.11)",
  'not-committed': 'beyond the Migration Demand Commitment: not migrated this week (TMAD 4.11)',
  'reference-imported': 'the DCC holds the reference data, certificates and group keys (TMAD 2, 5.1(a))',
  'inventory-imported': "the SMSO's inventory and key material are imported (TMAD 4.21, 11)",
  'ma-sealed': "its supplier's MA is sealed and delivered to the MCC (MAM 7.5)",
  'ma-recorded': 'the MCC has opened, validated and recorded the MAs (MAM 4, 7.5)',
  'in-mcf': "in one of the week's MCFs, delivered to the DCC (TMAD 4.16-4.48, 5.6)",
  'mcf-authenticated': 'the DCC has run Table 5.9 on the MCFs (TMAD 5.9)',
  'mcf-validated': 'the DCC has run Table 5.10 and routed the MCF and MVF (TMAD 5.10)',
  'mvf-passed': 'no FailedCheck in the MVF the Requesting Party authenticated (TMAD 5.10, 5.12(b))',
  'handed-over': 'the SMSO has handed its key material to the Requesting Party (TMAD 11, 5.12(g))',
  'in-mef': 'in the MGF (not DA) and MEF delivered to the S1SP and the DCO (TMAD 5.12, 12-16)',
  'dco-viable':
    'a DCO Viable Installation: its set complete, in the MCF, MVF and MEF, passing 5.19(c) (TMAD 5.19)',
  's1sp-viable': 'an S1SP Viable Installation: its set complete, passing Table 5.25 (TMAD 5.25)',
  's1sp-commissioned':
    'commissioned by the S1SP and the DCO, its CHF in the Smart Metering Inventory (TMAD 5.27(c)): migrated',
  commissioned:
    'its Table 6.3 requests answered to Commission Device, by the Commissioning Party (in a COF, TMAD 6.3(d), 6.4) or its Responsible Supplier (6.6)',
  'commissioning-halted':
    'migrated, but a Table 6.3 request had an error Response that halts it (TMAD 8.6), or no COF reports it: failedStep names the step and Response Code',
  'rolled-back':
    'a Critical commissioning step failed and the Installation Rollback ran (TMAD 5.27(b), 12.10, 15.10, 16.11)',
  failed: 'left the week at the step named in failedStep (the clause)',
} as const;

export type WeekState = keyof typeof WEEK_STATES;

/** States in which an installation's week has ended (further stages on main may extend this list). */
export const TERMINAL_STATES: readonly string[] = [
  'not-committed',
  'failed',
  'rolled-back',
  'commissioning-halted',
  'commissioned',
];
