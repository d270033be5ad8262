/**
 * Building a Verdict from per-key findings: problems are collected (the first few kept
 * for the report), stats summed, and `unknown` (a search that ran out of budget) makes
 * the verdict fail without calling the history invalid.
 */
import type { Operation, Verdict } from '../history.ts';

/** Problems kept in a verdict (the rest are counted). */
const PROBLEMS_KEPT = 10;

export class VerdictBuilder {
  private readonly problems: string[] = [];
  private problemCount = 0;
  private violations = 0;
  readonly stats: Record<string, number> = {};

  /** A proven violation: the verdict is `invalid`. */
  invalid(text: string): void {
    this.violations++;
    this.note(text);
  }

  /** The check could not decide (search budget): `unknown` unless something is invalid. */
  undecided(text: string): void {
    this.note(text);
  }

  add(stat: string, n = 1): void {
    this.stats[stat] = (this.stats[stat] ?? 0) + n;
  }

  done(): Verdict {
    const outcome = this.violations > 0 ? 'invalid' : this.problemCount > 0 ? 'unknown' : 'valid';
    const more = this.problemCount - this.problems.length;
    return {
      valid: outcome === 'valid',
      outcome,
      problems: more > 0 ? [...this.problems, `... and ${more} more`] : [...this.problems],
      stats: { ...this.stats },
    };
  }

  private note(text: string): void {
    this.problemCount++;
    if (this.problems.length < PROBLEMS_KEPT) this.problems.push(text);
  }
}

/** Groups operations by key, in their original order. */
export function byKey<T extends Operation<unknown, unknown>>(ops: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const op of ops) {
    let l = m.get(op.key);
    if (l === undefined) m.set(op.key, (l = []));
    l.push(op);
  }
  return m;
}

/** A short description of an operation for problem texts. */
export function describe(op: Operation<unknown, unknown>): string {
  const out = op.status === 'ok' ? ` -> ${JSON.stringify(op.output)}` : ` (${op.status})`;
  const ret = Number.isFinite(op.ret) ? op.ret.toFixed(1) : '∞';
  return `p${op.process} ${JSON.stringify(op.input)}${out} [${op.call.toFixed(1)}, ${ret}] ms`;
}
