/**
 * The history of a chaos run: what each client asked for and what it saw, as completed
 * operations (Porcupine's model: call/return times, input, output).
 *
 * A client ("process") runs one operation at a time. An operation ends as
 *   ok    it happened, with this output;
 *   fail  it definitely did not happen (an error that proves it: e.g. -CLUSTERDOWN before
 *         sending, an EXEC aborted by WATCH, a "was not applied" TRYAGAIN);
 *   info  unknown: it may or may not have happened, at any time after its call (timeout,
 *         lost connection, "may or may not have been applied"). Its `ret` is Infinity and
 *         its output undefined. A process that saw an info never issues another operation
 *         (Jepsen's rule: it might still be in flight); the workload starts a new process id.
 *
 * Times are monotonic milliseconds (performance.now() of the harness), so call < ret for
 * every ok/fail operation, and real-time order is "a.ret < b.call".
 */

/** Register: GET / SET / compare-and-set (WATCH+MULTI) / SET ... GET (swap). Values are strings; null = absent. */
export type RegisterInput =
  | { f: 'read' }
  | { f: 'write'; value: string }
  | { f: 'cas'; from: string | null; to: string }
  | { f: 'swap'; value: string };
/** read: the value seen; write: null; cas: whether it swapped; swap: the previous value. */
export type RegisterOutput = string | null | boolean;

/** Counter: INCR (output: the new value) and GET (output: the value, 0 when absent). */
export type CounterInput = { f: 'incr' } | { f: 'read' };
export type CounterOutput = number;

/** Set: SADD of one element (output: null) and SMEMBERS (output: the elements). */
export type SetInput = { f: 'add'; element: string } | { f: 'read' };
export type SetOutput = string[] | null;

/** List-append: RPUSH of one unique element inside MULTI (output: null) and LRANGE 0 -1 (output: the list). */
export type ListInput = { f: 'append'; element: string } | { f: 'read' };
export type ListOutput = string[] | null;

export type OpStatus = 'ok' | 'fail' | 'info';

export interface Operation<I, O> {
  /** Logical client; never reused after an info. */
  process: number;
  /** The key it touched (checkers partition by key). */
  key: string;
  input: I;
  /** Present for ok operations. */
  output?: O;
  status: OpStatus;
  /** Monotonic ms when the request was issued. */
  call: number;
  /** Monotonic ms when the reply arrived; Infinity for info. */
  ret: number;
  /** Error text for fail/info (diagnostics only). */
  error?: string;
  /** Node the client talked to (diagnostics only). */
  node?: number;
}

export type RegisterOp = Operation<RegisterInput, RegisterOutput>;
export type CounterOp = Operation<CounterInput, CounterOutput>;
export type SetOp = Operation<SetInput, SetOutput>;
export type ListOp = Operation<ListInput, ListOutput>;

export interface History {
  registers: RegisterOp[];
  counters: CounterOp[];
  sets: SetOp[];
  lists: ListOp[];
}

/** A checker's verdict, per workload. */
export interface Verdict {
  valid: boolean;
  /** 'unknown' when the search hit its budget (treated as a failure to prove). */
  outcome: 'valid' | 'invalid' | 'unknown';
  /** Human-readable problems (the first few), empty when valid. */
  problems: string[];
  /** Counts for the report, e.g. { keys: 10, ops: 5000 }. */
  stats: Record<string, number>;
}
