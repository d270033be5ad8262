/**
 * Protocol error texts, verbatim from Redis 7.0 (`networking.c`). The server replies
 * `-ERR <text>` and closes the connection after any of them.
 */
export const ERR_INVALID_MULTIBULK_LENGTH = 'Protocol error: invalid multibulk length';
export const ERR_INVALID_BULK_LENGTH = 'Protocol error: invalid bulk length';
export const ERR_UNAUTHENTICATED_MULTIBULK_LENGTH = 'Protocol error: unauthenticated multibulk length';
export const ERR_UNAUTHENTICATED_BULK_LENGTH = 'Protocol error: unauthenticated bulk length';
export const ERR_TOO_BIG_INLINE_REQUEST = 'Protocol error: too big inline request';
export const ERR_TOO_BIG_MBULK_COUNT_STRING = 'Protocol error: too big mbulk count string';
export const ERR_TOO_BIG_BULK_COUNT_STRING = 'Protocol error: too big bulk count string';
export const ERR_UNBALANCED_QUOTES = 'Protocol error: unbalanced quotes in request';

/**
 * `Protocol error: expected '$', got 'x'`. Redis prints the offending byte with `%c` and
 * then maps CR and LF in error texts to spaces. A byte >= 0x80 is the latin1 character, which
 * the reply writer sends as that one byte, raw as Redis does.
 */
export function errExpectedDollar(byte: number): string {
  const shown = byte === 0x0d || byte === 0x0a ? ' ' : String.fromCharCode(byte);
  return `Protocol error: expected '$', got '${shown}'`;
}
