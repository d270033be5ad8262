/**
 * Script flags (Redis 7.0 script.c): given in an EVAL script's shebang (`#!lua flags=...`) or to
 * `redis.register_function{flags={...}}`. Bits here, names in Redis's order for FUNCTION LIST.
 */
export const SCRIPT_FLAG_NO_WRITES = 1 << 0;
export const SCRIPT_FLAG_ALLOW_OOM = 1 << 1;
export const SCRIPT_FLAG_ALLOW_STALE = 1 << 2;
export const SCRIPT_FLAG_NO_CLUSTER = 1 << 3;
export const SCRIPT_FLAG_ALLOW_CROSS_SLOT = 1 << 4;
/** An EVAL script without a shebang: Redis's pre-7.0 behaviour (no flags were declared). */
export const SCRIPT_FLAG_EVAL_COMPAT_MODE = 1 << 5;

const NAMES: readonly (readonly [string, number])[] = [
  ['no-writes', SCRIPT_FLAG_NO_WRITES],
  ['allow-oom', SCRIPT_FLAG_ALLOW_OOM],
  ['allow-stale', SCRIPT_FLAG_ALLOW_STALE],
  ['no-cluster', SCRIPT_FLAG_NO_CLUSTER],
  ['allow-cross-slot-keys', SCRIPT_FLAG_ALLOW_CROSS_SLOT],
];

/** The flag bit of a name, or 0 for an unknown one. */
export function scriptFlagByName(name: string): number {
  for (const [n, bit] of NAMES) if (n === name) return bit;
  return 0;
}

export function scriptFlagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [n, bit] of NAMES) if ((flags & bit) !== 0) out.push(n);
  return out;
}
