/**
 * Always-on invariant check. A failed assertion is a programmer error: it throws
 * an AssertionError that is never mapped to a client reply (the process should crash
 * or the test fail), unlike SeshatError which is an operating error.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
