// Redis 7.0 compatibility of the bitmap commands (SETBIT, GETBIT, BITCOUNT with BYTE/BIT,
// BITPOS, BITOP, BITFIELD, BITFIELD_RO) on string values, including their error texts and the
// OBJECT ENCODING of the strings they write ("raw").
// How: every case runs against Seshat and a real redis-server 7.0.15 (helpers/targets.ts), on
// RESP2 and RESP3, with exact replies.
import t from 'tap';
import { type Case, checkCasesBothProtocols, forEachTarget, ioredis } from './helpers/targets.ts';

const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = '-ERR value is not an integer or out of range';
const SYNTAX = '-ERR syntax error';
const OFFSET = '-ERR bit offset is not an integer or out of range';
const BF_TYPE =
  '-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

const SETBIT_GETBIT: Case[] = [
  [['SETBIT', 'b', '7', '1'], ':0'],
  [['SETBIT', 'b', '7', '1'], ':1'],
  [['GET', 'b'], '"\\x01"'],
  [['SETBIT', 'b', '0', '1'], ':0'],
  [['GET', 'b'], '"\\x81"'],
  [['SETBIT', 'b', '20', '1'], ':0'],
  [['STRLEN', 'b'], ':3'],
  [['GETBIT', 'b', '20'], ':1'],
  [['GETBIT', 'b', '21'], ':0'],
  [['GETBIT', 'b', '100000'], ':0'],
  [['GETBIT', 'nokey', '3'], ':0'],
  [['SETBIT', 'b', '0', '0'], ':1'],
  [['OBJECT', 'ENCODING', 'b'], '"raw"'],
  [['SET', 'n', '12'], '+OK'],
  [['SETBIT', 'n', '0', '0'], ':0'],
  [['OBJECT', 'ENCODING', 'n'], '"raw"'],
  [['SETBIT', 'b', '-1', '1'], OFFSET],
  [['SETBIT', 'b', '4294967296', '1'], OFFSET],
  [['SETBIT', 'b', 'x', '1'], OFFSET],
  [['SETBIT', 'b', '1', '2'], '-ERR bit is not an integer or out of range'],
  [['SETBIT', 'b', '1', 'x'], '-ERR bit is not an integer or out of range'],
  [['GETBIT', 'b', '-1'], OFFSET],
  [['HSET', 'h', 'a', '1'], ':1'],
  [['SETBIT', 'h', '1', '1'], WRONGTYPE],
  [['GETBIT', 'h', '1'], WRONGTYPE],
  [['SET', 'ttl', 'x', 'EX', '1000'], '+OK'],
  [['SETBIT', 'ttl', '1', '1'], ':1'],
  [['TTL', 'ttl'], ':1000'],
];

