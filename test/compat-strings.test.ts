// Redis 7.0 compatibility of the string commands (GET, SET and its options, SETNX, SETEX,
// PSETEX, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX, APPEND, STRLEN, GETRANGE, SETRANGE, SUBSTR,
// INCR/DECR/INCRBY/DECRBY, INCRBYFLOAT, LCS).
// How: every case runs against Seshat and against a real redis-server (see helpers/targets.ts),
// over raw RESP with exact reply types (RESP2 and RESP3), through ioredis (RESP3 and RESP2) and
// through redis-cli. Expected texts were recorded from redis-server 7.0.15.
import t from 'tap';
import { redisCli, redisCliAvailable } from './helpers/redis-cli.ts';
import { show } from './helpers/resp-client.ts';
import { type Case, checkCasesBothProtocols, forEachTarget, ioredis } from './helpers/targets.ts';

const WRONG_ARGS = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command`;
const NOT_INT = '-ERR value is not an integer or out of range';
const SYNTAX = '-ERR syntax error';

const GET_SET: Case[] = [
  [['GET', 'k'], '$-1'],
  [['SET', 'k', 'v'], '+OK'],
  [['GET', 'k'], '"v"'],
  [['SET', 'k', ''], '+OK'],
  [['GET', 'k'], '""'],
  [['SET', '', 'empty key'], '+OK'],
  [['GET', ''], '"empty key"'],
  [['SET', 'k', 'v', 'NX'], '$-1'],
  [['SET', 'k2', 'v', 'XX'], '$-1'],
  [['GET', 'k2'], '$-1'],
  [['SET', 'k2', 'v', 'NX'], '+OK'],
  [['SET', 'k2', 'w', 'XX'], '+OK'],
  [['GET', 'k2'], '"w"'],
  [['SET', 'k3', 'a', 'GET'], '$-1'],
  [['SET', 'k3', 'b', 'GET'], '"a"'],
  [['SET', 'k3', 'c', 'NX', 'GET'], '"b"'],
  [['GET', 'k3'], '"b"'],
  [['SET', 'k4', 'c', 'XX', 'GET'], '$-1'],
  [['EXISTS', 'k4'], ':0'],
  [['set', 'lower', 'case'], '+OK'],
  [['gEt', 'lower'], '"case"'],
  [['SET', 'k', 'v', 'nx', 'xx'], SYNTAX],
  [['SET', 'k', 'v', 'EX', '10', 'PX', '10'], SYNTAX],
  [['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'], SYNTAX],
  [['SET', 'k', 'v', 'EX'], SYNTAX],
  [['SET', 'k', 'v', 'foo'], SYNTAX],
  [['SET', 'k', 'v', 'EX', 'x'], NOT_INT],
  [['SET', 'k', 'v', 'EX', '1.5'], NOT_INT],
  [['SET', 'k', 'v', 'EX', '0'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'EX', '-1'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'PX', '0'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'EXAT', '0'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'PXAT', '-5'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'EX', '9223372036854775807'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'EX', '9223372036854775'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'PX', '9223372036854775807'], "-ERR invalid expire time in 'set' command"],
  [['SET', 'k', 'v', 'EX', '9223372036854775808'], NOT_INT],
  [['SET', 'k'], WRONG_ARGS('set')],
  [['GET'], WRONG_ARGS('get')],
  [['GET', 'a', 'b'], WRONG_ARGS('get')],
];

const SETNX_SETEX_GETSET: Case[] = [
  [['SETNX', 'k', 'a'], ':1'],
  [['SETNX', 'k', 'b'], ':0'],
  [['GET', 'k'], '"a"'],
  [['SETNX', 'k'], WRONG_ARGS('setnx')],
  [['SETEX', 'k', '100', 'v'], '+OK'],
  [['TTL', 'k'], ':100'],
  [['SETEX', 'k', '0', 'v'], "-ERR invalid expire time in 'setex' command"],
  [['SETEX', 'k', '-5', 'v'], "-ERR invalid expire time in 'setex' command"],
  [['SETEX', 'k', 'x', 'v'], NOT_INT],
  [['SETEX', 'k', '10'], WRONG_ARGS('setex')],
  [['PSETEX', 'k', '100000', 'v'], '+OK'],
  [['TTL', 'k'], ':100'],
  [['PSETEX', 'k', '0', 'v'], "-ERR invalid expire time in 'psetex' command"],
  [['GETSET', 'k', 'w'], '"v"'],
  [['TTL', 'k'], ':-1'],
  [['GETSET', 'new', 'x'], '$-1'],
  [['GET', 'new'], '"x"'],
  [['GETDEL', 'new'], '"x"'],
  [['GETDEL', 'new'], '$-1'],
  [['EXISTS', 'new'], ':0'],
  [['GETDEL'], WRONG_ARGS('getdel')],
];

const GETEX: Case[] = [
  [['SET', 'k', 'v'], '+OK'],
  [['GETEX', 'k'], '"v"'],
  [['GETEX', 'nokey'], '$-1'],
  [['GETEX', 'nokey', 'EX', '10'], '$-1'],
  [['GETEX', 'k', 'EX', '100'], '"v"'],
  [['TTL', 'k'], ':100'],
  [['GETEX', 'k', 'PERSIST'], '"v"'],
  [['TTL', 'k'], ':-1'],
  [['GETEX', 'k', 'PX', '100000'], '"v"'],
  [['TTL', 'k'], ':100'],
  [['GETEX', 'k', 'EXAT', '4000000000'], '"v"'],
  [['EXPIRETIME', 'k'], ':4000000000'],
  [['GETEX', 'k', 'PXAT', '4000000000123'], '"v"'],
  [['PEXPIRETIME', 'k'], ':4000000000123'],
  [['GETEX', 'k', 'EX', '0'], "-ERR invalid expire time in 'getex' command"],
  [['GETEX', 'k', 'PERSIST', 'EX', '1'], SYNTAX],
  [['GETEX', 'k', 'EX', '10', 'PX', '10'], SYNTAX],
  [['GETEX', 'k', 'FOO'], SYNTAX],
  [['GETEX', 'k', 'EX', 'x'], NOT_INT],
];

const MULTI_KEY: Case[] = [
  [['MSET', 'a', '1', 'b', '2'], '+OK'],
  [['MGET', 'a', 'nokey', 'b'], '["1", $-1, "2"]'],
  [['MGET', 'nokey'], '[$-1]'],
  [['MSET', 'a'], WRONG_ARGS('mset')],
  [['MSET', 'a', '1', 'b'], WRONG_ARGS('mset')],
  [['MGET'], WRONG_ARGS('mget')],
  [['MSET', 'a', 'x', 'a', 'y'], '+OK'],
  [['GET', 'a'], '"y"'],
  [['MSETNX', 'c', '3', 'd', '4'], ':1'],
  [['MSETNX', 'd', '5', 'e', '6'], ':0'],
  [['MGET', 'c', 'd', 'e'], '["3", "4", $-1]'],
  [['MSETNX', 'e'], WRONG_ARGS('msetnx')],
];

const APPEND_RANGE: Case[] = [
  [['APPEND', 'k', 'Hello'], ':5'],
  [['APPEND', 'k', ' World'], ':11'],
  [['APPEND', 'k', ''], ':11'],
  [['APPEND', 'empty', ''], ':0'],
  [['EXISTS', 'empty'], ':1'],
  [['STRLEN', 'k'], ':11'],
  [['STRLEN', 'nokey'], ':0'],
  [['STRLEN', 'empty'], ':0'],
  [['GETRANGE', 'k', '0', '4'], '"Hello"'],
  [['GETRANGE', 'k', '0', '-1'], '"Hello World"'],
  [['GETRANGE', 'k', '-5', '-1'], '"World"'],
  [['GETRANGE', 'k', '-100', '2'], '"Hel"'],
  [['GETRANGE', 'k', '5', '1000'], '" World"'],
  [['GETRANGE', 'k', '100', '200'], '""'],
  [['GETRANGE', 'k', '3', '1'], '""'],
  [['GETRANGE', 'k', '-1', '-100'], '""'],
  [['GETRANGE', 'k', '-100', '-50'], '"H"'],
  [['GETRANGE', 'nokey', '0', '-1'], '""'],
  [['GETRANGE', 'k', 'x', '1'], NOT_INT],
  [['GETRANGE', 'k', '0'], WRONG_ARGS('getrange')],
  [['SUBSTR', 'k', '1', '3'], '"ell"'],
  [['SETRANGE', 'k', '6', 'Redis'], ':11'],
  [['GET', 'k'], '"Hello Redis"'],
  [['SETRANGE', 'k', '13', 'x'], ':14'],
  [['GET', 'k'], '"Hello Redis\\x00\\x00x"'],
  [['SETRANGE', 'n', '3', 'ab'], ':5'],
  [['GET', 'n'], '"\\x00\\x00\\x00ab"'],
  [['SETRANGE', 'k', '-1', 'x'], '-ERR offset is out of range'],
  [['SETRANGE', 'k', 'x', 'x'], NOT_INT],
  [['SETRANGE', 'missing', '0', ''], ':0'],
  [['SETRANGE', 'missing', '5', ''], ':0'],
  [['EXISTS', 'missing'], ':0'],
  [['SETRANGE', 'k', '0', ''], ':14'],
  [['SETRANGE', 'big', '536870912', 'x'], '-ERR string exceeds maximum allowed size (proto-max-bulk-len)'],
  [['EXISTS', 'big'], ':0'],
];

const COUNTERS: Case[] = [
  [['INCR', 'n'], ':1'],
  [['INCRBY', 'n', '10'], ':11'],
  [['DECR', 'n'], ':10'],
  [['DECRBY', 'n', '20'], ':-10'],
  [['INCRBY', 'n', '-5'], ':-15'],
  [['GET', 'n'], '"-15"'],
  [['SET', 'n', '9223372036854775806'], '+OK'],
  [['INCR', 'n'], ':9223372036854775807'],
  [['INCR', 'n'], '-ERR increment or decrement would overflow'],
  [['INCRBY', 'n', '1'], '-ERR increment or decrement would overflow'],
  [['SET', 'n', '-9223372036854775808'], '+OK'],
  [['DECR', 'n'], '-ERR increment or decrement would overflow'],
  [['DECRBY', 'n', '1'], '-ERR increment or decrement would overflow'],
  [['DECRBY', 'n', '-9223372036854775808'], '-ERR decrement would overflow'],
  [['INCRBY', 'n', '9223372036854775808'], NOT_INT],
  [['INCRBY', 'n', 'x'], NOT_INT],
  [['INCRBY', 'n', '1.0'], NOT_INT],
  [['INCRBY', 'n', ''], NOT_INT],
  [['GET', 'n'], '"-9223372036854775808"'],
  [['SET', 's', 'abc'], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', '1.5'], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', ' 1'], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', '1 '], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', '01'], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', '+1'], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', '-0'], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', ''], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', '99999999999999999999'], '+OK'],
  [['INCR', 's'], NOT_INT],
  [['SET', 's', '-1'], '+OK'],
  [['INCR', 's'], ':0'],
  [['INCR'], WRONG_ARGS('incr')],
  [['INCRBY', 'n'], WRONG_ARGS('incrby')],
];

// Values chosen so that the 80-bit long double Redis uses and a 64-bit double agree exactly.
const FLOATS: Case[] = [
  [['INCRBYFLOAT', 'f', '3'], '"3"'],
  [['INCRBYFLOAT', 'f', '0.5'], '"3.5"'],
  [['INCRBYFLOAT', 'f', '-0.25'], '"3.25"'],
  [['INCRBYFLOAT', 'f', '-3.25'], '"0"'],
  [['INCRBYFLOAT', 'f', '1e3'], '"1000"'],
  [['INCRBYFLOAT', 'f', '-1.5E1'], '"985"'],
  [['SET', 'f', '1.0'], '+OK'],
  [['INCRBYFLOAT', 'f', '1'], '"2"'],
  [['SET', 'f', '1e3'], '+OK'],
  [['INCRBYFLOAT', 'f', '0.5'], '"1000.5"'],
  [['SET', 'f', '0x10'], '+OK'],
  [['INCRBYFLOAT', 'f', '1'], '"17"'],
  [['SET', 'f', ' 1'], '+OK'],
  [['INCRBYFLOAT', 'f', '1'], '-ERR value is not a valid float'],
  [['SET', 'f', 'abc'], '+OK'],
  [['INCRBYFLOAT', 'f', '1'], '-ERR value is not a valid float'],
  [['SET', 'f', '5'], '+OK'],
  [['INCRBYFLOAT', 'f', 'x'], '-ERR value is not a valid float'],
  [['INCRBYFLOAT', 'f', ''], '-ERR value is not a valid float'],
  [['INCRBYFLOAT', 'f', 'nan'], '-ERR value is not a valid float'],
  [['INCRBYFLOAT', 'f', 'inf'], '-ERR increment would produce NaN or Infinity'],
  [['INCRBYFLOAT', 'f', '-inf'], '-ERR increment would produce NaN or Infinity'],
  [['GET', 'f'], '"5"'],
  [['INCRBYFLOAT', 'f'], WRONG_ARGS('incrbyfloat')],
  [['SET', 'n', '10'], '+OK'],
  [['INCRBYFLOAT', 'n', '1.5'], '"11.5"'],
  [['INCR', 'n'], NOT_INT],
];

// Redis computes INCRBYFLOAT in 80-bit long double and prints "%.17Lf" with trailing zeros
// removed, so results differ from JavaScript doubles. Kept apart so a failure is easy to read.
const FLOATS_LONG_DOUBLE: Case[] = [
  [['SET', 'f', '10.5'], '+OK'],
  [['INCRBYFLOAT', 'f', '0.1'], '"10.6"'],
  [['INCRBYFLOAT', 'f', '5.0e3'], '"5010.60000000000000009"'],
  [['SET', 'f', '1e308'], '+OK'],
  [
    ['INCRBYFLOAT', 'f', '1e308'],
    /^"19999999999999999999337175931169129132112019969483113441559409598984346973/,
  ],
];

const LCS: Case[] = [
  [['MSET', 'key1', 'ohmytext', 'key2', 'mynewtext'], '+OK'],
  [['LCS', 'key1', 'key2'], '"mytext"'],
  [['LCS', 'key1', 'key2', 'LEN'], ':6'],
  [
    ['LCS', 'key1', 'key2', 'IDX'],
    '["matches", [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], "len", :6]',
    '{"matches": [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], "len": :6}',
  ],
  [
    ['LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
    '["matches", [[[:4, :7], [:5, :8], :4]], "len", :6]',
    '{"matches": [[[:4, :7], [:5, :8], :4]], "len": :6}',
  ],
  [
    ['LCS', 'key1', 'key2', 'IDX', 'LEN'],
    '-ERR If you want both the length and indexes, please just use IDX.',
  ],
  [['LCS', 'key1', 'key2', 'FOO'], SYNTAX],
  [['LCS', 'key1', 'nokey'], '""'],
  [['LCS', 'nokey', 'nokey2', 'LEN'], ':0'],
  [['LCS', 'key1'], WRONG_ARGS('lcs')],
];

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

forEachTarget(t, async (t, { server, client }) => {
  t.test('GET and SET with NX/XX/GET and option errors', (t) => checkCasesBothProtocols(t, server, GET_SET));
  t.test('SETNX, SETEX, PSETEX, GETSET, GETDEL', (t) =>
    checkCasesBothProtocols(t, server, SETNX_SETEX_GETSET),
  );
  t.test('GETEX', (t) => checkCasesBothProtocols(t, server, GETEX));
  t.test('MGET, MSET, MSETNX', (t) => checkCasesBothProtocols(t, server, MULTI_KEY));
  t.test('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE', (t) =>
    checkCasesBothProtocols(t, server, APPEND_RANGE),
  );
  t.test('INCR/DECR family and overflow', (t) => checkCasesBothProtocols(t, server, COUNTERS));
  t.test('INCRBYFLOAT', (t) => checkCasesBothProtocols(t, server, FLOATS));
  t.test('INCRBYFLOAT long double precision', (t) => checkCasesBothProtocols(t, server, FLOATS_LONG_DOUBLE));
  t.test('LCS', (t) => checkCasesBothProtocols(t, server, LCS));

  t.test('binary-safe keys and values (all 256 byte values)', async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    t.equal(await c.q('SET', ALL_BYTES, ALL_BYTES), '+OK');
    const got = await c.send(['GET', ALL_BYTES]);
    t.equal(got.type, 'bulk');
    t.ok(got.type === 'bulk' && got.value.equals(ALL_BYTES), 'value round-trips byte for byte');
    t.equal(await c.q('STRLEN', ALL_BYTES), ':256');
    t.equal(await c.q('APPEND', ALL_BYTES, Buffer.from([0, 255])), ':258');
    t.equal(await c.q('GETRANGE', ALL_BYTES, '-2', '-1'), '"\\x00\\xff"');
    const keys = await c.send(['KEYS', '*']);
    t.equal(keys.type, 'array');
    t.ok(keys.type === 'array' && keys.value[0]?.type === 'bulk' && keys.value[0].value.equals(ALL_BYTES));
    // Values around the reply writer's copy threshold and the cache's record-string limit
    // (64 KiB): GET answers each from the cache byte for byte.
    for (const size of [127, 128, 129, 1000, 65_536, 65_537 - 18, 70_000]) {
      const v = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) & 0xff));
      t.equal(await c.q('SET', `size:${size}`, v), '+OK');
      const back = await c.send(['GET', `size:${size}`]);
      t.ok(back.type === 'bulk' && back.value.equals(v), `GET of a ${size}-byte value`);
    }
    // Every single byte as its own key and value, including \r, \n and \0.
    const sets = Array.from({ length: 256 }, (_, i) => ['SET', Buffer.from([i]), Buffer.from([i, i])]);
    const replies = await c.pipeline(sets);
    t.ok(
      replies.every((r) => show(r) === '+OK'),
      '256 single-byte keys set',
    );
    const mget = await c.send(['MGET', ...Array.from({ length: 256 }, (_, i) => Buffer.from([i]))]);
    t.ok(
      mget.type === 'array' &&
        mget.value.every((r, i) => r.type === 'bulk' && r.value.equals(Buffer.from([i, i]))),
      'MGET returns every single-byte value',
    );
  });

  t.test('large value (1 MiB) round trip', async (t) => {
    const c = await client(t);
    const big = Buffer.alloc(1 << 20, 'x');
    big[12345] = 0;
    t.equal(await c.q('SET', 'big', big), '+OK');
    const got = await c.send(['GET', 'big']);
    t.ok(got.type === 'bulk' && got.value.equals(big));
    t.equal(await c.q('STRLEN', 'big'), `:${1 << 20}`);
    t.equal(await c.q('DEL', 'big'), ':1');
  });

  for (const protocol of [3, 2] as const) {
    t.test(`ioredis (protocol ${protocol})`, async (t) => {
      const r = await ioredis(t, server, { protocol });
      await r.flushall();
      t.equal(await r.set('k', 'v'), 'OK');
      t.equal(await r.get('k'), 'v');
      t.equal(await r.get('nokey'), null);
      t.equal(await r.set('k', 'w', 'GET'), 'v');
      t.equal(await r.set('k', 'x', 'NX'), null);
      t.equal(await r.set('t', 'v', 'EX', 100), 'OK');
      t.equal(await r.ttl('t'), 100);
      t.same(await r.mget('k', 'nokey', 't'), ['w', null, 'v']);
      t.equal(await r.incr('n'), 1);
      t.equal(await r.incrby('n', 41), 42);
      t.equal(await r.decrby('n', 2), 40);
      t.equal(await r.incrbyfloat('n', '0.5'), '40.5');
      t.equal(await r.append('k', '!'), 2);
      t.equal(await r.strlen('k'), 2);
      t.equal(await r.getrange('k', 0, 0), 'w');
      t.equal(await r.setrange('k', 1, '?'), 2);
      t.equal(await r.getdel('k'), 'w?');
      t.equal(await r.msetnx('a', '1', 'b', '2'), 1);
      t.equal(await r.call('LCS', 'a', 'b'), '');
      const buf = await r.getBuffer('nokey');
      t.equal(buf, null);
      await r.set(ALL_BYTES, ALL_BYTES);
      const back = await r.getBuffer(ALL_BYTES);
      t.ok(back?.equals(ALL_BYTES), 'binary value through ioredis');
      await r.set('s', 'x');
      await t.rejects(r.incr('s'), { message: 'ERR value is not an integer or out of range' });
      await t.rejects(r.call('GET'), { message: "ERR wrong number of arguments for 'get' command" });
      // Pipelines keep order and carry per-command errors.
      const res = await r.pipeline().set('p', '1').incr('p').incr('s').get('p').exec();
      t.same(
        res?.map(([e, v]) => (e ? e.message : v)),
        ['OK', 2, 'ERR value is not an integer or out of range', '2'],
      );
    });
  }

  t.test('redis-cli', { skip: !redisCliAvailable() && 'redis-cli not installed' }, async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    const set = await redisCli(server.port, ['SET', 'k', 'hello world']);
    t.same(set, { stdout: 'OK\n', stderr: '', code: 0 });
    t.equal((await redisCli(server.port, ['GET', 'k'])).stdout, 'hello world\n');
    t.equal(
      (await redisCli(server.port, ['GET', 'nokey'])).stdout,
      '\n',
      'nil prints as empty line when piped',
    );
    t.equal((await redisCli(server.port, ['--no-raw', 'GET', 'nokey'])).stdout, '(nil)\n');
    t.equal((await redisCli(server.port, ['--no-raw', 'GET', 'k'])).stdout, '"hello world"\n');
    t.equal((await redisCli(server.port, ['--no-raw', 'INCR', 'n'])).stdout, '(integer) 1\n');
    t.equal((await redisCli(server.port, ['--raw', 'INCR', 'n'])).stdout, '2\n');
    t.equal(
      (await redisCli(server.port, ['--no-raw', 'MGET', 'k', 'nokey'])).stdout,
      '1) "hello world"\n2) (nil)\n',
    );
    const err = await redisCli(server.port, ['--no-raw', 'INCR', 'k']);
    t.equal(err.stdout, '(error) ERR value is not an integer or out of range\n');
    const errRaw = await redisCli(server.port, ['INCR', 'k']);
    // Piped (raw) mode prints an error followed by an empty line, and still exits 0.
    t.same(errRaw, { stdout: 'ERR value is not an integer or out of range\n\n', stderr: '', code: 0 });
    // Commands piped on stdin (one per line) are sent as RESP by redis-cli.
    const piped = await redisCli(server.port, [], {
      input: 'SET a 1\nINCRBY a 5\nGET a\nAPPEND a "x y"\nGET a\n',
    });
    t.equal(piped.stdout, 'OK\n6\n6\n4\n6x y\n');
    // -x reads the last argument from stdin, binary safe.
    const x = await redisCli(server.port, ['-x', 'SET', 'fromstdin'], { input: 'line1\nline2\n' });
    t.equal(x.stdout, 'OK\n');
    t.equal(await c.q('GET', 'fromstdin'), '"line1\\x0aline2\\x0a"');
  });
});
