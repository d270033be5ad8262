/**
 * Hash commands (Redis 7.0 t_hash.c semantics).
 *
 * Layout: the meta record's payload is count(8) nextSeq(8); each field is one `sub` row
 *   prefix(mk, version) field -> seq(8) value
 * `seq` is the field's insertion number. Redis keeps small hashes in a listpack, whose order is
 * insertion order (an overwritten field keeps its place), so while a hash would be a listpack
 * (at most 512 fields, none longer than 64 bytes) HGETALL/HKEYS/HVALS/HSCAN sort by seq and
 * give Redis's order exactly. Once Redis would have converted it to a hashtable (sticky, as in
 * Redis) FLAG_HASHTABLE is set and the order is field byte order (Redis's is unspecified).
 *
 * Complexity: HSET/HSETNX/HGET/HDEL/HEXISTS/HSTRLEN/HINCRBY* O(1) point operations per field,
 * HLEN O(1) (count in meta), HGETALL/HKEYS/HVALS O(n) (plus O(n log n) sort for n <= 512),
 * HRANDFIELD see elements.ts, HSCAN O(COUNT) per call.
 */
import {
  assert,
  ERR_NOT_FLOAT,
  MapReply,
  OK as OK_REPLY,
  PairsReply,
  type Reply,
  SeshatError,
} from '@seshat/common';
import { addI64Checked, argIs, globMatch, parseI64, syntaxError, tryParseI64 } from '../args.js';
import {
  collectionExtra,
  collectionSize,
  elementKey,
  elementPrefix,
  lookupCollection,
  metaVersion,
  newCollectionMeta,
  saveCollection,
  withCollectionSize,
} from '../collection.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import {
  addLongDouble,
  formatLongDoubleHuman,
  isFiniteLongDouble,
  LONG_DOUBLE_ZERO,
  type LongDouble,
  parseLongDouble,
} from '../long-double.js';
import { KeyType } from '../meta.js';
import {
  forEachElement,
  getElement,
  parseScanCursor,
  parseScanOptions,
  randomElements,
  readElements,
  rememberScanPosition,
  scanStart,
} from './elements.js';

/** Meta flag: Redis would have converted this hash to a hashtable. */
export const FLAG_HASHTABLE = 2;
/** Largest HRANDFIELD/SRANDMEMBER reply built (Redis would try to build any size). */
export const RANDOM_REPLY_ELEMENTS_MAX = 1 << 22;

const SEQ_BYTES = 8;
const H = 'hash';

/** OBJECT ENCODING of a hash meta record. */
export function hashEncoding(raw: Buffer): string {
  return raw[1]! & FLAG_HASHTABLE ? 'hashtable' : 'listpack';
}

function nextSeq(raw: Buffer): number {
  return Number(collectionExtra(raw).readBigUInt64BE(0));
}

function seqExtra(seq: number): Buffer {
  const b = Buffer.allocUnsafe(SEQ_BYTES);
  b.writeBigUInt64BE(BigInt(seq), 0);
  return b;
}

/** The field's value without its insertion number. */
function fieldValue(stored: Buffer): Buffer {
  return stored.subarray(SEQ_BYTES);
}

/** A hash being modified by one command: count, next seq and encoding flag in memory. */
interface HashWrite {
  mk: Buffer;
  old: Buffer | undefined;
  raw: Buffer;
  prefix: Buffer;
  size: number;
  seq: number;
  hashtable: boolean;
}

function openHashWrite(ctx: Ctx, key: Buffer, create: boolean): HashWrite | undefined {
  const mk = metaKey(ctx.db, key);
  const old = lookupCollection(ctx, mk, KeyType.Hash, false);
  if (old === undefined && !create) return undefined;
  const raw = old ?? newCollectionMeta(ctx, KeyType.Hash, seqExtra(0));
  return {
    mk,
    old,
    raw,
    prefix: elementPrefix(mk, metaVersion(raw)),
    size: collectionSize(raw),
    seq: nextSeq(raw),
    hashtable: (raw[1]! & FLAG_HASHTABLE) !== 0,
  };
}