const COUNT_POS: Case[] = [
  [['HSET', 'h', 'a', '1'], ':1'],
  [['SET', 'k', 'foobar'], '+OK'],
  [['BITCOUNT', 'k'], ':26'],
  [['BITCOUNT', 'k', '0', '0'], ':4'],
  [['BITCOUNT', 'k', '1', '1'], ':6'],
  [['BITCOUNT', 'k', '-2', '-1'], ':7'],
  [['BITCOUNT', 'k', '1', '1', 'BYTE'], ':6'],
  [['BITCOUNT', 'k', '5', '30', 'BIT'], ':17'],
  [['BITCOUNT', 'k', '-5', '-1', 'bit'], ':2'],
  [['BITCOUNT', 'k', '-1', '-5', 'BIT'], ':0'],
  [['BITCOUNT', 'k', '-1', '-5', 'FOO'], ':0'],
  [['BITCOUNT', 'k', '0', '1', 'FOO'], SYNTAX],
  [['BITCOUNT', 'k', '0'], SYNTAX],
  [['BITCOUNT', 'k', 'x', '1'], NOT_INT],
  [['BITCOUNT', 'k', '10', '100'], ':0'],
  [['BITCOUNT', 'nokey', 'x'], ':0'],
  [['BITCOUNT', 'h'], WRONGTYPE],
  [['SET', 'p', Buffer.from([0xff, 0xf0, 0x00])], '+OK'],
  [['BITPOS', 'p', '0'], ':12'],
  [['BITPOS', 'p', '1'], ':0'],
  [['BITPOS', 'p', '1', '2'], ':-1'],
  [['BITPOS', 'p', '0', '2'], ':16'],
  [['BITPOS', 'p', '0', '0', '0'], ':-1'],
  [['BITPOS', 'p', '0', '0', '-1'], ':12'],
  [['BITPOS', 'p', '1', '7', '15', 'BIT'], ':7'],
  [['BITPOS', 'p', '0', '7', '11', 'BIT'], ':-1'],
  [['BITPOS', 'p', '0', '7', '12', 'BIT'], ':12'],
  [['BITPOS', 'p', '0', '3', 'BIT'], NOT_INT],
  [['BITPOS', 'p', '0', '2', '1'], ':-1'],
  [['BITPOS', 'p', '1', '0', '-1', 'foo'], SYNTAX],
  [['BITPOS', 'p', '2'], '-ERR The bit argument must be 1 or 0.'],
  [['BITPOS', 'p', 'x'], NOT_INT],
  [['BITPOS', 'nokey', '1'], ':-1'],
  [['BITPOS', 'nokey', '0'], ':0'],
  [['SET', 'ones', Buffer.from([0xff, 0xff])], '+OK'],
  [['BITPOS', 'ones', '0'], ':16'],
  [['BITPOS', 'ones', '0', '0', '-1'], ':-1'],
  [['SET', 'empty', ''], '+OK'],
  [['BITPOS', 'empty', '0'], ':-1'],
  [['BITCOUNT', 'empty'], ':0'],
  [['BITPOS', 'h', '1'], WRONGTYPE],
];

const OPS: Case[] = [
  [['SET', 'a', 'abc'], '+OK'],
  [['SET', 'b', Buffer.from([0x0f, 0x0f])], '+OK'],
  [['BITOP', 'AND', 'd', 'a', 'b'], ':3'],
  [['GET', 'd'], '"\\x01\\x02\\x00"'],
  [['BITOP', 'OR', 'd', 'a', 'b'], ':3'],
  [['GET', 'd'], '"ooc"'],
  [['BITOP', 'XOR', 'd', 'a', 'b', 'nokey'], ':3'],
  [['GET', 'd'], '"nmc"'],
  [['BITOP', 'NOT', 'd', 'b'], ':2'],
  [['GET', 'd'], '"\\xf0\\xf0"'],
  [['OBJECT', 'ENCODING', 'd'], '"raw"'],
  [['BITOP', 'and', 'd', 'nokey', 'nokey2'], ':0'],
  [['EXISTS', 'd'], ':0'],
  [['BITOP', 'NOT', 'd', 'a', 'b'], '-ERR BITOP NOT must be called with a single source key.'],
  [['BITOP', 'FOO', 'd', 'a'], SYNTAX],
  [['HSET', 'h', 'f', 'v'], ':1'],
  [['BITOP', 'AND', 'd', 'a', 'h'], WRONGTYPE],
  [['BITOP', 'OR', 'h', 'a'], ':3'],
  [['TYPE', 'h'], '+string'],
  [['BITOP', 'AND', 'd'], "-ERR wrong number of arguments for 'bitop' command"],
];

