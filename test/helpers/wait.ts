// Bounded polling for conditions that only time can make true (key expiry, idle timeouts), so
// tests wait exactly as long as needed instead of sleeping a guessed duration.
//
// Exports:
//   waitUntil(check, opts?)  calls `check` (sync or async) every `intervalMs` until it returns a
//                            truthy value, which it resolves to; rejects with `opts.what` after
//                            `timeoutMs` (default 5000 ms).

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Describes the condition in the timeout error. */
  what?: string;
}

export async function waitUntil<T>(
  check: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const intervalMs = opts.intervalMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
