/**
 * What a scenario's fault schedule works with: the cluster, a seeded random source, run
 * time, and the records it leaves for the report (fault windows, pass criteria, events).
 * The schedule runs until `endsAt` (run time); `pace(ms)` is the nemesis's own interval
 * between faults (a schedule, not a wait for a condition), cut short at the end of the
 * fault phase.
 */
import type { Random } from '@seshat/common';
import type { ChaosCluster } from '../cluster/supervisor.ts';
import type { FaultWindow, ScenarioCheck } from '../report/run-result.ts';
import type { Recorder } from '../workload/recorder.ts';

export class ScenarioContext {
  readonly faults: FaultWindow[] = [];
  readonly checks: ScenarioCheck[] = [];
  readonly events: { at: number; text: string }[] = [];

  constructor(
    readonly cluster: ChaosCluster,
    readonly random: Random,
    readonly recorder: Recorder,
    /** Run time (ms) at which the fault phase ends. */
    readonly endsAt: number,
  ) {}

  now(): number {
    return this.recorder.now();
  }

  /** Whether the fault phase is still on. */
  running(): boolean {
    return this.now() < this.endsAt;
  }

  /** Opens a fault window; call the returned function when the fault is healed. */
  fault(kind: string, detail: string): () => void {
    const w: FaultWindow = { kind, detail, start: this.now(), end: null };
    this.faults.push(w);
    this.event(`${kind} ${detail}`);
    return () => {
      if (w.end === null) w.end = this.now();
    };
  }

  check(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, detail });
    if (!ok) this.event(`CHECK FAILED ${name}: ${detail}`);
  }

  event(text: string): void {
    this.events.push({ at: this.now(), text });
  }

  /** Waits `ms` of schedule time, or less if the fault phase ends first. */
  pace(ms: number): Promise<void> {
    const left = Math.max(0, Math.min(ms, this.endsAt - this.now()));
    return new Promise((resolve) => setTimeout(resolve, left));
  }

  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + (this.random.nextU32() % (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list');
    return xs[this.random.nextU32() % xs.length]!;
  }
}