/** Sets one field; returns true if it was created. Converts like Redis's hashTypeSet. */
function setField(ctx: Ctx, h: HashWrite, field: Buffer, value: Buffer): boolean {
  const valueMax = ctx.limits.hashMaxListpackValueBytes;
  if (field.length > valueMax || value.length > valueMax) h.hashtable = true;
  const ek = elementKey(h.prefix, field);
  const existing = ctx.store.get('sub', ek);
  const stored = Buffer.allocUnsafe(SEQ_BYTES + value.length);
  if (existing !== undefined) existing.copy(stored, 0, 0, SEQ_BYTES);
  else stored.writeBigUInt64BE(BigInt(h.seq++), 0);
  value.copy(stored, SEQ_BYTES);
  ctx.store.put('sub', ek, stored);
  if (existing !== undefined) return false;
  h.size++;
  if (h.size > ctx.limits.hashMaxListpackEntries) h.hashtable = true;
  return true;
}

function saveHash(ctx: Ctx, h: HashWrite): void {
  const out = withCollectionSize(h.raw, h.size, seqExtra(h.seq));
  if (h.hashtable) out[1] = out[1]! | FLAG_HASHTABLE;
  saveCollection(ctx, h.mk, out, h.old);
}

/**
 * Creates the hash at `key` (which must be absent) with the distinct `fields` and their
 * `values` in that order (the listpack order), hashtable-encoded if `hashtable` (RESTORE: the
 * RDB decoder applies rdbLoadObject's rules, under which a listpack payload stays a listpack
 * whatever the length of its values). The collection's version is new, so no field exists
 * yet: each is written without the read setField makes.
 */
export function storeNewHash(
  ctx: Ctx,
  key: Buffer,
  fields: readonly Buffer[],
  values: readonly Buffer[],
  hashtable: boolean,
): void {
  const h = openHashWrite(ctx, key, true)!;
  assert(h.old === undefined && h.size === 0, 'storeNewHash over an existing hash');
  h.hashtable ||= hashtable;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = values[i]!;
    const stored = Buffer.allocUnsafe(SEQ_BYTES + value.length);
    stored.writeBigUInt64BE(BigInt(h.seq++), 0);
    value.copy(stored, SEQ_BYTES);
    ctx.store.put('sub', elementKey(h.prefix, field), stored);
  }
  h.size = fields.length;
  saveHash(ctx, h);
}

/** Redis hashTypeTryConversion: any long argument converts before anything is inserted. */
function convertForArgs(ctx: Ctx, h: HashWrite, argv: Buffer[], from: number): void {
  for (let i = from; i < argv.length; i++) {
    if (argv[i]!.length > ctx.limits.hashMaxListpackValueBytes) h.hashtable = true;
  }
}

function hset(ctx: Ctx, argv: Buffer[], name: string): Reply {
  if (argv.length % 2 === 1) throw new SeshatError('ERR', `wrong number of arguments for '${name}' command`);
  const h = openHashWrite(ctx, argv[1]!, true)!;
  convertForArgs(ctx, h, argv, 2);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (setField(ctx, h, argv[i]!, argv[i + 1]!)) created++;
  saveHash(ctx, h);
  ctx.notify('h', 'hset', argv[1]!);
  return created;
}

function hsetnx(ctx: Ctx, argv: Buffer[]): Reply {
  const h = openHashWrite(ctx, argv[1]!, true)!;
  if (h.old !== undefined && getElement(ctx, h.prefix, argv[2]!) !== undefined) return 0;
  convertForArgs(ctx, h, argv, 2);
  setField(ctx, h, argv[2]!, argv[3]!);
  saveHash(ctx, h);
  ctx.notify('h', 'hset', argv[1]!);
  return 1;
}

function hdel(ctx: Ctx, argv: Buffer[]): Reply {
  const h = openHashWrite(ctx, argv[1]!, false);
  if (h === undefined) return 0;
  let deleted = 0;
  for (let i = 2; i < argv.length && h.size > 0; i++) {
    const ek = elementKey(h.prefix, argv[i]!);
    if (ctx.store.get('sub', ek) === undefined) continue;
    ctx.store.del('sub', ek);
    h.size--;
    deleted++;
  }
  if (deleted > 0) {
    saveHash(ctx, h);
    ctx.notify('h', 'hdel', argv[1]!);
    if (h.size === 0) ctx.notify('g', 'del', argv[1]!);
  }
  return deleted;
}

