// Seeded random command generator over lists and sorted sets for the differential test
// (differential-lists-zsets.test.ts). Lists and sorted sets have fully defined orders, so every
// reply is compared exactly; the generator only leaves out what is random or unordered in Redis:
//   - no ZRANDMEMBER (random) and no ZSCAN (hash order once a set is a skiplist);
//   - lex-range commands only touch the keys x0/x1, whose members all have score 0 (Redis leaves
//     lex ranges over mixed scores undefined), and nothing else writes other scores there;
//   - scores are few and exact (0, -0, 1, 2.5, 1e-3, inf, hex...), sums of them included, so
//     float formatting and inf/-inf/NaN rules are exercised.
// Occasional 65-byte members and 130-member ZADDs flip sets to skiplist (OBJECT ENCODING, -0).
//
// Exports:
//   generateListsZsets(seed, n)   n commands (argv arrays)
import { Prng } from './diff-gen.ts';
import type { Arg } from './resp-client.ts';

const LISTS = ['l0', 'l1', 'l2'];
const ZSETS = ['z0', 'z1', 'z2'];
const LEX = ['x0', 'x1'];
const OTHER = ['s', 'missing'];
const LONG = 'L'.repeat(65);
const ITEMS: readonly Arg[] = ['a', 'b', 'c', 'd', '', 'aa', LONG, Buffer.from([0, 255, 10])];
const MEMBERS: readonly Arg[] = ['a', 'b', 'c', 'd', 'e', '', 'ab', Buffer.from([0, 1]), LONG];
const SCORES = ['0', '-0', '1', '-1', '2.5', '1e-3', '3', 'inf', '-inf', '0x10', '1e400', 'nan', '+5', '.5'];
const RANGE_SCORES = ['-inf', '+inf', '0', '(0', '1', '(1', '2.5', '(2.5', '3', '-1', '(inf', 'x', '1e400'];
const LEX_BOUNDS = ['-', '+', '[a', '(a', '[b', '(c', '[', '(', 'a', '[ab', '(aa'];
const INDEXES = ['0', '1', '2', '-1', '-2', '-5', '5', '10', '-100', '9223372036854775807', 'x'];

const pick = <T>(r: Prng, xs: readonly T[]): T => r.pick(xs);
const list = (r: Prng): string => (r.chance(0.08) ? pick(r, OTHER) : pick(r, LISTS));
const zset = (r: Prng): string => (r.chance(0.08) ? pick(r, [...OTHER, ...LISTS]) : pick(r, ZSETS));
const lex = (r: Prng): string => pick(r, LEX);
const idx = (r: Prng): string => pick(r, INDEXES);

function scorePairs(r: Prng, n: number): Arg[] {
  const out: Arg[] = [];
  for (let i = 0; i < n; i++) out.push(pick(r, SCORES.slice(0, 10)), pick(r, MEMBERS));
  return out;
}

function bigZadd(r: Prng): Arg[] {
  const out: Arg[] = ['ZADD', pick(r, ZSETS)];
  for (let i = 0; i < 130; i++) out.push(String(i % 7), `m${i}`);
  return out;
}

function zaddCommand(r: Prng): Arg[] {
  const opts: string[] = [];
  for (const o of ['NX', 'XX', 'GT', 'LT', 'CH']) if (r.chance(0.12)) opts.push(o);
  if (r.chance(0.15)) return ['ZADD', zset(r), ...opts, 'INCR', ...scorePairs(r, 1)];
  return ['ZADD', zset(r), ...opts, ...scorePairs(r, 1 + r.int(3))];
}

function withLimit(r: Prng, argv: Arg[]): Arg[] {
  if (r.chance(0.3)) argv.push('LIMIT', pick(r, ['0', '1', '2', '-1']), pick(r, ['1', '2', '-1', '0']));
  return argv;
}

