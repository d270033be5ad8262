/**
 * The encoding thresholds of Redis 7.0 that decide how a small collection is stored
 * (`hash-max-listpack-*`, `zset-max-listpack-*`, `set-max-intset-entries`). Seshat stores every
 * collection the same way, but it models Redis's encoding in a meta flag because the encoding
 * is visible: a listpack hash answers HGETALL in insertion order, an intset answers SMEMBERS in
 * ascending order, OBJECT ENCODING names it and DUMP writes it. The flag is decided when a
 * write is applied, from these limits, so every replica must run with the same values (like
 * `proto-max-bulk-len` and `stream-node-max-*`); CONFIG SET changes them on the node it reaches.
 */

export interface EncodingLimits {
  /** hash-max-listpack-entries: a hash with more fields becomes a hashtable. */
  hashMaxListpackEntries: number;
  /** hash-max-listpack-value: a field or value longer than this makes a hashtable. */
  hashMaxListpackValueBytes: number;
  /** zset-max-listpack-entries: a sorted set with more members becomes a skiplist. */
  zsetMaxListpackEntries: number;
  /** zset-max-listpack-value: a member longer than this makes a skiplist. */
  zsetMaxListpackValueBytes: number;
  /** set-max-intset-entries: an integer set with more members becomes a hashtable. */
  setMaxIntsetEntries: number;
}

/** The values redis-server 7.0 starts with when no config file lowers them. */
export const ENCODING_LIMITS_DEFAULT: Readonly<EncodingLimits> = Object.freeze({
  hashMaxListpackEntries: 512,
  hashMaxListpackValueBytes: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValueBytes: 64,
  setMaxIntsetEntries: 512,
});

/** The CONFIG parameter behind each limit (aliases such as hash-max-ziplist-entries resolve to
 * these names in the server's config layer). */
export const ENCODING_LIMIT_PARAMS: Readonly<Record<string, keyof EncodingLimits>> = Object.freeze({
  'hash-max-listpack-entries': 'hashMaxListpackEntries',
  'hash-max-listpack-value': 'hashMaxListpackValueBytes',
  'zset-max-listpack-entries': 'zsetMaxListpackEntries',
  'zset-max-listpack-value': 'zsetMaxListpackValueBytes',
  'set-max-intset-entries': 'setMaxIntsetEntries',
});
