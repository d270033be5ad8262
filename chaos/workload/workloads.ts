/**
 * The four workloads of a chaos run, each a choice of the next operation and its execution
 * with ioredis:
 *   registers  GET / SET / SET ... GET (swap) / compare-and-set by WATCH + GET + MULTI SET EXEC
 *   counters   INCR / GET
 *   sets       SADD of a unique element / SMEMBERS
 *   lists      MULTI RPUSH of a unique element EXEC / LRANGE 0 -1
 * Written values and elements are unique per run ("<process>.<n>"), which is what lets the
 * checkers tell every write apart.
 */
import type { Redis } from 'ioredis';
import type {
  CounterInput,
  CounterOutput,
  History,
  ListInput,
  ListOutput,
  RegisterInput,
  RegisterOutput,
  SetInput,
  SetOutput,
} from '../history.ts';

export type WorkloadName = keyof History;

/** An aborted EXEC (WATCH saw a change): the transaction did not run. */
export class ExecAborted extends Error {
  override name = 'ExecAborted';
  constructor() {
    super('EXECABORT WATCH saw a change, the transaction did not run');
  }
}

/** A failure before the write was sent (WATCH/GET of a compare-and-set): nothing happened. */
export class NotSent extends Error {
  override name = 'NotSent';
}

export interface Workload<I, O> {
  readonly name: WorkloadName;
  /** Key prefix; keys are `<prefix>:<generation>:<i>`. */
  readonly prefix: string;
  /** Keys in use at a time. */
  readonly keys: number;
  /** Writes to one key generation before moving to fresh keys (bounds list length and search). */
  readonly writesPerGeneration: number;
  /** The next input; `fraction` is a uniform draw in [0, 1), `unique` a run-unique token. */
  next(fraction: number, unique: string): I;
  isWrite(input: I): boolean;
  execute(r: Redis, key: string, input: I): Promise<O>;
  /** The read whose result the final check compares. */
  readonly finalRead: I;
}

/** Runs MULTI ... EXEC; throws ExecAborted on a nil EXEC and the first command error. */
async function exec(r: Redis, build: (m: ReturnType<Redis['multi']>) => void): Promise<unknown[]> {
  const m = r.multi();
  build(m);
  const res = await m.exec();
  if (res === null) throw new ExecAborted();
  return res.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

export const registers: Workload<RegisterInput, RegisterOutput> = {
  name: 'registers',
  prefix: 'reg',
  keys: 6,
  writesPerGeneration: 400,
  finalRead: { f: 'read' },
  next(x, unique) {
    if (x < 0.5) return { f: 'read' };
    if (x < 0.75) return { f: 'write', value: unique };
    if (x < 0.9) return { f: 'swap', value: unique };
    return { f: 'cas', from: null, to: unique };
  },
  isWrite: (i) => i.f !== 'read',
  async execute(r, key, i) {
    switch (i.f) {
      case 'read':
        return await r.get(key);
      case 'write':
        await r.set(key, i.value);
        return null;
      case 'swap':
        return await r.set(key, i.value, 'GET');
      case 'cas': {
        // The compared value is what GET saw under WATCH: EXEC runs only if it still holds,
        // so the operation is "cas(from = seen, to)" and succeeds whenever EXEC runs.
        try {
          await r.watch(key);
          i.from = await r.get(key);
        } catch (e) {
          throw new NotSent(`before EXEC: ${e instanceof Error ? e.message : String(e)}`);
        }
        await exec(r, (m) => m.set(key, i.to));
        return true;
      }
    }
  },
};

export const counters: Workload<CounterInput, CounterOutput> = {
  name: 'counters',
  prefix: 'ctr',
  keys: 2,
  writesPerGeneration: 5000,
  finalRead: { f: 'read' },
  next: (x) => (x < 0.7 ? { f: 'incr' } : { f: 'read' }),
  isWrite: (i) => i.f === 'incr',
  async execute(r, key, i) {
    if (i.f === 'incr') return await r.incr(key);
    const v = await r.get(key);
    return v === null ? 0 : Number(v);
  },
};

export const sets: Workload<SetInput, SetOutput> = {
  name: 'sets',
  prefix: 'set',
  keys: 2,
  writesPerGeneration: 500,
  finalRead: { f: 'read' },
  next: (x, unique) => (x < 0.7 ? { f: 'add', element: unique } : { f: 'read' }),
  isWrite: (i) => i.f === 'add',
  async execute(r, key, i) {
    if (i.f === 'add') {
      await r.sadd(key, i.element);
      return null;
    }
    return await r.smembers(key);
  },
};

export const lists: Workload<ListInput, ListOutput> = {
  name: 'lists',
  prefix: 'list',
  keys: 3,
  writesPerGeneration: 300,
  finalRead: { f: 'read' },
  next: (x, unique) => (x < 0.7 ? { f: 'append', element: unique } : { f: 'read' }),
  isWrite: (i) => i.f === 'append',
  async execute(r, key, i) {
    if (i.f === 'append') {
      await exec(r, (m) => m.rpush(key, i.element));
      return null;
    }
    return await r.lrange(key, 0, -1);
  },
};

export const ALL_WORKLOADS = [registers, counters, sets, lists] as const;
