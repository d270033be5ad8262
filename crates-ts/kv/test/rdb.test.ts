// Checks the DUMP payload codec (kv/src/rdb) without a server: CRC64 against its published check
// value, LZF round trips and corrupt-stream rejection, listpack/intset/ziplist/zipmap blobs at
// every encoding boundary, payloads captured from a real redis-server 7.0.15 (hex fixtures below)
// decoding to the values Redis stored, the footer checks, and RESTORE on the state machine:
// two replicas applying the same RESTORE entries end with the same digest, TTLs count from the
// entry's stamp. Comparisons with a live redis-server are in test/compat-dump.test.ts.
import { ErrorReply, type Reply } from '@seshat/common';
import { encodeEntry, KvStateMachine, resolveCommand } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';
import { crc64 } from '../src/rdb/crc64.ts';
import { encodeIntset, decodeIntset } from '../src/rdb/intset.ts';
import { decodeZiplist, decodeZipmap } from '../src/rdb/legacy-blobs.ts';
import { decodeListpack, ListpackBuilder } from '../src/rdb/listpack.ts';
import { lzfCompress, lzfDecompress } from '../src/rdb/lzf.ts';
import { decodeObject } from '../src/rdb/object-decode.ts';
import { finishPayload, verifyPayload } from '../src/rdb/payload.ts';
import { RdbReader, RdbWriter } from '../src/rdb/rdb-io.ts';

const b = (s: string) => Buffer.from(s, 'latin1');
const strs = (list: Buffer[]) => list.map((x) => x.toString('latin1'));

/** DUMPs taken from redis-server 7.0.15 (see the comment on each). */
const REDIS_FIXTURES = {
  // SET foo bar
  bar: '0003626172' + '0a00e6be4960ee66fd17',
  // SET int 12345 (int-encoded: RDB_ENC_INT16)
  int: '00c139300a009d94ea2793fc08b9',
  // SET lzf ('abcdefghij' x 10 + 'xyz' x 20): an LZF string
  lzf: '00c31940a00a6162636465666768696a61e050090278797ae02e0201797a0a00de8d3142c5ac930d',
  // SADD intset 5 -70000 3: an intset of 32-bit values
  intset: '0b14040000000300000090eefeff03000000050000000a00d45d0f1d79b7dde3',
  // ZADD zlp 1.5 a 2 b -inf c: a listpack zset (scores as text and as an integer)
  zlp: '111d1d0000000600816302842d696e660581610283312e35048162020201ff0a0017dce91ab8436c89',
  // HSET hlp f v n -4097: a listpack hash with a 16-bit integer
  hlp: '1014140000000400816602817602816e02f1ffef03ff0a00112ff2526dbee418',
  // RPUSH ll a 1: quicklist 2 with one listpack node
  list: '1201020c0c00000002008161020101ff0a0094962b23ac17aa85',
};

function fixture(name: keyof typeof REDIS_FIXTURES): Buffer {
  return Buffer.from(REDIS_FIXTURES[name], 'hex');
}

function decode(payload: Buffer) {
  return decodeObject(payload, verifyPayload(payload));
}

t.test('crc64 is CRC-64/Jones as Redis computes it', async (t) => {
  t.equal(crc64(b('123456789')), 0xe9c6d914c4b8d9can);
  t.equal(crc64(b('')), 0n);
  // Continuing a CRC over a split buffer gives the CRC of the whole.
  const all = b('hello world, payload');
  t.equal(crc64(all), crc64(all, 7, all.length, crc64(all, 0, 7)));
  for (const name of Object.keys(REDIS_FIXTURES) as (keyof typeof REDIS_FIXTURES)[]) {
    t.doesNotThrow(() => verifyPayload(fixture(name)), `${name}: Redis's checksum verifies`);
  }
});

t.test('LZF round trips and rejects corrupt streams', async (t) => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const samples: Buffer[] = [
    b('a'.repeat(1000)),
    b('abcabcabcabc'.repeat(100)),
    Buffer.from(Array.from({ length: 5000 }, () => rand() % 4)),
    Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7) % 251)),
    Buffer.from(Array.from({ length: 70000 }, () => (rand() % 3 === 0 ? rand() & 0xff : 65))),
  ];
  for (const s of samples) {
    const packed = lzfCompress(s, s.length);
    t.ok(packed !== null && packed.length < s.length, `compresses ${s.length} bytes`);
    t.same(lzfDecompress(packed!, s.length), s, 'decompresses to the input');
    t.equal(lzfDecompress(packed!, s.length + 1), null, 'a wrong length is refused');
    t.equal(
      lzfDecompress(packed!.subarray(0, packed!.length - 1), s.length),
      null,
      'a truncated stream is refused',
    );
  }
  t.equal(
    lzfCompress(Buffer.from(Array.from({ length: 64 }, () => (rand() >>> 16) & 0xff)), 60),
    null,
    'noise does not fit',
  );
  t.equal(lzfDecompress(Buffer.from([0x20, 0x05]), 3), null, 'a reference before the start is refused');
  t.equal(lzfDecompress(Buffer.from([0x05, 0x61]), 6), null, 'a literal run past the input is refused');
  // Redis's own compressed bytes decode (the `lzf` fixture).
  t.same(decode(fixture('lzf')), { type: 'string', value: b('abcdefghij'.repeat(10) + 'xyz'.repeat(20)) });
});

