/**
 * Prebuilt replies that go out often, written with one copy instead of being formatted.
 */
export const RESP_CRLF = Buffer.from('\r\n');
export const RESP_OK = Buffer.from('+OK\r\n');
export const RESP_PONG = Buffer.from('+PONG\r\n');
export const RESP_QUEUED = Buffer.from('+QUEUED\r\n');
/** RESP2 null bulk (GET of a missing key). */
export const RESP2_NULL = Buffer.from('$-1\r\n');
/** RESP2 null array (BLPOP timeout, EXEC aborted by WATCH). */
export const RESP2_NULL_ARRAY = Buffer.from('*-1\r\n');
/** RESP3 null, for both null bulk and null array. */
export const RESP3_NULL = Buffer.from('_\r\n');
export const RESP_EMPTY_ARRAY = Buffer.from('*0\r\n');
export const RESP_EMPTY_BULK = Buffer.from('$0\r\n\r\n');
export const RESP3_TRUE = Buffer.from('#t\r\n');
export const RESP3_FALSE = Buffer.from('#f\r\n');
export const RESP_ZERO = Buffer.from(':0\r\n');
export const RESP_ONE = Buffer.from(':1\r\n');
export const RESP3_INF = Buffer.from(',inf\r\n');
export const RESP3_NEGATIVE_INF = Buffer.from(',-inf\r\n');
export const RESP2_INF = Buffer.from('$3\r\ninf\r\n');
export const RESP2_NEGATIVE_INF = Buffer.from('$4\r\n-inf\r\n');

/** Integer replies `:0` .. `:(SHARED_INTEGERS_COUNT - 1)` (Redis: OBJ_SHARED_INTEGERS), one backing buffer. */
export const SHARED_INTEGERS_COUNT = 10000;
export const RESP_INTEGERS: readonly Buffer[] = buildIntegerReplies();

function buildIntegerReplies(): Buffer[] {
  const text = Array.from({ length: SHARED_INTEGERS_COUNT }, (_, i) => `:${i}\r\n`);
  const all = Buffer.from(text.join(''), 'latin1');
  const replies: Buffer[] = [];
  let offset = 0;
  for (const t of text) {
    replies.push(all.subarray(offset, offset + t.length));
    offset += t.length;
  }
  return replies;
}
