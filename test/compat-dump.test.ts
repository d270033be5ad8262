// DUMP / RESTORE / MIGRATE / MEMORY USAGE against a real redis-server 7.0.15, both directions.
// How: one Seshat and one redis-server side by side.
//  - Round trips: every type in every encoding Redis 7.0 emits (int, embstr, raw and LZF strings;
//    lists of one and many listpack nodes; intsets of 16/32/64-bit values and hashtable sets;
//    listpack and hashtable hashes; listpack and skiplist sorted sets with special scores) is
//    built with the same commands on both; a DUMP from Redis is RESTOREd on Seshat and a DUMP from
//    Seshat is RESTOREd on Redis, and the restored key must read back the same as the original
//    (contents, OBJECT ENCODING, TTL).
//  - Payloads in the encodings only older Redis versions write (linked list, ziplist, quicklist of
//    ziplists, zipmap, ziplist hash/zset, text-double zset, RDB version 9) are crafted here and
//    RESTOREd on both: the results must be the same.
//  - Errors and TTL/REPLACE/ABSTTL semantics: the same command sequence on both, exact replies.
//  - Corrupted payloads (random bytes changed, checksum fixed up) are RESTOREd on Seshat only (a
//    Redis without deep sanitization may crash on them): every reply is +OK or "Bad data format",
//    a restored key is readable, and the connection keeps working.
//  - MIGRATE from Seshat to Redis and from Redis to Seshat (single key, KEYS, COPY, REPLACE, AUTH,
//    TTL, large values, target errors, NOKEY, timeouts, refused connections, the socket cache),
//    and a key changed while its MIGRATE is in flight is kept (a fake target holds the reply).
// Skipped when redis-server is not installed.
import net from 'node:net';
import { crc64 } from '@seshat/kv';
import t, { type Test } from 'tap';
import { type Arg, type RespClient, type RespValue, show, text } from './helpers/resp-client.ts';
import { redisAvailable, type ServerHandle, startServer } from './helpers/server.ts';
import { connect } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

if (!redisAvailable()) {
  t.pass('skipped: redis-server is not installed');
  process.exit(0);
}

// ---- helpers ----------------------------------------------------------------------------------

/** A payload from an object's bytes: RDB version (2 bytes LE) and CRC64 appended. */
function payload(object: Buffer, version = 10): Buffer {
  const body = Buffer.concat([object, Buffer.from([version & 0xff, version >> 8])]);
  const crc = Buffer.allocUnsafe(8);
  crc.writeBigUInt64LE(crc64(body), 0);
  return Buffer.concat([body, crc]);
}

/** An RDB length (6- or 14-bit forms). */
function rdbLen(n: number): Buffer {
  return n < 64 ? Buffer.from([n]) : Buffer.from([0x40 | (n >> 8), n & 0xff]);
}

function rdbStr(s: string | Buffer): Buffer {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1');
  return Buffer.concat([rdbLen(b.length), b]);
}