t.test('listpacks: every encoding boundary round trips, bytes as lpAppend writes them', async (t) => {
  const elements = [
    '0',
    '127',
    '128',
    '-1',
    '4095',
    '-4096',
    '4096',
    '-4097',
    '32767',
    '-32768',
    '32768',
    '8388607',
    '-8388608',
    '8388608',
    '2147483647',
    '-2147483648',
    '2147483648',
    '9223372036854775807',
    '-9223372036854775808',
    '9223372036854775808',
    '01',
    '+1',
    '-0',
    '',
    'x'.repeat(63),
    'x'.repeat(64),
    'x'.repeat(4095),
    'x'.repeat(4096),
    'y'.repeat(20000),
  ];
  const lp = new ListpackBuilder();
  for (const e of elements) lp.append(b(e));
  const blob = lp.finish();
  t.same(strs(decodeListpack(blob)), elements);
  t.equal(blob.readUInt32LE(0), blob.length);
  t.equal(blob.readUInt16LE(4), elements.length);
  const small = new ListpackBuilder();
  small.append(b('a'));
  small.append(b('1'));
  t.equal(small.finish().toString('hex'), '0c00000002008161020101ff', "Redis's bytes for [a, 1]");
  // Corruptions: a wrong total, a wrong count, a broken backlen, a truncated entry.
  const bad = (mutate: (x: Buffer) => Buffer) => () => decodeListpack(mutate(Buffer.from(blob)));
  t.throws(
    bad((x) => x.subarray(0, x.length - 1)),
    /Bad data format/,
  );
  t.throws(
    bad((x) => {
      x.writeUInt16LE(3, 4);
      return x;
    }),
    /Bad data format/,
  );
  t.throws(
    bad((x) => {
      x[7] = 0x7f;
      return x;
    }),
    /Bad data format/,
  );
  t.throws(() => decodeListpack(Buffer.from('0a00000001008261ff', 'hex').subarray(0, 9)), /Bad data format/);
});

t.test('intsets: the narrowest width, ascending, validated', async (t) => {
  for (const values of [
    [1n, -2n, 3n],
    [70000n, -1n],
    [5000000000n, 0n, -9223372036854775808n],
  ]) {
    const blob = encodeIntset(values);
    t.same(strs(decodeIntset(blob)), [...values].sort((x, y) => (x < y ? -1 : 1)).map(String));
  }
  t.equal(encodeIntset([1n]).readUInt32LE(0), 2);
  t.equal(encodeIntset([70000n]).readUInt32LE(0), 4);
  t.equal(encodeIntset([2n ** 40n]).readUInt32LE(0), 8);
  const unsorted = Buffer.from('0200000002000000050003000000', 'hex').subarray(0, 12);
  t.throws(() => decodeIntset(unsorted), /Bad data format/);
  t.throws(() => decodeIntset(Buffer.from('0300000001000000000000', 'hex')), /Bad data format/);
  t.same(decode(fixture('intset')), { type: 'set', members: [b('-70000'), b('3'), b('5')] });
});

t.test('ziplists and zipmaps (written before Redis 7.0) decode', async (t) => {
  // ziplist.c's example: ["2", "5", "Hello World"].
  const zl = Buffer.from(
    '00000000000000000300' + '00f3' + '02f6' + '020b48656c6c6f20576f726c64' + 'ff',
    'hex',
  );
  zl.writeUInt32LE(zl.length, 0);
  zl.writeUInt32LE(14, 4);
  t.same(strs(decodeZiplist(zl)), ['2', '5', 'Hello World']);
  const wrongTail = Buffer.from(zl);
  wrongTail.writeUInt32LE(12, 4);
  t.throws(() => decodeZiplist(wrongTail), /Bad data format/);
  // zipmap.c's example: foo => bar, hello => world.
  const zm = b('\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff');
  const m = decodeZipmap(zm);
  t.same(
    [strs(m.fields), strs(m.values)],
    [
      ['foo', 'hello'],
      ['bar', 'world'],
    ],
  );
  t.throws(() => decodeZipmap(b('\x05\x03foo\x03\x00bar\xff')), /Bad data format/);
});

t.test("Redis's payloads decode to what Redis stored", async (t) => {
  t.same(decode(fixture('bar')), { type: 'string', value: b('bar') });
  t.same(decode(fixture('int')), { type: 'string', value: b('12345') });
  t.same(decode(fixture('list')), { type: 'list', items: [b('a'), b('1')] });
  t.same(decode(fixture('zlp')), {
    type: 'zset',
    members: [b('c'), b('a'), b('b')],
    scores: [Number.NEGATIVE_INFINITY, 1.5, 2],
    skiplist: false,
  });
  t.same(decode(fixture('hlp')), {
    type: 'hash',
    fields: [b('f'), b('n')],
    values: [b('v'), b('-4097')],
    hashtable: false,
  });
});

