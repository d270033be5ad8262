/**
 * Linearizability of registers (GET / SET / SET ... GET / compare-and-set), by the
 * algorithm of Wing & Gong with Lowe's memoization, as Porcupine implements it:
 *
 *   - the history is partitioned by key (registers are independent);
 *   - per key, the call and return events are put in one list ordered by time (a call
 *     before a return at the same instant: closed intervals overlap);
 *   - a depth-first search walks the list: at a call it tries to linearize that operation
 *     now (legal in the current state, and the pair (set of linearized operations, new
 *     state) not seen before), removing it from the list; at a return of an operation not
 *     yet linearized it backtracks. All operations linearized: the key is linearizable.
 *
 * Unknown outcomes (`info`): they return at +Infinity, so their return events sit after
 * every acknowledged one; reaching one means every acknowledged operation is linearized
 * and the rest may never have happened, so the search succeeds there. A failed operation
 * (`fail`) did not happen and is left out, as is an unknown read (it has no effect).
 *
 * Pruning that keeps the verdict: an unknown write whose value nothing observed (no read
 * or swap returned it, no compare-and-set compared against it) is dropped. Take any
 * linearization that places it: until the next write, the only operations that see the
 * state it set are reads and swaps (which would have observed its value), compare-and-sets
 * that compared against it (idem) and failed compare-and-sets (which only need the state
 * to differ from theirs). So without failed compare-and-sets on the key, removing it
 * leaves a valid linearization, and since it may also never have happened, dropping it
 * neither adds nor removes valid linearizations. Keys with a failed compare-and-set are
 * searched unpruned. The workloads write unique values, which makes this effective.
 */
import type { RegisterOp, RegisterOutput, Verdict } from '../history.ts';
import { byKey, describe, VerdictBuilder } from './verdict.ts';

export interface SearchBudget {
  /** Total wall-clock budget for all keys (default 30 s). */
  budgetMs?: number;
  /** Cached states per key before giving up (default 5 million). */
  maxStates?: number;
}

const BUDGET_MS_DEFAULT = 30_000;
const MAX_STATES_DEFAULT = 5_000_000;
/** How often (search steps) the clock is looked at. */
const CLOCK_EVERY = 4096;

type State = string | null;

/** One step of the register model: the state after `op`, or undefined when illegal. */
function step(state: State, op: RegisterOp): { next: State } | undefined {
  const i = op.input;
  const known = op.status === 'ok';
  const out = op.output as RegisterOutput | undefined;
  switch (i.f) {
    case 'read':
      return out === state ? { next: state } : undefined;
    case 'write':
      return { next: i.value };
    case 'swap':
      return !known || out === state ? { next: i.value } : undefined;
    case 'cas':
      if (!known || out === true) return state === i.from ? { next: i.to } : undefined;
      return state !== i.from ? { next: state } : undefined;
  }
}

/** Values some operation observed (read or swap output, or compared by a compare-and-set). */
function observedValues(ops: readonly RegisterOp[]): Set<string | null> {
  const seen = new Set<string | null>();
  for (const op of ops) {
    if (op.status !== 'ok') continue;
    if (op.input.f === 'read' || op.input.f === 'swap') seen.add(op.output as string | null);
  }
  for (const op of ops) if (op.status !== 'fail' && op.input.f === 'cas') seen.add(op.input.from);
  return seen;
}

/** The operations the search needs: no failures, no unknown reads, no unobserved unknown writes. */
function relevant(ops: readonly RegisterOp[]): RegisterOp[] {
  const seen = observedValues(ops);
  const failedCas = ops.some((op) => op.status === 'ok' && op.input.f === 'cas' && op.output === false);
  return ops.filter((op) => {
    if (failedCas) return op.status === 'ok' || (op.status === 'info' && op.input.f !== 'read');
    if (op.status === 'fail') return false;
    if (op.status === 'ok') return true;
    if (op.input.f === 'read') return false;
    const written = op.input.f === 'cas' ? op.input.to : op.input.value;
    return seen.has(written);
  });
}

/** A node of the doubly linked event list. */
interface Event {
  op: number;
  isCall: boolean;
  time: number;
  prev: Event | null;
  next: Event | null;
  /** For a call: its return event. */
  match: Event | null;
}

function buildList(ops: readonly RegisterOp[]): Event {
  const events: Event[] = [];
  ops.forEach((op, idx) => {
    const call: Event = { op: idx, isCall: true, time: op.call, prev: null, next: null, match: null };
    const ret: Event = { op: idx, isCall: false, time: op.ret, prev: null, next: null, match: null };
    call.match = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1));
  const head: Event = { op: -1, isCall: false, time: -1, prev: null, next: null, match: null };
  let prev = head;
  for (const e of events) {
    e.prev = prev;
    prev.next = e;
    prev = e;
  }
  return head;
}

