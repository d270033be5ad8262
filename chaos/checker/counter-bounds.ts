/**
 * Counters (INCR / GET), checked per key without a search:
 *
 *   bounds     an observed value v (a read's, or an INCR's new value) lies between the
 *              acknowledged INCRs that returned before the operation was called (plus one
 *              for an INCR itself) and every INCR, acknowledged or unknown, called before it
 *              returned. Below: an acknowledged increment was lost; above: one applied twice
 *              or a value out of nowhere.
 *   unique     no two acknowledged INCRs returned the same value (each applies once).
 *   monotonic  a counter never goes down: an operation called after another returned must
 *              observe at least its value (strictly more for an INCR). This is what catches a
 *              stale read from a lagging node.
 *
 * Every counter starts at 0 (a fresh key per generation).
 */
import type { CounterOp, Verdict } from '../history.ts';
import { byKey, describe, VerdictBuilder } from './verdict.ts';

/** Sorted ascending; how many are < x (or <= x when `inclusive`). */
function countBelow(sorted: readonly number[], x: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x || (inclusive && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkKey(key: string, ops: readonly CounterOp[], v: VerdictBuilder): void {
  const incrs = ops.filter((o) => o.input.f === 'incr' && o.status !== 'fail');
  const okRets = incrs.filter((o) => o.status === 'ok').map((o) => o.ret);
  okRets.sort((a, b) => a - b);
  const calls = incrs.map((o) => o.call).sort((a, b) => a - b);
  const observed = ops.filter((o) => o.status === 'ok');
  v.add('observations', observed.length);

  const seenIncr = new Map<number, CounterOp>();
  for (const op of observed) {
    const value = op.output as number;
    const isIncr = op.input.f === 'incr';
    const min = countBelow(okRets, op.call, false) + (isIncr ? 1 : 0);
    const max = countBelow(calls, op.ret, true);
    if (!Number.isInteger(value) || value < min)
      v.invalid(`key ${key}: ${describe(op)} is below ${min}: an acknowledged increment is missing`);
    else if (value > max)
      v.invalid(`key ${key}: ${describe(op)} is above ${max}, the increments called before it returned`);
    if (isIncr) {
      const twin = seenIncr.get(value);
      if (twin !== undefined)
        v.invalid(`key ${key}: ${describe(twin)} and ${describe(op)} returned the same value`);
      seenIncr.set(value, op);
    }
  }

  // Monotonic: sweep operations by call time, folding in those that returned before.
  const byRet = [...observed].sort((a, b) => a.ret - b.ret);
  const byCall = [...observed].sort((a, b) => a.call - b.call);
  let i = 0;
  let best: CounterOp | undefined;
  for (const op of byCall) {
    while (i < byRet.length && byRet[i]!.ret < op.call) {
      const done = byRet[i++]!;
      if (best === undefined || (done.output as number) > (best.output as number)) best = done;
    }
    if (best === undefined) continue;
    const floor = (best.output as number) + (op.input.f === 'incr' ? 1 : 0);
    if ((op.output as number) < floor)
      v.invalid(`key ${key}: ${describe(op)} went back: ${describe(best)} had returned before it was called`);
  }
}

export function checkCounters(all: readonly CounterOp[]): Verdict {
  const v = new VerdictBuilder();
  for (const [key, ops] of byKey(all)) {
    v.add('keys');
    v.add('ops', ops.length);
    checkKey(key, ops, v);
  }
  return v.done();
}
