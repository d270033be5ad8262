/**
 * DUMP and RESTORE (Redis 7.0 cluster.c dumpCommand / restoreCommand) with Redis's payload
 * format (rdb/: RDB version 10 object encodings, CRC64 footer), so that a DUMP taken from Redis
 * 7.0 restores here and a DUMP taken here restores on Redis 7.0.
 *
 * DUMP reads the key's elements through the data types' own readers and encodes them as Redis
 * would have them encoded (rdb/object-encode.ts). RESTORE is a write: the payload travels in the
 * log entry, and every replica verifies, decodes and writes it on apply through the data types'
 * own writers, with the entry's stamp as "now" for the TTL, so all replicas end in the same
 * state. Its checks run in Redis's order: options, BUSYKEY, TTL, version/checksum, contents.
 */
import { createHash } from 'node:crypto';
import { OK, type Reply, SeshatError } from '@seshat/common';
import { argIs, I64_MAX, parseI64, syntaxError } from '../args.js';
import { elementPrefix, metaVersion } from '../collection.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { encodeStringMeta, KeyType, metaExpireAt, metaType, stringValue, withExpireAt } from '../meta.js';
import { decodeObject, type DumpValue } from '../rdb/object-decode.js';
import { encodeHash, encodeList, encodeSet, encodeString, encodeZset } from '../rdb/object-encode.js';
import { finishPayload, verifyPayload } from '../rdb/payload.js';
import { RdbWriter } from '../rdb/rdb-io.js';
import { encodeStream } from '../rdb/stream-rdb.js';
import { readStreamDump, writeStreamDump } from '../stream-dump.js';
import { openStream } from '../stream-store.js';
import { defineInternalCommand } from './internal.js';
import { FLAG_HASHTABLE, hashEntries, storeNewHash } from './hashes.js';
import { listItems, openList, storeNewList } from './lists.js';
import { restoreAccess } from './object-access.js';
import { setMembers, storeSet } from './sets.js';
import { createZset, openZset, saveZset, scanIndex, wholeIndex, zsetInsert } from './zset-ops.js';

const G = 'generic';
/** RESTORE's FREQ range (an LFU counter is one byte). */
const LFU_FREQ_MAX = 255;

/** The object of a live key in the DUMP format, without the footer. */
function encodeKey(ctx: Ctx, w: RdbWriter, mk: Buffer, raw: Buffer): void {
  const type = metaType(raw);
  if (type === KeyType.String) encodeString(w, stringValue(raw));
  else if (type === KeyType.List) encodeList(w, listItems(ctx, openList(ctx, mk, false)!));
  else if (type === KeyType.Set) {
    const members = setMembers(ctx, { mk, raw, prefix: elementPrefix(mk, metaVersion(raw)) });
    encodeSet(w, members, (raw[1]! & FLAG_HASHTABLE) === 0);
  } else if (type === KeyType.Hash) {
    const { fields, values } = hashEntries(ctx, raw, elementPrefix(mk, metaVersion(raw)));
    encodeHash(w, fields, values, (raw[1]! & FLAG_HASHTABLE) === 0);
  } else if (type === KeyType.ZSet) encodeZsetKey(ctx, w, mk);
  else if (type === KeyType.Stream) encodeStream(w, readStreamDump(ctx, openStream(ctx, mk, false)!));
  else throw new SeshatError('ERR', `DUMP does not support keys of type ${type} yet`);
}

function encodeZsetKey(ctx: Ctx, w: RdbWriter, mk: Buffer): void {
  const z = openZset(ctx, mk, false)!;
  const members: Buffer[] = [];
  const scores: number[] = [];
  scanIndex(ctx, z, wholeIndex(z), false, (m, s) => {
    members.push(m);
    scores.push(s);
    return true;
  });
  encodeZset(w, members, scores, !z.skiplist);
}

/** The DUMP payload of the live key `mk` whose meta record is `raw`. */
export function dumpPayload(ctx: Ctx, mk: Buffer, raw: Buffer): Buffer {
  const w = new RdbWriter();
  encodeKey(ctx, w, mk, raw);
  return finishPayload(w);
}

function dump(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const raw = ctx.lookupRead(mk);
  return raw === undefined ? null : dumpPayload(ctx, mk, raw);
}

interface RestoreOptions {
  replace: boolean;
  absttl: boolean;
  /** IDLETIME seconds, or -1. */
  idleSeconds: bigint;
  /** FREQ counter, or -1. */
  freq: bigint;
}

/** RESTORE's options, with Redis's errors in Redis's order (IDLETIME and FREQ exclude each other). */
function parseRestoreOptions(argv: Buffer[]): RestoreOptions {
  const o: RestoreOptions = { replace: false, absttl: false, idleSeconds: -1n, freq: -1n };
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    const a = argv[j]!;
    if (argIs(a, 'replace')) o.replace = true;
    else if (argIs(a, 'absttl')) o.absttl = true;
    else if (argIs(a, 'idletime') && more >= 1 && o.freq === -1n) {
      o.idleSeconds = parseI64(argv[++j]!);
      if (o.idleSeconds < 0n) throw new SeshatError('ERR', 'Invalid IDLETIME value, must be >= 0');
    } else if (argIs(a, 'freq') && more >= 1 && o.idleSeconds === -1n) {
      o.freq = parseI64(argv[++j]!);
      if (o.freq < 0n || o.freq > BigInt(LFU_FREQ_MAX))
        throw new SeshatError('ERR', 'Invalid FREQ value, must be >= 0 and <= 255');
    } else throw syntaxError();
  }
  return o;
}

