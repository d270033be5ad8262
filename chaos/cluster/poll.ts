/**
 * Typed errors and bounded polling for the chaos harness. Every wait in the harness is a
 * condition polled until it holds or a deadline passes (never a guessed sleep), and a
 * deadline that passes says what was awaited and what was last seen.
 */

export type ChaosErrorCode =
  /** A node process did not log ready, or exited while starting. */
  | 'START_FAILED'
  /** A bounded wait ran out. */
  | 'TIMEOUT'
  /** No free node id is left for addNode (maxNodes). */
  | 'CAPACITY'
  /** An operation names a node in a state that does not allow it. */
  | 'BAD_STATE';

export class ChaosError extends Error {
  override name = 'ChaosError';
  readonly code: ChaosErrorCode;
  constructor(code: ChaosErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message (a function: evaluated at the timeout, so it
   * can show the last observation). */
  what: string | (() => string);
}

const POLL_INTERVAL_MS_DEFAULT = 50;

/**
 * Calls `check` until it returns something other than undefined/null/false and resolves to
 * it; `check` may throw (counted as "not yet", the last error goes into the timeout text).
 */
export async function pollUntil<T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  o: PollOptions,
): Promise<T> {
  const deadline = performance.now() + o.timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== null && v !== false) return v;
      last = '';
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (performance.now() >= deadline) {
      const seen = last === '' ? '' : ` (last error: ${last})`;
      const what = typeof o.what === 'string' ? o.what : o.what();
      throw new ChaosError('TIMEOUT', `timed out after ${o.timeoutMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? POLL_INTERVAL_MS_DEFAULT));
  }
}