function zrangeCommand(r: Prng): Arg[] {
  const k = r.int(3);
  const argv: Arg[] =
    k === 0
      ? ['ZRANGE', zset(r), idx(r), idx(r)]
      : k === 1
        ? ['ZRANGE', zset(r), pick(r, RANGE_SCORES), pick(r, RANGE_SCORES), 'BYSCORE']
        : ['ZRANGE', lex(r), pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS), 'BYLEX'];
  if (r.chance(0.4)) argv.push('REV');
  if (k !== 2 && r.chance(0.4)) argv.push('WITHSCORES');
  return k === 0 ? argv : withLimit(r, argv);
}

function algebra(r: Prng): Arg[] {
  const name = pick(r, [
    'ZUNION',
    'ZINTER',
    'ZDIFF',
    'ZUNIONSTORE',
    'ZINTERSTORE',
    'ZDIFFSTORE',
    'ZINTERCARD',
  ]);
  const n = 1 + r.int(3);
  const keys = Array.from({ length: n }, () =>
    r.chance(0.1) ? pick(r, [...LEX, 'missing', 'l0']) : pick(r, ZSETS),
  );
  const argv: Arg[] = [name];
  if (name.endsWith('STORE')) argv.push(pick(r, ZSETS));
  argv.push(String(n), ...keys);
  const plain = name === 'ZUNION' || name === 'ZINTER' || name === 'ZUNIONSTORE' || name === 'ZINTERSTORE';
  if (plain && r.chance(0.4)) argv.push('WEIGHTS', ...keys.map(() => pick(r, ['1', '2', '-1', '0', '0.5'])));
  if (plain && r.chance(0.3)) argv.push('AGGREGATE', pick(r, ['SUM', 'MIN', 'MAX']));
  if (!name.endsWith('STORE') && name !== 'ZINTERCARD' && r.chance(0.5)) argv.push('WITHSCORES');
  if (name === 'ZINTERCARD' && r.chance(0.5)) argv.push('LIMIT', pick(r, ['0', '1', '2']));
  return argv;
}

type Gen = (r: Prng) => Arg[];

