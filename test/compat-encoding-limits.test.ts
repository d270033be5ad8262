// Redis 7.0 compatibility of the encoding thresholds set with CONFIG SET.
// What: hash-max-listpack-entries / -value (and their ziplist aliases), zset-max-listpack-entries
// / -value and set-max-intset-entries decide, as in Redis, when HSET, ZADD, SADD, the STORE
// commands and RESTORE leave a collection compact: OBJECT ENCODING, and the reply orders that
// follow from it (a listpack hash answers HGETALL in insertion order, an intset SMEMBERS in
// ascending order). Redis's own suite relies on it ("Hash ziplist of various encodings" raises
// the limits so that a hash of long values keeps its insertion order). Hashtable orders are
// Redis's dict order (seeded per process), so only sizes are compared for those.
// How: the same case sequences against Seshat and a real redis-server (helpers/targets.ts),
// RESP2 and RESP3, exact replies.
import t from 'tap';
import { show } from './helpers/resp-client.ts';
import { type Case, checkCasesBothProtocols, forEachTarget } from './helpers/targets.ts';

const LONG = 'x'.repeat(100);
const VERY_LONG = 'y'.repeat(70000);

const HASH_CASES: Case[] = [
  // Defaults: a value over 64 bytes makes a hashtable.
  [['HSET', 'd', 'f', LONG], ':1'],
  [['OBJECT', 'ENCODING', 'd'], '"hashtable"'],
  // Raised through the 6.x aliases, as the suite does: long values stay in a listpack, which
  // answers in insertion order.
  [['CONFIG', 'SET', 'hash-max-ziplist-entries', '1000000000'], '+OK'],
  [['CONFIG', 'SET', 'hash-max-ziplist-value', '1000000000'], '+OK'],
  [
    ['CONFIG', 'GET', 'hash-max-listpack-value'],
    '["hash-max-listpack-value", "1000000000"]',
    '{"hash-max-listpack-value": "1000000000"}',
  ],
  [['HSET', 'h', 'zz', '1', 'big', VERY_LONG, 'aa', '2'], ':3'],
  [['HSET', 'h', 'mm', LONG], ':1'],
  [['OBJECT', 'ENCODING', 'h'], '"listpack"'],
  [['HKEYS', 'h'], '["zz", "big", "aa", "mm"]'],
  [['HVALS', 'h'], `["1", "${VERY_LONG}", "2", "${LONG}"]`],
  [['HSETNX', 'h', 'bb', LONG], ':1'],
  [['HKEYS', 'h'], '["zz", "big", "aa", "mm", "bb"]'],
  // Entries: the field past the limit converts.
  [['CONFIG', 'SET', 'hash-max-listpack-entries', '2'], '+OK'],
  [['HSET', 'e', 'b', '1', 'a', '2'], ':2'],
  [['OBJECT', 'ENCODING', 'e'], '"listpack"'],
  [['HGETALL', 'e'], '["b", "1", "a", "2"]', '{"b": "1", "a": "2"}'],
  [['HSET', 'e', 'c', '3'], ':1'],
  [['OBJECT', 'ENCODING', 'e'], '"hashtable"'],
  [['HLEN', 'e'], ':3'],
  // Value: HINCRBYFLOAT and HSET check every argument's length first.
  [['CONFIG', 'SET', 'hash-max-listpack-entries', '128', 'hash-max-listpack-value', '4'], '+OK'],
  [['HSET', 'v', 'f', '1234'], ':1'],
  [['OBJECT', 'ENCODING', 'v'], '"listpack"'],
  [['HSET', 'v', 'f', '12345'], ':0'],
  [['OBJECT', 'ENCODING', 'v'], '"hashtable"'],
  [['HSET', 'w', 'field', '1'], ':1'],
  [['OBJECT', 'ENCODING', 'w'], '"hashtable"'],
  [['CONFIG', 'SET', 'hash-max-listpack-value', '0'], '+OK'],
  [['HSET', 'z', 'f', 'v'], ':1'],
  [['OBJECT', 'ENCODING', 'z'], '"hashtable"'],
];

const ZSET_CASES: Case[] = [
  [['CONFIG', 'SET', 'zset-max-ziplist-entries', '2'], '+OK'],
  [['ZADD', 'z', '1', 'a', '2', 'b'], ':2'],
  [['OBJECT', 'ENCODING', 'z'], '"listpack"'],
  [['ZADD', 'z', '3', 'c'], ':1'],
  [['OBJECT', 'ENCODING', 'z'], '"skiplist"'],
  [['ZRANGE', 'z', '0', '-1'], '["a", "b", "c"]'],
  // The STORE commands size their result as Redis does.
  [['ZRANGESTORE', 'r2', 'z', '0', '1'], ':2'],
  [['OBJECT', 'ENCODING', 'r2'], '"listpack"'],
  [['ZRANGESTORE', 'r3', 'z', '0', '-1'], ':3'],
  [['OBJECT', 'ENCODING', 'r3'], '"skiplist"'],
  [['ZUNIONSTORE', 'u', '1', 'r2'], ':2'],
  [['OBJECT', 'ENCODING', 'u'], '"listpack"'],
  [['ZUNIONSTORE', 'u', '1', 'z'], ':3'],
  [['OBJECT', 'ENCODING', 'u'], '"skiplist"'],
  [['CONFIG', 'SET', 'zset-max-listpack-entries', '128', 'zset-max-ziplist-value', '3'], '+OK'],
  [['ZADD', 'm', '1', 'abc'], ':1'],
  [['OBJECT', 'ENCODING', 'm'], '"listpack"'],
  [['ZADD', 'm', '2', 'abcd'], ':1'],
  [['OBJECT', 'ENCODING', 'm'], '"skiplist"'],
  [['ZUNIONSTORE', 'mu', '1', 'm'], ':2'],
  [['OBJECT', 'ENCODING', 'mu'], '"skiplist"'],
  [['CONFIG', 'SET', 'zset-max-listpack-entries', '0'], '+OK'],
  [['ZADD', 'n', '1', 'a'], ':1'],
  [['OBJECT', 'ENCODING', 'n'], '"skiplist"'],
];

