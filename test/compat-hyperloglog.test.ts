// Redis 7.0 compatibility of the HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG,
// PFSELFTEST): the exact bytes of the values (HYLL header, sparse and dense encodings, the cached
// cardinality and its stale bit, the sparse -> dense promotion at hll-sparse-max-bytes), the
// cache refreshed by PFCOUNT (through the log: WATCH sees it, the next command sees the bytes),
// corrupted values and Redis's error texts, and HLL strings copied between redis-server and
// Seshat with GET / SET counting the same, sparse and dense, both ways.
// How: the case lists run against Seshat and a real redis-server 7.0.15 (helpers/targets.ts) in
// RESP2 and RESP3, expectations recorded from redis-server 7.0.15 (the Debian build, which has
// the CVE-2025-32023 fix: see crates-ts/kv/src/hll/hll-sparse.ts); the copy test and a seeded
// random sequence (adds, counts, merges, random byte corruption) send the same commands to both
// servers at once and compare every reply.
import t, { type Test } from 'tap';
import { type Arg, type RespClient, type RespValue, show } from './helpers/resp-client.ts';
import { redisAvailable, startServer } from './helpers/server.ts';
import { type Case, checkCasesBothProtocols, connect, forEachTarget } from './helpers/targets.ts';

/** Bytes from a latin1 string (each char one byte). */
const bin = (s: string): Buffer => Buffer.from(s, 'latin1');
/** A sparse header whose cached cardinality is stale. */
const STALE_SPARSE_HEADER = 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80';
/** A dense value with every register 63 (impossible from real elements), cache stale. */
const ALL_FF_DENSE = Buffer.concat([
  bin('HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80'),
  Buffer.alloc(12288, 0xff),
]);

const BASICS: Case[] = [
  [['PFADD', 'h'], ':1'],
  [['EXISTS', 'h'], ':1'],
  [['GET', 'h'], '"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff"'],
  [['PFCOUNT', 'h'], ':0'],
  [['GET', 'h'], '"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff"'],
  [['PFADD', 'h', 'a', 'b', 'c'], ':1'],
  [['GETRANGE', 'h', '15', '15'], '"\\x80"'],
  [['PFCOUNT', 'h'], ':3'],
  [['GETRANGE', 'h', '15', '15'], '"\\x00"'],
  [
    ['GET', 'h'],
    '"HYLL\\x01\\x00\\x00\\x00\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x00`\\xf3\\x80P\\xb1\\x84K\\xfb\\x80BZ"',
  ],
  [['PFADD', 'h', 'a', 'b', 'c'], ':0'],
  [['GETRANGE', 'h', '15', '15'], '"\\x00"'],
  [['PFADD', 'h', ''], ':1'],
  [['PFCOUNT', 'h'], ':4'],
  [['PFCOUNT', 'h', 'h'], ':4'],
  [['PFCOUNT', 'h', 'nokey'], ':4'],
  [['PFCOUNT', 'nokey'], ':0'],
  [['PFCOUNT', 'nokey', 'other'], ':0'],
  [['STRLEN', 'h'], ':30'],
  [['TYPE', 'h'], '+string'],
  [['OBJECT', 'ENCODING', 'h'], '"raw"'],
  [['PFDEBUG', 'ENCODING', 'h'], '+sparse'],
  [['PFDEBUG', 'decode', 'h'], '"Z:5938 v:2,1 Z:2497 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"'],
  [['PFDEBUG', 'TODENSE', 'h'], ':1'],
  [['PFDEBUG', 'TODENSE', 'h'], ':0'],
  [['PFDEBUG', 'ENCODING', 'h'], '+dense'],
  [['STRLEN', 'h'], ':12304'],
  [['PFDEBUG', 'DECODE', 'h'], '-ERR HLL encoding is not sparse'],
  [['PFCOUNT', 'h'], ':4'],
  [['PFADD', 'h', 'x', 'y'], ':1'],
  [['PFCOUNT', 'h'], ':6'],
  [
    ['GETRANGE', 'h', '0', '40'],
    '"HYLL\\x00\\x00\\x00\\x00\\x06\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"',
  ],
  [['PFDEBUG', 'FOO', 'h'], "-ERR Unknown PFDEBUG subcommand 'FOO'"],
  [['PFDEBUG', 'FOO', 'nokey'], '-ERR The specified key does not exist'],
  [['PFDEBUG', 'GETREG'], "-ERR wrong number of arguments for 'pfdebug' command"],
  [['PFDEBUG', 'GETREG', 'h', 'x'], "-ERR wrong number of arguments for 'pfdebug' command"],
  [['PFADD'], "-ERR wrong number of arguments for 'pfadd' command"],
  [['PFCOUNT'], "-ERR wrong number of arguments for 'pfcount' command"],
  [['PFMERGE'], "-ERR wrong number of arguments for 'pfmerge' command"],
  [['PFSELFTEST', 'x'], "-ERR wrong number of arguments for 'pfselftest' command"],
];

