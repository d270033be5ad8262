/**
 * Seeded generator of histories that are linearizable by construction, for testing the
 * checkers: processes run one operation at a time on one key; each operation that takes
 * effect does so at a point inside [call, ret] (an unknown one at any later time, or never),
 * and outputs are computed from the true state at that point. A failed operation never
 * takes effect. A process that ends with an unknown outcome is replaced by a new one.
 */
import { SeededRandom } from '@seshat/common';
import type { CounterOp, ListOp, Operation, RegisterInput, RegisterOp, SetOp } from '../history.ts';

export interface GenOptions {
  seed: number;
  processes?: number;
  ops?: number;
  key?: string;
  /** Fraction of operations that end unknown (default 0.08) and failed (default 0.05). */
  info?: number;
  fail?: number;
  /** End with an acknowledged read after everything else (as the runner's final reads). */
  final?: boolean;
}

interface Planned<I> {
  op: Operation<I, unknown>;
  /** When it takes effect; undefined = never. */
  at: number | undefined;
}

/** Plans timing and outcome of `count` operations over `processes` concurrent clients. */
function plan<I>(
  o: GenOptions,
  input: (rnd: SeededRandom, i: number) => I,
  isWrite: (i: I) => boolean,
): Planned<I>[] {
  const rnd = new SeededRandom(o.seed);
  const n = o.processes ?? 4;
  const clock = Array.from({ length: n }, () => rnd.nextFloat() * 5);
  const pid = Array.from({ length: n }, (_, i) => i);
  let nextPid = n;
  const out: Planned<I>[] = [];
  for (let i = 0; i < (o.ops ?? 60); i++) {
    const p = rnd.nextInt(n);
    const call = clock[p]! + rnd.nextFloat() * 3;
    const ret = call + 0.5 + rnd.nextFloat() * 8;
    const inp = input(rnd, i);
    const x = rnd.nextFloat();
    const op: Operation<I, unknown> = {
      process: pid[p]!,
      key: o.key ?? 'k',
      input: inp,
      status: 'ok',
      call,
      ret,
    };
    let at: number | undefined = call + rnd.nextFloat() * (ret - call);
    if (x < (o.info ?? 0.08)) {
      op.status = 'info';
      op.ret = Number.POSITIVE_INFINITY;
      // An unknown write happens (soon or much later) or never; an unknown read has no effect.
      at = isWrite(inp) && rnd.nextFloat() < 0.6 ? call + rnd.nextFloat() * 40 : undefined;
      pid[p] = nextPid++;
    } else if (x < (o.info ?? 0.08) + (o.fail ?? 0.05) && isWrite(inp)) {
      op.status = 'fail';
      at = undefined;
    }
    clock[p] = Number.isFinite(op.ret) ? op.ret : call + 1;
    out.push({ op, at });
  }
  return out;
}

/** Applies planned operations in effect order; `apply` returns the output. */
function run<I, O>(planned: Planned<I>[], apply: (op: Operation<I, O>) => O): Operation<I, O>[] {
  const effective = planned.filter((p) => p.at !== undefined).sort((a, b) => a.at! - b.at!);
  for (const p of effective) {
    const out = apply(p.op as Operation<I, O>);
    if (p.op.status === 'ok') p.op.output = out;
  }
  return planned.map((p) => p.op as Operation<I, O>);
}

export function genRegisters(o: GenOptions): RegisterOp[] {
  let state: string | null = null;
  const planned = plan<RegisterInput>(
    o,
    (rnd, i) => {
      const x = rnd.nextFloat();
      if (x < 0.45) return { f: 'read' };
      if (x < 0.7) return { f: 'write', value: `v${i}` };
      if (x < 0.85) return { f: 'swap', value: `v${i}` };
      return { f: 'cas', from: null, to: `v${i}` };
    },
    (i) => i.f !== 'read',
  );
  // A compare-and-set compares against the state at its effect point, or (a quarter of the
  // time) against another value, so both outcomes occur.
  const rnd = new SeededRandom(o.seed ^ 0xca5);
  const ops = run<RegisterInput, string | null | boolean>(planned, (op) => {
    const i = op.input;
    switch (i.f) {
      case 'read':
        return state;
      case 'write':
        state = i.value;
        return null;
      case 'swap': {
        const prev = state;
        state = i.value;
        return prev;
      }
      case 'cas': {
        i.from = rnd.nextFloat() < 0.75 ? state : `other${rnd.nextInt(5)}`;
        if (state !== i.from) return false;
        state = i.to;
        return true;
      }
    }
  });
  return finish(o, ops, { f: 'read' }, state);
}

export function genCounters(o: GenOptions): CounterOp[] {
  let n = 0;
  const planned = plan<CounterOp['input']>(
    o,
    (rnd) => (rnd.nextFloat() < 0.65 ? { f: 'incr' } : { f: 'read' }),
    (i) => i.f === 'incr',
  );
  const ops = run<CounterOp['input'], number>(planned, (op) => (op.input.f === 'incr' ? ++n : n));
  return finish(o, ops, { f: 'read' }, n);
}

export function genSets(o: GenOptions): SetOp[] {
  const s = new Set<string>();
  const planned = plan<SetOp['input']>(
    o,
    (rnd, i) => (rnd.nextFloat() < 0.65 ? { f: 'add', element: `e${i}` } : { f: 'read' }),
    (i) => i.f === 'add',
  );
  const ops = run<SetOp['input'], string[] | null>(planned, (op) => {
    if (op.input.f === 'add') {
      s.add(op.input.element);
      return null;
    }
    return [...s].reverse(); // SMEMBERS has no order
  });
  return finish(o, ops, { f: 'read' }, [...s]);
}

export function genLists(o: GenOptions): ListOp[] {
  const l: string[] = [];
  const planned = plan<ListOp['input']>(
    o,
    (rnd, i) => (rnd.nextFloat() < 0.65 ? { f: 'append', element: `e${i}` } : { f: 'read' }),
    (i) => i.f === 'append',
  );
  const ops = run<ListOp['input'], string[] | null>(planned, (op) => {
    if (op.input.f === 'append') {
      l.push(op.input.element);
      return null;
    }
    return [...l];
  });
  return finish(o, ops, { f: 'read' }, [...l]);
}

/** Appends the final read (after every effect point, unknown ones included) when asked. */
function finish<I, O>(o: GenOptions, ops: Operation<I, O>[], read: I, output: O): Operation<I, O>[] {
  if (o.final !== true) return ops;
  const end = 1000 + Math.max(...ops.map((x) => (Number.isFinite(x.ret) ? x.ret : x.call)));
  return [
    ...ops,
    { process: 1_000_000, key: o.key ?? 'k', input: read, status: 'ok', call: end, ret: end + 1, output },
  ];
}

export function clone<T>(ops: T[]): T[] {
  return ops.map((o) => structuredClone(o));
}