const GENERATORS: [number, Gen][] = [
  // lists
  [
    6,
    (r) => [
      pick(r, ['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']),
      list(r),
      ...Array.from({ length: 1 + r.int(3) }, () => pick(r, ITEMS)),
    ],
  ],
  [
    4,
    (r) =>
      r.chance(0.5)
        ? [pick(r, ['LPOP', 'RPOP']), list(r)]
        : [pick(r, ['LPOP', 'RPOP']), list(r), pick(r, ['0', '1', '2', '5', '-1'])],
  ],
  [3, (r) => ['LRANGE', list(r), idx(r), idx(r)]],
  [3, (r) => ['LINDEX', list(r), idx(r)]],
  [2, (r) => ['LSET', list(r), idx(r), pick(r, ITEMS)]],
  [2, (r) => ['LINSERT', list(r), pick(r, ['BEFORE', 'AFTER']), pick(r, ITEMS), pick(r, ITEMS)]],
  [2, (r) => ['LREM', list(r), pick(r, ['0', '1', '-1', '2', '-2']), pick(r, ITEMS)]],
  [1, (r) => ['LTRIM', list(r), idx(r), idx(r)]],
  [
    2,
    (r) => {
      const argv: Arg[] = ['LPOS', list(r), pick(r, ITEMS)];
      if (r.chance(0.4)) argv.push('RANK', pick(r, ['1', '2', '-1', '-2', '0']));
      if (r.chance(0.4)) argv.push('COUNT', pick(r, ['0', '1', '2']));
      if (r.chance(0.3)) argv.push('MAXLEN', pick(r, ['0', '1', '3']));
      return argv;
    },
  ],
  [2, (r) => ['LMOVE', list(r), list(r), pick(r, ['LEFT', 'RIGHT']), pick(r, ['LEFT', 'RIGHT'])]],
  [1, (r) => ['RPOPLPUSH', list(r), list(r)]],
  [1, (r) => ['LMPOP', '2', list(r), list(r), pick(r, ['LEFT', 'RIGHT']), 'COUNT', pick(r, ['1', '2', '5'])]],
  [2, (r) => ['LLEN', list(r)]],
  // sorted sets
  [8, zaddCommand],
  [0.3, bigZadd],
  [2, (r) => ['ZINCRBY', zset(r), pick(r, SCORES), pick(r, MEMBERS)]],
  [2, (r) => ['ZREM', zset(r), pick(r, MEMBERS), pick(r, MEMBERS)]],
  [2, (r) => [pick(r, ['ZSCORE', 'ZRANK', 'ZREVRANK']), zset(r), pick(r, MEMBERS)]],
  [1, (r) => ['ZMSCORE', zset(r), pick(r, MEMBERS), pick(r, MEMBERS)]],
  [1, (r) => ['ZCARD', zset(r)]],
  [2, (r) => ['ZCOUNT', zset(r), pick(r, RANGE_SCORES), pick(r, RANGE_SCORES)]],
  [5, zrangeCommand],
  [
    2,
    (r) =>
      withLimit(r, [
        pick(r, ['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']),
        zset(r),
        pick(r, RANGE_SCORES),
        pick(r, RANGE_SCORES),
        ...(r.chance(0.5) ? ['WITHSCORES'] : []),
      ]),
  ],
  [1, (r) => [pick(r, ['ZREVRANGE']), zset(r), idx(r), idx(r), ...(r.chance(0.5) ? ['WITHSCORES'] : [])]],
  [2, (r) => ['ZRANGESTORE', pick(r, ZSETS), zset(r), idx(r), idx(r)]],
  [1, (r) => ['ZREMRANGEBYRANK', zset(r), idx(r), idx(r)]],
  [1, (r) => ['ZREMRANGEBYSCORE', zset(r), pick(r, RANGE_SCORES), pick(r, RANGE_SCORES)]],
  [
    2,
    (r) => [pick(r, ['ZPOPMIN', 'ZPOPMAX']), zset(r), ...(r.chance(0.5) ? [pick(r, ['0', '1', '3'])] : [])],
  ],
  [1, (r) => ['ZMPOP', '2', zset(r), zset(r), pick(r, ['MIN', 'MAX']), 'COUNT', pick(r, ['1', '3'])]],
  [4, algebra],
  // lex-only keys (score 0)
  [3, (r) => ['ZADD', lex(r), '0', pick(r, MEMBERS), '0', pick(r, MEMBERS)]],
  [1, (r) => ['ZREM', lex(r), pick(r, MEMBERS)]],
  [
    2,
    (r) =>
      withLimit(r, [
        pick(r, ['ZRANGEBYLEX', 'ZREVRANGEBYLEX']),
        lex(r),
        pick(r, LEX_BOUNDS),
        pick(r, LEX_BOUNDS),
      ]),
  ],
  [1, (r) => ['ZLEXCOUNT', lex(r), pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS)]],
  [1, (r) => ['ZREMRANGEBYLEX', lex(r), pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS)]],
  // generic
  [2, (r) => ['OBJECT', 'ENCODING', pick(r, [...LISTS, ...ZSETS, ...LEX])]],
  [1, (r) => ['TYPE', pick(r, [...LISTS, ...ZSETS, 's'])]],
  [1, (r) => ['DEL', pick(r, [...LISTS, ...ZSETS])]],
  [1, (r) => [pick(r, ['RENAME', 'COPY']), pick(r, [...LISTS, ...ZSETS]), pick(r, [...LISTS, ...ZSETS])]],
  [0.5, () => ['SET', 's', 'v']],
];

const TOTAL_WEIGHT = GENERATORS.reduce((s, [w]) => s + w, 0);

function one(r: Prng): Arg[] {
  let x = (r.u32() / 0x1_0000_0000) * TOTAL_WEIGHT;
  for (const [w, g] of GENERATORS) {
    if (x < w) return g(r);
    x -= w;
  }
  return GENERATORS[0]![1](r);
}

/** n commands from `seed`; the same seed always gives the same commands. */
export function generateListsZsets(seed: number, n: number): Arg[][] {
  const r = new Prng(seed ^ 0x5a5a5a5a);
  return Array.from({ length: n }, () => one(r));
}
