/**
 * Sets (SADD of unique elements / SMEMBERS): every read lies between the acknowledged adds
 * that finished before it and the adds called before it returned, and sets never shrink
 * (see grow-only.ts for the exact rules).
 */
import type { SetOp, Verdict } from '../history.ts';
import { checkGrowOnly, type GrowOp, reads } from './grow-only.ts';
import { byKey, VerdictBuilder } from './verdict.ts';

export function checkSets(all: readonly SetOp[]): Verdict {
  const v = new VerdictBuilder();
  for (const [key, ops] of byKey(all as readonly GrowOp[])) {
    v.add('keys');
    v.add('ops', ops.length);
    checkGrowOnly(key, ops, reads(ops), v);
  }
  return v.done();
}