/** The live hash at `key` for reading (undefined if absent; WRONGTYPE otherwise). */
function readHash(ctx: Ctx, key: Buffer): { raw: Buffer; prefix: Buffer } | undefined {
  const mk = metaKey(ctx.db, key);
  const raw = lookupCollection(ctx, mk, KeyType.Hash);
  return raw === undefined ? undefined : { raw, prefix: elementPrefix(mk, metaVersion(raw)) };
}

function readField(ctx: Ctx, key: Buffer, field: Buffer): Buffer | undefined {
  const h = readHash(ctx, key);
  if (h === undefined) return undefined;
  const stored = getElement(ctx, h.prefix, field);
  return stored === undefined ? undefined : fieldValue(stored);
}

function hmget(ctx: Ctx, argv: Buffer[]): Reply {
  const h = readHash(ctx, argv[1]!);
  const out: Reply[] = new Array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const stored = h === undefined ? undefined : getElement(ctx, h.prefix, argv[i]!);
    out[i - 2] = stored === undefined ? null : fieldValue(stored);
  }
  return out;
}

/**
 * Every field and value of a hash in Redis's order for its encoding (see the header). Used by
 * HGETALL/HKEYS/HVALS, SORT's hash lookups never need it.
 */
export function hashEntries(ctx: Ctx, raw: Buffer, prefix: Buffer): { fields: Buffer[]; values: Buffer[] } {
  const { subkeys, values } = readElements(ctx, prefix);
  if (raw[1]! & FLAG_HASHTABLE) return { fields: subkeys, values: values.map(fieldValue) };
  const order = subkeys.map((_, i) => i);
  order.sort((a, b) => Buffer.compare(values[a]!.subarray(0, SEQ_BYTES), values[b]!.subarray(0, SEQ_BYTES)));
  return { fields: order.map((i) => subkeys[i]!), values: order.map((i) => fieldValue(values[i]!)) };
}

function hgetallGeneric(ctx: Ctx, argv: Buffer[], withFields: boolean, withValues: boolean): Reply {
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return withFields && withValues ? new MapReply([]) : [];
  const { fields, values } = hashEntries(ctx, h.raw, h.prefix);
  if (!withValues) return fields;
  if (!withFields) return values;
  const items: Reply[] = new Array(fields.length * 2);
  for (let i = 0; i < fields.length; i++) {
    items[2 * i] = fields[i]!;
    items[2 * i + 1] = values[i]!;
  }
  return new MapReply(items);
}

function hlen(ctx: Ctx, argv: Buffer[]): Reply {
  const h = readHash(ctx, argv[1]!);
  return h === undefined ? 0 : collectionSize(h.raw);
}

function hincrby(ctx: Ctx, argv: Buffer[]): Reply {
  const incr = parseI64(argv[3]!);
  const h = openHashWrite(ctx, argv[1]!, true)!;
  const stored = h.old === undefined ? undefined : getElement(ctx, h.prefix, argv[2]!);
  let value = 0n;
  if (stored !== undefined) {
    const parsed = tryParseI64(fieldValue(stored));
    if (parsed === undefined) throw new SeshatError('ERR', 'hash value is not an integer');
    value = parsed;
  }
  value = addI64Checked(value, incr);
  setField(ctx, h, argv[2]!, Buffer.from(value.toString()));
  saveHash(ctx, h);
  ctx.notify('h', 'hincrby', argv[1]!);
  return value;
}

