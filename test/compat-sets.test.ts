// Redis 7.0 compatibility of the set commands (SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER,
// SCARD, SPOP, SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF,
// SDIFFSTORE, SSCAN) and of OBJECT ENCODING for sets (intset while every member is an integer
// and there are at most 512, then hashtable, sticky).
// How: every case runs against Seshat and a real redis-server 7.0.15 (helpers/targets.ts), on
// RESP2 and RESP3 with exact replies. Exact orders are only expected where Redis defines them
// (intsets reply in ascending numeric order); hashtable-encoded replies are checked sorted, and
// random replies (SPOP, SRANDMEMBER) by properties: sizes, membership, distinctness.
import t from 'tap';
import { type RespValue, show } from './helpers/resp-client.ts';
import { type Case, checkCasesBothProtocols, forEachTarget, ioredis } from './helpers/targets.ts';

const WRONG_ARGS = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command`;
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = '-ERR value is not an integer or out of range';
const SYNTAX = '-ERR syntax error';
const POSITIVE = '-ERR value is out of range, must be positive';

// Intsets only: Redis's order is ascending numeric, compared exactly.
const INTSETS: Case[] = [
  [['SADD', 's', '3', '1', '2', '10', '-5', '3'], ':5'],
  [['SMEMBERS', 's'], '["-5", "1", "2", "3", "10"]', '~["-5", "1", "2", "3", "10"]'],
  [['OBJECT', 'ENCODING', 's'], '"intset"'],
  [['SCARD', 's'], ':5'],
  [['SISMEMBER', 's', '10'], ':1'],
  [['SISMEMBER', 's', '11'], ':0'],
  [['SMISMEMBER', 's', '1', 'x', '10'], '[:1, :0, :1]'],
  [['SREM', 's', '1', '99', '1'], ':1'],
  [['SADD', 't', '2', '3', '4', '100'], ':4'],
  [['SINTER', 's', 't'], '["2", "3"]', '~["2", "3"]'],
  [['SUNION', 's', 't'], '["-5", "2", "3", "4", "10", "100"]', '~["-5", "2", "3", "4", "10", "100"]'],
  [['SDIFF', 's', 't'], '["-5", "10"]', '~["-5", "10"]'],
  [['SDIFF', 't', 's', 'nokey'], '["4", "100"]', '~["4", "100"]'],
  [['SINTER', 's', 'nokey'], '[]', '~[]'],
  [['SUNION', 'nokey'], '[]', '~[]'],
  [['SINTERSTORE', 'd', 's', 't'], ':2'],
  [['SMEMBERS', 'd'], '["2", "3"]', '~["2", "3"]'],
  [['OBJECT', 'ENCODING', 'd'], '"intset"'],
  [['SUNIONSTORE', 'd', 's', 't'], ':6'],
  [['SDIFFSTORE', 'd', 's', 't'], ':2'],
  [['SMEMBERS', 'd'], '["-5", "10"]', '~["-5", "10"]'],
  [['SINTERSTORE', 'd', 's', 'nokey'], ':0'],
  [['EXISTS', 'd'], ':0'],
  [['SET', 'str', 'x'], '+OK'],
  [['SUNIONSTORE', 'str', 's'], ':4'],
  [['TYPE', 'str'], '+set'],
  [['SINTERCARD', '2', 's', 't'], ':2'],
  [['SINTERCARD', '2', 's', 't', 'LIMIT', '1'], ':1'],
  [['SINTERCARD', '2', 's', 't', 'LIMIT', '0'], ':2'],
  [['SINTERCARD', '1', 'nokey'], ':0'],
  [['SMOVE', 's', 't', '-5'], ':1'],
  [['SMOVE', 's', 't', '-5'], ':0'],
  [['SMOVE', 's', 's', '2'], ':1'],
  [['SMOVE', 's', 's', '99'], ':0'],
  [['SMOVE', 'nokey', 't', '1'], ':0'],
  [['SMOVE', 't', 'fresh', '4'], ':1'],
  [['OBJECT', 'ENCODING', 'fresh'], '"intset"'],
  [['SMEMBERS', 't'], '["-5", "2", "3", "100"]', '~["-5", "2", "3", "100"]'],
  [['SSCAN', 't', '0'], '["0", ["-5", "2", "3", "100"]]'],
  [['SSCAN', 't', '0', 'MATCH', '1*'], '["0", ["100"]]'],
  [['SRANDMEMBER', 't', '10'], '["-5", "2", "3", "100"]'],
  [['SPOP', 't', '10'], '["-5", "2", "3", "100"]', '~["-5", "2", "3", "100"]'],
  [['EXISTS', 't'], ':0'],
  [['SMEMBERS', 'nokey'], '[]', '~[]'],
  [['SCARD', 'nokey'], ':0'],
];

const ENCODINGS: Case[] = [
  [['SADD', 'e', '1', 'a'], ':2'],
  [['OBJECT', 'ENCODING', 'e'], '"hashtable"'],
  [['SREM', 'e', 'a'], ':1'],
  [['OBJECT', 'ENCODING', 'e'], '"hashtable"'],
  [['SADD', 'e2', 'a'], ':1'],
  [['OBJECT', 'ENCODING', 'e2'], '"hashtable"'],
  [['SADD', 'e3', '12345678901234567890'], ':1'],
  [['OBJECT', 'ENCODING', 'e3'], '"hashtable"'],
  [['SADD', 'e4', '-9223372036854775808', '007'], ':2'],
  [['OBJECT', 'ENCODING', 'e4'], '"hashtable"'],
  [['SADD', 'e5', '-9223372036854775808', '0'], ':2'],
  [['OBJECT', 'ENCODING', 'e5'], '"intset"'],
  [['SUNIONSTORE', 'e6', 'e'], ':1'],
  [['OBJECT', 'ENCODING', 'e6'], '"intset"'],
];

const ERRORS: Case[] = [
  [['SET', 'str', 'x'], '+OK'],
  [['SADD', 's', 'a'], ':1'],
  [['SADD', 'str', 'a'], WRONGTYPE],
  [['SREM', 'str', 'a'], WRONGTYPE],
  [['SMEMBERS', 'str'], WRONGTYPE],
  [['SISMEMBER', 'str', 'a'], WRONGTYPE],
  [['SCARD', 'str'], WRONGTYPE],
  [['SPOP', 'str'], WRONGTYPE],
  [['SRANDMEMBER', 'str'], WRONGTYPE],
  [['SINTER', 'nokey', 'str'], WRONGTYPE],
  [['SUNION', 's', 'str'], WRONGTYPE],
  [['SDIFF', 'nokey', 'str'], WRONGTYPE],
  [['SINTERSTORE', 'd', 's', 'str'], WRONGTYPE],
  [['SMOVE', 'str', 's', 'a'], WRONGTYPE],
  [['SMOVE', 's', 'str', 'a'], WRONGTYPE],
  [['SMOVE', 'nokey', 'str', 'a'], ':0'],
  [['SSCAN', 'str', '0'], WRONGTYPE],
  [['SINTERCARD', '1', 'str'], WRONGTYPE],
  [['SADD', 's'], WRONG_ARGS('sadd')],
  [['SCARD'], WRONG_ARGS('scard')],
  [['SINTERCARD', '1'], WRONG_ARGS('sintercard')],
  [['SINTERCARD', '0', 's'], '-ERR numkeys should be greater than 0'],
  [['SINTERCARD', 'x', 's'], '-ERR numkeys should be greater than 0'],
  [['SINTERCARD', '3', 's'], "-ERR Number of keys can't be greater than number of args"],
  [['SINTERCARD', '1', 's', 'LIMIT', '-1'], "-ERR LIMIT can't be negative"],
  [['SINTERCARD', '1', 's', 'LIMIT', 'x'], "-ERR LIMIT can't be negative"],
  [['SINTERCARD', '1', 's', 'LIMIT'], SYNTAX],
  [['SINTERCARD', '1', 's', 'FOO'], SYNTAX],
  [['SPOP', 's', '-1'], POSITIVE],
  [['SPOP', 's', 'x'], POSITIVE],
  [['SPOP', 's', '0'], '[]', '~[]'],
  [['SPOP', 's', '1', '2'], SYNTAX],
  [['SPOP', 'nokey'], '$-1'],
  [['SPOP', 'nokey', '3'], '[]', '~[]'],
  [['SRANDMEMBER', 'nokey'], '$-1'],
  [['SRANDMEMBER', 'nokey', '3'], '[]'],
  [['SRANDMEMBER', 's', '0'], '[]'],
  [['SRANDMEMBER', 's', 'x'], NOT_INT],
  [['SRANDMEMBER', 's', '1', '2'], SYNTAX],
  [
    ['SRANDMEMBER', 's', '-9223372036854775808'],
    '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
  ],
  [['SSCAN', 's', 'x'], '-ERR invalid cursor'],
  [['SSCAN', 's', '0', 'COUNT', '0'], SYNTAX],
  [['SSCAN', 's', '0', 'TYPE', 'set'], SYNTAX],
  [['SSCAN', 'nokey', '0', 'COUNT', '0'], '["0", []]'],
];

function sortedMembers(v: RespValue): string[] {
  if (v.type !== 'array' && v.type !== 'set') throw new Error(`not a collection: ${show(v)}`);
  return v.value.map(show).sort();
}

forEachTarget(t, async (t, { server, client }) => {
  t.test('intsets: numeric order, algebra, STORE, SMOVE, SSCAN', (t) =>
    checkCasesBothProtocols(t, server, INTSETS),
  );
  t.test('OBJECT ENCODING intset/hashtable', (t) => checkCasesBothProtocols(t, server, ENCODINGS));
  t.test('errors and WRONGTYPE', (t) => checkCasesBothProtocols(t, server, ERRORS));

  t.test('hashtable sets: the same members in any order', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'a', 'b', 'd');
    t.equal(await c.q('SADD', 'a', 'x', 'y', 'z', '1', ''), ':5');
    t.equal(await c.q('SADD', 'b', 'y', 'z', 'w', '1'), ':4');
    t.same(sortedMembers(await c.send(['SMEMBERS', 'a'])), ['""', '"1"', '"x"', '"y"', '"z"']);
    t.same(sortedMembers(await c.send(['SINTER', 'a', 'b'])), ['"1"', '"y"', '"z"']);
    t.same(sortedMembers(await c.send(['SUNION', 'a', 'b'])), ['""', '"1"', '"w"', '"x"', '"y"', '"z"']);
    t.same(sortedMembers(await c.send(['SDIFF', 'a', 'b'])), ['""', '"x"']);
    t.equal(await c.q('SDIFFSTORE', 'd', 'a', 'b'), ':2');
    t.equal(await c.q('OBJECT', 'ENCODING', 'd'), '"hashtable"');
    t.equal(await c.q('SINTERCARD', '2', 'a', 'b'), ':3');
  });

  t.test('intset -> hashtable after 512 integers', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'big');
    const ints = Array.from({ length: 512 }, (_, i) => String(1000 - i * 3));
    t.equal(await c.q('SADD', 'big', ...ints), ':512');
    t.equal(await c.q('OBJECT', 'ENCODING', 'big'), '"intset"');
    const members = await c.send(['SMEMBERS', 'big']);
    const numeric = [...ints].sort((x, y) => Number(x) - Number(y));
    t.same(
      members.type === 'array' || members.type === 'set' ? members.value.map((m) => show(m)) : [],
      numeric.map((x) => `"${x}"`),
    );
    t.equal(await c.q('SADD', 'big', '5000'), ':1');
    t.equal(await c.q('OBJECT', 'ENCODING', 'big'), '"hashtable"');
    t.equal(await c.q('SREM', 'big', '5000'), ':1');
    t.equal(await c.q('OBJECT', 'ENCODING', 'big'), '"hashtable"', 'sticky');
  });

  t.test('SPOP and SRANDMEMBER properties', async (t) => {
    const r = await ioredis(t, server, { protocol: 2 });
    await r.del('r');
    const all = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await r.sadd('r', ...all);
    const one = (await r.srandmember('r')) as string;
    t.ok(all.includes(one));
    const five = await r.srandmember('r', 5);
    t.equal(new Set(five).size, 5, 'positive count: distinct');
    const many = await r.srandmember('r', -100);
    t.equal(many.length, 100, 'negative count: exactly |count|, repeats allowed');
    t.ok(many.every((m) => all.includes(m)));
    const popped = (await r.spop('r', 7)) as string[];
    t.equal(new Set(popped).size, 7);
    t.equal(await r.scard('r'), 23);
    for (const m of popped) t.equal(await r.sismember('r', m), 0, `${m} was removed`);
    const single = (await r.spop('r')) as string;
    t.ok(all.includes(single) && !popped.includes(single));
    t.equal(await r.scard('r'), 22);
    const rest = (await r.spop('r', 20)) as string[];
    t.equal(rest.length, 20);
    t.equal(await r.scard('r'), 2);
  });

  t.test('SSCAN over a hashtable returns every member present for the whole scan', async (t) => {
    const c = await client(t);
    await c.q('DEL', 'big');
    const n = 2000;
    await c.q('SADD', 'big', ...Array.from({ length: n }, (_, i) => `m${i}`));
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = await c.send(['SSCAN', 'big', cursor, 'COUNT', '37']);
      if (reply.type !== 'array' || reply.value[0]?.type !== 'bulk' || reply.value[1]?.type !== 'array') {
        throw new Error(`bad reply ${show(reply)}`);
      }
      cursor = reply.value[0].value.toString();
      for (const m of reply.value[1].value) if (m.type === 'bulk') seen.add(m.value.toString());
      if (calls === 2) await c.q('SREM', 'big', 'm1999');
      if (calls === 4) await c.q('SADD', 'big', 'new1', 'new2');
      calls++;
    } while (cursor !== '0' && calls < 10_000);
    let missing = 0;
    for (let i = 0; i < n - 1; i++) if (!seen.has(`m${i}`)) missing++;
    t.equal(missing, 0, 'no member that stayed was skipped');
  });

  for (const protocol of [3, 2] as const) {
    t.test(`ioredis (protocol ${protocol})`, async (t) => {
      const r = await ioredis(t, server, { protocol });
      await r.del('io', 'io2');
      t.equal(await r.sadd('io', '3', '1', '2'), 3);
      t.same(await r.smembers('io'), ['1', '2', '3']);
      t.same(await r.smismember('io', '1', '9'), [1, 0]);
      t.equal(await r.sadd('io2', '2', '3', '4'), 3);
      t.same(await r.sinter('io', 'io2'), ['2', '3']);
      t.same(await r.sunion('io', 'io2'), ['1', '2', '3', '4']);
      t.equal(await r.smove('io', 'io2', '1'), 1);
      t.equal(await r.scard('io2'), 4);
      const bin = Buffer.from([0, 255, 13, 10]);
      t.equal(await r.sadd('io', bin), 1);
      t.equal(await r.sismember('io', bin), 1, 'binary member');
    });
  }
});
