/** Generic key commands (Redis 7.0 db.c / expire.c semantics) for the keyspace. */
import {
  DATABASE_COUNT,
  OK,
  type Reply,
  SeshatError,
  SimpleString,
  SLOT_COUNT,
  slotCount,
} from '@seshat/common';
import { argIs, globMatch, parseI64, parseInt32, syntaxError } from '../args.js';
import { defineCommand, defineSubcommand } from '../command-table.js';
import { copyCollection } from '../collection.js';
import type { Ctx } from '../ctx.js';
import { metaKey, metaKeyDb, metaKeyUserKey } from '../keys.js';
import { KeyType, metaExpireAt, metaType, stringValue, TYPE_NAMES, withExpireAt, FLAG_RAW } from '../meta.js';
import { tryParseI64 } from '../args.js';
import { listEncoding } from './lists.js';
import { zsetEncoding } from './zset-ops.js';
import { hashEncoding } from './hashes.js';
import { setEncoding } from './sets.js';
import { objectFreq, objectIdletime } from './object-access.js';
import { nthSlot, scopedIterator } from '../slot-scope.js';

const G = 'generic';

function del(ctx: Ctx, argv: Buffer[]): Reply {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const mk = metaKey(ctx.db, argv[i]!);
    const old = ctx.lookupHead(mk);
    if (old === undefined) continue;
    ctx.deleteKey(mk, old);
    ctx.notify('g', 'del', argv[i]!);
    n++;
  }
  return n;
}

function exists(ctx: Ctx, argv: Buffer[]): Reply {
  let n = 0;
  // LOOKUP_NOTOUCH: EXISTS does not count as an access (OBJECT IDLETIME).
  for (let i = 1; i < argv.length; i++)
    if (ctx.lookupRead(metaKey(ctx.db, argv[i]!), false) !== undefined) n++;
  return n;
}

const TYPE_REPLIES = TYPE_NAMES.map((n) => new SimpleString(n));
const NONE = new SimpleString('none');

function type(ctx: Ctx, argv: Buffer[]): Reply {
  const raw = ctx.lookup(metaKey(ctx.db, argv[1]!));
  return raw === undefined ? NONE : TYPE_REPLIES[metaType(raw)]!;
}

function sameObjects(): SeshatError {
  return new SeshatError('ERR', 'source and destination objects are the same');
}

function dbIndex(arg: Buffer): number {
  const db = parseInt32(arg);
  if (db < 0 || db >= DATABASE_COUNT) throw new SeshatError('ERR', 'DB index is out of range');
  return db;
}

function renameGeneric(ctx: Ctx, argv: Buffer[], nx: boolean): Reply {
  const src = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookup(src);
  if (old === undefined) throw new SeshatError('ERR', 'no such key');
  if (argv[1]!.equals(argv[2]!)) return nx ? 0 : OK;
  const dst = metaKey(ctx.db, argv[2]!);
  const existing = ctx.lookup(dst);
  if (existing !== undefined) {
    if (nx) return 0;
    ctx.deleteKey(dst, existing);
  }
  moveRecord(ctx, src, old, dst);
  ctx.notify('g', 'rename_from', argv[1]!);
  ctx.notify('g', 'rename_to', argv[2]!);
  return nx ? 1 : OK;
}

/** Moves a key's record to another meta key (same or other db). Strings carry their value
 * inline; collections will carry their elements (data types issue). */
function moveRecord(ctx: Ctx, src: Buffer, raw: Buffer, dst: Buffer): void {
  const moved = metaType(raw) === KeyType.String ? raw : copyCollection(ctx, src, raw, dst);
  ctx.deleteKey(src, raw);
  ctx.putMeta(dst, moved, undefined);
}

function copy(ctx: Ctx, argv: Buffer[]): Reply {
  let dstDb = ctx.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    if (argIs(argv[j]!, 'replace')) replace = true;
    else if (argIs(argv[j]!, 'db') && j + 1 < argv.length) dstDb = ctx.dbs.physical(dbIndex(argv[++j]!));
    else throw syntaxError();
  }
  if (dstDb === ctx.db && argv[1]!.equals(argv[2]!)) throw sameObjects();
  const raw = ctx.lookup(metaKey(ctx.db, argv[1]!));
  if (raw === undefined) return 0;
  const dst = metaKey(dstDb, argv[2]!);
  const existing = ctx.lookup(dst);
  if (existing !== undefined) {
    if (!replace) return 0;
    ctx.deleteKey(dst, existing);
  }
  ctx.putMeta(
    dst,
    metaType(raw) === KeyType.String ? raw : copyCollection(ctx, metaKey(ctx.db, argv[1]!), raw, dst),
    undefined,
  );
  ctx.notify('g', 'copy_to', argv[2]!, dstDb);
  return 1;
}

