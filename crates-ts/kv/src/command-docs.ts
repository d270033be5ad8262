/**
 * What Redis 7.0.15 reports about each command in COMMAND INFO and COMMAND DOCS, for every
 * command of the groups Seshat implements or plans to (string, generic, connection, hash, list,
 * set, sorted-set, bitmap, transactions, pub/sub, and the server commands Seshat defines; the
 * hyperloglog and geo groups are in command-docs-hll-geo.ts and merged in here).
 * The command table (command-table.ts) takes flags, ACL categories, tips, key specs, the legacy
 * key range and docs from here, so that COMMAND replies byte for byte like Redis; an entry for a
 * command Seshat does not define is never reported (COMMAND lists only the table).
 *
 * Extracted once from a real redis-server 7.0.15 (COMMAND and COMMAND DOCS over RESP3) and
 * reviewed; edit by hand only to follow Redis. The encoding is compact on purpose:
 *
 *   info      [arity, flags, first key, last key, key step, ACL categories in Redis's order]
 *   tips      command tips, in order
 *   keys      key specs, each `FLAGS | begin_search | find_keys [| notes]` where begin_search is
 *             `index <pos>`, `keyword <KEYWORD> <startfrom>` or `unknown`, and find_keys is
 *             `range <lastkey> <keystep> <limit>`, `keynum <keynumidx> <firstkey> <keystep>` or
 *             `unknown` (parsed by key-specs.ts)
 *   doc       [summary, since, group, complexity]
 *   docFlags  doc_flags (`deprecated`, `syscmd`)
 *   deprecated [deprecated_since, replaced_by]
 *   history   [version, change] pairs
 *   args      arguments: `name type [#key_spec_index] [=TOKEN] [@since] [!deprecated_since]
 *             [flags]` with flags `?` optional, `*` multiple, `+` multiple_token; a oneof/block
 *             argument is `[that string, [sub-arguments]]`
 *
 * Subcommands are keyed `container|sub`.
 */
import { STREAM_COMMAND_DOCS } from './command-docs-streams.js';

import { HLL_GEO_COMMAND_DOCS } from './command-docs-hll-geo.js';

/** One argument of COMMAND DOCS (see the header for the string form). */
export type ArgDoc = string | readonly [string, readonly ArgDoc[]];

export interface CommandDoc {
  readonly info: readonly [
    arity: number,
    flags: string,
    first: number,
    last: number,
    step: number,
    acl: string,
  ];
  readonly tips?: readonly string[];
  readonly keys?: readonly string[];
  readonly doc: readonly [summary: string, since: string, group: string, complexity: string];
  readonly docFlags?: string;
  readonly deprecated?: readonly [since: string, replacedBy: string];
  readonly history?: readonly (readonly [version: string, change: string])[];
  readonly args?: readonly ArgDoc[];
}

export interface ParsedArg {
  readonly name: string;
  readonly type: string;
  /** -1 when the argument is not a key. */
  readonly keySpecIndex: number;
  readonly token: string | null;
  readonly since: string | null;
  readonly deprecatedSince: string | null;
  /** In Redis's order: optional, multiple, multiple_token. */
  readonly flags: readonly string[];
  readonly args: readonly ParsedArg[] | null;
}

const ARG_FLAGS: { readonly [ch: string]: string } = {
  '?': 'optional',
  '*': 'multiple',
  '+': 'multiple_token',
};

/** Expands the string form of an argument (see the header). */
export function parseArgDoc(arg: ArgDoc): ParsedArg {
  const text = typeof arg === 'string' ? arg : arg[0];
  const [name, type, ...mods] = text.split(' ');
  let keySpecIndex = -1;
  let token: string | null = null;
  let since: string | null = null;
  let deprecatedSince: string | null = null;
  let flags: string[] = [];
  for (const m of mods) {
    if (m[0] === '#') keySpecIndex = Number(m.slice(1));
    else if (m[0] === '=') token = m.slice(1);
    else if (m[0] === '@') since = m.slice(1);
    else if (m[0] === '!') deprecatedSince = m.slice(1);
    else flags = [...m].map((ch) => ARG_FLAGS[ch] ?? `?${ch}`);
  }
  return {
    name: name ?? '',
    type: type ?? '',
    keySpecIndex,
    token,
    since,
    deprecatedSince,
    flags,
    args: typeof arg === 'string' ? null : arg[1].map(parseArgDoc),
  };
}

// The scripting group's entries live in their own file (merged below).
import { SCRIPTING_COMMAND_DOCS } from './command-docs-scripting.js';
import { CLUSTER_COMMAND_DOCS } from './command-docs-cluster.js';
import { SHARD_PUBSUB_COMMAND_DOCS } from './command-docs-shard-pubsub.js';