/** A ziplist of short strings and small integers (0..12 immediate, else int16). */
function ziplist(entries: (string | number)[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let at = 10;
  for (const e of entries) {
    let enc: Buffer;
    if (typeof e === 'number' && e >= 0 && e <= 12) enc = Buffer.from([0xf1 + e]);
    else if (typeof e === 'number') {
      enc = Buffer.from([0xc0, 0, 0]);
      enc.writeInt16LE(e, 1);
    } else enc = Buffer.concat([Buffer.from([e.length]), Buffer.from(e, 'latin1')]);
    const entry = Buffer.concat([Buffer.from([prev]), enc]);
    parts.push(entry);
    tail = at;
    at += entry.length;
    prev = entry.length;
  }
  const header = Buffer.alloc(10);
  header.writeUInt32LE(at + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(entries.length, 8);
  return Buffer.concat([header, ...parts, Buffer.from([0xff])]);
}

/** A key's full contents, rendered so that equal values render equally on both servers. */
async function contents(c: RespClient, key: string): Promise<string> {
  const type = text(await c.send(['TYPE', key]));
  const enc = show(await c.send(['OBJECT', 'ENCODING', key]));
  let body: RespValue;
  if (type === 'string') body = await c.send(['GET', key]);
  else if (type === 'list') body = await c.send(['LRANGE', key, 0, -1]);
  else if (type === 'zset') body = await c.send(['ZRANGE', key, 0, -1, 'WITHSCORES']);
  else if (type === 'set') return `${type} ${enc} ${sortedItems(await c.send(['SMEMBERS', key]), 1)}`;
  else if (type === 'hash') {
    const all = await c.send(['HGETALL', key]);
    // A hashtable's order is unspecified; a listpack's is insertion order and must match.
    return `${type} ${enc} ${enc.includes('hashtable') ? sortedItems(all, 2) : show(all)}`;
  } else body = { type: 'simple', value: 'none' };
  return `${type} ${enc} ${show(body)}`;
}

/** Items of an array reply in groups of `step`, sorted. */
function sortedItems(v: RespValue, step: number): string {
  const items = (v as { value: RespValue[] }).value.map(show);
  const groups: string[] = [];
  for (let i = 0; i < items.length; i += step) groups.push(items.slice(i, i + step).join(' '));
  return groups.sort().join(', ');
}

async function dumpOf(c: RespClient, key: string): Promise<Buffer> {
  const r = await c.send(['DUMP', key]);
  if (r.type !== 'bulk') throw new Error(`DUMP ${key}: ${show(r)}`);
  return r.value;
}

/** Sends commands of many arguments in slices (RPUSH key a b c ... in 500-element calls). */
function chunked(cmd: string, key: string, args: Arg[], per = 500): Arg[][] {
  const out: Arg[][] = [];
  for (let i = 0; i < args.length; i += per) out.push([cmd, key, ...args.slice(i, i + per)]);
  return out;
}

function range(n: number, f: (i: number) => Arg): Arg[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** Deterministic bytes that LZF cannot compress. */
function noise(n: number): Buffer {
  let x = 12345;
  return Buffer.from(range(n, () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) >>> 16) & 0xff) as number[]);
}

// ---- fixtures: every encoding Redis 7.0 emits -----------------------------------------------

const FIXTURES: [key: string, setup: Arg[][]][] = [
  ['str:short', [['SET', 'str:short', 'hello']]],
  ['str:empty', [['SET', 'str:empty', '']]],
  ['str:int8', [['SET', 'str:int8', '-100']]],
  ['str:int16', [['SET', 'str:int16', '30000']]],
  ['str:int32', [['SET', 'str:int32', '-2000000000']]],
  ['str:int64', [['SET', 'str:int64', '9223372036854775807']]],
  ['str:noncanonical', [['SET', 'str:noncanonical', '007']]],
  ['str:lzf', [['SET', 'str:lzf', 'abcdefgh'.repeat(500)]]],
  ['str:noise', [['SET', 'str:noise', noise(300)]]],
  ['str:binary', [['SET', 'str:binary', Buffer.from(range(256, (i) => i) as number[])]]],
  [
    'str:raw',
    [
      ['SET', 'str:raw', '12'],
      ['APPEND', 'str:raw', '34'],
    ],
  ],
  [
    'list:small',
    [['RPUSH', 'list:small', 'a', '1', '-1', '300', '-70000', '5000000000', 'x'.repeat(70), '']],
  ],
  [
    'list:nodes',
    chunked(
      'RPUSH',
      'list:nodes',
      range(3000, (i) => `item-${i}-${'p'.repeat(i % 30)}`),
    ),
  ],
  ['list:bigitem', [['RPUSH', 'list:bigitem', 'a', 'b'.repeat(20000), 'c', noise(9000), 'd']]],
  [
    'list:lpush',
    chunked(
      'LPUSH',
      'list:lpush',
      range(2000, (i) => i * 37),
    ),
  ],
  // The values of Redis's "List/Hash ziplist of various encodings" tests (type/list, type/hash).
  [
    'list:encodings',
    [
      [
        'LPUSH',
        'list:encodings',
        127,
        32767,
        2147483647,
        '9223372036854775808',
        0,
        12,
        'x'.repeat(31),
        'x'.repeat(8191),
        'x'.repeat(65535),
      ],
    ],
  ],
  [
    'hash:encodings',
    [
      [
        'HSET',
        'hash:encodings',
        'i8',
        127,
        'i16',
        32767,
        'i32',
        2147483647,
        'i64',
        '9223372036854775808',
        'imm',
        12,
        's6',
        'x'.repeat(31),
        's14',
        'x'.repeat(8191),
        's32',
        'x'.repeat(65535),
      ],
    ],
  ],
  ['set:int16', [['SADD', 'set:int16', 3, 1, -2, 32767]]],
  ['set:int32', [['SADD', 'set:int32', 70000, -1, 5]]],
  ['set:int64', [['SADD', 'set:int64', '5000000000', '-9223372036854775808', 0]]],
  ['set:strings', [['SADD', 'set:strings', 'a', 'b', 'c', 'long'.repeat(30)]]],
  [
    'set:manyints',
    chunked(
      'SADD',
      'set:manyints',
      range(700, (i) => i * 3),
    ),
  ],
  ['set:mixed', [['SADD', 'set:mixed', 1, 2, 'x']]],
  ['hash:small', [['HSET', 'hash:small', 'f', 'v', 'n', '12', 'neg', '-5', 'big', '99999999999', 'e', '']]],
  [
    'hash:order',
    [
      ['HSET', 'hash:order', 'z', 1, 'a', 2, 'm', 3],
      ['HSET', 'hash:order', 'z', 9],
    ],
  ],
  ['hash:longvalue', [['HSET', 'hash:longvalue', 'f', 'v'.repeat(100), 'g', 'w']]],
  [
    'hash:many',
    chunked(
      'HSET',
      'hash:many',
      range(1400, (i) => (i % 2 === 0 ? `field${i / 2}` : `value${i}`)),
    ),
  ],
  [
    'zset:small',
    [
      [
        'ZADD',
        'zset:small',
        1.5,
        'a',
        0,
        'zero',
        '-inf',
        'ninf',
        'inf',
        'pinf',
        1e300,
        'huge',
        0.1,
        'tenth',
        2 ** 62,
        'p62',
        -(2 ** 62),
        'm62',
        2 ** 53 + 1,
        'p53',
        7,
        'same1',
        7,
        'same2',
      ],
    ],
  ],
  ['zset:negzero', [['ZADD', 'zset:negzero', '-0', 'a', 1, 'b']]],
  [
    'zset:many',
    chunked(
      'ZADD',
      'zset:many',
      range(400, (i) => (i % 2 === 0 ? i / 7 : `member${i}`)),
    ),
  ],
  ['zset:longmember', [['ZADD', 'zset:longmember', 1, 'm'.repeat(100), 2, 'short']]],
];

// ---- servers ------------------------------------------------------------------------------------

interface Pair {
  seshat: ServerHandle;
  redis: ServerHandle;
  s: RespClient;
  r: RespClient;
}

async function startPair(t: Test): Promise<Pair> {
  const [seshat, redis] = await Promise.all([startServer('seshat', { t }), startServer('redis', { t })]);
  const [s, r] = await Promise.all([connect(t, seshat), connect(t, redis)]);
  return { seshat, redis, s, r };
}

async function setupFixtures(c: RespClient): Promise<void> {
  for (const [, cmds] of FIXTURES) {
    for (const reply of await c.pipeline(cmds)) if (reply.type === 'error') throw new Error(show(reply));
  }
}

t.test('round trips: a DUMP from either server restores on the other with the same contents', async (t) => {
  const { s, r } = await startPair(t);
  await Promise.all([setupFixtures(s), setupFixtures(r)]);
  for (const [key] of FIXTURES) {
    t.equal(await contents(s, key), await contents(r, key), `${key}: both servers built the same value`);
    // Restored on Redis itself, Redis's own payload gives the reference (a restored string is
    // re-encoded: "raw" becomes "int" or "embstr" there too).
    const fromRedis = await dumpOf(r, key);
    t.equal(await r.q('RESTORE', `ref:${key}`, 0, fromRedis), '+OK');
    const want = await contents(r, `ref:${key}`);
    t.equal(await s.q('RESTORE', `from-redis:${key}`, 0, fromRedis), '+OK');
    t.equal(await contents(s, `from-redis:${key}`), want, `${key}: Redis -> Seshat`);
    t.equal(await r.q('RESTORE', `from-seshat:${key}`, 0, await dumpOf(s, key)), '+OK');
    t.equal(await contents(r, `from-seshat:${key}`), want, `${key}: Seshat -> Redis`);
  }
  // Short strings and small listpacks are not LZF-compressed: then the bytes are Redis's too.
  for (const key of [
    'str:short',
    'str:int16',
    'str:int64',
    'list:small',
    'hash:small',
    'set:int16',
    'zset:negzero',
  ]) {
    t.same(await dumpOf(s, key), await dumpOf(r, key), `${key}: DUMP bytes equal Redis's`);
  }
  t.equal(await s.q('DUMP', 'nokey'), '$-1');
});

t.test('RESTORE TTL: relative, absolute, in the past, with REPLACE', async (t) => {
  const { s, r } = await startPair(t);
  for (const c of [s, r]) {
    const name = c === s ? 'seshat' : 'redis';
    await c.send(['RPUSH', 'src', 'a', 'b']);
    const p = await dumpOf(c, 'src');
    t.equal(await c.q('RESTORE', 'rel', 5000, p), '+OK');
    const pttl = Number(show(await c.send(['PTTL', 'rel'])).slice(1));
    t.ok(pttl > 3000 && pttl <= 5000, `${name}: relative TTL ${pttl}`);
    t.equal(await c.q('RESTORE', 'big', 2569591501, p), '+OK');
    t.ok(Number((await c.q('PTTL', 'big')).slice(1)) > 2569591501 - 3000, `${name}: TTL over 32 bits`);
    const now = Date.now();
    t.equal(await c.q('RESTORE', 'abs', now + 3000, p, 'ABSTTL'), '+OK');
    const abs = Number((await c.q('PTTL', 'abs')).slice(1));
    t.ok(abs > 1000 && abs <= 3100, `${name}: ABSTTL ${abs}`);
    t.equal(await c.q('RESTORE', 'past', now - 3000, p, 'ABSTTL'), '+OK', `${name}: ABSTTL in the past`);
    t.equal(await c.q('EXISTS', 'past'), ':0', `${name}: nothing created`);
    t.equal(await c.q('SET', 'old', 'x'), '+OK');
    t.equal(await c.q('RESTORE', 'old', now - 3000, p, 'ABSTTL', 'REPLACE'), '+OK');
    t.equal(await c.q('EXISTS', 'old'), ':0', `${name}: REPLACE with a past ABSTTL deletes`);
    t.equal(await c.q('RESTORE', 'zero', 0, p), '+OK');
    t.equal(await c.q('PTTL', 'zero'), ':-1', `${name}: TTL 0 means none`);
  }
});

t.test('RESTORE IDLETIME, and which commands count as an access (OBJECT IDLETIME)', async (t) => {
  const { s, r } = await startPair(t);
  for (const c of [s, r]) {
    const name = c === s ? 'seshat' : 'redis';
    await c.send(['SET', 'src', 'v']);
    const p = await dumpOf(c, 'src');
    t.equal(await c.q('RESTORE', 'old', 0, p, 'IDLETIME', 1000), '+OK');
    const idle = async () => Number((await c.q('OBJECT', 'IDLETIME', 'old')).slice(1));
    t.ok((await idle()) >= 1000 && (await idle()) <= 1010, `${name}: idle since the RESTORE's IDLETIME`);
    for (const cmd of [
      ['EXISTS', 'old'],
      ['TYPE', 'old'],
      ['TTL', 'old'],
      ['OBJECT', 'ENCODING', 'old'],
    ])
      await c.send(cmd);
    t.ok((await idle()) >= 1000, `${name}: EXISTS, TYPE, TTL, OBJECT are not accesses`);
    t.equal(await c.q('TOUCH', 'old'), ':1');
    t.ok((await idle()) <= 1, `${name}: TOUCH is an access`);
    t.equal(await c.q('RESTORE', 'old2', 0, p, 'IDLETIME', 500), '+OK');
    t.equal(await c.q('GET', 'old2'), '"v"');
    t.ok(Number((await c.q('OBJECT', 'IDLETIME', 'old2')).slice(1)) <= 1, `${name}: GET is an access`);
    t.match(await c.q('OBJECT', 'FREQ', 'old'), /^-ERR An LFU maxmemory policy is not selected/);
  }
});

/** Cases run on both servers with the same expected replies. */
async function sameReplies(t: Test, pair: Pair, cases: [Arg[], string][]): Promise<void> {
  for (const [argv, want] of cases) {
    const label = argv.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : String(a))).join(' ');
    t.equal(await pair.r.q(...argv), want, `redis: ${label}`);
    t.equal(await pair.s.q(...argv), want, `seshat: ${label}`);
  }
}