function move(ctx: Ctx, argv: Buffer[]): Reply {
  const dstDb = ctx.dbs.physical(dbIndex(argv[2]!));
  if (dstDb === ctx.db) throw sameObjects();
  const src = metaKey(ctx.db, argv[1]!);
  const raw = ctx.lookup(src);
  if (raw === undefined) return 0;
  const dst = metaKey(dstDb, argv[1]!);
  if (ctx.lookup(dst) !== undefined) return 0;
  moveRecord(ctx, src, raw, dst);
  ctx.notify('g', 'move_from', argv[1]!);
  ctx.notify('g', 'move_to', argv[1]!, dstDb);
  return 1;
}

const SCAN_BATCH_ROWS = 256;

/** Visits live keys of the context's db in key order, from `after` (exclusive) onwards, in
 * the slots the state machine serves. */
export function forEachKey(
  ctx: Ctx,
  after: Buffer | null,
  visit: (mk: Buffer, raw: Buffer) => boolean,
): void {
  const it = scopedIterator(ctx.store, 'meta', ctx.slotRanges, after);
  try {
    for (;;) {
      const rows = it.nextBatch(SCAN_BATCH_ROWS);
      if (rows.length === 0) return;
      for (let i = 0; i < rows.length; i += 2) {
        const mk = rows[i]!;
        const raw = rows[i + 1]!;
        if (metaKeyDb(mk) !== ctx.db) continue;
        const exp = metaExpireAt(raw);
        if (exp !== 0 && exp <= ctx.nowMs) continue;
        if (!visit(mk, raw)) return;
      }
    }
  } finally {
    it.close();
  }
}

function keys(ctx: Ctx, argv: Buffer[]): Reply {
  const pattern = argv[1]!;
  const all = pattern.length === 1 && pattern[0] === 0x2a;
  const out: Reply[] = [];
  forEachKey(ctx, null, (mk) => {
    const key = metaKeyUserKey(mk);
    if (all || globMatch(pattern, key)) out.push(Buffer.from(key));
    return true;
  });
  return out;
}

/**
 * SCAN cursors. Keys are ordered by (slot, db, key), so a cursor must remember a key. The
 * cursor number handed out is `id * 16384 + slot`: `id` names a remembered position in a
 * bounded table; if it has been evicted, the scan restarts at the beginning of `slot`, which
 * keeps SCAN's guarantee (every key present for the whole scan is returned at least once).
 */
const SCAN_CURSORS_MAX = 65536;
const scanCursors = new Map<number, Buffer>();
let nextCursorId = 1;

function rememberCursor(mk: Buffer): bigint {
  const id = nextCursorId++;
  if (nextCursorId > 0x7fffffff) nextCursorId = 1;
  scanCursors.set(id, mk);
  if (scanCursors.size > SCAN_CURSORS_MAX) scanCursors.delete(scanCursors.keys().next().value!);
  return BigInt(id) * BigInt(SLOT_COUNT) + BigInt((mk[0]! << 8) | mk[1]!);
}

function cursorStart(cursor: bigint): Buffer | null {
  if (cursor === 0n) return null;
  const id = Number(cursor / BigInt(SLOT_COUNT));
  const slot = Number(cursor % BigInt(SLOT_COUNT));
  const remembered = scanCursors.get(id);
  if (remembered) return remembered;
  // Unknown cursor: resume just before the slot it pointed into.
  return slot === 0 ? null : Buffer.from([(slot - 1) >>> 8, (slot - 1) & 0xff, 0xff, 0xff]);
}

export function parseCursor(arg: Buffer): bigint {
  const s = arg.toString('latin1');
  if (!/^\d+$/.test(s) || BigInt(s) > 18446744073709551615n) throw new SeshatError('ERR', 'invalid cursor');
  return BigInt(s);
}

