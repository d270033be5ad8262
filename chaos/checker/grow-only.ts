/**
 * What sets (SADD / SMEMBERS) and lists (RPUSH / LRANGE) share: a collection that only
 * grows, by unique elements. For every acknowledged read R of a key:
 *
 *   no duplicates  R holds each element once (an add applied twice, or a corrupt value);
 *   provenance     each element of R was added by an operation (acknowledged or unknown)
 *                  called before R returned;
 *   no loss        each acknowledged add that returned before R was called is in R;
 *   no going back  each element of a read that returned before R was called is in R
 *                  (catches a stale read, and an unknown add that showed up and vanished).
 */
import type { Operation } from '../history.ts';
import { describe, type VerdictBuilder } from './verdict.ts';

type AddInput = { f: 'add' | 'append'; element: string } | { f: 'read' };
export type GrowOp = Operation<AddInput, string[] | null>;

/** The acknowledged reads of one key, each with its elements as a set. */
export interface Read {
  op: GrowOp;
  elements: string[];
  set: Set<string>;
}

export function reads(ops: readonly GrowOp[]): Read[] {
  return ops
    .filter((o) => o.status === 'ok' && o.input.f === 'read')
    .map((op) => {
      const elements = op.output ?? [];
      return { op, elements, set: new Set(elements) };
    });
}

/** The adds of one key by element (failed ones excluded: they did not happen). */
export function addsByElement(ops: readonly GrowOp[]): Map<string, GrowOp> {
  const m = new Map<string, GrowOp>();
  for (const op of ops) if (op.input.f !== 'read' && op.status !== 'fail') m.set(op.input.element, op);
  return m;
}

export function checkGrowOnly(
  key: string,
  ops: readonly GrowOp[],
  rs: readonly Read[],
  v: VerdictBuilder,
): void {
  const adds = addsByElement(ops);
  const acked = [...adds.values()].filter((o) => o.status === 'ok').sort((a, b) => a.ret - b.ret);
  const failed = new Set(ops.filter((o) => o.input.f !== 'read' && o.status === 'fail').map(elementOf));
  v.add('reads', rs.length);

  for (const r of rs) {
    if (r.set.size !== r.elements.length) {
      const dup = r.elements.find((e, i) => r.elements.indexOf(e) !== i);
      v.invalid(`key ${key}: ${describe(r.op)} holds ${JSON.stringify(dup)} twice`);
    }
    for (const e of r.set) {
      const add = adds.get(e);
      if (add === undefined)
        v.invalid(
          `key ${key}: ${describe(r.op)} holds ${JSON.stringify(e)}, which ${
            failed.has(e) ? 'was added by a failed operation' : 'nobody added'
          }`,
        );
      else if (add.call > r.op.ret)
        v.invalid(
          `key ${key}: ${describe(r.op)} holds ${JSON.stringify(e)} before ${describe(add)} was called`,
        );
    }
    for (const add of acked) {
      if (add.ret >= r.op.call) break;
      if (!r.set.has(elementOf(add)))
        v.invalid(`key ${key}: ${describe(r.op)} lost the acknowledged ${describe(add)}`);
    }
  }

  // No going back: sweep reads by call time, folding in the reads that returned before.
  const byRet = [...rs].sort((a, b) => a.op.ret - b.op.ret);
  const byCall = [...rs].sort((a, b) => a.op.call - b.op.call);
  const seen = new Map<string, Read>();
  let i = 0;
  for (const r of byCall) {
    while (i < byRet.length && byRet[i]!.op.ret < r.op.call) {
      const done = byRet[i++]!;
      for (const e of done.set) if (!seen.has(e)) seen.set(e, done);
    }
    if (seen.size === 0) continue;
    for (const [e, first] of seen)
      if (!r.set.has(e)) {
        v.invalid(
          `key ${key}: ${describe(r.op)} misses ${JSON.stringify(e)}, which ${describe(first.op)} had seen`,
        );
        break;
      }
  }
}

export function elementOf(op: GrowOp): string {
  return op.input.f === 'read' ? '' : op.input.element;
}