t.test("errors: Redis's texts, in Redis's order", async (t) => {
  const pair = await startPair(t);
  const good = payload(Buffer.concat([Buffer.from([0]), rdbStr('bar')]));
  const badCrc = Buffer.from(good);
  badCrc[2] ^= 0x40;
  const wrong = '-ERR DUMP payload version or checksum are wrong';
  const bad = '-ERR Bad data format';
  await sameReplies(t, pair, [
    [['SET', 'foo', 'x'], '+OK'],
    [['RESTORE', 'foo', 0, '...'], '-BUSYKEY Target key name already exists.'],
    [['RESTORE', 'foo', 0, good], '-BUSYKEY Target key name already exists.'],
    [['RESTORE', 'k', 0, '...', 'invalid-option'], '-ERR syntax error'],
    [['RESTORE', 'k', 0, '...', 'IDLETIME'], '-ERR syntax error'],
    [['RESTORE', 'k', 0, '...', 'IDLETIME', -1], '-ERR Invalid IDLETIME value, must be >= 0'],
    [['RESTORE', 'k', 0, '...', 'IDLETIME', 'x'], '-ERR value is not an integer or out of range'],
    [['RESTORE', 'k', 0, '...', 'FREQ', 256], '-ERR Invalid FREQ value, must be >= 0 and <= 255'],
    [['RESTORE', 'k', 0, '...', 'FREQ', 5, 'IDLETIME', 5], '-ERR syntax error'],
    [['RESTORE', 'k', 0, '...', 'IDLETIME', 5, 'FREQ', 5], '-ERR syntax error'],
    [['RESTORE', 'k', 'x', good], '-ERR value is not an integer or out of range'],
    [['RESTORE', 'k', -1, good], '-ERR Invalid TTL value, must be >= 0'],
    [['RESTORE', 'foo', -1, good, 'REPLACE'], '-ERR Invalid TTL value, must be >= 0'],
    [['RESTORE', 'k', 0, '...'], wrong],
    [['RESTORE', 'k', 0, ''], wrong],
    [['RESTORE', 'k', 0, badCrc], wrong],
    [['RESTORE', 'k', 0, payload(Buffer.concat([Buffer.from([0]), rdbStr('bar')]), 11)], wrong],
    [['RESTORE', 'k', 0, payload(Buffer.from([8, 1, 2, 3]))], bad],
    [['RESTORE', 'k', 0, payload(Buffer.from([0, 40, 0x61]))], bad],
    // A string that runs into the footer: Redis reads the footer's bytes as its end.
    [['RESTORE', 'short', 0, payload(Buffer.from([0, 5, 0x61]))], '+OK'],
    [['STRLEN', 'short'], ':5'],
    [['RESTORE', 'k', 0, payload(Buffer.from([18, 0]))], bad],
    [['RESTORE', 'k', 0, payload(Buffer.from([2, 0]))], bad],
    [['RESTORE', 'k', 0, payload(Buffer.concat([Buffer.from([2, 2]), rdbStr('a'), rdbStr('a')]))], bad],
    [['RESTORE', 'k', 0, payload(Buffer.concat([Buffer.from([18, 1, 3]), rdbStr('x')]))], bad],
    [['RESTORE', 'k', 0, payload(Buffer.concat([Buffer.from([15, 0])]))], bad],
    [['RESTORE', 'k', 0, good, 'REPLACE', 'ABSTTL', 'IDLETIME', 10], '+OK'],
    [['GET', 'k'], '"bar"'],
    [['RESTORE', 'k2', 0, good, 'FREQ', 0], '+OK'],
    [['RESTORE', 'k', 0, good], '-BUSYKEY Target key name already exists.'],
    [['RESTORE', 'k'], "-ERR wrong number of arguments for 'restore' command"],
    [['DUMP'], "-ERR wrong number of arguments for 'dump' command"],
    [['DUMP', 'nokey'], '$-1'],
    [['MEMORY', 'USAGE', 'nokey'], '$-1'],
    [['MEMORY', 'USAGE', 'nokey', 'SAMPLES'], '-ERR syntax error'],
    [['MEMORY', 'USAGE', 'k', 'SAMPLES', -1], '-ERR syntax error'],
    [['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'], '-ERR value is not an integer or out of range'],
    [['MEMORY', 'USAGE', 'k', 'FOO'], '-ERR syntax error'],
    [['MEMORY', 'USAGE'], "-ERR wrong number of arguments for 'memory|usage' command"],
  ]);
});