function scan(ctx: Ctx, argv: Buffer[]): Reply {
  const cursor = parseCursor(argv[1]!);
  let count = 10;
  let pattern: Buffer | null = null;
  let typeFilter: number | null = null;
  for (let j = 2; j < argv.length; j++) {
    const more = j + 1 < argv.length;
    if (argIs(argv[j]!, 'count') && more) {
      const c = tryParseI64(argv[++j]!);
      if (c === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
      if (c < 1n) throw syntaxError();
      count = c > 100000n ? 100000 : Number(c);
    } else if (argIs(argv[j]!, 'match') && more) {
      pattern = argv[++j]!;
      if (pattern.length === 1 && pattern[0] === 0x2a) pattern = null;
    } else if (argIs(argv[j]!, 'type') && more) {
      const name = argv[++j]!.toString('latin1').toLowerCase();
      typeFilter = (TYPE_NAMES as readonly string[]).indexOf(name);
      if (typeFilter < 0) typeFilter = 99; // unknown types match nothing, as in Redis
    } else throw syntaxError();
  }
  const out: Reply[] = [];
  let visited = 0;
  let last: Buffer | null = null;
  let finished = true;
  forEachKey(ctx, cursorStart(cursor), (mk, raw) => {
    if (visited >= count) {
      finished = false;
      return false;
    }
    visited++;
    last = mk;
    const key = metaKeyUserKey(mk);
    if (pattern && !globMatch(pattern, key)) return true;
    if (typeFilter !== null && metaType(raw) !== typeFilter) return true;
    out.push(Buffer.from(key));
    return true;
  });
  const next = finished || last === null ? '0' : rememberCursor(last).toString();
  return [next, out];
}

function randomkey(ctx: Ctx): Reply {
  if (ctx.counts.keys[ctx.db] === 0) return null;
  for (let attempt = 0; attempt < 8; attempt++) {
    const slot = nthSlot(ctx.slotRanges, ctx.random.nextInt(slotCount(ctx.slotRanges)));
    let found: Buffer | null = null;
    forEachKey(ctx, Buffer.from([slot >>> 8, slot & 0xff]), (mk) => {
      found = Buffer.from(metaKeyUserKey(mk));
      return false;
    });
    if (found) return found;
  }
  let first: Buffer | null = null;
  forEachKey(ctx, null, (mk) => {
    first = Buffer.from(metaKeyUserKey(mk));
    return false;
  });
  return first;
}

function touch(ctx: Ctx, argv: Buffer[]): Reply {
  let n = 0;
  // lookupKeyRead: an access (OBJECT IDLETIME restarts), counted as a hit or miss.
  for (let i = 1; i < argv.length; i++) if (ctx.lookupRead(metaKey(ctx.db, argv[i]!)) !== undefined) n++;
  return n;
}

/** Redis: an integer-looking string up to 20 chars is "int", up to 44 bytes "embstr". */
function stringEncoding(raw: Buffer): string {
  const v = stringValue(raw);
  if (raw[1]! & FLAG_RAW) return 'raw';
  if (v.length <= 20 && tryParseI64(v) !== undefined) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
].map((s) => new SimpleString(s));

function objectEncoding(ctx: Ctx, argv: Buffer[]): Reply {
  const raw = ctx.lookup(metaKey(ctx.db, argv[2]!));
  if (raw === undefined) return null;
  if (metaType(raw) === KeyType.String) return stringEncoding(raw);
  if (metaType(raw) === KeyType.List) return listEncoding(raw);
  if (metaType(raw) === KeyType.ZSet) return zsetEncoding(raw);
  if (metaType(raw) === KeyType.Hash) return hashEncoding(raw);
  if (metaType(raw) === KeyType.Set) return setEncoding(raw);
  return ['hashtable', 'hashtable', 'quicklist', 'hashtable', 'skiplist', 'stream'][metaType(raw)]!;
}

function objectRefcount(ctx: Ctx, argv: Buffer[]): Reply {
  const raw = ctx.lookup(metaKey(ctx.db, argv[2]!));
  if (raw === undefined) return null;
  if (metaType(raw) === KeyType.String && stringEncoding(raw) === 'int') {
    const v = parseI64(stringValue(raw));
    if (v >= 0n && v < 10000n) return 2147483647; // Redis's shared integers
  }
  return 1;
}

defineCommand(
  {
    name: 'del',
    arity: -2,
    flags: 'write',
    keys: [1, -1, 1],
    group: G,
    summary: 'Deletes one or more keys.',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys that will be removed.',
    exec: 'write',
  },
  del,
);
defineCommand(
  {
    name: 'unlink',
    arity: -2,
    flags: 'write fast',
    keys: [1, -1, 1],
    group: G,
    summary: 'Asynchronously deletes one or more keys.',
    since: '4.0.0',
    complexity: 'O(1) for each key removed regardless of its size.',
    exec: 'write',
  },
  del,
);
defineCommand(
  {
    name: 'exists',
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    group: G,
    summary: 'Determines whether one or more keys exist.',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys to check.',
    exec: 'read',
  },
  exists,
);
defineCommand(
  {
    name: 'type',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Determines the type of value stored at a key.',
    since: '1.0.0',
    exec: 'read',
  },
  type,
);
defineCommand(
  {
    name: 'rename',
    arity: 3,
    flags: 'write',
    keys: [1, 2, 1],
    group: G,
    summary: 'Renames a key and overwrites the destination.',
    since: '1.0.0',
    exec: 'write',
  },
  (c, a) => renameGeneric(c, a, false),
);
defineCommand(
  {
    name: 'renamenx',
    arity: 3,
    flags: 'write fast',
    keys: [1, 2, 1],
    group: G,
    summary: "Renames a key only when the target key name doesn't exist.",
    since: '1.0.0',
    exec: 'write',
  },
  (c, a) => renameGeneric(c, a, true),
);
defineCommand(
  {
    name: 'copy',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    group: G,
    summary: 'Copies the value of a key to a new key.',
    since: '6.2.0',
    complexity:
      'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
    exec: 'write',
  },
  copy,
);
defineCommand(
  {
    name: 'move',
    arity: 3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Moves a key to another database.',
    since: '1.0.0',
    exec: 'write',
  },
  move,
);
defineCommand(
  {
    name: 'keys',
    arity: 2,
    flags: 'readonly',
    group: G,
    summary: 'Returns all key names that match a pattern.',
    since: '1.0.0',
    complexity:
      'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.',
    exec: 'read',
    acl: '@dangerous',
  },
  keys,
);
defineCommand(
  {
    name: 'scan',
    arity: -2,
    flags: 'readonly',
    group: G,
    summary: 'Iterates over the key names in the database.',
    since: '2.8.0',
    complexity:
      'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    exec: 'read',
  },
  scan,
);
defineCommand(
  {
    name: 'randomkey',
    arity: 1,
    flags: 'readonly',
    group: G,
    summary: 'Returns a random key name from the database.',
    since: '1.0.0',
    exec: 'read',
  },
  randomkey,
);
defineCommand(
  {
    name: 'touch',
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    group: G,
    summary:
      'Returns the number of existing keys out of those specified after updating the time they were last accessed.',
    since: '3.2.1',
    complexity: 'O(N) where N is the number of keys that will be touched.',
    exec: 'read',
  },
  touch,
);
defineCommand(
  {
    name: 'object',
    arity: -2,
    flags: '',
    group: G,
    summary: 'A container for object introspection commands.',
    since: '2.2.3',
    complexity: 'Depends on subcommand.',
    exec: 'read',
  },
  null,
);
defineSubcommand(
  'object',
  {
    name: 'encoding',
    arity: 3,
    flags: 'readonly',
    keys: [2, 2, 1],
    group: G,
    summary: 'Returns the internal encoding of a Redis object.',
    since: '2.2.3',
    exec: 'read',
  },
  objectEncoding,
);
defineSubcommand(
  'object',
  {
    name: 'refcount',
    arity: 3,
    flags: 'readonly',
    keys: [2, 2, 1],
    group: G,
    summary: 'Returns the reference count of a value of a key.',
    since: '2.2.3',
    exec: 'read',
  },
  objectRefcount,
);
defineSubcommand(
  'object',
  {
    name: 'idletime',
    arity: 3,
    flags: 'readonly',
    keys: [2, 2, 1],
    group: G,
    summary: 'Returns the time since the last access to a Redis object.',
    since: '2.2.3',
    exec: 'read',
  },
  objectIdletime,
);
defineSubcommand(
  'object',
  {
    name: 'freq',
    arity: 3,
    flags: 'readonly',
    keys: [2, 2, 1],
    group: G,
    summary: 'Returns the logarithmic access frequency counter of a Redis object.',
    since: '4.0.0',
    exec: 'read',
  },
  objectFreq,
);
defineSubcommand(
  'object',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: G,
    summary: 'Returns helpful text about the different subcommands.',
    since: '6.2.0',
    exec: 'read',
  },
  () => OBJECT_HELP,
);

export { withExpireAt };
