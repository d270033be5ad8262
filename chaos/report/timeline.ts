/**
 * Operations over time: the run cut into equal buckets, each counting the operations that
 * were acknowledged (ok, by return time), definitely failed (fail, by return time) and left
 * unknown (info, by call time: they never returned) in it. The text report and the picture
 * are both drawn from this.
 */
import type { History, Operation } from '../history.ts';
import type { RunResult } from './run-result.ts';

export interface Bucket {
  /** Start of the bucket, run ms. */
  start: number;
  ok: number;
  fail: number;
  info: number;
}

export interface Timeline {
  bucketMs: number;
  buckets: Bucket[];
  /** End of the last bucket, run ms. */
  end: number;
}

/** Buckets for a run of `endMs`: about `target` of them, at least 100 ms each. */
export function timeline(h: History, endMs: number, target = 120): Timeline {
  const span = Math.max(endMs, 1);
  const bucketMs = Math.max(100, Math.ceil(span / target / 100) * 100);
  const n = Math.max(1, Math.ceil(span / bucketMs));
  const buckets: Bucket[] = Array.from({ length: n }, (_, i) => ({
    start: i * bucketMs,
    ok: 0,
    fail: 0,
    info: 0,
  }));
  const at = (t: number): Bucket => buckets[Math.min(n - 1, Math.max(0, Math.floor(t / bucketMs)))]!;
  for (const ops of allOps(h)) {
    for (const op of ops) {
      if (op.status === 'info') at(op.call).info++;
      else at(op.ret)[op.status]++;
    }
  }
  return { bucketMs, buckets, end: n * bucketMs };
}

export function allOps(h: History): Operation<unknown, unknown>[][] {
  return [h.registers, h.counters, h.sets, h.lists];
}

/** Per-workload totals by status. */
export function totals(r: RunResult): { workload: string; ok: number; fail: number; info: number }[] {
  return (Object.keys(r.history) as (keyof History)[]).map((workload) => {
    const t = { workload: workload as string, ok: 0, fail: 0, info: 0 };
    for (const op of r.history[workload] as Operation<unknown, unknown>[]) t[op.status]++;
    return t;
  });
}
