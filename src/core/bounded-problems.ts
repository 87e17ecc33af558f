// A bounded list of problems: the count stays exact, the first `max` are kept, and the rest are
// counted per rule, so a file with a million bad rows costs a few KB of report, not hundreds of MB
// (issue #10). The summary says how many were left out and of which rule ("and 129,900 more errors
// of rule MAM 7.2.3 not listed").
import type { Problem } from './problem.js';

/** Problems kept per list unless told otherwise (the CLI's --max-errors default). */
export const DEFAULT_MAX_PROBLEMS = 100;

export interface OmittedProblems {
  rule: string;
  count: number;
}

export class BoundedProblems<P extends Problem> {
  readonly kept: P[] = [];
  private total = 0;
  private readonly omittedByRule = new Map<string, number>();

  constructor(readonly max: number = DEFAULT_MAX_PROBLEMS) {}

  push(p: P): void {
    this.total++;
    if (this.kept.length < this.max) this.kept.push(p);
    else this.omittedByRule.set(p.rule, (this.omittedByRule.get(p.rule) ?? 0) + 1);
  }

  /** Add every problem of a list (no spread: a long list would overflow the call stack). */
  pushAll(ps: Iterable<P>): void {
    for (const p of ps) this.push(p);
  }

  /** Count problems another bounded list left out (they stay counted and summarised here). */
  addOmitted(omitted: readonly OmittedProblems[]): void {
    for (const o of omitted) {
      this.total += o.count;
      this.omittedByRule.set(o.rule, (this.omittedByRule.get(o.rule) ?? 0) + o.count);
    }
  }

  /** Every problem pushed, kept or not. */
  get count(): number {
    return this.total;
  }

  get omitted(): OmittedProblems[] {
    return [...this.omittedByRule].map(([rule, count]) => ({ rule, count }));
  }
}

/** "and 129,900 more errors of rule MAM 7.2.3 not listed" lines for the omitted problems. */
export function omittedSummary(omitted: readonly OmittedProblems[], kind: 'error' | 'warning'): string[] {
  return omitted.map(
    (o) =>
      `and ${o.count.toLocaleString('en-GB')} more ${kind}${o.count === 1 ? '' : 's'} of rule ${o.rule} not listed`,
  );
}

/** The kept problems followed by one summary problem per omitted rule (what the store records). */
export function withSummary<P extends Problem>(
  list: BoundedProblems<P>,
  kind: 'error' | 'warning',
  make: (rule: string, message: string) => P,
): P[] {
  const omitted = list.omitted;
  const lines = omittedSummary(omitted, kind);
  return [...list.kept, ...omitted.map((o, i) => make(o.rule, lines[i]!))];
}