/** HINCRBYFLOAT with Redis's 80-bit long double arithmetic and formatting (long-double.ts). */
function hincrbyfloat(ctx: Ctx, argv: Buffer[]): Reply {
  const incr = parseLongDouble(argv[3]!);
  if (incr === undefined) throw new SeshatError('ERR', ERR_NOT_FLOAT);
  if (!isFiniteLongDouble(incr)) throw new SeshatError('ERR', 'value is NaN or Infinity');
  const h = openHashWrite(ctx, argv[1]!, true)!;
  const stored = h.old === undefined ? undefined : getElement(ctx, h.prefix, argv[2]!);
  let value: LongDouble = LONG_DOUBLE_ZERO;
  if (stored !== undefined) {
    const parsed = parseLongDouble(fieldValue(stored));
    if (parsed === undefined) throw new SeshatError('ERR', 'hash value is not a float');
    value = parsed;
  }
  value = addLongDouble(value, incr);
  if (!isFiniteLongDouble(value)) throw new SeshatError('ERR', 'increment would produce NaN or Infinity');
  const text = Buffer.from(formatLongDoubleHuman(value), 'latin1');
  setField(ctx, h, argv[2]!, text);
  saveHash(ctx, h);
  ctx.notify('h', 'hincrbyfloat', argv[1]!);
  return text;
}

const LONG_MAX = 9223372036854775807n;