const MERGE: Case[] = [
  [['PFADD', 'h1', 'a', 'b', 'c'], ':1'],
  [['PFADD', 'h2', 'c', 'd', 'e'], ':1'],
  [['PFMERGE', 'h3', 'h1', 'h2'], '+OK'],
  [['PFCOUNT', 'h3'], ':5'],
  [
    ['GET', 'h3'],
    '"HYLL\\x01\\x00\\x00\\x00\\x05\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\\\{\\x80Dv\\x80P\\xb1\\x84I\\x8c\\x80Bm\\x80BZ"',
  ],
  [['PFCOUNT', 'h1', 'h2'], ':5'],
  [['PFMERGE', 'h3'], '+OK'],
  [
    ['GET', 'h3'],
    '"HYLL\\x01\\x00\\x00\\x00\\x05\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\\\{\\x80Dv\\x80P\\xb1\\x84I\\x8c\\x80Bm\\x80BZ"',
  ],
  [['PFMERGE', 'empty'], '+OK'],
  [['GET', 'empty'], '"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff"'],
  [['PFMERGE', 'h1', 'nokey'], '+OK'],
  [['PFCOUNT', 'h1'], ':3'],
  [['PFADD', 'd', 'z'], ':1'],
  [['PFDEBUG', 'TODENSE', 'd'], ':1'],
  [['PFMERGE', 'h4', 'h1', 'd'], '+OK'],
  [['PFDEBUG', 'ENCODING', 'h4'], '+dense'],
  [['PFCOUNT', 'h4'], ':4'],
  [['PFMERGE', 'h1', 'h1'], '+OK'],
  [['PFDEBUG', 'ENCODING', 'h1'], '+sparse'],
  [['PFADD', 'ttl', 'a'], ':1'],
  [['EXPIRE', 'ttl', '100'], ':1'],
  [['PFADD', 'ttl', 'b'], ':1'],
  [['TTL', 'ttl'], ':100'],
  [['PFCOUNT', 'ttl'], ':2'],
  [['TTL', 'ttl'], ':100'],
  [['PFMERGE', 'ttl', 'h2'], '+OK'],
  [['TTL', 'ttl'], ':100'],
];

