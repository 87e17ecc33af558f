// The one problem type of the core: what every validator and check reports about bad input (the MA
// validator, the schema validator, the Table 5.9 authenticator, the PKI, the XML signature verifier).
// A problem names the rule (clause) it breaks, says what was found and what was expected, and where:
// a line/column of a text input, an element path of an XML document, a field of a record, a step of
// a procedure (e.g. the Table 5.9 step '5.9.3').
//
// A validator narrows the type to what it always knows (the schema validator always has line, column
// and element; the MA validator always has line and field, null for the whole file) and may extend it.
// Locations are optional: absent = not reported; null = reported as "not applicable" (e.g. a problem
// about a whole MA file has line null), kept so that JSON output names the field.

export interface Problem {
  /** The clause behind the rule, e.g. 'TMAD 10.1', 'MAM 7.2.3', 'TMAD 5.5 Table 5.5'. */
  rule: string;
  /** What was found and what was expected. */
  message: string;
  /** 1-based line of the input. */
  line?: number | null;
  /** 1-based column of the input. */
  column?: number | null;
  /** Element path, e.g. MigrationCommon/SMETS1Installation[3]/ESMEDetail. */
  element?: string | null;
  /** Field name of a record, e.g. an MA field (MAM 7.2.3). */
  field?: string | null;
  /** The step of a procedure that failed, e.g. '5.9.3' (TMAD Table 5.9). */
  step?: string | null;
}