/** Payloads in encodings Redis 7.0 reads but no longer writes, with what they must restore to. */
function legacyPayloads(): [name: string, payload: Buffer][] {
  const zset3 = Buffer.concat([
    Buffer.from([3, 3]),
    rdbStr('m1'),
    rdbStr('1.5'),
    rdbStr('m2'),
    Buffer.from([254]),
    rdbStr('m3'),
    rdbStr('-2'),
  ]);
  return [
    [
      'list (linked list)',
      payload(Buffer.concat([Buffer.from([1, 3]), rdbStr('a'), rdbStr('b'), rdbStr('1')])),
    ],
    [
      'list (ziplist)',
      payload(Buffer.concat([Buffer.from([10]), rdbStr(ziplist([2, 5, 'Hello World', -300]))])),
    ],
    [
      'list (quicklist of ziplists)',
      payload(
        Buffer.concat([
          Buffer.from([14, 3]),
          rdbStr(ziplist(['a', 'b'])),
          rdbStr(ziplist([])),
          rdbStr(ziplist([7, 'c'])),
        ]),
      ),
    ],
    [
      'list (plain quicklist node)',
      payload(Buffer.concat([Buffer.from([18, 2, 1]), rdbStr('plain'), Buffer.from([1]), rdbStr('x')])),
    ],
    [
      'hash (zipmap)',
      payload(
        Buffer.concat([Buffer.from([9]), rdbStr('\x02\x03foo\x03\x00bar\x05hello\x05\x02world!!\xff')]),
      ),
    ],
    ['hash (ziplist)', payload(Buffer.concat([Buffer.from([13]), rdbStr(ziplist(['f1', 'v1', 'f2', 12]))]))],
    [
      'hash (hashtable, small)',
      payload(Buffer.concat([Buffer.from([4, 2]), rdbStr('a'), rdbStr('1'), rdbStr('b'), rdbStr('2')])),
    ],
    [
      'zset (ziplist)',
      payload(Buffer.concat([Buffer.from([12]), rdbStr(ziplist(['c', '-inf', 'a', '1.5', 'b', 3]))])),
    ],
    ['zset (text doubles)', payload(zset3)],
    [
      'set (hashtable of integers)',
      payload(Buffer.concat([Buffer.from([2, 3]), rdbStr('3'), rdbStr('-1'), rdbStr('2')])),
    ],
    ['string (RDB version 9)', payload(Buffer.concat([Buffer.from([0]), rdbStr('old')]), 9)],
  ];
}

