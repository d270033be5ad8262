/** Named limits shared by several packages. Units last. */
export const SLOT_COUNT = 16384;
export const DATABASE_COUNT = 16;
/** Redis's proto-max-bulk-len default. */
export const BULK_LENGTH_MAX_BYTES_DEFAULT = 512 * 1024 * 1024;
/** Redis's client-query-buffer-limit default. */
export const QUERY_BUFFER_MAX_BYTES_DEFAULT = 1024 * 1024 * 1024;
/** Redis's PROTO_INLINE_MAX_SIZE: an inline request longer than this is refused. */
export const INLINE_REQUEST_MAX_BYTES = 64 * 1024;
/** Most elements in one request. Redis 7.0 accepts up to INT_MAX; Seshat refuses more than
 * 1024*1024 (Redis 6 limit) so a header cannot make it reserve unbounded memory. Unauthenticated: 10. */
export const MULTIBULK_LENGTH_MAX = 1024 * 1024;
/** Largest string value Redis allows (SETRANGE / APPEND). */
export const STRING_MAX_BYTES = 512 * 1024 * 1024;
export const MAX_CLIENTS_DEFAULT = 10000;
