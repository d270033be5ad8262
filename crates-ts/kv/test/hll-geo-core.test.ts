// Checks the building blocks of the HyperLogLog and geo commands without a server:
// MurmurHash64A against a BigInt transcription of the algorithm; the correctly rounded sin, cos
// and asin on inputs where V8's Math functions are off by an ulp (expected values from 200-bit
// mpmath); Redis's partial quicksort (the requested positions hold what a full sort puts there);
// geohash scores and GEOHASH strings recorded from redis-server 7.0.15; and the replicated PFCOUNT
// cache: a read that finds the cache stale asks for a follow-up write, which stores the same
// bytes on every replica.
import { ErrorReply } from '@seshat/common';
import {
  crAsin,
  crCos,
  crSin,
  decodeScore,
  encodeEntry,
  hashHi,
  hashLo,
  KvStateMachine,
  murmurHash64A,
  pqsort,
  resolveCommand,
  scoreOf,
  standardGeohash,
} from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';

const M = 0xc6a4a7935bd1e995n;
const MASK = (1n << 64n) - 1n;

/** MurmurHash64A written directly from its definition, with BigInt. */
function murmurReference(data: Uint8Array, seed: bigint): bigint {
  let h = (seed ^ (BigInt(data.length) * M)) & MASK;
  const blocks = data.length - (data.length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j]!);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h = ((h ^ k) * M) & MASK;
  }
  const tail = data.length & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) h ^= BigInt(data[blocks + j]!) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  return h ^ (h >> 47n);
}

t.test('MurmurHash64A matches its definition for every tail length', async (t) => {
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state & 0xff;
  };
  let mismatches = 0;
  for (let n = 0; n < 2000; n++) {
    const data = Uint8Array.from({ length: n % 41 }, next);
    murmurHash64A(data, 0xadc83b19);
    if (((BigInt(hashHi) << 32n) | BigInt(hashLo)) !== murmurReference(data, 0xadc83b19n)) mismatches++;
  }
  t.equal(mismatches, 0);
});

t.test('sin, cos and asin are correctly rounded where V8 is not', async (t) => {
  // [function, input, correctly rounded result] (mpmath, 200 bits).
  const cases: [string, number, number][] = [
    ['sin', 1.1794955535911402, 0.9244137386159953],
    ['sin', 3.309978136958323, -0.16759088625968513],
    ['sin', -1.0261747567371655, -0.855323414472853],
    ['sin', -0.8240705073642696, -0.7339167513262611],
    ['sin', 3.99240242336122, -0.7518145931656337],
    ['cos', 2.0185376268185378, -0.4329305864548573],
    ['cos', -2.4121298629089356, -0.7455325433838428],
    ['cos', 0.8721478781952432, 0.6431833756298415],
    ['cos', -0.24146433398853118, 0.9709888575341735],
    ['cos', 1.1244223197205088, 0.4316976670206843],
    ['asin', 0.9565164769764188, 1.2748153638121351],
    ['asin', 0.6458736256411731, 0.7021670514347783],
    ['asin', 0.7961811370105915, 0.9209571842768532],
    ['asin', 0.43595507636515907, 0.45109923752334674],
    ['asin', 0.7947756978083943, 0.9186379052701724],
  ];
  const fns: Record<string, (x: number) => number> = { sin: crSin, cos: crCos, asin: crAsin };
  for (const [name, x, want] of cases) t.equal(fns[name]!(x), want, `${name}(${x})`);
  t.equal(crAsin(1), Math.PI / 2);
  t.equal(crSin(0), 0);
  t.equal(crCos(0), 1);
});

t.test('partial quicksort: the requested positions hold what a full sort puts there', async (t) => {
  let state = 99;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const cmp = (a: { key: number }, b: { key: number }): number => a.key - b.key;
  for (let round = 0; round < 300; round++) {
    const n = 1 + next(120);
    const items = Array.from({ length: n }, (_, id) => ({ key: next(round % 2 === 0 ? 5 : 1000), id }));
    const k = 1 + next(n);
    const sorted = [...items].sort(cmp).map((x) => x.key);
    const partial = [...items];
    pqsort(partial, cmp, 0, k - 1);
    t.same(
      partial.slice(0, k).map((x) => x.key),
      sorted.slice(0, k),
      `n=${n} k=${k}`,
    );
    t.same(
      partial.map((x) => x.id).sort((a, b) => a - b),
      items.map((x) => x.id),
      'a permutation',
    );
  }
});

t.test('geohash scores and strings are those of redis-server 7.0.15', async (t) => {
  t.equal(scoreOf(-74.0131604, 40.7126674), 1791873972053020);
  t.equal(scoreOf(-73.7858139, 40.6428986), 1791895905559723);
  t.equal(scoreOf(180, 85.05112878), 13510798882111488);
  t.equal(scoreOf(-180, -85.05112878), 0);
  t.equal(standardGeohash(scoreOf(-5.6, 42.6)), 'ezs42e44yx0');
  t.equal(standardGeohash(scoreOf(13.361389, 38.115556)), 'sqc8b49rny0');
  const xy = new Float64Array(2);
  decodeScore(scoreOf(13.361389, 38.115556), xy);
  t.same([...xy], [13.361389338970184, 38.1155563954963], 'GEOPOS 13.36138933897018433 38.11555639549629859');
  decodeScore(-1.5, xy);
  t.same([...xy], [180, 85.05112878], 'a negative score wraps like the uint64 cast');
});

const b = (s: string): Buffer => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });

function read(sm: KvStateMachine, ...args: string[]) {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, 2000);
}

t.test('a stale PFCOUNT cache is refreshed through the log, identically on every replica', async (t) => {
  const replicas = [new KvStateMachine(new MemoryStorage()), new KvStateMachine(new MemoryStorage())];
  for (const sm of replicas) sm.apply(1, encodeEntry(1000, 1, [cmd('pfadd', 'h', 'a', 'b', 'c')]));
  const leader = replicas[0]!;
  t.same(read(leader, 'getrange', 'h', '15', '15'), Buffer.from([0x80]), 'PFADD leaves the cache stale');
  t.equal(read(leader, 'pfcount', 'h'), 3);
  const followUps = leader.takeExpiredSeen();
  t.same(followUps, [[b('PFCOUNT'), b('h')]], 'the read asks to store the count');
  t.same(read(leader, 'getrange', 'h', '15', '15'), Buffer.from([0x80]), 'a read writes nothing');
  const entry = encodeEntry(
    1001,
    2,
    followUps!.map((argv) => ({ db: 0, argv })),
  );
  for (const sm of replicas) t.same(sm.apply(2, entry), [3]);
  for (const sm of replicas)
    t.same(read(sm, 'getrange', 'h', '8', '15'), Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]));
  t.equal(read(leader, 'pfcount', 'h'), 3);
  t.equal(leader.takeExpiredSeen(), null, 'a valid cache asks for nothing');
  t.same(replicas[0]!.digest(), replicas[1]!.digest());
});