t.test('payloads in older encodings restore the same on both servers', async (t) => {
  const { s, r } = await startPair(t);
  for (const [name, p] of legacyPayloads()) {
    const want = await r.q('RESTORE', name, 0, p);
    t.equal(await s.q('RESTORE', name, 0, p), want, `${name}: RESTORE replies ${want}`);
    t.equal(await contents(s, name), await contents(r, name), `${name}: same contents`);
  }
});

/** Mutates 1-3 bytes of the object part (or cuts it short) and fixes the footer up. */
function corrupt(p: Buffer, rand: () => number): Buffer {
  const version = p.readUInt16LE(p.length - 10);
  let object = Buffer.from(p.subarray(0, p.length - 10));
  if (rand() % 5 === 0) object = object.subarray(0, rand() % object.length);
  else for (let n = 1 + (rand() % 3); n > 0; n--) object[rand() % object.length] = rand() & 0xff;
  return payload(object, version);
}

t.test('corrupted payloads: OK or Bad data format, never a broken connection', async (t) => {
  const { s, r } = await startPair(t);
  await setupFixtures(r);
  const sources = await Promise.all(FIXTURES.map(([key]) => dumpOf(r, key)));
  for (const [, p] of legacyPayloads()) sources.push(p);
  let x = 99;
  const rand = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) >>> 8;
  const outcomes = { ok: 0, bad: 0 };
  for (let i = 0; i < 600; i++) {
    const reply = await s.q('RESTORE', 'victim', 0, corrupt(sources[i % sources.length]!, rand), 'REPLACE');
    if (reply === '+OK') {
      outcomes.ok++;
      const type = text(await s.send(['TYPE', 'victim']));
      const read = await contents(s, 'victim');
      t.notMatch(read, /^-|ERR/, `restored ${type} reads back`);
    } else {
      outcomes.bad++;
      if (reply !== '-ERR Bad data format') t.fail(`unexpected reply ${reply}`);
    }
  }
  t.ok(outcomes.bad > 100, `${outcomes.bad} refused, ${outcomes.ok} accepted`);
  t.equal(await s.q('PING'), '+PONG');
});

