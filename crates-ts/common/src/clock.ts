/** Time source. Production uses SystemClock; tests and the simulator use ManualClock. */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Monotonic milliseconds, for measuring intervals; unrelated to the epoch. */
  monotonicMs(): number;
}

export class SystemClock implements Clock {
  /** Test-only skew added to nowMs (chaos clock-skew scenario); 0 in production. */
  offsetMs = 0;
  nowMs(): number {
    return Date.now() + this.offsetMs;
  }
  monotonicMs(): number {
    return performance.now();
  }
}

export class ManualClock implements Clock {
  constructor(private ms = 1_700_000_000_000) {}
  nowMs(): number {
    return this.ms;
  }
  monotonicMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}
