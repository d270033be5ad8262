/**
 * Support for blocking commands (BLPOP, BZPOPMIN, ...). A blocking command is a write: at
 * apply time it pops if it can; otherwise it returns WOULD_BLOCK and the serving node parks the
 * client until a write touches one of its keys, then proposes the command again (each attempt
 * is an ordinary, deterministic log command, so an element is popped exactly once). Inside
 * MULTI/EXEC a blocking command never blocks: it returns its timeout reply at once.
 */
import { type Reply, SeshatError, SimpleString } from '@seshat/common';
import type { Ctx } from './ctx.js';
import { parseLongDouble, scaleLongDouble } from './long-double.js';

/** Identity-compared marker reply: "nothing to pop, block the client". Never sent. */
export const WOULD_BLOCK = new SimpleString('\u0000would-block');

/**
 * What a blocking stream command (XREAD, XREADGROUP) answers when it must wait: which keys, for
 * how long, and how to try again. Unlike the list commands, a retry is not the command itself:
 * XREAD's `$` must mean the last ID when the client blocked, and a served client gets only the
 * key that became ready (Redis's serveClientsBlockedOnStreamKey). Never sent, like WOULD_BLOCK;
 * a retry answers WOULD_BLOCK (or another BlockRequest) while it must still wait.
 */
export class BlockRequest extends SimpleString {
  constructor(
    /** The user keys to wait on, without duplicates, in argument order. */
    readonly keys: Buffer[],
    /** Milliseconds; 0 waits forever. */
    readonly timeoutMs: number,
    /** The argv of a retry limited to `keys[i]` for each i of `indexes`, in that order. */
    readonly retryArgv: (indexes: number[]) => Buffer[],
    /** Runs a retry against applied state on the serving node (XREAD, a read); null: the retry
     * argv is a write proposed through the log (XREADGROUP). */
    readonly readRetry: ((ctx: Ctx, argv: Buffer[]) => Reply) | null,
  ) {
    super('\u0000would-block');
  }
}

/** Whether an apply-time reply parks its client (WOULD_BLOCK or a stream's BlockRequest). */
export function isBlockReply(reply: unknown): boolean {
  return reply === WOULD_BLOCK || reply instanceof BlockRequest;
}

/**
 * Redis 7.0's getTimeoutFromObjectOrReply: seconds as a long double (strtold syntax, hex
 * included) -> `(long long)ceill(seconds * 1000.0)`, the product rounded to a long double
 * first. So a positive timeout under 1 ms is 1 ms (clients send `BLPOP k 0.001` for "do not
 * wait"), while one in (-1 ms, 0] is 0 = forever. A product beyond the long long range (1e400,
 * inf, 9223372036854775807) converts to LLONG_MIN on x86-64: "timeout is negative".
 */
export function parseBlockingTimeoutMs(arg: Buffer): number {
  const v = parseLongDouble(arg);
  if (v === undefined || v.kind === 'nan')
    throw new SeshatError('ERR', 'timeout is not a float or out of range');
  const p = scaleLongDouble(v, 1000n);
  if (p.kind !== 'finite') throw negative();
  // ceill: toward +inf. A negative value's ceiling is its truncation toward zero.
  let ms = p.exp >= 0 ? p.mant << BigInt(p.exp) : p.mant >> BigInt(-p.exp);
  if (!p.neg && p.exp < 0 && ms << BigInt(-p.exp) !== p.mant) ms += 1n;
  if (ms >= LLONG_LIMIT || (p.neg && ms > 0n)) throw negative();
  // Deadlines past 2^52 ms (~140,000 years) are as good as forever.
  return Math.min(Number(ms), 2 ** 52);
}

const LLONG_LIMIT = 1n << 63n;

function negative(): SeshatError {
  return new SeshatError('ERR', 'timeout is negative');
}