const FIELDS: Case[] = [
  [['BITFIELD', 'f', 'SET', 'u8', '0', '255', 'GET', 'u8', '0'], '[:0, :255]'],
  [['BITFIELD', 'f', 'INCRBY', 'u8', '0', '10'], '[:9]'],
  [['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300'], '[:255]'],
  [['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1'], '[$-1]', '[_]'],
  [['BITFIELD', 'f', 'SET', 'i8', '#1', '-100', 'INCRBY', 'i8', '#1', '-100'], '[:0, :56]'],
  [['BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '#1', '-200'], '[:-128]'],
  [
    ['BITFIELD', 'f', 'GET', 'i64', '0', 'GET', 'u63', '1', 'GET', 'i1', '0', 'GET', 'u1', '0'],
    '[:-36028797018963968, :9187343239835811840, :-1, :1]',
  ],
  [
    ['BITFIELD', 'f', 'SET', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1'],
    '[:-36028797018963968, :-9223372036854775808]',
  ],
  [
    [
      'BITFIELD',
      'f',
      'SET',
      'u8',
      '3',
      '-1',
      'OVERFLOW',
      'SAT',
      'SET',
      'u8',
      '20',
      '-1',
      'SET',
      'i4',
      '30',
      '100',
    ],
    '[:0, :0, :0]',
  ],
  [['BITFIELD', 'nf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '100', '300'], '[$-1]', '[_]'],
  [['STRLEN', 'nf'], ':14'],
  [['BITFIELD', 'nf2', 'GET', 'u8', '0'], '[:0]'],
  [['EXISTS', 'nf2'], ':0'],
  [['BITFIELD', 'f'], '[]'],
  [['BITFIELD_RO', 'f', 'GET', 'u8', '0', 'GET', 'i16', '#1'], '[:159, :4081]'],
  [['BITFIELD_RO', 'f', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'], '[:159]'],
  [['BITFIELD_RO', 'f', 'SET', 'u8', '0', '1'], '-ERR BITFIELD_RO only supports the GET subcommand'],
  [['BITFIELD_RO', 'f', 'INCRBY', 'u8', '0', '1', 'GET', 'u64', '0'], BF_TYPE],
  [['BITFIELD', 'f', 'GET', 'u64', '0'], BF_TYPE],
  [['BITFIELD', 'f', 'GET', 'i65', '0'], BF_TYPE],
  [['BITFIELD', 'f', 'GET', 'U8', '0'], BF_TYPE],
  [['BITFIELD', 'f', 'GET', 'u0', '0'], BF_TYPE],
  [['BITFIELD', 'f', 'GET', 'u8', '-1'], OFFSET],
  [['BITFIELD', 'f', 'GET', 'u8', '#x'], OFFSET],
  [['BITFIELD', 'f', 'GET', 'u8'], SYNTAX],
  [['BITFIELD', 'f', 'FOO'], SYNTAX],
  [['BITFIELD', 'f', 'OVERFLOW', 'FOO'], '-ERR Invalid OVERFLOW type specified'],
  [['BITFIELD', 'f', 'SET', 'u8', '0', 'x'], NOT_INT],
  [['HSET', 'h', 'a', '1'], ':1'],
  [['BITFIELD', 'h', 'GET', 'u8', '0'], WRONGTYPE],
  [['BITFIELD_RO', 'h', 'GET', 'u8', '0'], WRONGTYPE],
];

forEachTarget(t, async (t, { server }) => {
  t.test('SETBIT and GETBIT', (t) => checkCasesBothProtocols(t, server, SETBIT_GETBIT));
  t.test('BITCOUNT and BITPOS', (t) => checkCasesBothProtocols(t, server, COUNT_POS));
  t.test('BITOP', (t) => checkCasesBothProtocols(t, server, OPS));
  t.test('BITFIELD and BITFIELD_RO', (t) => checkCasesBothProtocols(t, server, FIELDS));
  t.test('ioredis', async (t) => {
    const r = await ioredis(t, server);
    await r.del('io');
    t.equal(await r.setbit('io', 100, 1), 0);
    t.equal(await r.getbit('io', 100), 1);
    t.equal(await r.bitcount('io'), 1);
    t.equal(await r.bitpos('io', 1), 100);
    t.same(await r.call('BITFIELD', 'io', 'INCRBY', 'u4', '#0', '3', 'GET', 'u4', '#0'), [3, 3]);
  });
});