// biome-ignore format: a generated table, one command per block
export const COMMAND_DOCS: { readonly [name: string]: CommandDoc } = {
  ...HLL_GEO_COMMAND_DOCS,
  ...CLUSTER_COMMAND_DOCS,
  ...SHARD_PUBSUB_COMMAND_DOCS,
  // ---- string --------------------------------------------------------------
  append: {
    info: [3, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Append a value to a key', '2.0.0', 'string', 'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.'],
    args: ['key key #0', 'value string'],
  },
  decr: {
    info: [2, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Decrement the integer value of a key by one', '1.0.0', 'string', 'O(1)'],
    args: ['key key #0'],
  },
  decrby: {
    info: [3, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Decrement the integer value of a key by the given number', '1.0.0', 'string', 'O(1)'],
    args: ['key key #0', 'decrement integer'],
  },
  get: {
    info: [2, 'readonly fast', 1, 1, 1, '@read @string @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the value of a key', '1.0.0', 'string', 'O(1)'],
    args: ['key key #0'],
  },
  getdel: {
    info: [2, 'write fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access delete | index 1 | range 0 1 0'],
    doc: ['Get the value of a key and delete the key', '6.2.0', 'string', 'O(1)'],
    args: ['key key #0'],
  },
  getex: {
    info: [-2, 'write fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access update | index 1 | range 0 1 0 | RW and UPDATE because it changes the TTL'],
    doc: ['Get the value of a key and optionally set its expiration', '6.2.0', 'string', 'O(1)'],
    args: ['key key #0', ['expiration oneof ?', ['seconds integer =EX', 'milliseconds integer =PX', 'unix-time-seconds unix-time =EXAT', 'unix-time-milliseconds unix-time =PXAT', 'persist pure-token =PERSIST']]],
  },
  getrange: {
    info: [4, 'readonly', 1, 1, 1, '@read @string @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get a substring of the string stored at a key', '2.4.0', 'string', 'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.'],
    args: ['key key #0', 'start integer', 'end integer'],
  },
  getset: {
    info: [3, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Set the string value of a key and return its old value', '1.0.0', 'string', 'O(1)'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`SET` with the `!GET` argument'],
    args: ['key key #0', 'value string'],
  },
  incr: {
    info: [2, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Increment the integer value of a key by one', '1.0.0', 'string', 'O(1)'],
    args: ['key key #0'],
  },
  incrby: {
    info: [3, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Increment the integer value of a key by the given amount', '1.0.0', 'string', 'O(1)'],
    args: ['key key #0', 'increment integer'],
  },
  incrbyfloat: {
    info: [3, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Increment the float value of a key by the given amount', '2.6.0', 'string', 'O(1)'],
    args: ['key key #0', 'increment double'],
  },
  lcs: {
    info: [-3, 'readonly', 1, 2, 1, '@read @string @slow'],
    keys: ['RO access | index 1 | range 1 1 0'],
    doc: ['Find longest common substring', '7.0.0', 'string', 'O(N*M) where N and M are the lengths of s1 and s2, respectively'],
    args: ['key1 key #0', 'key2 key #0', 'len pure-token =LEN ?', 'idx pure-token =IDX ?', 'len integer =MINMATCHLEN ?', 'withmatchlen pure-token =WITHMATCHLEN ?'],
  },
  mget: {
    info: [-2, 'readonly fast', 1, -1, 1, '@read @string @fast'],
    tips: ['request_policy:multi_shard'],
    keys: ['RO access | index 1 | range -1 1 0'],
    doc: ['Get the values of all the given keys', '1.0.0', 'string', 'O(N) where N is the number of keys to retrieve.'],
    args: ['key key #0 *'],
  },
  mset: {
    info: [-3, 'write denyoom', 1, -1, 2, '@write @string @slow'],
    tips: ['request_policy:multi_shard', 'response_policy:all_succeeded'],
    keys: ['OW update | index 1 | range -1 2 0'],
    doc: ['Set multiple keys to multiple values', '1.0.1', 'string', 'O(N) where N is the number of keys to set.'],
    args: [['key_value block *', ['key key #0', 'value string']]],
  },
  msetnx: {
    info: [-3, 'write denyoom', 1, -1, 2, '@write @string @slow'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_min'],
    keys: ['OW insert | index 1 | range -1 2 0'],
    doc: ['Set multiple keys to multiple values, only if none of the keys exist', '1.0.1', 'string', 'O(N) where N is the number of keys to set.'],
    args: [['key_value block *', ['key key #0', 'value string']]],
  },
  psetex: {
    info: [4, 'write denyoom', 1, 1, 1, '@write @string @slow'],
    keys: ['OW update | index 1 | range 0 1 0'],
    doc: ['Set the value and expiration in milliseconds of a key', '2.6.0', 'string', 'O(1)'],
    args: ['key key #0', 'milliseconds integer', 'value string'],
  },
  set: {
    info: [-3, 'write denyoom', 1, 1, 1, '@write @string @slow'],
    keys: ['RW access update variable_flags | index 1 | range 0 1 0 | RW and ACCESS due to the optional `GET` argument'],
    doc: ['Set the string value of a key', '1.0.0', 'string', 'O(1)'],
    history: [['2.6.12', 'Added the `EX`, `PX`, `NX` and `XX` options.'], ['6.0.0', 'Added the `KEEPTTL` option.'], ['6.2.0', 'Added the `GET`, `EXAT` and `PXAT` option.'], ['7.0.0', 'Allowed the `NX` and `GET` options to be used together.']],
    args: ['key key #0', 'value string', ['condition oneof @2.6.12 ?', ['nx pure-token =NX', 'xx pure-token =XX']], 'get pure-token =GET @6.2.0 ?', ['expiration oneof ?', ['seconds integer =EX @2.6.12', 'milliseconds integer =PX @2.6.12', 'unix-time-seconds unix-time =EXAT @6.2.0', 'unix-time-milliseconds unix-time =PXAT @6.2.0', 'keepttl pure-token =KEEPTTL @6.0.0']]],
  },
  setex: {
    info: [4, 'write denyoom', 1, 1, 1, '@write @string @slow'],
    keys: ['OW update | index 1 | range 0 1 0'],
    doc: ['Set the value and expiration of a key', '2.0.0', 'string', 'O(1)'],
    args: ['key key #0', 'seconds integer', 'value string'],
  },
  setnx: {
    info: [3, 'write denyoom fast', 1, 1, 1, '@write @string @fast'],
    keys: ['OW insert | index 1 | range 0 1 0'],
    doc: ['Set the value of a key, only if the key does not exist', '1.0.0', 'string', 'O(1)'],
    args: ['key key #0', 'value string'],
  },
  setrange: {
    info: [4, 'write denyoom', 1, 1, 1, '@write @string @slow'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Overwrite part of a string at key starting at the specified offset', '2.2.0', 'string', 'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.'],
    args: ['key key #0', 'offset integer', 'value string'],
  },
  strlen: {
    info: [2, 'readonly fast', 1, 1, 1, '@read @string @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Get the length of the value stored in a key', '2.2.0', 'string', 'O(1)'],
    args: ['key key #0'],
  },
  substr: {
    info: [4, 'readonly', 1, 1, 1, '@read @string @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get a substring of the string stored at a key', '1.0.0', 'string', 'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.'],
    docFlags: 'deprecated',
    deprecated: ['2.0.0', '`GETRANGE`'],
    args: ['key key #0', 'start integer', 'end integer'],
  },
  // ---- generic -------------------------------------------------------------
  copy: {
    info: [-3, 'write denyoom', 1, 2, 1, '@keyspace @write @slow'],
    keys: ['RO access | index 1 | range 0 1 0', 'OW update | index 2 | range 0 1 0'],
    doc: ['Copy a key', '6.2.0', 'generic', 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.'],
    args: ['source key #0', 'destination key #1', 'destination-db integer =DB ?', 'replace pure-token =REPLACE ?'],
  },
  del: {
    info: [-2, 'write', 1, -1, 1, '@keyspace @write @slow'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: ['RM delete | index 1 | range -1 1 0'],
    doc: ['Delete a key', '1.0.0', 'generic', 'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).'],
    args: ['key key #0 *'],
  },
  dump: {
    info: [2, 'readonly', 1, 1, 1, '@keyspace @read @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a serialized version of the value stored at the specified key.', '2.6.0', 'generic', 'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).'],
    args: ['key key #0'],
  },
  exists: {
    info: [-2, 'readonly fast', 1, -1, 1, '@keyspace @read @fast'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: ['RO | index 1 | range -1 1 0'],
    doc: ['Determine if a key exists', '1.0.0', 'generic', 'O(N) where N is the number of keys to check.'],
    history: [['3.0.3', 'Accepts multiple `key` arguments.']],
    args: ['key key #0 *'],
  },
  expire: {
    info: [-3, 'write fast', 1, 1, 1, '@keyspace @write @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Set a key\'s time to live in seconds', '1.0.0', 'generic', 'O(1)'],
    history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']],
    args: ['key key #0', 'seconds integer', ['condition oneof @7.0.0 ?', ['nx pure-token =NX', 'xx pure-token =XX', 'gt pure-token =GT', 'lt pure-token =LT']]],
  },
  expireat: {
    info: [-3, 'write fast', 1, 1, 1, '@keyspace @write @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Set the expiration for a key as a UNIX timestamp', '1.2.0', 'generic', 'O(1)'],
    history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']],
    args: ['key key #0', 'unix-time-seconds unix-time', ['condition oneof @7.0.0 ?', ['nx pure-token =NX', 'xx pure-token =XX', 'gt pure-token =GT', 'lt pure-token =LT']]],
  },
  expiretime: {
    info: [2, 'readonly fast', 1, 1, 1, '@keyspace @read @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the expiration Unix timestamp for a key', '7.0.0', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  keys: {
    info: [2, 'readonly', 0, 0, 0, '@keyspace @read @slow @dangerous'],
    tips: ['request_policy:all_shards', 'nondeterministic_output_order'],
    doc: ['Find all keys matching the given pattern', '1.0.0', 'generic', 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.'],
    args: ['pattern pattern'],
  },
  migrate: {
    info: [-6, 'write movablekeys', 3, 3, 1, '@keyspace @write @slow @dangerous'],
    tips: ['nondeterministic_output'],
    keys: ['RW access delete | index 3 | range 0 1 0', 'RW access delete incomplete | keyword KEYS -2 | range -1 1 0'],
    doc: ['Atomically transfer a key from a Redis instance to another one.', '2.6.0', 'generic', 'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.'],
    history: [['3.0.0', 'Added the `COPY` and `REPLACE` options.'], ['3.0.6', 'Added the `KEYS` option.'], ['4.0.7', 'Added the `AUTH` option.'], ['6.0.0', 'Added the `AUTH2` option.']],
    args: ['host string', 'port integer', ['key_or_empty_string oneof', ['key key #0', 'empty_string pure-token =']], 'destination-db integer', 'timeout integer', 'copy pure-token =COPY @3.0.0 ?', 'replace pure-token =REPLACE @3.0.0 ?', ['authentication oneof ?', ['password string =AUTH @4.0.7 ?', ['username_password block =AUTH2 @6.0.0 ?', ['username string', 'password string']]]], 'key key #1 =KEYS @3.0.6 ?*'],
  },
  move: {
    info: [3, 'write fast', 1, 1, 1, '@keyspace @write @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Move a key to another database', '1.0.0', 'generic', 'O(1)'],
    args: ['key key #0', 'db integer'],
  },
  object: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for object introspection commands', '2.2.3', 'generic', 'Depends on subcommand.'],
  },
  'object|encoding': {
    info: [3, 'readonly', 2, 2, 1, '@keyspace @read @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO | index 2 | range 0 1 0'],
    doc: ['Inspect the internal encoding of a Redis object', '2.2.3', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  'object|freq': {
    info: [3, 'readonly', 2, 2, 1, '@keyspace @read @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO | index 2 | range 0 1 0'],
    doc: ['Get the logarithmic access frequency counter of a Redis object', '4.0.0', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  'object|help': {
    info: [2, 'loading stale', 0, 0, 0, '@keyspace @slow'],
    doc: ['Show helpful text about the different subcommands', '6.2.0', 'generic', 'O(1)'],
  },
  'object|idletime': {
    info: [3, 'readonly', 2, 2, 1, '@keyspace @read @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO | index 2 | range 0 1 0'],
    doc: ['Get the time since a Redis object was last accessed', '2.2.3', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  'object|refcount': {
    info: [3, 'readonly', 2, 2, 1, '@keyspace @read @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO | index 2 | range 0 1 0'],
    doc: ['Get the number of references to the value of the key', '2.2.3', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  persist: {
    info: [2, 'write fast', 1, 1, 1, '@keyspace @write @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Remove the expiration from a key', '2.2.0', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  pexpire: {
    info: [-3, 'write fast', 1, 1, 1, '@keyspace @write @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Set a key\'s time to live in milliseconds', '2.6.0', 'generic', 'O(1)'],
    history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']],
    args: ['key key #0', 'milliseconds integer', ['condition oneof @7.0.0 ?', ['nx pure-token =NX', 'xx pure-token =XX', 'gt pure-token =GT', 'lt pure-token =LT']]],
  },
  pexpireat: {
    info: [-3, 'write fast', 1, 1, 1, '@keyspace @write @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Set the expiration for a key as a UNIX timestamp specified in milliseconds', '2.6.0', 'generic', 'O(1)'],
    history: [['7.0.0', 'Added options: `NX`, `XX`, `GT` and `LT`.']],
    args: ['key key #0', 'unix-time-milliseconds unix-time', ['condition oneof @7.0.0 ?', ['nx pure-token =NX', 'xx pure-token =XX', 'gt pure-token =GT', 'lt pure-token =LT']]],
  },
  pexpiretime: {
    info: [2, 'readonly fast', 1, 1, 1, '@keyspace @read @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the expiration Unix timestamp for a key in milliseconds', '7.0.0', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  pttl: {
    info: [2, 'readonly fast', 1, 1, 1, '@keyspace @read @fast'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the time to live for a key in milliseconds', '2.6.0', 'generic', 'O(1)'],
    history: [['2.8.0', 'Added the -2 reply.']],
    args: ['key key #0'],
  },
  randomkey: {
    info: [1, 'readonly', 0, 0, 0, '@keyspace @read @slow'],
    tips: ['request_policy:all_shards', 'nondeterministic_output'],
    doc: ['Return a random key from the keyspace', '1.0.0', 'generic', 'O(1)'],
  },
  rename: {
    info: [3, 'write', 1, 2, 1, '@keyspace @write @slow'],
    keys: ['RW access delete | index 1 | range 0 1 0', 'OW update | index 2 | range 0 1 0'],
    doc: ['Rename a key', '1.0.0', 'generic', 'O(1)'],
    args: ['key key #0', 'newkey key #1'],
  },
  renamenx: {
    info: [3, 'write fast', 1, 2, 1, '@keyspace @write @fast'],
    keys: ['RW access delete | index 1 | range 0 1 0', 'OW insert | index 2 | range 0 1 0'],
    doc: ['Rename a key, only if the new key does not exist', '1.0.0', 'generic', 'O(1)'],
    history: [['3.2.0', 'The command no longer returns an error when source and destination names are the same.']],
    args: ['key key #0', 'newkey key #1'],
  },
  restore: {
    info: [-4, 'write denyoom', 1, 1, 1, '@keyspace @write @slow @dangerous'],
    keys: ['OW update | index 1 | range 0 1 0'],
    doc: ['Create a key using the provided serialized value, previously obtained using DUMP.', '2.6.0', 'generic', 'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).'],
    history: [['3.0.0', 'Added the `REPLACE` modifier.'], ['5.0.0', 'Added the `ABSTTL` modifier.'], ['5.0.0', 'Added the `IDLETIME` and `FREQ` options.']],
    args: ['key key #0', 'ttl integer', 'serialized-value string', 'replace pure-token =REPLACE @3.0.0 ?', 'absttl pure-token =ABSTTL @5.0.0 ?', 'seconds integer =IDLETIME @5.0.0 ?', 'frequency integer =FREQ @5.0.0 ?'],
  },
  'restore-asking': {
    info: [-4, 'write denyoom asking', 1, 1, 1, '@keyspace @write @slow @dangerous'],
    keys: ['OW update | index 1 | range 0 1 0'],
    doc: ['An internal command for migrating keys in a cluster', '3.0.0', 'server', 'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).'],
    docFlags: 'syscmd',
    history: [['3.0.0', 'Added the `REPLACE` modifier.'], ['5.0.0', 'Added the `ABSTTL` modifier.'], ['5.0.0', 'Added the `IDLETIME` and `FREQ` options.']],
    args: ['key key #0', 'ttl integer', 'serialized-value string', 'replace pure-token =REPLACE @3.0.0 ?', 'absttl pure-token =ABSTTL @5.0.0 ?', 'seconds integer =IDLETIME @5.0.0 ?', 'frequency integer =FREQ @5.0.0 ?'],
  },
  memory: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for memory diagnostics commands', '4.0.0', 'server', 'Depends on subcommand.'],
  },
  'memory|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow'],
    doc: ['Show helpful text about the different subcommands', '4.0.0', 'server', 'O(1)'],
  },
  'memory|usage': {
    info: [-3, 'readonly', 2, 2, 1, '@read @slow'],
    keys: ['RO | index 2 | range 0 1 0'],
    doc: ['Estimate the memory usage of a key', '4.0.0', 'server', 'O(N) where N is the number of samples.'],
    args: ['key key #0', 'count integer =SAMPLES ?'],
  },
  scan: {
    info: [-2, 'readonly', 0, 0, 0, '@keyspace @read @slow'],
    tips: ['nondeterministic_output', 'request_policy:special'],
    doc: ['Incrementally iterate the keys space', '2.8.0', 'generic', 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.'],
    history: [['6.0.0', 'Added the `TYPE` subcommand.']],
    args: ['cursor integer', 'pattern pattern =MATCH ?', 'count integer =COUNT ?', 'type string =TYPE @6.0.0 ?'],
  },
  sort: {
    info: [-2, 'write denyoom movablekeys', 1, 1, 1, '@write @set @sortedset @list @slow @dangerous'],
    keys: ['RO access | index 1 | range 0 1 0', 'RO access | unknown | unknown | For the optional BY/GET keyword. It is marked \'unknown\' because the key names derive from the content of the key we sort', 'OW update | unknown | unknown | For the optional STORE keyword. It is marked \'unknown\' because the keyword can appear anywhere in the argument array'],
    doc: ['Sort the elements in a list, set or sorted set', '1.0.0', 'generic', 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).'],
    args: ['key key #0', 'pattern pattern #1 =BY ?', ['offset_count block =LIMIT ?', ['offset integer', 'count integer']], 'pattern pattern #1 =GET ?*+', ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']], 'sorting pure-token =ALPHA ?', 'destination key #2 =STORE ?'],
  },
  sort_ro: {
    info: [-2, 'readonly movablekeys', 1, 1, 1, '@read @set @sortedset @list @slow @dangerous'],
    keys: ['RO access | index 1 | range 0 1 0', 'RO access | unknown | unknown | For the optional BY/GET keyword. It is marked \'unknown\' because the key names derive from the content of the key we sort'],
    doc: ['Sort the elements in a list, set or sorted set. Read-only variant of SORT.', '7.0.0', 'generic', 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).'],
    args: ['key key #0', 'pattern pattern #1 =BY ?', ['offset_count block =LIMIT ?', ['offset integer', 'count integer']], 'pattern pattern #1 =GET ?*+', ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']], 'sorting pure-token =ALPHA ?'],
  },
  touch: {
    info: [-2, 'readonly fast', 1, -1, 1, '@keyspace @read @fast'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: ['RO | index 1 | range -1 1 0'],
    doc: ['Alters the last access time of a key(s). Returns the number of existing keys specified.', '3.2.1', 'generic', 'O(N) where N is the number of keys that will be touched.'],
    args: ['key key #0 *'],
  },
  ttl: {
    info: [2, 'readonly fast', 1, 1, 1, '@keyspace @read @fast'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the time to live for a key in seconds', '1.0.0', 'generic', 'O(1)'],
    history: [['2.8.0', 'Added the -2 reply.']],
    args: ['key key #0'],
  },
  type: {
    info: [2, 'readonly fast', 1, 1, 1, '@keyspace @read @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Determine the type stored at key', '1.0.0', 'generic', 'O(1)'],
    args: ['key key #0'],
  },
  unlink: {
    info: [-2, 'write fast', 1, -1, 1, '@keyspace @write @fast'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: ['RM delete | index 1 | range -1 1 0'],
    doc: ['Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.', '4.0.0', 'generic', 'O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.'],
    args: ['key key #0 *'],
  },
  wait: {
    info: [3, 'noscript', 0, 0, 0, '@slow @connection'],
    tips: ['request_policy:all_shards', 'response_policy:agg_min'],
    doc: ['Wait for the synchronous replication of all the write commands sent in the context of the current connection', '3.0.0', 'generic', 'O(1)'],
    args: ['numreplicas integer', 'timeout integer'],
  },
  // ---- connection ----------------------------------------------------------
  auth: {
    info: [-2, 'noscript loading stale fast no_auth allow_busy', 0, 0, 0, '@fast @connection'],
    doc: ['Authenticate to the server', '1.0.0', 'connection', 'O(N) where N is the number of passwords defined for the user'],
    history: [['6.0.0', 'Added ACL style (username and password).']],
    args: ['username string @6.0.0 ?', 'password string'],
  },
  client: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for client connection commands', '2.4.0', 'connection', 'Depends on subcommand.'],
  },
  'client|caching': {
    info: [3, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Instruct the server about tracking or not keys in the next request', '6.0.0', 'connection', 'O(1)'],
    args: [['mode oneof', ['yes pure-token =YES', 'no pure-token =NO']]],
  },
  'client|getname': {
    info: [2, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Get the current connection name', '2.6.9', 'connection', 'O(1)'],
  },
  'client|getredir': {
    info: [2, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Get tracking notifications redirection client ID if any', '6.0.0', 'connection', 'O(1)'],
  },
  'client|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Show helpful text about the different subcommands', '5.0.0', 'connection', 'O(1)'],
  },
  'client|id': {
    info: [2, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Returns the client ID for the current connection', '5.0.0', 'connection', 'O(1)'],
  },
  'client|info': {
    info: [2, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    tips: ['nondeterministic_output'],
    doc: ['Returns information about the current client connection.', '6.2.0', 'connection', 'O(1)'],
  },
  'client|kill': {
    info: [-3, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous @connection'],
    doc: ['Kill the connection of a client', '2.4.0', 'connection', 'O(N) where N is the number of client connections'],
    history: [['2.8.12', 'Added new filter format.'], ['2.8.12', '`ID` option.'], ['3.2.0', 'Added `master` type in for `TYPE` option.'], ['5.0.0', 'Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility.'], ['6.2.0', '`LADDR` option.']],
    args: [['filter oneof', ['ip:port string !2.8.12', ['new-format oneof *', ['client-id integer =ID @2.8.12 ?', ['normal_master_slave_pubsub oneof =TYPE @2.8.12 ?', ['normal pure-token =NORMAL', 'master pure-token =MASTER @3.2.0', 'slave pure-token =SLAVE', 'replica pure-token =REPLICA @5.0.0', 'pubsub pure-token =PUBSUB']], 'username string =USER ?', 'ip:port string =ADDR ?', 'ip:port string =LADDR @6.2.0 ?', 'yes/no string =SKIPME ?']]]]],
  },
  'client|list': {
    info: [-2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous @connection'],
    tips: ['nondeterministic_output'],
    doc: ['Get the list of client connections', '2.4.0', 'connection', 'O(N) where N is the number of client connections'],
    history: [['2.8.12', 'Added unique client `id` field.'], ['5.0.0', 'Added optional `TYPE` filter.'], ['6.0.0', 'Added `user` field.'], ['6.2.0', 'Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.'], ['7.0.0', 'Added `resp`, `multi-mem`, `rbs` and `rbp` fields.'], ['7.0.3', 'Added `ssub` field.']],
    args: [['normal_master_replica_pubsub oneof =TYPE @5.0.0 ?', ['normal pure-token =NORMAL', 'master pure-token =MASTER', 'replica pure-token =REPLICA', 'pubsub pure-token =PUBSUB']], ['id block =ID @6.2.0 ?', ['client-id integer *']]],
  },
  'client|no-evict': {
    info: [3, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous @connection'],
    doc: ['Set client eviction mode for the current connection', '7.0.0', 'connection', 'O(1)'],
    args: [['enabled oneof', ['on pure-token =ON', 'off pure-token =OFF']]],
  },
  'client|pause': {
    info: [-3, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous @connection'],
    doc: ['Stop processing commands from clients for some time', '2.9.50', 'connection', 'O(1)'],
    history: [['6.2.0', '`CLIENT PAUSE WRITE` mode added along with the `mode` option.']],
    args: ['timeout integer', ['mode oneof @6.2.0 ?', ['write pure-token =WRITE', 'all pure-token =ALL']]],
  },
  'client|reply': {
    info: [3, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Instruct the server whether to reply to commands', '3.2.0', 'connection', 'O(1)'],
    args: [['on_off_skip oneof', ['on pure-token =ON', 'off pure-token =OFF', 'skip pure-token =SKIP']]],
  },
  'client|setname': {
    info: [3, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Set the current connection name', '2.6.9', 'connection', 'O(1)'],
    args: ['connection-name string'],
  },
  'client|tracking': {
    info: [-3, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Enable or disable server assisted client side caching support', '6.0.0', 'connection', 'O(1). Some options may introduce additional complexity.'],
    args: [['status oneof', ['on pure-token =ON', 'off pure-token =OFF']], 'client-id integer =REDIRECT ?', 'prefix string =PREFIX ?*+', 'bcast pure-token =BCAST ?', 'optin pure-token =OPTIN ?', 'optout pure-token =OPTOUT ?', 'noloop pure-token =NOLOOP ?'],
  },
  'client|trackinginfo': {
    info: [2, 'noscript loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Return information about server assisted client side caching for the current connection', '6.2.0', 'connection', 'O(1)'],
  },
  'client|unblock': {
    info: [-3, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous @connection'],
    doc: ['Unblock a client blocked in a blocking command from a different connection', '5.0.0', 'connection', 'O(log N) where N is the number of client connections'],
    args: ['client-id integer', ['timeout_error oneof ?', ['timeout pure-token =TIMEOUT', 'error pure-token =ERROR']]],
  },
  'client|unpause': {
    info: [2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous @connection'],
    doc: ['Resume processing of clients that were paused', '6.2.0', 'connection', 'O(N) Where N is the number of paused clients'],
  },
  echo: {
    info: [2, 'loading stale fast', 0, 0, 0, '@fast @connection'],
    doc: ['Echo the given string', '1.0.0', 'connection', 'O(1)'],
    args: ['message string'],
  },
  hello: {
    info: [-1, 'noscript loading stale fast no_auth allow_busy', 0, 0, 0, '@fast @connection'],
    doc: ['Handshake with Redis', '6.0.0', 'connection', 'O(1)'],
    history: [['6.2.0', '`protover` made optional; when called without arguments the command reports the current connection\'s context.']],
    args: [['arguments block ?', ['protover integer', ['username_password block =AUTH ?', ['username string', 'password string']], 'clientname string =SETNAME ?']]],
  },
  ping: {
    info: [-1, 'fast', 0, 0, 0, '@fast @connection'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: ['Ping the server', '1.0.0', 'connection', 'O(1)'],
    args: ['message string ?'],
  },
  quit: {
    info: [-1, 'noscript loading stale fast no_auth allow_busy', 0, 0, 0, '@fast @connection'],
    doc: ['Close the connection', '1.0.0', 'connection', 'O(1)'],
  },
  reset: {
    info: [1, 'noscript loading stale fast no_auth allow_busy', 0, 0, 0, '@fast @connection'],
    doc: ['Reset the connection', '6.2.0', 'connection', 'O(1)'],
  },
  select: {
    info: [2, 'loading stale fast', 0, 0, 0, '@fast @connection'],
    doc: ['Change the selected database for the current connection', '1.0.0', 'connection', 'O(1)'],
    args: ['index integer'],
  },
  // ---- hash ----------------------------------------------------------------
  hdel: {
    info: [-3, 'write fast', 1, 1, 1, '@write @hash @fast'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Delete one or more hash fields', '2.0.0', 'hash', 'O(N) where N is the number of fields to be removed.'],
    history: [['2.4.0', 'Accepts multiple `field` arguments.']],
    args: ['key key #0', 'field string *'],
  },
  hexists: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @hash @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Determine if a hash field exists', '2.0.0', 'hash', 'O(1)'],
    args: ['key key #0', 'field string'],
  },
  hget: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @hash @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the value of a hash field', '2.0.0', 'hash', 'O(1)'],
    args: ['key key #0', 'field string'],
  },
  hgetall: {
    info: [2, 'readonly', 1, 1, 1, '@read @hash @slow'],
    tips: ['nondeterministic_output_order'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get all the fields and values in a hash', '2.0.0', 'hash', 'O(N) where N is the size of the hash.'],
    args: ['key key #0'],
  },
  hincrby: {
    info: [4, 'write denyoom fast', 1, 1, 1, '@write @hash @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Increment the integer value of a hash field by the given number', '2.0.0', 'hash', 'O(1)'],
    args: ['key key #0', 'field string', 'increment integer'],
  },
  hincrbyfloat: {
    info: [4, 'write denyoom fast', 1, 1, 1, '@write @hash @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Increment the float value of a hash field by the given amount', '2.6.0', 'hash', 'O(1)'],
    args: ['key key #0', 'field string', 'increment double'],
  },
  hkeys: {
    info: [2, 'readonly', 1, 1, 1, '@read @hash @slow'],
    tips: ['nondeterministic_output_order'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get all the fields in a hash', '2.0.0', 'hash', 'O(N) where N is the size of the hash.'],
    args: ['key key #0'],
  },
  hlen: {
    info: [2, 'readonly fast', 1, 1, 1, '@read @hash @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Get the number of fields in a hash', '2.0.0', 'hash', 'O(1)'],
    args: ['key key #0'],
  },
  hmget: {
    info: [-3, 'readonly fast', 1, 1, 1, '@read @hash @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the values of all the given hash fields', '2.0.0', 'hash', 'O(N) where N is the number of fields being requested.'],
    args: ['key key #0', 'field string *'],
  },
  hmset: {
    info: [-4, 'write denyoom fast', 1, 1, 1, '@write @hash @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Set multiple hash fields to multiple values', '2.0.0', 'hash', 'O(N) where N is the number of fields being set.'],
    docFlags: 'deprecated',
    deprecated: ['4.0.0', '`HSET` with multiple field-value pairs'],
    args: ['key key #0', ['field_value block *', ['field string', 'value string']]],
  },
  hrandfield: {
    info: [-2, 'readonly', 1, 1, 1, '@read @hash @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get one or multiple random fields from a hash', '6.2.0', 'hash', 'O(N) where N is the number of fields returned'],
    args: ['key key #0', ['options block ?', ['count integer', 'withvalues pure-token =WITHVALUES ?']]],
  },
  hscan: {
    info: [-3, 'readonly', 1, 1, 1, '@read @hash @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Incrementally iterate hash fields and associated values', '2.8.0', 'hash', 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..'],
    args: ['key key #0', 'cursor integer', 'pattern pattern =MATCH ?', 'count integer =COUNT ?'],
  },
  hset: {
    info: [-4, 'write denyoom fast', 1, 1, 1, '@write @hash @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Set the string value of a hash field', '2.0.0', 'hash', 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.'],
    history: [['4.0.0', 'Accepts multiple `field` and `value` arguments.']],
    args: ['key key #0', ['field_value block *', ['field string', 'value string']]],
  },
  hsetnx: {
    info: [4, 'write denyoom fast', 1, 1, 1, '@write @hash @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Set the value of a hash field, only if the field does not exist', '2.0.0', 'hash', 'O(1)'],
    args: ['key key #0', 'field string', 'value string'],
  },
  hstrlen: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @hash @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Get the length of the value of a hash field', '3.2.0', 'hash', 'O(1)'],
    args: ['key key #0', 'field string'],
  },
  hvals: {
    info: [2, 'readonly', 1, 1, 1, '@read @hash @slow'],
    tips: ['nondeterministic_output_order'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get all the values in a hash', '2.0.0', 'hash', 'O(N) where N is the size of the hash.'],
    args: ['key key #0'],
  },
  // ---- list ----------------------------------------------------------------
  blmove: {
    info: [6, 'write denyoom noscript blocking', 1, 2, 1, '@write @list @slow @blocking'],
    keys: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    doc: ['Pop an element from a list, push it to another list and return it; or block until one is available', '6.2.0', 'list', 'O(1)'],
    args: ['source key #0', 'destination key #1', ['wherefrom oneof', ['left pure-token =LEFT', 'right pure-token =RIGHT']], ['whereto oneof', ['left pure-token =LEFT', 'right pure-token =RIGHT']], 'timeout double'],
  },
  blmpop: {
    info: [-5, 'write blocking movablekeys', 0, 0, 0, '@write @list @slow @blocking'],
    keys: ['RW access delete | index 2 | keynum 0 1 1'],
    doc: ['Pop elements from a list, or block until one is available', '7.0.0', 'list', 'O(N+M) where N is the number of provided keys and M is the number of elements returned.'],
    args: ['timeout double', 'numkeys integer', 'key key #0 *', ['where oneof', ['left pure-token =LEFT', 'right pure-token =RIGHT']], 'count integer =COUNT ?'],
  },
  blpop: {
    info: [-3, 'write noscript blocking', 1, -2, 1, '@write @list @slow @blocking'],
    keys: ['RW access delete | index 1 | range -2 1 0'],
    doc: ['Remove and get the first element in a list, or block until one is available', '2.0.0', 'list', 'O(N) where N is the number of provided keys.'],
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: ['key key #0 *', 'timeout double'],
  },
  brpop: {
    info: [-3, 'write noscript blocking', 1, -2, 1, '@write @list @slow @blocking'],
    keys: ['RW access delete | index 1 | range -2 1 0'],
    doc: ['Remove and get the last element in a list, or block until one is available', '2.0.0', 'list', 'O(N) where N is the number of provided keys.'],
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: ['key key #0 *', 'timeout double'],
  },
  brpoplpush: {
    info: [4, 'write denyoom noscript blocking', 1, 2, 1, '@write @list @slow @blocking'],
    keys: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    doc: ['Pop an element from a list, push it to another list and return it; or block until one is available', '2.2.0', 'list', 'O(1)'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`BLMOVE` with the `RIGHT` and `LEFT` arguments'],
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: ['source key #0', 'destination key #1', 'timeout double'],
  },
  lindex: {
    info: [3, 'readonly', 1, 1, 1, '@read @list @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get an element from a list by its index', '1.0.0', 'list', 'O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).'],
    args: ['key key #0', 'index integer'],
  },
  linsert: {
    info: [5, 'write denyoom', 1, 1, 1, '@write @list @slow'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Insert an element before or after another element in a list', '2.2.0', 'list', 'O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).'],
    args: ['key key #0', ['where oneof', ['before pure-token =BEFORE', 'after pure-token =AFTER']], 'pivot string', 'element string'],
  },
  llen: {
    info: [2, 'readonly fast', 1, 1, 1, '@read @list @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Get the length of a list', '1.0.0', 'list', 'O(1)'],
    args: ['key key #0'],
  },
  lmove: {
    info: [5, 'write denyoom', 1, 2, 1, '@write @list @slow'],
    keys: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    doc: ['Pop an element from a list, push it to another list and return it', '6.2.0', 'list', 'O(1)'],
    args: ['source key #0', 'destination key #1', ['wherefrom oneof', ['left pure-token =LEFT', 'right pure-token =RIGHT']], ['whereto oneof', ['left pure-token =LEFT', 'right pure-token =RIGHT']]],
  },
  lmpop: {
    info: [-4, 'write movablekeys', 0, 0, 0, '@write @list @slow'],
    keys: ['RW access delete | index 1 | keynum 0 1 1'],
    doc: ['Pop elements from a list', '7.0.0', 'list', 'O(N+M) where N is the number of provided keys and M is the number of elements returned.'],
    args: ['numkeys integer', 'key key #0 *', ['where oneof', ['left pure-token =LEFT', 'right pure-token =RIGHT']], 'count integer =COUNT ?'],
  },
  lpop: {
    info: [-2, 'write fast', 1, 1, 1, '@write @list @fast'],
    keys: ['RW access delete | index 1 | range 0 1 0'],
    doc: ['Remove and get the first elements in a list', '1.0.0', 'list', 'O(N) where N is the number of elements returned'],
    history: [['6.2.0', 'Added the `count` argument.']],
    args: ['key key #0', 'count integer @6.2.0 ?'],
  },
  lpos: {
    info: [-3, 'readonly', 1, 1, 1, '@read @list @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return the index of matching elements on a list', '6.0.6', 'list', 'O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.'],
    args: ['key key #0', 'element string', 'rank integer =RANK ?', 'num-matches integer =COUNT ?', 'len integer =MAXLEN ?'],
  },
  lpush: {
    info: [-3, 'write denyoom fast', 1, 1, 1, '@write @list @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Prepend one or multiple elements to a list', '1.0.0', 'list', 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.'],
    history: [['2.4.0', 'Accepts multiple `element` arguments.']],
    args: ['key key #0', 'element string *'],
  },
  lpushx: {
    info: [-3, 'write denyoom fast', 1, 1, 1, '@write @list @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Prepend an element to a list, only if the list exists', '2.2.0', 'list', 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.'],
    history: [['4.0.0', 'Accepts multiple `element` arguments.']],
    args: ['key key #0', 'element string *'],
  },
  lrange: {
    info: [4, 'readonly', 1, 1, 1, '@read @list @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get a range of elements from a list', '1.0.0', 'list', 'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.'],
    args: ['key key #0', 'start integer', 'stop integer'],
  },
  lrem: {
    info: [4, 'write', 1, 1, 1, '@write @list @slow'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Remove elements from a list', '1.0.0', 'list', 'O(N+M) where N is the length of the list and M is the number of elements removed.'],
    args: ['key key #0', 'count integer', 'element string'],
  },
  lset: {
    info: [4, 'write denyoom', 1, 1, 1, '@write @list @slow'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Set the value of an element in a list by its index', '1.0.0', 'list', 'O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).'],
    args: ['key key #0', 'index integer', 'element string'],
  },
  ltrim: {
    info: [4, 'write', 1, 1, 1, '@write @list @slow'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Trim a list to the specified range', '1.0.0', 'list', 'O(N) where N is the number of elements to be removed by the operation.'],
    args: ['key key #0', 'start integer', 'stop integer'],
  },
  rpop: {
    info: [-2, 'write fast', 1, 1, 1, '@write @list @fast'],
    keys: ['RW access delete | index 1 | range 0 1 0'],
    doc: ['Remove and get the last elements in a list', '1.0.0', 'list', 'O(N) where N is the number of elements returned'],
    history: [['6.2.0', 'Added the `count` argument.']],
    args: ['key key #0', 'count integer @6.2.0 ?'],
  },
  rpoplpush: {
    info: [3, 'write denyoom', 1, 2, 1, '@write @list @slow'],
    keys: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    doc: ['Remove the last element in a list, prepend it to another list and return it', '1.2.0', 'list', 'O(1)'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`LMOVE` with the `RIGHT` and `LEFT` arguments'],
    args: ['source key #0', 'destination key #1'],
  },
  rpush: {
    info: [-3, 'write denyoom fast', 1, 1, 1, '@write @list @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Append one or multiple elements to a list', '1.0.0', 'list', 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.'],
    history: [['2.4.0', 'Accepts multiple `element` arguments.']],
    args: ['key key #0', 'element string *'],
  },
  rpushx: {
    info: [-3, 'write denyoom fast', 1, 1, 1, '@write @list @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Append an element to a list, only if the list exists', '2.2.0', 'list', 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.'],
    history: [['4.0.0', 'Accepts multiple `element` arguments.']],
    args: ['key key #0', 'element string *'],
  },
  // ---- set -----------------------------------------------------------------
  sadd: {
    info: [-3, 'write denyoom fast', 1, 1, 1, '@write @set @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Add one or more members to a set', '1.0.0', 'set', 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.'],
    history: [['2.4.0', 'Accepts multiple `member` arguments.']],
    args: ['key key #0', 'member string *'],
  },
  scard: {
    info: [2, 'readonly fast', 1, 1, 1, '@read @set @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Get the number of members in a set', '1.0.0', 'set', 'O(1)'],
    args: ['key key #0'],
  },
  sdiff: {
    info: [-2, 'readonly', 1, -1, 1, '@read @set @slow'],
    tips: ['nondeterministic_output_order'],
    keys: ['RO access | index 1 | range -1 1 0'],
    doc: ['Subtract multiple sets', '1.0.0', 'set', 'O(N) where N is the total number of elements in all given sets.'],
    args: ['key key #0 *'],
  },
  sdiffstore: {
    info: [-3, 'write denyoom', 1, -1, 1, '@write @set @slow'],
    keys: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    doc: ['Subtract multiple sets and store the resulting set in a key', '1.0.0', 'set', 'O(N) where N is the total number of elements in all given sets.'],
    args: ['destination key #0', 'key key #1 *'],
  },
  sinter: {
    info: [-2, 'readonly', 1, -1, 1, '@read @set @slow'],
    tips: ['nondeterministic_output_order'],
    keys: ['RO access | index 1 | range -1 1 0'],
    doc: ['Intersect multiple sets', '1.0.0', 'set', 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.'],
    args: ['key key #0 *'],
  },
  sintercard: {
    info: [-3, 'readonly movablekeys', 0, 0, 0, '@read @set @slow'],
    keys: ['RO access | index 1 | keynum 0 1 1'],
    doc: ['Intersect multiple sets and return the cardinality of the result', '7.0.0', 'set', 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.'],
    args: ['numkeys integer', 'key key #0 *', 'limit integer =LIMIT ?'],
  },
  sinterstore: {
    info: [-3, 'write denyoom', 1, -1, 1, '@write @set @slow'],
    keys: ['RW update | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    doc: ['Intersect multiple sets and store the resulting set in a key', '1.0.0', 'set', 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.'],
    args: ['destination key #0', 'key key #1 *'],
  },
  sismember: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @set @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Determine if a given value is a member of a set', '1.0.0', 'set', 'O(1)'],
    args: ['key key #0', 'member string'],
  },
  smembers: {
    info: [2, 'readonly', 1, 1, 1, '@read @set @slow'],
    tips: ['nondeterministic_output_order'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get all the members in a set', '1.0.0', 'set', 'O(N) where N is the set cardinality.'],
    args: ['key key #0'],
  },
  smismember: {
    info: [-3, 'readonly fast', 1, 1, 1, '@read @set @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Returns the membership associated with the given elements for a set', '6.2.0', 'set', 'O(N) where N is the number of elements being checked for membership'],
    args: ['key key #0', 'member string *'],
  },
  smove: {
    info: [4, 'write fast', 1, 2, 1, '@write @set @fast'],
    keys: ['RW access delete | index 1 | range 0 1 0', 'RW insert | index 2 | range 0 1 0'],
    doc: ['Move a member from one set to another', '1.0.0', 'set', 'O(1)'],
    args: ['source key #0', 'destination key #1', 'member string'],
  },
  spop: {
    info: [-2, 'write fast', 1, 1, 1, '@write @set @fast'],
    tips: ['nondeterministic_output'],
    keys: ['RW access delete | index 1 | range 0 1 0'],
    doc: ['Remove and return one or multiple random members from a set', '1.0.0', 'set', 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.'],
    history: [['3.2.0', 'Added the `count` argument.']],
    args: ['key key #0', 'count integer @3.2.0 ?'],
  },
  srandmember: {
    info: [-2, 'readonly', 1, 1, 1, '@read @set @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get one or multiple random members from a set', '1.0.0', 'set', 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.'],
    history: [['2.6.0', 'Added the optional `count` argument.']],
    args: ['key key #0', 'count integer @2.6.0 ?'],
  },
  srem: {
    info: [-3, 'write fast', 1, 1, 1, '@write @set @fast'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Remove one or more members from a set', '1.0.0', 'set', 'O(N) where N is the number of members to be removed.'],
    history: [['2.4.0', 'Accepts multiple `member` arguments.']],
    args: ['key key #0', 'member string *'],
  },
  sscan: {
    info: [-3, 'readonly', 1, 1, 1, '@read @set @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Incrementally iterate Set elements', '2.8.0', 'set', 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..'],
    args: ['key key #0', 'cursor integer', 'pattern pattern =MATCH ?', 'count integer =COUNT ?'],
  },
  sunion: {
    info: [-2, 'readonly', 1, -1, 1, '@read @set @slow'],
    tips: ['nondeterministic_output_order'],
    keys: ['RO access | index 1 | range -1 1 0'],
    doc: ['Add multiple sets', '1.0.0', 'set', 'O(N) where N is the total number of elements in all given sets.'],
    args: ['key key #0 *'],
  },
  sunionstore: {
    info: [-3, 'write denyoom', 1, -1, 1, '@write @set @slow'],
    keys: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    doc: ['Add multiple sets and store the resulting set in a key', '1.0.0', 'set', 'O(N) where N is the total number of elements in all given sets.'],
    args: ['destination key #0', 'key key #1 *'],
  },
  // ---- sorted-set ----------------------------------------------------------
  bzmpop: {
    info: [-5, 'write blocking movablekeys', 0, 0, 0, '@write @sortedset @slow @blocking'],
    keys: ['RW access delete | index 2 | keynum 0 1 1'],
    doc: ['Remove and return members with scores in a sorted set or block until one is available', '7.0.0', 'sorted-set', 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.'],
    args: ['timeout double', 'numkeys integer', 'key key #0 *', ['where oneof', ['min pure-token =MIN', 'max pure-token =MAX']], 'count integer =COUNT ?'],
  },
  bzpopmax: {
    info: [-3, 'write noscript blocking fast', 1, -2, 1, '@write @sortedset @fast @blocking'],
    keys: ['RW access delete | index 1 | range -2 1 0'],
    doc: ['Remove and return the member with the highest score from one or more sorted sets, or block until one is available', '5.0.0', 'sorted-set', 'O(log(N)) with N being the number of elements in the sorted set.'],
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: ['key key #0 *', 'timeout double'],
  },
  bzpopmin: {
    info: [-3, 'write noscript blocking fast', 1, -2, 1, '@write @sortedset @fast @blocking'],
    keys: ['RW access delete | index 1 | range -2 1 0'],
    doc: ['Remove and return the member with the lowest score from one or more sorted sets, or block until one is available', '5.0.0', 'sorted-set', 'O(log(N)) with N being the number of elements in the sorted set.'],
    history: [['6.0.0', '`timeout` is interpreted as a double instead of an integer.']],
    args: ['key key #0 *', 'timeout double'],
  },
  zadd: {
    info: [-4, 'write denyoom fast', 1, 1, 1, '@write @sortedset @fast'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Add one or more members to a sorted set, or update its score if it already exists', '1.2.0', 'sorted-set', 'O(log(N)) for each item added, where N is the number of elements in the sorted set.'],
    history: [['2.4.0', 'Accepts multiple elements.'], ['3.0.2', 'Added the `XX`, `NX`, `CH` and `INCR` options.'], ['6.2.0', 'Added the `GT` and `LT` options.']],
    args: ['key key #0', ['condition oneof @3.0.2 ?', ['nx pure-token =NX', 'xx pure-token =XX']], ['comparison oneof @6.2.0 ?', ['gt pure-token =GT', 'lt pure-token =LT']], 'change pure-token =CH @3.0.2 ?', 'increment pure-token =INCR @3.0.2 ?', ['score_member block *', ['score double', 'member string']]],
  },
  zcard: {
    info: [2, 'readonly fast', 1, 1, 1, '@read @sortedset @fast'],
    keys: ['RO | index 1 | range 0 1 0'],
    doc: ['Get the number of members in a sorted set', '1.2.0', 'sorted-set', 'O(1)'],
    args: ['key key #0'],
  },
  zcount: {
    info: [4, 'readonly fast', 1, 1, 1, '@read @sortedset @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Count the members in a sorted set with scores within the given values', '2.0.0', 'sorted-set', 'O(log(N)) with N being the number of elements in the sorted set.'],
    args: ['key key #0', 'min double', 'max double'],
  },
  zdiff: {
    info: [-3, 'readonly movablekeys', 0, 0, 0, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | keynum 0 1 1'],
    doc: ['Subtract multiple sorted sets', '6.2.0', 'sorted-set', 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.'],
    args: ['numkeys integer', 'key key #0 *', 'withscores pure-token =WITHSCORES ?'],
  },
  zdiffstore: {
    info: [-4, 'write denyoom movablekeys', 1, 1, 1, '@write @sortedset @slow'],
    keys: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | keynum 0 1 1'],
    doc: ['Subtract multiple sorted sets and store the resulting sorted set in a new key', '6.2.0', 'sorted-set', 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.'],
    args: ['destination key #0', 'numkeys integer', 'key key #1 *'],
  },
  zincrby: {
    info: [4, 'write denyoom fast', 1, 1, 1, '@write @sortedset @fast'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Increment the score of a member in a sorted set', '1.2.0', 'sorted-set', 'O(log(N)) where N is the number of elements in the sorted set.'],
    args: ['key key #0', 'increment integer', 'member string'],
  },
  zinter: {
    info: [-3, 'readonly movablekeys', 0, 0, 0, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | keynum 0 1 1'],
    doc: ['Intersect multiple sorted sets', '6.2.0', 'sorted-set', 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.'],
    args: ['numkeys integer', 'key key #0 *', 'weight integer =WEIGHTS ?*', ['aggregate oneof =AGGREGATE ?', ['sum pure-token =SUM', 'min pure-token =MIN', 'max pure-token =MAX']], 'withscores pure-token =WITHSCORES ?'],
  },
  zintercard: {
    info: [-3, 'readonly movablekeys', 0, 0, 0, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | keynum 0 1 1'],
    doc: ['Intersect multiple sorted sets and return the cardinality of the result', '7.0.0', 'sorted-set', 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.'],
    args: ['numkeys integer', 'key key #0 *', 'limit integer =LIMIT ?'],
  },
  zinterstore: {
    info: [-4, 'write denyoom movablekeys', 1, 1, 1, '@write @sortedset @slow'],
    keys: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | keynum 0 1 1'],
    doc: ['Intersect multiple sorted sets and store the resulting sorted set in a new key', '2.0.0', 'sorted-set', 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.'],
    args: ['destination key #0', 'numkeys integer', 'key key #1 *', 'weight integer =WEIGHTS ?*', ['aggregate oneof =AGGREGATE ?', ['sum pure-token =SUM', 'min pure-token =MIN', 'max pure-token =MAX']]],
  },
  zlexcount: {
    info: [4, 'readonly fast', 1, 1, 1, '@read @sortedset @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Count the number of members in a sorted set between a given lexicographical range', '2.8.9', 'sorted-set', 'O(log(N)) with N being the number of elements in the sorted set.'],
    args: ['key key #0', 'min string', 'max string'],
  },
  zmpop: {
    info: [-4, 'write movablekeys', 0, 0, 0, '@write @sortedset @slow'],
    keys: ['RW access delete | index 1 | keynum 0 1 1'],
    doc: ['Remove and return members with scores in a sorted set', '7.0.0', 'sorted-set', 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.'],
    args: ['numkeys integer', 'key key #0 *', ['where oneof', ['min pure-token =MIN', 'max pure-token =MAX']], 'count integer =COUNT ?'],
  },
  zmscore: {
    info: [-3, 'readonly fast', 1, 1, 1, '@read @sortedset @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the score associated with the given members in a sorted set', '6.2.0', 'sorted-set', 'O(N) where N is the number of members being requested.'],
    args: ['key key #0', 'member string *'],
  },
  zpopmax: {
    info: [-2, 'write fast', 1, 1, 1, '@write @sortedset @fast'],
    keys: ['RW access delete | index 1 | range 0 1 0'],
    doc: ['Remove and return members with the highest scores in a sorted set', '5.0.0', 'sorted-set', 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.'],
    args: ['key key #0', 'count integer ?'],
  },
  zpopmin: {
    info: [-2, 'write fast', 1, 1, 1, '@write @sortedset @fast'],
    keys: ['RW access delete | index 1 | range 0 1 0'],
    doc: ['Remove and return members with the lowest scores in a sorted set', '5.0.0', 'sorted-set', 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.'],
    args: ['key key #0', 'count integer ?'],
  },
  zrandmember: {
    info: [-2, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get one or multiple random elements from a sorted set', '6.2.0', 'sorted-set', 'O(N) where N is the number of elements returned'],
    args: ['key key #0', ['options block ?', ['count integer', 'withscores pure-token =WITHSCORES ?']]],
  },
  zrange: {
    info: [-4, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of members in a sorted set', '1.2.0', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.'],
    history: [['6.2.0', 'Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.']],
    args: ['key key #0', 'start string', 'stop string', ['sortby oneof @6.2.0 ?', ['byscore pure-token =BYSCORE', 'bylex pure-token =BYLEX']], 'rev pure-token =REV @6.2.0 ?', ['offset_count block =LIMIT @6.2.0 ?', ['offset integer', 'count integer']], 'withscores pure-token =WITHSCORES ?'],
  },
  zrangebylex: {
    info: [-4, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of members in a sorted set, by lexicographical range', '2.8.9', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`ZRANGE` with the `BYLEX` argument'],
    args: ['key key #0', 'min string', 'max string', ['offset_count block =LIMIT ?', ['offset integer', 'count integer']]],
  },
  zrangebyscore: {
    info: [-4, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of members in a sorted set, by score', '1.0.5', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`ZRANGE` with the `BYSCORE` argument'],
    history: [['2.0.0', 'Added the `WITHSCORES` modifier.']],
    args: ['key key #0', 'min double', 'max double', 'withscores pure-token =WITHSCORES @2.0.0 ?', ['offset_count block =LIMIT ?', ['offset integer', 'count integer']]],
  },
  zrangestore: {
    info: [-5, 'write denyoom', 1, 2, 1, '@write @sortedset @slow'],
    keys: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range 0 1 0'],
    doc: ['Store a range of members from sorted set into another key', '6.2.0', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.'],
    args: ['dst key #0', 'src key #1', 'min string', 'max string', ['sortby oneof ?', ['byscore pure-token =BYSCORE', 'bylex pure-token =BYLEX']], 'rev pure-token =REV ?', ['offset_count block =LIMIT ?', ['offset integer', 'count integer']]],
  },
  zrank: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @sortedset @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Determine the index of a member in a sorted set', '2.0.0', 'sorted-set', 'O(log(N))'],
    args: ['key key #0', 'member string'],
  },
  zrem: {
    info: [-3, 'write fast', 1, 1, 1, '@write @sortedset @fast'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Remove one or more members from a sorted set', '1.2.0', 'sorted-set', 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.'],
    history: [['2.4.0', 'Accepts multiple elements.']],
    args: ['key key #0', 'member string *'],
  },
  zremrangebylex: {
    info: [4, 'write', 1, 1, 1, '@write @sortedset @slow'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Remove all members in a sorted set between the given lexicographical range', '2.8.9', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.'],
    args: ['key key #0', 'min string', 'max string'],
  },
  zremrangebyrank: {
    info: [4, 'write', 1, 1, 1, '@write @sortedset @slow'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Remove all members in a sorted set within the given indexes', '2.0.0', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.'],
    args: ['key key #0', 'start integer', 'stop integer'],
  },
  zremrangebyscore: {
    info: [4, 'write', 1, 1, 1, '@write @sortedset @slow'],
    keys: ['RW delete | index 1 | range 0 1 0'],
    doc: ['Remove all members in a sorted set within the given scores', '1.2.0', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.'],
    args: ['key key #0', 'min double', 'max double'],
  },
  zrevrange: {
    info: [-4, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of members in a sorted set, by index, with scores ordered from high to low', '1.2.0', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`ZRANGE` with the `REV` argument'],
    args: ['key key #0', 'start integer', 'stop integer', 'withscores pure-token =WITHSCORES ?'],
  },
  zrevrangebylex: {
    info: [-4, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.', '2.8.9', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`ZRANGE` with the `REV` and `BYLEX` arguments'],
    args: ['key key #0', 'max string', 'min string', ['offset_count block =LIMIT ?', ['offset integer', 'count integer']]],
  },
  zrevrangebyscore: {
    info: [-4, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Return a range of members in a sorted set, by score, with scores ordered from high to low', '2.2.0', 'sorted-set', 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`ZRANGE` with the `REV` and `BYSCORE` arguments'],
    history: [['2.1.6', '`min` and `max` can be exclusive.']],
    args: ['key key #0', 'max double', 'min double', 'withscores pure-token =WITHSCORES ?', ['offset_count block =LIMIT ?', ['offset integer', 'count integer']]],
  },
  zrevrank: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @sortedset @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Determine the index of a member in a sorted set, with scores ordered from high to low', '2.0.0', 'sorted-set', 'O(log(N))'],
    args: ['key key #0', 'member string'],
  },
  zscan: {
    info: [-3, 'readonly', 1, 1, 1, '@read @sortedset @slow'],
    tips: ['nondeterministic_output'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Incrementally iterate sorted sets elements and associated scores', '2.8.0', 'sorted-set', 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..'],
    args: ['key key #0', 'cursor integer', 'pattern pattern =MATCH ?', 'count integer =COUNT ?'],
  },
  zscore: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @sortedset @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Get the score associated with the given member in a sorted set', '1.2.0', 'sorted-set', 'O(1)'],
    args: ['key key #0', 'member string'],
  },
  zunion: {
    info: [-3, 'readonly movablekeys', 0, 0, 0, '@read @sortedset @slow'],
    keys: ['RO access | index 1 | keynum 0 1 1'],
    doc: ['Add multiple sorted sets', '6.2.0', 'sorted-set', 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.'],
    args: ['numkeys integer', 'key key #0 *', 'weight integer =WEIGHTS ?*', ['aggregate oneof =AGGREGATE ?', ['sum pure-token =SUM', 'min pure-token =MIN', 'max pure-token =MAX']], 'withscores pure-token =WITHSCORES ?'],
  },
  zunionstore: {
    info: [-4, 'write denyoom movablekeys', 1, 1, 1, '@write @sortedset @slow'],
    keys: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | keynum 0 1 1'],
    doc: ['Add multiple sorted sets and store the resulting sorted set in a new key', '2.0.0', 'sorted-set', 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.'],
    args: ['destination key #0', 'numkeys integer', 'key key #1 *', 'weight integer =WEIGHTS ?*', ['aggregate oneof =AGGREGATE ?', ['sum pure-token =SUM', 'min pure-token =MIN', 'max pure-token =MAX']]],
  },
  // ---- bitmap --------------------------------------------------------------
  bitcount: {
    info: [-2, 'readonly', 1, 1, 1, '@read @bitmap @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Count set bits in a string', '2.6.0', 'bitmap', 'O(N)'],
    history: [['7.0.0', 'Added the `BYTE|BIT` option.']],
    args: ['key key #0', ['index block ?', ['start integer', 'end integer', ['index_unit oneof @7.0.0 ?', ['byte pure-token =BYTE', 'bit pure-token =BIT']]]]],
  },
  bitfield: {
    info: [-2, 'write denyoom', 1, 1, 1, '@write @bitmap @slow'],
    keys: ['RW access update variable_flags | index 1 | range 0 1 0 | This command allows both access and modification of the key'],
    doc: ['Perform arbitrary bitfield integer operations on strings', '3.2.0', 'bitmap', 'O(1) for each subcommand specified'],
    args: ['key key #0', ['operation oneof ?*', [['encoding_offset block =GET', ['encoding string', 'offset integer']], ['write block', [['wrap_sat_fail oneof =OVERFLOW ?', ['wrap pure-token =WRAP', 'sat pure-token =SAT', 'fail pure-token =FAIL']], ['write_operation oneof', [['encoding_offset_value block =SET', ['encoding string', 'offset integer', 'value integer']], ['encoding_offset_increment block =INCRBY', ['encoding string', 'offset integer', 'increment integer']]]]]]]]],
  },
  bitfield_ro: {
    info: [-2, 'readonly fast', 1, 1, 1, '@read @bitmap @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD', '6.0.0', 'bitmap', 'O(1) for each subcommand specified'],
    args: ['key key #0', ['encoding_offset block =GET ?*+', ['encoding string', 'offset integer']]],
  },
  bitop: {
    info: [-4, 'write denyoom', 2, -1, 1, '@write @bitmap @slow'],
    keys: ['OW update | index 2 | range 0 1 0', 'RO access | index 3 | range -1 1 0'],
    doc: ['Perform bitwise operations between strings', '2.6.0', 'bitmap', 'O(N)'],
    args: ['operation string', 'destkey key #0', 'key key #1 *'],
  },
  bitpos: {
    info: [-3, 'readonly', 1, 1, 1, '@read @bitmap @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Find first bit set or clear in a string', '2.8.7', 'bitmap', 'O(N)'],
    history: [['7.0.0', 'Added the `BYTE|BIT` option.']],
    args: ['key key #0', 'bit integer', ['index block ?', ['start integer', ['end_index block ?', ['end integer', ['index_unit oneof @7.0.0 ?', ['byte pure-token =BYTE', 'bit pure-token =BIT']]]]]]],
  },
  getbit: {
    info: [3, 'readonly fast', 1, 1, 1, '@read @bitmap @fast'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Returns the bit value at offset in the string value stored at key', '2.2.0', 'bitmap', 'O(1)'],
    args: ['key key #0', 'offset integer'],
  },
  setbit: {
    info: [4, 'write denyoom', 1, 1, 1, '@write @bitmap @slow'],
    keys: ['RW access update | index 1 | range 0 1 0'],
    doc: ['Sets or clears the bit at offset in the string value stored at key', '2.2.0', 'bitmap', 'O(1)'],
    args: ['key key #0', 'offset integer', 'value integer'],
  },
  // ---- transactions --------------------------------------------------------
  discard: {
    info: [1, 'noscript loading stale fast allow_busy', 0, 0, 0, '@fast @transaction'],
    doc: ['Discard all commands issued after MULTI', '2.0.0', 'transactions', 'O(N), when N is the number of queued commands'],
  },
  exec: {
    info: [1, 'noscript loading stale skip_slowlog', 0, 0, 0, '@slow @transaction'],
    doc: ['Execute all commands issued after MULTI', '1.2.0', 'transactions', 'Depends on commands in the transaction'],
  },
  multi: {
    info: [1, 'noscript loading stale fast allow_busy', 0, 0, 0, '@fast @transaction'],
    doc: ['Mark the start of a transaction block', '1.2.0', 'transactions', 'O(1)'],
  },
  unwatch: {
    info: [1, 'noscript loading stale fast allow_busy', 0, 0, 0, '@fast @transaction'],
    doc: ['Forget about all watched keys', '2.2.0', 'transactions', 'O(1)'],
  },
  watch: {
    info: [-2, 'noscript loading stale fast allow_busy', 1, -1, 1, '@fast @transaction'],
    keys: ['RO | index 1 | range -1 1 0'],
    doc: ['Watch the given keys to determine execution of the MULTI/EXEC block', '2.2.0', 'transactions', 'O(1) for every key.'],
    args: ['key key #0 *'],
  },
  // ---- pubsub --------------------------------------------------------------
  psubscribe: {
    info: [-2, 'pubsub noscript loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['Listen for messages published to channels matching the given patterns', '2.0.0', 'pubsub', 'O(N) where N is the number of patterns the client is already subscribed to.'],
    args: [['pattern block *', ['pattern pattern']]],
  },
  publish: {
    info: [3, 'pubsub loading stale fast', 0, 0, 0, '@pubsub @fast'],
    doc: ['Post a message to a channel', '2.0.0', 'pubsub', 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).'],
    args: ['channel string', 'message string'],
  },
  pubsub: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for Pub/Sub commands', '2.8.0', 'pubsub', 'Depends on subcommand.'],
  },
  'pubsub|channels': {
    info: [-2, 'pubsub loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['List active channels', '2.8.0', 'pubsub', 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)'],
    args: ['pattern pattern ?'],
  },
  'pubsub|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow'],
    doc: ['Show helpful text about the different subcommands', '6.2.0', 'pubsub', 'O(1)'],
  },
  'pubsub|numpat': {
    info: [2, 'pubsub loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['Get the count of unique patterns pattern subscriptions', '2.8.0', 'pubsub', 'O(1)'],
  },
  'pubsub|numsub': {
    info: [-2, 'pubsub loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['Get the count of subscribers for channels', '2.8.0', 'pubsub', 'O(N) for the NUMSUB subcommand, where N is the number of requested channels'],
    args: ['channel string ?*'],
  },
  punsubscribe: {
    info: [-1, 'pubsub noscript loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['Stop listening for messages posted to channels matching the given patterns', '2.0.0', 'pubsub', 'O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).'],
    args: ['pattern pattern ?*'],
  },
  subscribe: {
    info: [-2, 'pubsub noscript loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['Listen for messages published to the given channels', '2.0.0', 'pubsub', 'O(N) where N is the number of channels to subscribe to.'],
    args: ['channel string *'],
  },
  unsubscribe: {
    info: [-1, 'pubsub noscript loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['Stop listening for messages posted to the given channels', '2.0.0', 'pubsub', 'O(N) where N is the number of clients already subscribed to a channel.'],
    args: ['channel string ?*'],
  },
  // ---- scripting ---------------------------------------------------------
  ...SCRIPTING_COMMAND_DOCS,
  // ---- server --------------------------------------------------------------
  command: {
    info: [-1, 'loading stale', 0, 0, 0, '@slow @connection'],
    tips: ['nondeterministic_output_order'],
    doc: ['Get array of Redis command details', '2.8.13', 'server', 'O(N) where N is the total number of Redis commands'],
  },
  'command|count': {
    info: [2, 'loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Get total number of Redis commands', '2.8.13', 'server', 'O(1)'],
  },
  'command|docs': {
    info: [-2, 'loading stale', 0, 0, 0, '@slow @connection'],
    tips: ['nondeterministic_output_order'],
    doc: ['Get array of specific Redis command documentation', '7.0.0', 'server', 'O(N) where N is the number of commands to look up'],
    args: ['command-name string ?*'],
  },
  'command|getkeys': {
    info: [-4, 'loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Extract keys given a full Redis command', '2.8.13', 'server', 'O(N) where N is the number of arguments to the command'],
  },
  'command|getkeysandflags': {
    info: [-4, 'loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Extract keys and access flags given a full Redis command', '7.0.0', 'server', 'O(N) where N is the number of arguments to the command'],
  },
  'command|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow @connection'],
    doc: ['Show helpful text about the different subcommands', '5.0.0', 'server', 'O(1)'],
  },
  'command|info': {
    info: [-2, 'loading stale', 0, 0, 0, '@slow @connection'],
    tips: ['nondeterministic_output_order'],
    doc: ['Get array of specific Redis command details, or all when no argument is given.', '2.8.13', 'server', 'O(N) where N is the number of commands to look up'],
    history: [['7.0.0', 'Allowed to be called with no argument to get info on all commands.']],
    args: ['command-name string ?*'],
  },
  'command|list': {
    info: [-2, 'loading stale', 0, 0, 0, '@slow @connection'],
    tips: ['nondeterministic_output_order'],
    doc: ['Get an array of Redis command names', '7.0.0', 'server', 'O(N) where N is the total number of Redis commands'],
    args: [['filterby oneof =FILTERBY ?', ['module-name string =MODULE', 'category string =ACLCAT', 'pattern pattern =PATTERN']]],
  },
  config: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for server configuration commands', '2.0.0', 'server', 'Depends on subcommand.'],
  },
  'config|get': {
    info: [-3, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['Get the values of configuration parameters', '2.0.0', 'server', 'O(N) when N is the number of configuration parameters provided'],
    history: [['7.0.0', 'Added the ability to pass multiple pattern parameters in one call']],
    args: [['parameter block *', ['parameter string']]],
  },
  'config|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow'],
    doc: ['Show helpful text about the different subcommands', '5.0.0', 'server', 'O(1)'],
  },
  'config|resetstat': {
    info: [2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['Reset the stats returned by INFO', '2.0.0', 'server', 'O(1)'],
  },
  'config|rewrite': {
    info: [2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['Rewrite the configuration file with the in memory configuration', '2.8.0', 'server', 'O(1)'],
  },
  'config|set': {
    info: [-4, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    doc: ['Set configuration parameters to the given values', '2.0.0', 'server', 'O(N) when N is the number of configuration parameters provided'],
    history: [['7.0.0', 'Added the ability to set multiple parameters in one call.']],
    args: [['parameter_value block *', ['parameter string', 'value string']]],
  },
  dbsize: {
    info: [1, 'readonly fast', 0, 0, 0, '@keyspace @read @fast'],
    tips: ['request_policy:all_shards', 'response_policy:agg_sum'],
    doc: ['Return the number of keys in the selected database', '1.0.0', 'server', 'O(1)'],
  },
  debug: {
    info: [-2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['A container for debugging commands', '1.0.0', 'server', 'Depends on subcommand.'],
    docFlags: 'syscmd',
  },
  flushall: {
    info: [-1, 'write', 0, 0, 0, '@keyspace @write @slow @dangerous'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: ['Remove all keys from all databases', '1.0.0', 'server', 'O(N) where N is the total number of keys in all databases'],
    history: [['4.0.0', 'Added the `ASYNC` flushing mode modifier.'], ['6.2.0', 'Added the `SYNC` flushing mode modifier.']],
    args: [['async oneof ?', ['async pure-token =ASYNC @4.0.0', 'sync pure-token =SYNC @6.2.0']]],
  },
  flushdb: {
    info: [-1, 'write', 0, 0, 0, '@keyspace @write @slow @dangerous'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: ['Remove all keys from the current database', '1.0.0', 'server', 'O(N) where N is the number of keys in the selected database'],
    history: [['4.0.0', 'Added the `ASYNC` flushing mode modifier.'], ['6.2.0', 'Added the `SYNC` flushing mode modifier.']],
    args: [['async oneof ?', ['async pure-token =ASYNC @4.0.0', 'sync pure-token =SYNC @6.2.0']]],
  },
  info: {
    info: [-1, 'loading stale', 0, 0, 0, '@slow @dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
    doc: ['Get information and statistics about the server', '1.0.0', 'server', 'O(1)'],
    history: [['7.0.0', 'Added support for taking multiple section arguments.']],
    args: ['section string ?*'],
  },
  shutdown: {
    info: [-1, 'admin noscript loading stale no_multi allow_busy', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['Synchronously save the dataset to disk and then shut down the server', '1.0.0', 'server', 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)'],
    history: [['7.0.0', 'Added the `NOW`, `FORCE` and `ABORT` modifiers.']],
    args: [['nosave_save oneof ?', ['nosave pure-token =NOSAVE', 'save pure-token =SAVE']], 'now pure-token =NOW @7.0.0 ?', 'force pure-token =FORCE @7.0.0 ?', 'abort pure-token =ABORT @7.0.0 ?'],
  },
  time: {
    info: [1, 'loading stale fast', 0, 0, 0, '@fast'],
    tips: ['nondeterministic_output'],
    doc: ['Return the current server time', '2.6.0', 'server', 'O(1)'],
  },
  // ---- cluster -------------------------------------------------------------
  cluster: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for cluster commands', '3.0.0', 'cluster', 'Depends on subcommand.'],
  },
  'cluster|info': {
    info: [2, 'stale', 0, 0, 0, '@slow'],
    tips: ['nondeterministic_output'],
    doc: ['Provides info about Redis Cluster node state', '3.0.0', 'cluster', 'O(1)'],
  },
  'cluster|myid': {
    info: [2, 'stale', 0, 0, 0, '@slow'],
    doc: ['Return the node id', '3.0.0', 'cluster', 'O(1)'],
  },
  'cluster|nodes': {
    info: [2, 'stale', 0, 0, 0, '@slow'],
    tips: ['nondeterministic_output'],
    doc: ['Get Cluster config for the node', '3.0.0', 'cluster', 'O(N) where N is the total number of Cluster nodes'],
  },
  'cluster|shards': {
    info: [2, 'stale', 0, 0, 0, '@slow'],
    tips: ['nondeterministic_output'],
    doc: ['Get array of cluster slots to node mappings', '7.0.0', 'cluster', 'O(N) where N is the total number of cluster nodes'],
  },
  'cluster|slots': {
    info: [2, 'stale', 0, 0, 0, '@slow'],
    tips: ['nondeterministic_output'],
    doc: ['Get array of Cluster slot to node mappings', '3.0.0', 'cluster', 'O(N) where N is the total number of Cluster nodes'],
    docFlags: 'deprecated',
    deprecated: ['7.0.0', '`CLUSTER SHARDS`'],
    history: [['4.0.0', 'Added node IDs.'], ['7.0.0', 'Added additional networking metadata field.']],
  },
  readonly: {
    info: [1, 'loading stale fast', 0, 0, 0, '@fast @connection'],
    doc: ['Enables read queries for a connection to a cluster replica node', '3.0.0', 'cluster', 'O(1)'],
  },
  readwrite: {
    info: [1, 'loading stale fast', 0, 0, 0, '@fast @connection'],
    doc: ['Disables read queries for a connection to a cluster replica node', '3.0.0', 'cluster', 'O(1)'],
  },
  // ---- server --------------------------------------------------------------
  lolwut: {
    info: [-1, 'readonly fast', 0, 0, 0, '@read @fast'],
    doc: ['Display some computer art and the Redis version', '5.0.0', 'server', ''],
    args: ['version integer =VERSION ?'],
  },
  role: {
    info: [1, 'noscript loading stale fast', 0, 0, 0, '@admin @fast @dangerous'],
    doc: ['Return the role of the instance in the context of replication', '2.8.12', 'server', 'O(1)'],
  },
  ...STREAM_COMMAND_DOCS,
};
