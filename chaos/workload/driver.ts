/**
 * Runs the workloads: `workersPer` concurrent ioredis clients per workload, each a loop of
 * one operation at a time, recorded in the history. Clients never retry on their own (no
 * offline queue, no resend, no per-request retries) so every reply the history holds is one
 * Seshat gave. A worker whose operation ended `info` continues as a new logical process;
 * on connection trouble it moves to the next node with a fresh connection.
 *
 * stop() ends the loops (in-flight operations finish or time out), then finalReads() reads
 * every key ever used through the leader, so a lost acknowledged write shows up as a read
 * that misses it.
 */
import { Redis } from 'ioredis';
import type { Operation } from '../history.ts';
import { classifyError, errorText, isConnectionTrouble } from './outcome.ts';
import type { Recorder } from './recorder.ts';
import { ALL_WORKLOADS, type Workload, type WorkloadName } from './workloads.ts';
import { type Random, SeededRandom } from '@seshat/common';

/** Bound on one operation; a write past it is `info`. */
export const OP_TIMEOUT_MS = 6000;
const CONNECT_TIMEOUT_MS = 2000;
/** Pause after an error before the next operation, so a down cluster is not hammered. */
const BACKOFF_MS = 50;
/** How long the final read of one key may keep failing before the run fails. */
const FINAL_READ_TIMEOUT_MS = 60_000;

export interface NodeTarget {
  id: number;
  port: number;
}

export interface DriverOptions {
  recorder: Recorder;
  seed: number;
  /** Nodes a worker may connect to now (called on every reconnect). */
  targets: () => NodeTarget[];
  /** Clients per workload (default 3). */
  workersPer?: number;
  workloads?: readonly WorkloadName[];
}

export function connect(port: number): Redis {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: false,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: OP_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: () => 100,
  });
  r.on('error', () => {});
  return r;
}

/** Resolves once `r` is connected, or after `ms` (the next command then fails fast). */
function whenReady(r: Redis, ms: number): Promise<void> {
  if (r.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      r.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    r.once('ready', done);
  });
}

/** Shared per-workload state: the key generation and every key ever used. */
class KeySpace<I, O> {
  readonly used = new Set<string>();
  private writes = 0;
  constructor(readonly w: Workload<I, O>) {}

  pick(random: Random, write: boolean): string {
    if (write) this.writes++;
    const gen = Math.floor(this.writes / this.w.writesPerGeneration);
    const key = `${this.w.prefix}:${gen}:${random.nextU32() % this.w.keys}`;
    this.used.add(key);
    return key;
  }
}

export class WorkloadDriver {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly spaces = new Map<WorkloadName, KeySpace<unknown, unknown>>();
  private readonly clients = new Set<Redis>();
  private unique = 0;

  constructor(private readonly o: DriverOptions) {}

  start(): void {
    const names = this.o.workloads ?? ALL_WORKLOADS.map((w) => w.name);
    const root = new SeededRandom(this.o.seed);
    let worker = 0;
    for (const w of ALL_WORKLOADS) {
      if (!names.includes(w.name)) continue;
      const space = new KeySpace(w as Workload<unknown, unknown>);
      this.spaces.set(w.name, space);
      for (let i = 0; i < (this.o.workersPer ?? 3); i++)
        this.loops.push(this.loop(space, new SeededRandom(root.nextU32()), worker++));
    }
  }

  /** Stops issuing operations and waits for the in-flight ones (bounded by OP_TIMEOUT_MS). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const r of this.clients) r.disconnect();
    this.clients.clear();
  }

  private log<I, O>(name: WorkloadName): Operation<I, O>[] {
    return this.o.recorder.history[name] as unknown as Operation<I, O>[];
  }

  private pickTarget(after: number): NodeTarget | undefined {
    const ts = this.o.targets();
    if (ts.length === 0) return undefined;
    return ts[(after + 1) % ts.length];
  }

  private async loop<I, O>(space: KeySpace<I, O>, random: Random, worker: number): Promise<void> {
    const rec = this.o.recorder;
    let turn = worker;
    let target = this.pickTarget(turn);
    let r: Redis | null = null;
    let process = rec.process();
    while (!this.stopping) {
      if (target === undefined) {
        await sleep(BACKOFF_MS);
        target = this.pickTarget(++turn);
        continue;
      }
      if (r === null) {
        r = connect(target.port);
        this.clients.add(r);
        await whenReady(r, CONNECT_TIMEOUT_MS);
      }
      const input = space.w.next(random.nextFloat(), `${process}.${this.unique++}`);
      const write = space.w.isWrite(input);
      const key = space.pick(random, write);
      const op = rec.invoke(this.log<I, O>(space.w.name), process, key, input, target.id);
      try {
        rec.ok(op, await space.w.execute(r, key, input));
        continue;
      } catch (e) {
        const unknown = classifyError(e, write) !== 'fail';
        if (unknown) {
          rec.info(op, errorText(e));
          process = rec.process();
        } else rec.fail(op, errorText(e));
        // A new process is a new client: on the same connection the server would take an
        // identical next command for a retry of the unknown one (and answer its reply).
        if (unknown || isConnectionTrouble(e)) {
          r.disconnect();
          this.clients.delete(r);
          r = null;
          if (isConnectionTrouble(e)) target = this.pickTarget(++turn);
        }
      }
      await sleep(BACKOFF_MS);
    }
    if (r !== null) {
      r.disconnect();
      this.clients.delete(r);
    }
  }

  /**
   * Reads every key ever used, on `port` (the leader), retrying until each read succeeds;
   * each attempt is recorded like any other operation.
   */
  async finalReads(
    target: () => Promise<NodeTarget>,
    onFailure: (t: NodeTarget, error: string, failures: number) => Promise<void> = async () => {},
  ): Promise<void> {
    let failures = 0;
    const rec = this.o.recorder;
    for (const space of this.spaces.values()) {
      for (const key of [...space.used].sort()) {
        // Per key: how long this key's read has been failing (the phase itself takes
        // minutes after a long run, thousands of keys at one read each).
        const deadline = performance.now() + FINAL_READ_TIMEOUT_MS;
        for (;;) {
          const t = await target();
          const r = connect(t.port);
          await whenReady(r, CONNECT_TIMEOUT_MS);
          const op = rec.invoke(this.log(space.w.name), rec.process(), key, space.w.finalRead, t.id);
          try {
            rec.ok(op, await space.w.execute(r, key, space.w.finalRead));
            break;
          } catch (e) {
            rec.fail(op, errorText(e));
            await onFailure(t, errorText(e), ++failures);
            if (performance.now() > deadline) throw new Error(`final read of ${key}: ${errorText(e)}`);
            await sleep(BACKOFF_MS);
          } finally {
            r.disconnect();
          }
        }
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
