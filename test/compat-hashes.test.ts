// Redis 7.0 compatibility of the hash commands (HSET, HSETNX, HGET, HMGET, HMSET, HDEL, HLEN,
// HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN) and of
// OBJECT ENCODING for hashes (listpack up to 512 fields (redis-server's built-in default) of at most 64 bytes, then hashtable).
// How: every case runs against Seshat and a real redis-server 7.0.15 (helpers/targets.ts), on
// RESP2 and RESP3, with exact replies; small hashes reply in insertion order (listpack) on both.
// Random replies (HRANDFIELD) are checked by properties only: sizes, membership, distinctness.
import t from 'tap';
import { show } from './helpers/resp-client.ts';
import { type Case, checkCasesBothProtocols, forEachTarget, ioredis } from './helpers/targets.ts';

const WRONG_ARGS = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command`;
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = '-ERR value is not an integer or out of range';
const SYNTAX = '-ERR syntax error';
const L65 = 'x'.repeat(65);

const BASICS: Case[] = [
  [['HSET', 'h', 'b', '1', 'a', '2', 'c', '3'], ':3'],
  [['HSET', 'h', 'a', '20', 'd', '4'], ':1'],
  [
    ['HGETALL', 'h'],
    '["b", "1", "a", "20", "c", "3", "d", "4"]',
    '{"b": "1", "a": "20", "c": "3", "d": "4"}',
  ],
  [['HKEYS', 'h'], '["b", "a", "c", "d"]'],
  [['HVALS', 'h'], '["1", "20", "3", "4"]'],
  [['HGET', 'h', 'a'], '"20"'],
  [['HGET', 'h', 'zz'], '$-1'],
  [['HGET', 'nokey', 'a'], '$-1'],
  [['HMGET', 'h', 'a', 'zz', 'b'], '["20", $-1, "1"]', '["20", _, "1"]'],
  [['HMGET', 'nokey', 'a'], '[$-1]', '[_]'],
  [['HLEN', 'h'], ':4'],
  [['HLEN', 'nokey'], ':0'],
  [['HSTRLEN', 'h', 'a'], ':2'],
  [['HSTRLEN', 'h', 'zz'], ':0'],
  [['HEXISTS', 'h', 'a'], ':1'],
  [['HEXISTS', 'h', 'zz'], ':0'],
  [['HDEL', 'h', 'a', 'zz', 'a'], ':1'],
  [['HSET', 'h', 'a', 'back'], ':1'],
  [['HKEYS', 'h'], '["b", "c", "d", "a"]'],
  [['HSETNX', 'h', 'a', 'no'], ':0'],
  [['HSETNX', 'h', 'e', '5'], ':1'],
  [['HSETNX', 'new', 'f', 'v'], ':1'],
  [['HGETALL', 'new'], '["f", "v"]', '{"f": "v"}'],
  [['HMSET', 'h', 'x', '1', 'y', '2'], '+OK'],
  [['HDEL', 'new', 'f'], ':1'],
  [['EXISTS', 'new'], ':0'],
  [['HGETALL', 'nokey'], '[]', '{}'],
  [['HKEYS', 'nokey'], '[]'],
  [['HDEL', 'nokey', 'a'], ':0'],
  [['TYPE', 'h'], '+hash'],
  [['HSET', '', '', ''], ':1'],
  [['HGETALL', ''], '["", ""]', '{"": ""}'],
  [['HSET', 'h', 'a'], WRONG_ARGS('hset')],
  [['HSET', 'h'], WRONG_ARGS('hset')],
  [['HMSET', 'h', 'a', 'b', 'c'], WRONG_ARGS('hmset')],
  [['HGET', 'h'], WRONG_ARGS('hget')],
  [['HDEL', 'h'], WRONG_ARGS('hdel')],
  [['SET', 's', 'v'], '+OK'],
  [['HSET', 's', 'a', '1'], WRONGTYPE],
  [['HGET', 's', 'a'], WRONGTYPE],
  [['HGETALL', 's'], WRONGTYPE],
  [['HLEN', 's'], WRONGTYPE],
  [['HDEL', 's', 'a'], WRONGTYPE],
  [['HINCRBY', 's', 'a', '1'], WRONGTYPE],
  [['HRANDFIELD', 's'], WRONGTYPE],
  [['HSCAN', 's', '0'], WRONGTYPE],
  [['HMGET', 's', 'a'], WRONGTYPE],
  [['HEXISTS', 's', 'a'], WRONGTYPE],
];

const COUNTERS: Case[] = [
  [['HINCRBY', 'h', 'n', '5'], ':5'],
  [['HINCRBY', 'h', 'n', '-7'], ':-2'],
  [['HINCRBY', 'h', 'n', 'x'], NOT_INT],
  [['HINCRBY', 'h', 'n', '1.5'], NOT_INT],
  [['HSET', 'h', 's', 'abc', 'big', '9223372036854775807', 'sp', ' 1'], ':3'],
  [['HINCRBY', 'h', 's', '1'], '-ERR hash value is not an integer'],
  [['HINCRBY', 'h', 'sp', '1'], '-ERR hash value is not an integer'],
  [['HINCRBY', 'h', 'big', '1'], '-ERR increment or decrement would overflow'],
  [['HINCRBY', 'h', 'big', '-1'], ':9223372036854775806'],
  [['HINCRBYFLOAT', 'h', 'f', '10.5'], '"10.5"'],
  [['HINCRBYFLOAT', 'h', 'f', '0.1'], '"10.6"'],
  [['HINCRBYFLOAT', 'h', 'f', '-5'], '"5.6"'],
  [['HINCRBYFLOAT', 'h', 'n', '1e3'], '"998"'],
  [['HINCRBYFLOAT', 'h', 'big', '3'], '"9223372036854775809"'],
  [['HINCRBYFLOAT', 'h', 'f2', '5.0e3'], '"5000"'],
  [['HINCRBYFLOAT', 'h', 's', '1'], '-ERR hash value is not a float'],
  [['HINCRBYFLOAT', 'h', 'f', 'x'], '-ERR value is not a valid float'],
  [['HINCRBYFLOAT', 'h', 'f', 'nan'], '-ERR value is not a valid float'],
  [['HINCRBYFLOAT', 'h', 'f', 'inf'], '-ERR value is NaN or Infinity'],
  [['HSET', 'h', 'huge', '1.7e308'], ':1'],
  [
    ['HINCRBYFLOAT', 'h', 'huge', '1.7e308'],
    /^"340000000000000000006273556050395193590540427779388267466087171526404912102411641988123739177800600673957047683771263425322806997836001586961457274820033393094901317200013624802610872515245814124760542925564488876540887382670905522638137419003805178364056052028734561012664811529831035124023358619554802565120"$/,
  ],
  [['HGET', 'h', 'f'], '"5.6"'],
  [['HINCRBY', 'new', 'c', '3'], ':3'],
  [['HINCRBYFLOAT', 'new2', 'c', '2.5'], '"2.5"'],
  [['HINCRBY', 'h', 'n'], WRONG_ARGS('hincrby')],
];

const ENCODINGS: Case[] = [
  [['HSET', 'small', 'a', 'x'.repeat(64)], ':1'],
  [['OBJECT', 'ENCODING', 'small'], '"listpack"'],
  [['HSET', 'longval', 'a', L65], ':1'],
  [['OBJECT', 'ENCODING', 'longval'], '"hashtable"'],
  [['HSET', 'longfield', L65, '1'], ':1'],
  [['OBJECT', 'ENCODING', 'longfield'], '"hashtable"'],
  [['HINCRBY', 'incrfield', L65, '1'], ':1'],
  [['OBJECT', 'ENCODING', 'incrfield'], '"hashtable"'],
  [['HSET', 'sticky', 'a', L65], ':1'],
  [['HSET', 'sticky', 'a', 'short'], ':0'],
  [['OBJECT', 'ENCODING', 'sticky'], '"hashtable"'],
  [['HSETNX', 'nx', 'a', L65], ':1'],
  [['OBJECT', 'ENCODING', 'nx'], '"hashtable"'],
  [['HSETNX', 'nx2', 'a', '1'], ':1'],
  [['HSETNX', 'nx2', 'a', L65], ':0'],
  [['OBJECT', 'ENCODING', 'nx2'], '"listpack"'],
];

const RANDFIELD_SCAN_ERRORS: Case[] = [
  [['HSET', 'h', 'a', '1', 'b', '2'], ':2'],
  [['HRANDFIELD', 'nokey'], '$-1'],
  [['HRANDFIELD', 'nokey', '3'], '[]'],
  [['HRANDFIELD', 'h', '0'], '[]'],
  [['HRANDFIELD', 'h', '5'], '["a", "b"]'],
  [['HRANDFIELD', 'h', '5', 'WITHVALUES'], '["a", "1", "b", "2"]', '[["a", "1"], ["b", "2"]]'],
  [['HRANDFIELD', 'h', 'x'], NOT_INT],
  [['HRANDFIELD', 'h', '1', 'foo'], SYNTAX],
  [['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'], SYNTAX],
  [
    ['HRANDFIELD', 'h', '-9223372036854775808'],
    '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  ],
  [['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'], '-ERR value is out of range'],
  [['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'], '-ERR value is out of range'],
  [['HSCAN', 'h', '0'], '["0", ["a", "1", "b", "2"]]'],
  [['HSCAN', 'h', '0', 'MATCH', 'b*'], '["0", ["b", "2"]]'],
  [['HSCAN', 'h', '0', 'COUNT', '1'], '["0", ["a", "1", "b", "2"]]'],
  [['HSCAN', 'h', '0', 'COUNT', '0'], SYNTAX],
  [['HSCAN', 'h', '0', 'COUNT', 'x'], NOT_INT],
  [['HSCAN', 'h', '0', 'TYPE', 'string'], SYNTAX],
  [['HSCAN', 'h', '0', 'FOO'], SYNTAX],
  [['HSCAN', 'h', 'x'], '-ERR invalid cursor'],
  [['HSCAN', 'h', '-1'], '["0", ["a", "1", "b", "2"]]'],
  [['HSCAN', 'nokey', '0', 'COUNT', '0'], '["0", []]'],
  [['HSCAN', 'nokey', 'x'], '-ERR invalid cursor'],
];

forEachTarget(t, async (t, { server, client }) => {
  t.test('HSET/HGET family, order, errors, WRONGTYPE', (t) => checkCasesBothProtocols(t, server, BASICS));
  t.test('HINCRBY and HINCRBYFLOAT', (t) => checkCasesBothProtocols(t, server, COUNTERS));
  t.test('OBJECT ENCODING listpack/hashtable', (t) => checkCasesBothProtocols(t, server, ENCODINGS));
  t.test('HRANDFIELD and HSCAN edge cases', (t) => checkCasesBothProtocols(t, server, RANDFIELD_SCAN_ERRORS));

  t.test('listpack -> hashtable at 513 fields', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'many');
    const order = Array.from({ length: 512 }, (_, i) => `f${(i * 7) % 512}`);
    for (const f of order) await c.q('HSET', 'many', f, '1');
    t.equal(await c.q('OBJECT', 'ENCODING', 'many'), '"listpack"');
    const keys = await c.send(['HKEYS', 'many']);
    t.equal(show(keys), `[${order.map((f) => `"${f}"`).join(', ')}]`, 'insertion order');
    t.equal(await c.q('HSET', 'many', 'f512', 'x'), ':1');
    t.equal(await c.q('OBJECT', 'ENCODING', 'many'), '"hashtable"');
    t.equal(await c.q('HLEN', 'many'), ':513');
    await c.q('HDEL', 'many', 'f512', 'f511');
    t.equal(await c.q('OBJECT', 'ENCODING', 'many'), '"hashtable"', 'conversion is sticky');
  });

  t.test('HRANDFIELD properties (negative counts repeat, positive are distinct)', async (t) => {
    const r = await ioredis(t, server, { protocol: 2 });
    await r.del('rh');
    const fields = Array.from({ length: 20 }, (_, i) => `f${i}`);
    await r.hset('rh', ...fields.flatMap((f) => [f, `v${f}`]));
    const one = (await r.hrandfield('rh')) as string;
    t.ok(fields.includes(one));
    const five = (await r.hrandfield('rh', 5)) as string[];
    t.equal(five.length, 5);
    t.equal(new Set(five).size, 5, 'distinct');
    t.ok(five.every((f) => fields.includes(f)));
    const rep = (await r.hrandfield('rh', -50)) as string[];
    t.equal(rep.length, 50, 'negative count gives exactly |count| fields');
    t.ok(rep.every((f) => fields.includes(f)));
    const wv = (await r.hrandfield('rh', -6, 'WITHVALUES')) as string[];
    t.equal(wv.length, 12);
    for (let i = 0; i < wv.length; i += 2) t.equal(wv[i + 1], `v${wv[i]}`, 'value matches its field');
  });

  t.test('HSCAN over a hashtable returns every field present for the whole scan', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'big');
    const n = 1000;
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(`k${i}`, `${i}`);
    await c.q('HSET', 'big', ...args);
    t.equal(await c.q('OBJECT', 'ENCODING', 'big'), '"hashtable"');
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = await c.send(['HSCAN', 'big', cursor, 'COUNT', '50']);
      if (reply.type !== 'array' || reply.value[0]?.type !== 'bulk' || reply.value[1]?.type !== 'array') {
        throw new Error(`bad reply ${show(reply)}`);
      }
      cursor = reply.value[0].value.toString();
      const items = reply.value[1].value;
      for (let i = 0; i < items.length; i += 2) {
        const field = items[i]!;
        if (field.type === 'bulk') seen.add(field.value.toString());
      }
      // Mutate during the scan: k500/k501 go away, a field is added; the rest must all be seen.
      if (calls === 3) await c.q('HDEL', 'big', 'k500', 'k501');
      if (calls === 5) await c.q('HSET', 'big', 'added', '1');
      calls++;
    } while (cursor !== '0' && calls < 10_000);
    let missing = 0;
    for (let i = 0; i < n; i++) if (i !== 500 && i !== 501 && !seen.has(`k${i}`)) missing++;
    t.equal(missing, 0, 'no field that stayed was skipped');
  });

  for (const protocol of [3, 2] as const) {
    t.test(`ioredis (protocol ${protocol})`, async (t) => {
      const r = await ioredis(t, server, { protocol });
      await r.del('io');
      t.equal(await r.hset('io', { a: '1', b: '2' }), 2);
      t.same(await r.hgetall('io'), { a: '1', b: '2' });
      t.same(await r.hmget('io', 'a', 'zz'), ['1', null]);
      t.equal(await r.hincrby('io', 'a', 10), 11);
      t.equal(await r.hincrbyfloat('io', 'b', '0.5'), '2.5');
      t.same(await r.hkeys('io'), ['a', 'b']);
      t.equal(await r.hdel('io', 'a'), 1);
      t.equal(await r.hlen('io'), 1);
      const bin = Buffer.from([0, 255, 13, 10]);
      t.equal(await r.hset('io', bin, bin), 1);
      t.ok((await r.hgetBuffer('io', bin))?.equals(bin), 'binary field and value round-trip');
    });
  }
});
