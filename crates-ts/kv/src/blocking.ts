/**
 * Support for blocking commands (BLPOP, BZPOPMIN, ...). A blocking command is a write: at
 * apply time it pops if it can; otherwise it returns WOULD_BLOCK and the serving node parks the
 * client until a write touches one of its keys, then proposes the command again (each attempt
 * is an ordinary, deterministic log command, so an element is popped exactly once). Inside
 * MULTI/EXEC a blocking command never blocks: it returns its timeout reply at once.
 */
import { SeshatError, SimpleString } from '@seshat/common';
import { tryParseFloat } from './args.js';

/** Identity-compared marker reply: "nothing to pop, block the client". Never sent. */
export const WOULD_BLOCK = new SimpleString('\u0000would-block');

/** Redis's getTimeoutFromObjectOrReply: seconds (fractional allowed) -> ms; 0 = forever. */
export function parseBlockingTimeoutMs(arg: Buffer): number {
  const v = tryParseFloat(arg);
  if (v === undefined) throw new SeshatError('ERR', 'timeout is not a float or out of range');
  const ms = v * 1000;
  if (ms > 9223372036854775807) throw new SeshatError('ERR', 'timeout is out of range');
  if (ms < 0) throw new SeshatError('ERR', 'timeout is negative');
  // Deadlines past 2^52 ms (~140,000 years) are as good as forever.
  return Math.min(Math.ceil(ms), 2 ** 52);
}