/** Removes a call and its return from the list. */
function lift(call: Event): void {
  call.prev!.next = call.next;
  if (call.next !== null) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Puts them back (in reverse order of lift). */
function unlift(call: Event): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next !== null) call.next.prev = call;
}

/** The set of linearized operations, with an incremental 64-bit fingerprint for the cache. */
class OpSet {
  readonly words: Uint32Array;
  hi = 0;
  lo = 0;
  private readonly keysHi: Uint32Array;
  private readonly keysLo: Uint32Array;

  constructor(n: number) {
    this.words = new Uint32Array(Math.ceil(n / 32) || 1);
    this.keysHi = new Uint32Array(n);
    this.keysLo = new Uint32Array(n);
    let x = 0x9e3779b9;
    for (let i = 0; i < n; i++) {
      // xorshift32: fixed per-op fingerprints, deterministic across runs
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.keysHi[i] = x >>> 0;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.keysLo[i] = x >>> 0;
    }
  }

  toggle(i: number): void {
    this.words[i >>> 5]! ^= 1 << (i & 31);
    this.hi = (this.hi ^ this.keysHi[i]!) >>> 0;
    this.lo = (this.lo ^ this.keysLo[i]!) >>> 0;
  }
}

/** Cache of seen (linearized set, state) pairs; exact (fingerprint collisions are compared). */
class Seen {
  private readonly m = new Map<string, { words: Uint32Array; state: State }[]>();
  size = 0;

  /** Adds the pair; false when it was already there. */
  add(set: OpSet, state: State): boolean {
    const k = `${set.hi}:${set.lo}:${state === null ? '\u0000' : state}`;
    let l = this.m.get(k);
    if (l === undefined) this.m.set(k, (l = []));
    for (const e of l) if (e.state === state && equal(e.words, set.words)) return false;
    l.push({ words: set.words.slice(), state });
    this.size++;
    return true;
  }
}

function equal(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

type KeyResult =
  | { kind: 'ok'; states: number }
  | { kind: 'invalid'; states: number; depth: number; stuck: RegisterOp | undefined }
  | { kind: 'budget'; states: number };

/** The search for one key. `deadline` is performance.now() based. */
function checkKey(ops: RegisterOp[], deadline: number, maxStates: number): KeyResult {
  if (ops.length === 0) return { kind: 'ok', states: 0 };
  const head = buildList(ops);
  const set = new OpSet(ops.length);
  const seen = new Seen();
  const stack: { call: Event; state: State }[] = [];
  let state: State = null;
  let entry = head.next;
  let steps = 0;
  let deepest = 0;
  let stuck: RegisterOp | undefined;
  while (entry !== null) {
    if (++steps % CLOCK_EVERY === 0 && performance.now() > deadline)
      return { kind: 'budget', states: seen.size };
    if (seen.size > maxStates) return { kind: 'budget', states: seen.size };
    const op = ops[entry.op]!;
    if (entry.isCall) {
      const r = step(state, op);
      if (r !== undefined) {
        set.toggle(entry.op);
        if (seen.add(set, r.next)) {
          stack.push({ call: entry, state });
          state = r.next;
          lift(entry);
          entry = head.next;
          continue;
        }
        set.toggle(entry.op);
      }
      entry = entry.next;
      continue;
    }
    // A return event: of an unknown operation means only unknowns are left.
    if (op.status === 'info') return { kind: 'ok', states: seen.size };
    if (stack.length >= deepest) {
      deepest = stack.length;
      stuck = op;
    }
    const top = stack.pop();
    if (top === undefined) return { kind: 'invalid', states: seen.size, depth: deepest, stuck };
    unlift(top.call);
    set.toggle(top.call.op);
    state = top.state;
    entry = top.call.next;
  }
  return { kind: 'ok', states: seen.size };
}

export function checkRegisters(all: readonly RegisterOp[], budget: SearchBudget = {}): Verdict {
  const v = new VerdictBuilder();
  const deadline = performance.now() + (budget.budgetMs ?? BUDGET_MS_DEFAULT);
  const maxStates = budget.maxStates ?? MAX_STATES_DEFAULT;
  for (const [key, ops] of byKey(all)) {
    v.add('keys');
    v.add('ops', ops.length);
    v.add('infoOps', ops.filter((o) => o.status === 'info').length);
    const kept = relevant(ops);
    v.add('searched', kept.length);
    const r = checkKey(kept, deadline, maxStates);
    v.add('statesExplored', r.states);
    if (r.kind === 'budget') v.undecided(`key ${key}: search budget exhausted after ${r.states} states`);
    else if (r.kind === 'invalid')
      v.invalid(
        `key ${key}: not linearizable; at most ${r.depth} of ${kept.length} operations linearize, then ${
          r.stuck === undefined ? '?' : describe(r.stuck)
        } cannot`,
      );
  }
  return v.done();
}