/**
 * The deadline of a restored key in ms (0: none). Redis adds the relative TTL to its clock in
 * a long long: a sum past 2^63 wraps negative, which then counts as already expired.
 */
function restoreDeadline(ttl: bigint, absttl: boolean, nowMs: number): number {
  if (ttl === 0n) return 0;
  let at = absttl ? ttl : ttl + BigInt(nowMs);
  if (at > I64_MAX) at -= 2n ** 64n;
  if (at <= 0n) return -1;
  return at > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(at);
}

/** Writes `value` as a new key at `mk` with deadline `at` (0: none). */
function writeValue(ctx: Ctx, mk: Buffer, key: Buffer, value: DumpValue, at: number): void {
  switch (value.type) {
    case 'string':
      ctx.putMeta(mk, encodeStringMeta(value.value, at, 0), undefined);
      return;
    case 'list':
      storeNewList(ctx, mk, value.items);
      break;
    case 'set':
      storeSet(ctx, mk, value.members, null);
      break;
    case 'hash':
      storeNewHash(ctx, key, value.fields, value.values, value.hashtable);
      break;
    case 'zset': {
      const z = createZset(ctx, mk, value.skiplist);
      for (let i = 0; i < value.members.length; i++) zsetInsert(ctx, z, value.members[i]!, value.scores[i]!);
      saveZset(ctx, z);
      break;
    }
    case 'stream':
      writeStreamDump(ctx, mk, key, value.stream);
      break;
  }
  if (at !== 0) {
    const raw = ctx.lookup(mk)!;
    ctx.putMeta(mk, withExpireAt(raw, at), raw);
  }
}

function restore(ctx: Ctx, argv: Buffer[]): Reply {
  const opts = parseRestoreOptions(argv);
  const key = argv[1]!;
  const mk = metaKey(ctx.db, key);
  const old = ctx.lookup(mk);
  if (!opts.replace && old !== undefined) throw new SeshatError('BUSYKEY', 'Target key name already exists.');
  const ttl = parseI64(argv[2]!);
  if (ttl < 0n) throw new SeshatError('ERR', 'Invalid TTL value, must be >= 0');
  const payload = argv[3]!;
  verifyPayload(payload);
  // Redis reads the object from the whole argument, footer included: a truncated object that
  // "reads" footer bytes is accepted there, so it is here too.
  const value = decodeObject(payload, payload.length, ctx.limits);
  if (old !== undefined) ctx.deleteKey(mk, old);
  const at = restoreDeadline(ttl, opts.absttl, ctx.nowMs);
  if (at !== 0 && at <= ctx.nowMs) {
    // Already expired: nothing is created, and a replaced key is simply gone.
    if (old !== undefined) ctx.notify('g', 'del', key);
    return OK;
  }
  writeValue(ctx, mk, key, value, at);
  restoreAccess(ctx, key, opts.idleSeconds, opts.freq);
  ctx.notify('g', 'restore', key);
  return OK;
}

/**
 * MIGRATE's deletion of a key the target acknowledged (the server's migrate.ts proposes it):
 * argv = [INTERNAL_MIGRATE_DELETE, key, payloadDigest(payload sent), deadline sent (decimal ms,
 * 0 for none)], in the client's database. MIGRATE here does not stop the server while it talks to
 * the target, as Redis does, so another client may change the key meanwhile: the key is deleted
 * only if it still dumps to the very payload and deadline that were sent, so a write that raced
 * the transfer is never lost. Replies 1 if deleted, 0 if not.
 */
export const INTERNAL_MIGRATE_DELETE = Buffer.from('\x00migrate-del');

/** The digest of a payload that INTERNAL_MIGRATE_DELETE compares (SHA-1, 20 bytes). */
export function payloadDigest(payload: Buffer): Buffer {
  return createHash('sha1').update(payload).digest();
}

function migrateDelete(ctx: Ctx, argv: Buffer[]): Reply {
  const key = argv[1]!;
  const mk = metaKey(ctx.db, key);
  const raw = ctx.lookup(mk);
  if (raw === undefined || String(metaExpireAt(raw)) !== argv[3]!.toString('latin1')) return 0;
  if (!payloadDigest(dumpPayload(ctx, mk, raw)).equals(argv[2]!)) return 0;
  ctx.deleteKey(mk, raw);
  ctx.notify('g', 'del', key);
  return 1;
}

defineInternalCommand(INTERNAL_MIGRATE_DELETE, migrateDelete);

defineCommand(
  {
    name: 'dump',
    arity: 2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: G,
    summary: 'Return a serialized version of the value stored at the specified key.',
    since: '2.6.0',
    exec: 'read',
  },
  dump,
);
for (const name of ['restore', 'restore-asking']) {
  defineCommand(
    {
      name,
      arity: -4,
      flags: name === 'restore' ? 'write denyoom' : 'write denyoom asking',
      keys: [1, 1, 1],
      group: G,
      summary: 'Create a key using the provided serialized value, previously obtained using DUMP.',
      since: name === 'restore' ? '2.6.0' : '3.0.0',
      exec: 'write',
    },
    restore,
  );
}
