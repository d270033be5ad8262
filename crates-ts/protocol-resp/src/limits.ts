import {
  BULK_LENGTH_MAX_BYTES_DEFAULT,
  MULTIBULK_LENGTH_MAX,
  QUERY_BUFFER_MAX_BYTES_DEFAULT,
} from '@seshat/common';

/** Limits the request parser enforces. Mutable at runtime (CONFIG SET). */
export interface ParserLimits {
  /** proto-max-bulk-len: a bulk header above this is `invalid bulk length`. */
  bulkMaxBytes: number;
  /**
   * client-query-buffer-limit. The parser does not enforce it (it never refuses bytes);
   * the server compares `bufferedBytes()` with it after each push and closes the client.
   */
  queryBufferMaxBytes: number;
  /**
   * A multibulk header above this is `invalid multibulk length`. Redis 7.0.15 itself
   * accepts up to INT_MAX (2147483647); we default to 1024*1024 (Redis < 7.0) so that a
   * header cannot make us hold millions of argument objects. Set to 2147483647 to match 7.0.
   */
  multibulkMaxLength: number;
}

export const PARSER_LIMITS_DEFAULT: Readonly<ParserLimits> = Object.freeze({
  bulkMaxBytes: BULK_LENGTH_MAX_BYTES_DEFAULT,
  queryBufferMaxBytes: QUERY_BUFFER_MAX_BYTES_DEFAULT,
  multibulkMaxLength: MULTIBULK_LENGTH_MAX,
});

/** Redis's limits before AUTH when a password is required (`authRequired(c)`). */
export const UNAUTHENTICATED_MULTIBULK_LENGTH_MAX = 10;
export const UNAUTHENTICATED_BULK_MAX_BYTES = 16384;

/**
 * A header line (`*N`, `$N`) or an inline request must have its terminator within this
 * many bytes from its start (Redis: PROTO_INLINE_MAX_SIZE; it errors once more than this
 * many bytes are buffered without the terminator).
 */
export { INLINE_REQUEST_MAX_BYTES } from '@seshat/common';

/** Bulks at least this long get their own exact-size Buffer filled straight from the socket chunks (Redis: PROTO_MBULK_BIG_ARG). */
export const BIG_ARGUMENT_MIN_BYTES = 32 * 1024;
/** Initial capacity of the reused input buffer. */
export const INPUT_BUFFER_INITIAL_BYTES = 16 * 1024;
/** resizeToPeak leaves alone an input buffer of at most this size (Redis: PROTO_RESIZE_THRESHOLD). */
export const INPUT_BUFFER_RESIZE_MIN_BYTES = 32 * 1024;
/** resizeToPeak leaves alone an input buffer with at most this much room unused (Redis: 4 KB). */
export const INPUT_BUFFER_WASTE_MIN_BYTES = 4 * 1024;
/** When the input buffer grew beyond this and drains completely, it is replaced by a small one. */
export const INPUT_BUFFER_RETAIN_MAX_BYTES = 1024 * 1024;