const SET_CASES: Case[] = [
  [['CONFIG', 'SET', 'set-max-intset-entries', '3'], '+OK'],
  [['SADD', 's', '30', '1', '200'], ':3'],
  [['OBJECT', 'ENCODING', 's'], '"intset"'],
  [['SMEMBERS', 's'], '["1", "30", "200"]', '~["1", "30", "200"]'],
  [['SADD', 's', '-5'], ':1'],
  [['OBJECT', 'ENCODING', 's'], '"hashtable"'],
  [['SCARD', 's'], ':4'],
  [['SADD', 't', '9', '8', '7'], ':3'],
  [['SUNIONSTORE', 'u3', 't'], ':3'],
  [['OBJECT', 'ENCODING', 'u3'], '"intset"'],
  [['SUNION', 't'], '["7", "8", "9"]', '~["7", "8", "9"]'],
  [['SUNIONSTORE', 'u4', 't', 's'], ':7'],
  [['OBJECT', 'ENCODING', 'u4'], '"hashtable"'],
  [['CONFIG', 'SET', 'set-max-intset-entries', '0'], '+OK'],
  [['SADD', 'o', '1'], ':1'],
  [['OBJECT', 'ENCODING', 'o'], '"hashtable"'],
];

forEachTarget(t, async (t, { server, client }) => {
  t.test('hash-max-listpack-entries / -value', (t) => checkCasesBothProtocols(t, server, HASH_CASES));
  t.test('zset-max-listpack-entries / -value', (t) => checkCasesBothProtocols(t, server, ZSET_CASES));
  t.test('set-max-intset-entries', (t) => checkCasesBothProtocols(t, server, SET_CASES));
  t.test('RESTORE converts by the current limits', async (t) => {
    const c = await client(t);
    t.equal(await c.q('FLUSHALL'), '+OK');
    const dumps: Buffer[] = [];
    for (const key of ['h', 'z', 's']) {
      if (key === 'h') {
        t.equal(
          await c.q(
            'CONFIG',
            'SET',
            'hash-max-listpack-entries',
            '1000',
            'hash-max-listpack-value',
            '1000000',
          ),
          '+OK',
        );
        t.equal(await c.q('HSET', 'h', 'b', '1', 'a', VERY_LONG, 'c', '3'), ':3');
      }
      if (key === 'z') t.equal(await c.q('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'), ':3');
      if (key === 's') t.equal(await c.q('SADD', 's', '3', '2', '1'), ':3');
      const r = await c.send(['DUMP', key]);
      if (r.type !== 'bulk') throw new Error(`DUMP ${key}: ${show(r)}`);
      dumps.push(r.value);
    }
    // Still within the (default) value limit for the listpack: only the count decides.
    t.equal(await c.q('CONFIG', 'SET', 'hash-max-listpack-value', '64'), '+OK');
    t.equal(await c.q('RESTORE', 'h1', '0', dumps[0]!), '+OK');
    t.equal(await c.q('OBJECT', 'ENCODING', 'h1'), '"listpack"');
    t.equal(await c.q('HKEYS', 'h1'), '["b", "a", "c"]');
    t.equal(await c.q('CONFIG', 'SET', 'hash-max-listpack-entries', '2'), '+OK');
    t.equal(await c.q('RESTORE', 'h2', '0', dumps[0]!), '+OK');
    t.equal(await c.q('OBJECT', 'ENCODING', 'h2'), '"hashtable"');
    t.equal(await c.q('HLEN', 'h2'), ':3');
    t.equal(await c.q('CONFIG', 'SET', 'zset-max-listpack-entries', '2'), '+OK');
    t.equal(await c.q('RESTORE', 'z2', '0', dumps[1]!), '+OK');
    t.equal(await c.q('OBJECT', 'ENCODING', 'z2'), '"skiplist"');
    t.equal(await c.q('ZRANGE', 'z2', '0', '-1', 'WITHSCORES'), '["a", "1", "b", "2", "c", "3"]');
    t.equal(await c.q('CONFIG', 'SET', 'set-max-intset-entries', '2'), '+OK');
    t.equal(await c.q('RESTORE', 's2', '0', dumps[2]!), '+OK');
    t.equal(await c.q('OBJECT', 'ENCODING', 's2'), '"hashtable"');
    t.equal(await c.q('SCARD', 's2'), ':3');
  });
});