// ---- MIGRATE --------------------------------------------------------------------------------------

t.test('MIGRATE from Seshat to Redis', async (t) => {
  const { redis, s, r } = await startPair(t);
  const host = redis.host;
  await s.pipeline([
    ['RPUSH', 'list', 'a', 'b', 'c', 'd'],
    ['SET', 'key', 'Some Value'],
    ['HSET', 'h', 'f', 'v'],
  ]);
  t.equal(await s.q('MIGRATE', host, redis.port, 'list', 9, 5000), '+OK');
  t.equal(await s.q('EXISTS', 'list'), ':0');
  t.equal(await r.q('SELECT', 9), '+OK');
  t.equal(await r.q('LRANGE', 'list', 0, -1), '["a", "b", "c", "d"]');
  t.match(await s.q('INFO', 'stats'), /migrate_cached_sockets:1/);
  // TTL propagated, COPY keeps the key, a busy key is a target error until REPLACE.
  t.equal(await s.q('EXPIRE', 'key', 100), ':1');
  t.equal(await s.q('MIGRATE', host, redis.port, 'key', 9, 5000, 'COPY'), '+OK');
  t.equal(await s.q('EXISTS', 'key'), ':1');
  const ttl = Number((await r.q('TTL', 'key')).slice(1));
  t.ok(ttl >= 97 && ttl <= 100, `TTL on the target: ${ttl}`);
  t.equal(
    await s.q('MIGRATE', host, redis.port, 'key', 9, 5000),
    '-ERR Target instance replied with error: BUSYKEY Target key name already exists.',
  );
  t.equal(await s.q('EXISTS', 'key'), ':1', 'not deleted after a target error');
  t.equal(await s.q('SET', 'key', 'newer'), '+OK');
  t.equal(await s.q('MIGRATE', host, redis.port, 'key', 9, 5000, 'REPLACE'), '+OK');
  t.equal(await r.q('GET', 'key'), '"newer"');
  t.equal(await s.q('MIGRATE', host, redis.port, 'nokey', 9, 5000), '+NOKEY');
  // Several keys; the busy ones stay here, the others are deleted.
  await s.send(['MSET', 'a', 1, 'b', 2, 'c', 3, 'd', 4, 'e', 5]);
  await r.send(['MSET', 'c', '_', 'd', '_']);
  t.equal(
    await s.q('MIGRATE', host, redis.port, '', 9, 5000, 'KEYS', 'nokey', 'a', 'b', 'c', 'd', 'e', 'h'),
    '-ERR Target instance replied with error: BUSYKEY Target key name already exists.',
  );
  t.same(
    (await s.q('KEYS', '*'))
      .replace(/[[\]" ]/g, '')
      .split(',')
      .sort(),
    ['c', 'd'],
  );
  t.equal(await r.q('MGET', 'a', 'b', 'e'), '["1", "2", "5"]');
  t.equal(await r.q('HGET', 'h', 'f'), '"v"');
});

t.test('MIGRATE from Seshat: large values, AUTH, timeouts, refused connections', async (t) => {
  const { s, r, redis } = await startPair(t);
  const host = redis.host;
  for (const cmd of chunked(
    'RPUSH',
    'big',
    range(100_000, (i) => (i % 2 === 0 ? i : `item ${i}`)),
  ))
    await s.send(cmd);
  t.ok((await dumpOf(s, 'big')).length > 64 * 1024);
  t.equal(await s.q('MIGRATE', host, redis.port, 'big', 0, 10000), '+OK');
  t.equal(await r.q('LLEN', 'big'), ':100000');
  t.equal(await r.q('LINDEX', 'big', 99999), '"item 99999"');
  // AUTH (and AUTH2) to a target with a password; a wrong one is the target's error.
  t.equal(await r.q('CONFIG', 'SET', 'requirepass', 'foobar'), '+OK');
  t.equal(await s.q('RPUSH', 'list', 'a', 'b'), ':2');
  t.equal(await s.q('MIGRATE', host, redis.port, 'list', 0, 5000, 'AUTH', 'foobar'), '+OK');
  t.equal(await s.q('RPUSH', 'list2', 'c'), ':1');
  t.equal(await s.q('MIGRATE', host, redis.port, 'list2', 0, 5000, 'AUTH2', 'default', 'foobar'), '+OK');
  t.equal(await s.q('RPUSH', 'list3', 'c'), ':1');
  t.match(
    await s.q('MIGRATE', host, redis.port, 'list3', 0, 5000, 'AUTH', 'nope'),
    /^-ERR Target instance replied with error: WRONGPASS/,
  );
  t.equal(await s.q('EXISTS', 'list3'), ':1');
  // A target that accepts and never answers: the read times out.
  const silent = net.createServer((sock) => sock.on('error', () => {}));
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  t.teardown(() => silent.close());
  const silentPort = (silent.address() as net.AddressInfo).port;
  const t0 = Date.now();
  t.equal(
    await s.q('MIGRATE', '127.0.0.1', silentPort, 'list3', 0, 300),
    '-IOERR error or timeout reading to target instance',
  );
  t.ok(Date.now() - t0 < 5000, 'the timeout applies');
  silent.close();
  // A refused connection is noticed when writing (as Redis's non-blocking connect does).
  t.equal(
    await s.q('MIGRATE', '127.0.0.1', silentPort, 'list3', 0, 300),
    '-IOERR error or timeout writing to target instance',
  );
  t.equal(await s.q('EXISTS', 'list3'), ':1');
  t.equal(await s.q('PING'), '+PONG');
});

t.test('MIGRATE from Redis to Seshat', async (t) => {
  const { seshat, s, r } = await startPair(t);
  const host = seshat.host;
  await r.pipeline([
    ['RPUSH', 'list', 'a', 'b', 'c'],
    ['SET', 'k1', 'v1'],
    ['SET', 'k2', 'v2', 'EX', 100],
    ['ZADD', 'z', 1, 'x', 2.5, 'y'],
  ]);
  for (const cmd of chunked(
    'HSET',
    'hbig',
    range(2000, (i) => `f${i}`),
  ))
    await r.send(cmd);
  // Seshat with a password (the first MIGRATE opens the connection that the others reuse).
  t.equal(await s.q('CONFIG', 'SET', 'requirepass', 'secret'), '+OK');
  t.equal(await s.q('SELECT', 3), '+OK');
  t.equal(await r.q('SET', 'k3', 'v3'), '+OK');
  t.match(
    await r.q('MIGRATE', host, seshat.port, 'k3', 3, 5000),
    /^-ERR Target instance replied with error: NOAUTH/,
  );
  t.equal(await r.q('MIGRATE', host, seshat.port, 'k3', 3, 5000, 'AUTH', 'secret'), '+OK');
  t.equal(await s.q('GET', 'k3'), '"v3"');
  t.equal(await r.q('MIGRATE', host, seshat.port, 'list', 3, 5000), '+OK');
  t.equal(
    await r.q('MIGRATE', host, seshat.port, '', 3, 5000, 'KEYS', 'k1', 'k2', 'nokey', 'z', 'hbig'),
    '+OK',
  );
  t.equal(await r.q('DBSIZE'), ':0');
  t.equal(await s.q('SELECT', 3), '+OK');
  t.equal(await s.q('LRANGE', 'list', 0, -1), '["a", "b", "c"]');
  t.equal(await s.q('ZRANGE', 'z', 0, -1, 'WITHSCORES'), '["x", "1", "y", "2.5"]');
  t.equal(await s.q('HLEN', 'hbig'), ':1000');
  const ttl = Number((await s.q('TTL', 'k2')).slice(1));
  t.ok(ttl >= 97 && ttl <= 100, `TTL: ${ttl}`);
  t.equal(await r.q('SET', 'k1', 'again'), '+OK');
  t.equal(
    await r.q('MIGRATE', host, seshat.port, 'k1', 3, 5000),
    '-ERR Target instance replied with error: BUSYKEY Target key name already exists.',
  );
  t.equal(await r.q('MIGRATE', host, seshat.port, 'k1', 3, 5000, 'REPLACE'), '+OK');
  t.equal(await s.q('GET', 'k1'), '"again"');
});

t.test('MIGRATE keeps a key another client changed while it was in flight', async (t) => {
  const { seshat, s } = await startPair(t);
  // A fake target: answers the RESTORE only when told to.
  let release: (() => void) | null = null;
  const target = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.on('data', () => {
      release = () => sock.write('+OK\r\n+OK\r\n');
    });
  });
  await new Promise<void>((res) => target.listen(0, '127.0.0.1', res));
  t.teardown(() => target.close());
  const port = (target.address() as net.AddressInfo).port;
  t.equal(await s.q('SET', 'k', 'sent'), '+OK');
  const migrating = s.q('MIGRATE', '127.0.0.1', port, 'k', 0, 5000);
  await waitUntil(() => release !== null, { what: 'the RESTORE to reach the fake target' });
  const other = await connect(t, seshat);
  t.equal(await other.q('SET', 'k', 'changed meanwhile'), '+OK');
  release!();
  t.equal(await migrating, '+OK');
  t.equal(await s.q('GET', 'k'), '"changed meanwhile"', 'the newer value was not deleted');
  // Unchanged, it is deleted.
  release = null;
  const again = s.q('MIGRATE', '127.0.0.1', port, 'k', 0, 5000);
  await waitUntil(() => release !== null, { what: 'the second RESTORE' });
  release!();
  t.equal(await again, '+OK');
  t.equal(await s.q('EXISTS', 'k'), ':0');
  t.equal(await s.q('MULTI'), '+OK');
  t.equal(
    await s.q('MIGRATE', '127.0.0.1', port, 'k', 0, 5000),
    '-ERR Command not allowed inside a transaction',
  );
  t.equal(await s.q('DISCARD'), '+OK');
});

t.test('MEMORY USAGE counts the rows a key takes', async (t) => {
  const { s } = await startPair(t);
  await s.send(['SET', 'str', 'x'.repeat(1000)]);
  const str = Number((await s.q('MEMORY', 'USAGE', 'str')).slice(1));
  t.ok(str >= 1000 && str < 1100, `a 1000-byte string: ${str}`);
  for (const cmd of chunked(
    'RPUSH',
    'list',
    range(1000, () => 'y'.repeat(100)),
  ))
    await s.send(cmd);
  const sampled = Number((await s.q('MEMORY', 'USAGE', 'list')).slice(1));
  const all = Number((await s.q('MEMORY', 'USAGE', 'list', 'SAMPLES', 0)).slice(1));
  t.ok(all > 100_000 && all < 150_000, `1000 items of 100 bytes: ${all}`);
  t.equal(sampled, all, 'uniform items: the sample gives the same estimate');
  await s.send(['ZADD', 'z', 1, 'a', 2, 'b']);
  t.ok(Number((await s.q('MEMORY', 'USAGE', 'z')).slice(1)) > 0);
});