const ERRORS: Case[] = [
  [['SET', 's', 'foo'], '+OK'],
  [['PFADD', 's', 'a'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['PFCOUNT', 's'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['PFADD', 'h', 'a'], ':1'],
  [['PFCOUNT', 'h', 's'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['PFMERGE', 's', 'h'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['PFMERGE', 'h', 's'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['PFDEBUG', 'ENCODING', 's'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['SET', 'n', '12345'], '+OK'],
  [['PFCOUNT', 'n'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['LPUSH', 'l', 'a'], ':1'],
  [['PFADD', 'l', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['PFCOUNT', 'l'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['PFCOUNT', 'h', 'l'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['PFMERGE', 'd', 'l'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['PFDEBUG', 'ENCODING', 'l'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['PFADD', 'c', 'a', 'b', 'c'], ':1'],
  [['APPEND', 'c', 'hello'], ':32'],
  [['PFCOUNT', 'c'], '-INVALIDOBJ Corrupted HLL object detected'],
  [['PFCOUNT', 'c', 'h'], '-INVALIDOBJ Corrupted HLL object detected'],
  [['PFMERGE', 'd', 'c'], '-INVALIDOBJ Corrupted HLL object detected'],
  [['EXISTS', 'd'], ':0'],
  [['PFADD', 'm', 'a', 'b', 'c'], ':1'],
  [['SETRANGE', 'm', '0', '0123'], ':27'],
  [['PFCOUNT', 'm'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['PFADD', 'e', 'a', 'b', 'c'], ':1'],
  [['SETRANGE', 'e', '4', 'x'], ':27'],
  [['PFCOUNT', 'e'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['PFADD', 'w', 'a', 'b', 'c'], ':1'],
  [['SETRANGE', 'w', '4', bin('\x00')], ':27'],
  [['PFCOUNT', 'w'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['SET', 'over', bin(`${STALE_SPARSE_HEADER}\x7f\xfe\x81`)], '+OK'],
  [['PFCOUNT', 'over'], '-INVALIDOBJ Corrupted HLL object detected'],
  [['PFCOUNT', 'over', 'h'], '-INVALIDOBJ Corrupted HLL object detected'],
  [['PFMERGE', 'x', 'over'], '-INVALIDOBJ Corrupted HLL object detected'],
  [['PFDEBUG', 'TODENSE', 'over'], '-INVALIDOBJ Corrupted HLL object detected'],
  [['PFADD', 'over', 'a', 'b', 'c', 'd', 'e', 'f'], ':1'],
  [
    ['GET', 'over'],
    '"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80Fm\\x80V\\x0c\\x80Dv\\x80P\\xb1\\x84I\\x8c\\x80Bm\\x80BY\\x81"',
  ],
  [['SET', 'cached', bin('HYLL\x01\x00\x00\x00\x39\x30\x00\x00\x00\x00\x00\x00\x7f\xff')], '+OK'],
  [['PFCOUNT', 'cached'], ':12345'],
  [['SET', 'huge', ALL_FF_DENSE], '+OK'],
  [['PFCOUNT', 'huge'], ':-9223372036854775808'],
  [['GETRANGE', 'huge', '8', '15'], '"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80"'],
  [['PFCOUNT', 'huge', 'h'], ':-9223372036854775808'],
  [['SET', 'short', 'HYLL'], '+OK'],
  [['PFCOUNT', 'short'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
  [['SET', 'empty', ''], '+OK'],
  [['PFADD', 'empty', 'a'], '-WRONGTYPE Key is not a valid HyperLogLog string value.'],
];

const SPARSE_LIMIT: Case[] = [
  [['CONFIG', 'SET', 'hll-sparse-max-bytes', '30'], '+OK'],
  [
    ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
    '["hll-sparse-max-bytes", "30"]',
    '{"hll-sparse-max-bytes": "30"}',
  ],
  [['PFADD', 'p', 'a', 'b', 'c', 'd'], ':1'],
  [['PFDEBUG', 'ENCODING', 'p'], '+sparse'],
  [['STRLEN', 'p'], ':30'],
  [['PFADD', 'p', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'], ':1'],
  [['PFDEBUG', 'ENCODING', 'p'], '+dense'],
  [['STRLEN', 'p'], ':12304'],
  [['PFCOUNT', 'p'], ':12'],
  [['CONFIG', 'SET', 'hll-sparse-max-bytes', '0'], '+OK'],
  [['PFADD', 'q', 'a'], ':1'],
  [['PFDEBUG', 'ENCODING', 'q'], '+dense'],
  [
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', '-1'],
    "-ERR CONFIG SET failed (possibly related to argument 'hll-sparse-max-bytes') - argument must be a memory value",
  ],
  [
    ['CONFIG', 'SET', 'hll-sparse-max-bytes', 'x'],
    "-ERR CONFIG SET failed (possibly related to argument 'hll-sparse-max-bytes') - argument must be a memory value",
  ],
  [['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000'], '+OK'],
  [
    ['CONFIG', 'GET', 'hll-sparse-max-bytes'],
    '["hll-sparse-max-bytes", "3000"]',
    '{"hll-sparse-max-bytes": "3000"}',
  ],
];

const CACHE_WRITES: Case[] = [
  [['PFADD', 'w', 'a', 'b'], ':1'],
  [['WATCH', 'w'], '+OK'],
  [['PFCOUNT', 'w'], ':2'],
  [['MULTI'], '+OK'],
  [['PING'], '+QUEUED'],
  [['EXEC'], '*-1'],
  [['WATCH', 'w'], '+OK'],
  [['PFCOUNT', 'w'], ':2'],
  [['MULTI'], '+OK'],
  [['PING'], '+QUEUED'],
  [['EXEC'], '[+PONG]'],
  [['MULTI'], '+OK'],
  [['PFADD', 'm', 'a'], '+QUEUED'],
  [['GETRANGE', 'm', '15', '15'], '+QUEUED'],
  [['PFCOUNT', 'm'], '+QUEUED'],
  [['GETRANGE', 'm', '15', '15'], '+QUEUED'],
  [['EXEC'], '[:1, "\\x80", :1, "\\x00"]'],
];

forEachTarget(t, async (t, { server }) => {
  t.test('PFADD, PFCOUNT, PFDEBUG: values and cache bytes', (t) =>
    checkCasesBothProtocols(t, server, BASICS),
  );
  t.test('PFMERGE, TTLs kept by in-place edits', (t) => checkCasesBothProtocols(t, server, MERGE));
  t.test('wrong types and corrupted values', (t) => checkCasesBothProtocols(t, server, ERRORS));
  t.test('hll-sparse-max-bytes', (t) => checkCasesBothProtocols(t, server, SPARSE_LIMIT));
  t.test('PFCOUNT cache writes: WATCH and MULTI', (t) => checkCasesBothProtocols(t, server, CACHE_WRITES));
});

/** Sends `argv` to both servers; checks the replies are identical and returns Redis's. */
async function same(t: Test, redis: RespClient, seshat: RespClient, argv: Arg[]): Promise<RespValue> {
  const [r, s] = await Promise.all([redis.send(argv), seshat.send(argv)]);
  t.equal(
    show(s),
    show(r),
    argv.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : String(a))).join(' '),
  );
  return r;
}

function bulk(v: RespValue): Buffer {
  if (v.type !== 'bulk') throw new Error(`expected a bulk reply, got ${show(v)}`);
  return v.value;
}

function integer(v: RespValue): number {
  if (v.type !== 'integer') throw new Error(`expected an integer reply, got ${show(v)}`);
  return Number(v.value);
}

const ELEMENTS_PER_PFADD = 500;

async function addElements(c: RespClient, key: string, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += ELEMENTS_PER_PFADD) {
    const batch: string[] = [];
    for (let j = i; j < Math.min(n, i + ELEMENTS_PER_PFADD); j++) batch.push(`${prefix}${j}`);
    await c.send(['PFADD', key, ...batch]);
  }
}

/** Builds an HLL of `n` elements on `from`, copies it with GET / SET to `to`, compares both. */
async function copyAndCompare(
  t: Test,
  from: RespClient,
  to: RespClient,
  redis: RespClient,
  seshat: RespClient,
  n: number,
  encoding: string,
): Promise<void> {
  await from.send(['DEL', 'src']);
  await addElements(from, 'src', `e${n}-`, n);
  t.equal(
    show(await from.send(['PFDEBUG', 'ENCODING', 'src'])),
    `+${encoding}`,
    `${n} elements are ${encoding}`,
  );
  const bytes = bulk(await from.send(['GET', 'src']));
  t.equal(show(await to.send(['SET', 'copy', bytes])), '+OK');
  t.equal(show(await from.send(['SET', 'copy', bytes])), '+OK');
  await same(t, redis, seshat, ['GETRANGE', 'copy', '15', '15']);
  await same(t, redis, seshat, ['PFCOUNT', 'copy']);
  await same(t, redis, seshat, ['GET', 'copy']);
  await same(t, redis, seshat, ['PFADD', 'copy', 'new-1', 'new-2', 'new-3', 'e0']);
  await same(t, redis, seshat, ['PFCOUNT', 'copy']);
  await same(t, redis, seshat, ['GET', 'copy']);
  await same(t, redis, seshat, ['PFDEBUG', 'GETREG', 'copy']);
  await same(t, redis, seshat, ['PFMERGE', 'merged', 'copy', 'src']);
  await same(t, redis, seshat, ['PFCOUNT', 'merged', 'copy']);
  await same(t, redis, seshat, ['GET', 'merged']);
}

t.test(
  'HLL strings copied between redis-server and Seshat',
  { skip: !redisAvailable() && 'no redis-server' },
  async (t) => {
    const redis = await connect(t, await startServer('redis', { t }));
    const seshat = await connect(t, await startServer('seshat', { t }));
    for (const [n, encoding] of [
      [200, 'sparse'],
      [20_000, 'dense'],
    ] as const) {
      await copyAndCompare(t, redis, seshat, redis, seshat, n, encoding);
      await copyAndCompare(t, seshat, redis, redis, seshat, n, encoding);
    }
  },
);

/** Deterministic LCG: the same sequence on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const RANDOM_ROUNDS = 120;
const CORRUPTION_ROUNDS = 120;

t.test(
  'seeded random HLL sequences: Seshat replies as redis-server',
  { skip: !redisAvailable() && 'no redis-server' },
  async (t) => {
    const redis = await connect(t, await startServer('redis', { t }));
    const seshat = await connect(t, await startServer('seshat', { t }));
    const rnd = lcg(7);
    const int = (n: number): number => Math.floor(rnd() * n);
    await same(t, redis, seshat, ['PFSELFTEST']);
    for (let round = 0; round < RANDOM_ROUNDS; round++) {
      const key = `h${round % 3}`;
      const elements = Array.from({ length: int(80) }, () => String(int(1e6)));
      await same(t, redis, seshat, ['PFADD', key, ...elements]);
      await same(t, redis, seshat, ['GET', key]);
      if (rnd() < 0.3) await same(t, redis, seshat, ['PFCOUNT', key]);
      if (rnd() < 0.1) await same(t, redis, seshat, ['PFCOUNT', 'h0', 'h1', 'h2']);
      if (rnd() < 0.1) {
        await same(t, redis, seshat, ['PFMERGE', 'm', 'h0', 'h1', 'h2']);
        await same(t, redis, seshat, ['GET', 'm']);
      }
      if (rnd() < 0.05)
        await same(t, redis, seshat, ['CONFIG', 'SET', 'hll-sparse-max-bytes', String(int(5000))]);
    }
    await same(t, redis, seshat, ['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
    // As Redis's own fuzzer: random bytes overwritten, then every command must answer like Redis.
    for (let round = 0; round < CORRUPTION_ROUNDS; round++) {
      await same(t, redis, seshat, ['DEL', 'c']);
      await same(t, redis, seshat, ['PFADD', 'c', ...Array.from({ length: int(3000) }, () => String(rnd()))]);
      for (let i = 0; i < 5; i++) {
        const len = integer(await redis.send(['STRLEN', 'c']));
        await same(t, redis, seshat, ['SETRANGE', 'c', String(int(len)), Buffer.from([int(256)])]);
        if (rnd() < 0.5) break;
      }
      await same(t, redis, seshat, ['PFCOUNT', 'c']);
      await same(t, redis, seshat, ['PFADD', 'c', `x${round}`, `y${round}`, `z${round}`]);
      await same(t, redis, seshat, ['GET', 'c']);
      await same(t, redis, seshat, ['PFCOUNT', 'c', 'h0']);
      await same(t, redis, seshat, ['PFMERGE', 'c', 'h1']);
      await same(t, redis, seshat, ['GET', 'c']);
    }
  },
);