t.test('the footer: length, version and checksum', async (t) => {
  const wrong = /DUMP payload version or checksum are wrong/;
  t.throws(() => verifyPayload(Buffer.alloc(9)), wrong);
  const good = fixture('bar');
  const flipped = Buffer.from(good);
  flipped[2] ^= 1;
  t.throws(() => verifyPayload(flipped), wrong);
  const w = new RdbWriter();
  w.byte(0);
  w.string(b('bar'));
  const ours = finishPayload(w);
  t.same(ours, good, 'the same bytes as Redis for SET foo bar');
  const newer = Buffer.from(ours);
  newer.writeUInt16LE(11, newer.length - 10);
  newer.writeBigUInt64LE(crc64(newer, 0, newer.length - 8), newer.length - 8);
  t.throws(() => verifyPayload(newer), wrong, 'RDB version 11 is refused');
  const older = Buffer.from(ours);
  older.writeUInt16LE(9, older.length - 10);
  older.writeBigUInt64LE(crc64(older, 0, older.length - 8), older.length - 8);
  t.doesNotThrow(() => verifyPayload(older), 'RDB version 9 is accepted');
});

t.test('RDB strings: integer and LZF forms as rdbSaveRawString chooses them', async (t) => {
  const cases: [string, string][] = [
    ['12', 'c00c'],
    ['-129', 'c17fff'],
    ['70000', 'c270110100'],
    ['2147483648', '0a32313437343833363438'],
    ['012', '03303132'],
  ];
  for (const [s, hex] of cases) {
    const w = new RdbWriter();
    w.string(b(s));
    t.equal(w.bytesView().toString('hex'), hex, s);
    t.same(new RdbReader(w.bytesView()).string(), b(s), `${s} reads back`);
  }
  const w = new RdbWriter();
  w.string(b('z'.repeat(100)));
  t.equal(w.bytesView()[0], 0xc3, 'a compressible string over 20 bytes is LZF');
  t.same(new RdbReader(w.bytesView()).string(), b('z'.repeat(100)));
});

// ---- RESTORE on the state machine -----------------------------------------------------------

const cmd = (...args: (string | Buffer)[]) => ({
  db: 0,
  argv: args.map((a) => (Buffer.isBuffer(a) ? a : b(a))),
});

function read(sm: KvStateMachine, nowMs: number, ...args: string[]): Reply {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, nowMs);
}

t.test('RESTORE applies the same on every replica; TTLs count from the entry stamp', async (t) => {
  const replicas = [new KvStateMachine(new MemoryStorage()), new KvStateMachine(new MemoryStorage())];
  const stampMs = 1_700_000_000_000;
  const entry = encodeEntry(stampMs, 42, [
    cmd('restore', 'a', '0', fixture('zlp')),
    cmd('restore', 'b', '5000', fixture('hlp')),
    cmd('restore', 'c', '0', fixture('intset')),
    cmd('restore', 'd', '0', fixture('list')),
    cmd('restore', 'e', String(stampMs + 10), fixture('lzf'), 'ABSTTL'),
    cmd('restore', 'f', String(stampMs - 10), fixture('bar'), 'absttl'),
    cmd('restore', 'a', '0', fixture('bar')),
  ]);
  const replies = replicas.map((sm) => sm.apply(1, entry));
  t.same(replies[0], replies[1]);
  t.equal((replies[0]![6] as ErrorReply).message, 'BUSYKEY Target key name already exists.');
  t.equal(replicas[0]!.digest().digest, replicas[1]!.digest().digest, 'same state on both replicas');
  const sm = replicas[0]!;
  t.equal(read(sm, stampMs, 'pttl', 'b'), 5000);
  t.equal(read(sm, stampMs, 'pttl', 'e'), 10);
  t.equal(read(sm, stampMs, 'exists', 'f'), 0, 'an ABSTTL in the past creates nothing');
  t.same(strs(read(sm, stampMs, 'zrange', 'a', '0', '-1') as Buffer[]), ['c', 'a', 'b']);
  t.same(strs(read(sm, stampMs, 'lrange', 'd', '0', '-1') as Buffer[]), ['a', '1']);
  t.equal(String(read(sm, stampMs, 'object', 'encoding', 'c')), 'intset');
  // DUMP here gives back Redis's bytes for these (no LZF, no hashtable order involved).
  for (const [key, name] of [
    ['a', 'zlp'],
    ['b', 'hlp'],
    ['c', 'intset'],
    ['d', 'list'],
  ] as const) {
    t.same(read(sm, stampMs, 'dump', key), fixture(name), `DUMP ${key} equals Redis's`);
  }
});