/** Redis getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX) as HRANDFIELD/SRANDMEMBER use it. */
export function parseRandomCount(arg: Buffer): bigint {
  const v = parseI64(arg);
  if (v < -LONG_MAX) {
    throw new SeshatError(
      'ERR',
      'value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  }
  return v;
}

/** Refuses replies beyond RANDOM_REPLY_ELEMENTS_MAX (Redis would try and stall). */
export function checkRandomReply(n: bigint): number {
  if (n > BigInt(RANDOM_REPLY_ELEMENTS_MAX)) {
    throw new SeshatError(
      'ERR',
      `count is out of range, the reply would exceed ${RANDOM_REPLY_ELEMENTS_MAX} elements`,
    );
  }
  return Number(n);
}

function hrandfield(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length === 2) {
    const h = readHash(ctx, argv[1]!);
    if (h === undefined) return null;
    return randomElements(ctx, h.prefix, collectionSize(h.raw), 1, true).subkeys[0]!;
  }
  const l = parseRandomCount(argv[2]!);
  let withValues = false;
  if (argv.length > 4 || (argv.length === 4 && !argIs(argv[3]!, 'withvalues'))) throw syntaxError();
  if (argv.length === 4) {
    withValues = true;
    if (l < -LONG_MAX / 2n || l > LONG_MAX / 2n) throw new SeshatError('ERR', 'value is out of range');
  }
  const h = readHash(ctx, argv[1]!);
  if (h === undefined || l === 0n) return [];
  const size = collectionSize(h.raw);
  let fields: Buffer[];
  let values: Buffer[];
  if (l > 0n && l >= BigInt(size)) {
    ({ fields, values } = hashEntries(ctx, h.raw, h.prefix));
  } else {
    const count = checkRandomReply(l < 0n ? -l : l);
    const picked = randomElements(ctx, h.prefix, size, count, l > 0n);
    fields = picked.subkeys;
    values = picked.values.map(fieldValue);
  }
  if (!withValues) return fields;
  const items: Reply[] = new Array(fields.length * 2);
  for (let i = 0; i < fields.length; i++) {
    items[2 * i] = fields[i]!;
    items[2 * i + 1] = values[i]!;
  }
  return new PairsReply(items);
}

function hscan(ctx: Ctx, argv: Buffer[]): Reply {
  const cursor = parseScanCursor(argv[2]!);
  const h = readHash(ctx, argv[1]!);
  if (h === undefined) return ['0', []];
  // Redis looks the key up before parsing the options: a missing key ignores them.
  const { count, pattern } = parseScanOptions(argv, 3);
  const out: Reply[] = [];
  if (!(h.raw[1]! & FLAG_HASHTABLE)) {
    // A listpack is returned whole in one call, cursor 0, as Redis does.
    const { fields, values } = hashEntries(ctx, h.raw, h.prefix);
    for (let i = 0; i < fields.length; i++) {
      if (pattern !== null && !globMatch(pattern, fields[i]!)) continue;
      out.push(fields[i]!, values[i]!);
    }
    return ['0', out];
  }
  let visited = 0;
  let last: Buffer | null = null;
  let finished = true;
  forEachElement(
    ctx,
    h.prefix,
    (field, stored) => {
      if (visited >= count) {
        finished = false;
        return false;
      }
      visited++;
      last = field;
      if (pattern === null || globMatch(pattern, field)) out.push(Buffer.from(field), fieldValue(stored));
      return true;
    },
    scanStart(cursor),
  );
  return [finished || last === null ? '0' : rememberScanPosition(last).toString(), out];
}

const W = 'write';
const R = 'read';

defineCommand(
  {
    name: 'hset',
    arity: -4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Set the string value of a hash field',
    since: '2.0.0',
    complexity:
      'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    exec: W,
  },
  (c, a) => hset(c, a, 'hset'),
);
defineCommand(
  {
    name: 'hmset',
    arity: -4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Set multiple hash fields to multiple values',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of fields being set.',
    exec: W,
  },
  (c, a) => {
    hset(c, a, 'hmset');
    return OK_REPLY;
  },
);
defineCommand(
  {
    name: 'hsetnx',
    arity: 4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Set the value of a hash field, only if the field does not exist',
    since: '2.0.0',
    exec: W,
  },
  hsetnx,
);
defineCommand(
  {
    name: 'hget',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get the value of a hash field',
    since: '2.0.0',
    exec: R,
  },
  (c, a) => readField(c, a[1]!, a[2]!) ?? null,
);
defineCommand(
  {
    name: 'hmget',
    arity: -3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get the values of all the given hash fields',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of fields being requested.',
    exec: R,
  },
  hmget,
);
defineCommand(
  {
    name: 'hdel',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Delete one or more hash fields',
    since: '2.0.0',
    complexity: 'O(N) where N is the number of fields to be removed.',
    exec: W,
  },
  hdel,
);
defineCommand(
  {
    name: 'hlen',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get the number of fields in a hash',
    since: '2.0.0',
    exec: R,
  },
  hlen,
);
defineCommand(
  {
    name: 'hstrlen',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get the length of the value of a hash field',
    since: '3.2.0',
    exec: R,
  },
  (c, a) => readField(c, a[1]!, a[2]!)?.length ?? 0,
);
defineCommand(
  {
    name: 'hexists',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Determine if a hash field exists',
    since: '2.0.0',
    exec: R,
  },
  (c, a) => (readField(c, a[1]!, a[2]!) === undefined ? 0 : 1),
);
defineCommand(
  {
    name: 'hkeys',
    arity: 2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get all the fields in a hash',
    since: '2.0.0',
    complexity: 'O(N) where N is the size of the hash.',
    exec: R,
  },
  (c, a) => hgetallGeneric(c, a, true, false),
);
defineCommand(
  {
    name: 'hvals',
    arity: 2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get all the values in a hash',
    since: '2.0.0',
    complexity: 'O(N) where N is the size of the hash.',
    exec: R,
  },
  (c, a) => hgetallGeneric(c, a, false, true),
);
defineCommand(
  {
    name: 'hgetall',
    arity: 2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get all the fields and values in a hash',
    since: '2.0.0',
    complexity: 'O(N) where N is the size of the hash.',
    exec: R,
  },
  (c, a) => hgetallGeneric(c, a, true, true),
);
defineCommand(
  {
    name: 'hincrby',
    arity: 4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Increment the integer value of a hash field by the given number',
    since: '2.0.0',
    exec: W,
  },
  hincrby,
);
defineCommand(
  {
    name: 'hincrbyfloat',
    arity: 4,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: H,
    summary: 'Increment the float value of a hash field by the given amount',
    since: '2.6.0',
    exec: W,
  },
  hincrbyfloat,
);
defineCommand(
  {
    name: 'hrandfield',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: H,
    summary: 'Get one or multiple random fields from a hash',
    since: '6.2.0',
    complexity: 'O(N) where N is the number of fields returned',
    exec: R,
  },
  hrandfield,
);
defineCommand(
  {
    name: 'hscan',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: H,
    summary: 'Incrementally iterate hash fields and associated values',
    since: '2.8.0',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    exec: R,
  },
  hscan,
);
