/**
 * The history recorder: run-relative monotonic time, logical process ids, and operations
 * appended at invocation (as `info`, ret = Infinity) and completed in place, so an
 * operation still in flight when the run ends stays "unknown", as it must.
 */
import type { History, Operation } from '../history.ts';

export class Recorder {
  readonly history: History = { registers: [], counters: [], sets: [], lists: [] };
  private readonly t0 = performance.now();
  private nextProcess = 0;

  /** Milliseconds since the run started (monotonic). */
  now(): number {
    return performance.now() - this.t0;
  }

  /** A fresh logical process id (a worker takes a new one after every info). */
  process(): number {
    return this.nextProcess++;
  }

  /** Records the invocation of `input` on `key`; complete it with ok/fail/info. */
  invoke<I, O>(
    log: Operation<I, O>[],
    process: number,
    key: string,
    input: I,
    node: number,
  ): Operation<I, O> {
    const op: Operation<I, O> = {
      process,
      key,
      input,
      status: 'info',
      call: this.now(),
      ret: Number.POSITIVE_INFINITY,
      node,
    };
    log.push(op);
    return op;
  }

  ok<I, O>(op: Operation<I, O>, output: O): void {
    op.status = 'ok';
    op.output = output;
    op.ret = this.now();
  }

  fail<I, O>(op: Operation<I, O>, error: string): void {
    op.status = 'fail';
    op.ret = this.now();
    op.error = error;
  }

  /** Unknown outcome: stays ret = Infinity (may take effect at any later time). */
  info<I, O>(op: Operation<I, O>, error: string): void {
    op.status = 'info';
    op.error = error;
  }
}
