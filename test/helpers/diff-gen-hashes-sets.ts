// Seeded command generator for the differential test of hashes, sets, bitmaps and SORT
// (test/differential-hashes-sets.test.ts), built on helpers/diff-gen.ts (Prng, shrink,
// formatCommand). Only commands whose replies are deterministic on two servers are drawn, and
// replies whose order Redis leaves unspecified are normalised:
//   - hashes h0..h2 only ever hold short fields/values and few fields, so Redis keeps them as
//     listpacks (insertion order), which Seshat reproduces: compared exactly. Hash hx takes
//     long values (a hashtable in Redis): its multi-element replies are sorted.
//   - sets si0..si2 only ever hold small integers (intsets: ascending order, compared exactly);
//     sets s0..s2 hold anything (hashtables): set replies involving them are sorted.
//   - SPOP always pops everything (count 1000); SRANDMEMBER/HRANDFIELD replies are reduced to
//     their size (which is deterministic), as random choices differ between servers.
//   - HINCRBYFLOAT uses multiples of 0.25 (exact in a double and in a long double).
//   - SORT: BY nosort only on lists and intsets; no ALPHA with BY (Redis breaks ties unstably).
//   - RENAME/COPY/SMOVE/*STORE stay inside one pool so the pools keep their encodings.
//
// Exports: generateHashesSets(seed, n), normaliseHashesSets(argv, reply)
import { Prng } from './diff-gen.ts';
import { type Arg, type RespValue, show } from './resp-client.ts';

type Gen = (r: Prng) => Arg[];

const HASHES = ['h0', 'h1', 'h2'];
const FIELDS = ['a', 'b', 'c', 'f1', 'f2', '10', '', 'x y'];
const HVALUES = ['1', '0', '-3', '1.5', 'v', '', '9223372036854775807', 'abc', '0.25'];
const LONG = 'L'.repeat(70);
const INT_SETS = ['si0', 'si1', 'si2'];
const SETS = ['s0', 's1', 's2'];
const INTS = ['1', '2', '3', '5', '8', '-1', '-20', '100', '0', '7'];
const MEMBERS = ['a', 'b', 'c', '1', '2', '10', 'x', '', 'hello', '-5', '007'];
const BITMAPS = ['b0', 'b1', 'b2'];
const LISTS = ['l0', 'l1'];
const WEIGHT_KEYS = ['w_1', 'w_2', 'w_5', 'w_a', 'w_b', 'w_x'];

const pickN = (r: Prng, xs: readonly string[], n: number): string[] =>
  Array.from({ length: n }, () => r.pick(xs));

function anyCollection(r: Prng): string {
  return r.pick([...HASHES, 'hx', ...INT_SETS, ...SETS, ...BITMAPS, ...LISTS, 'nokey']);
}

const HASH_GENS: Array<[number, Gen]> = [
  [
    8,
    (r) => [
      'HSET',
      r.pick(HASHES),
      ...pickN(r, FIELDS, 1),
      r.pick(HVALUES),
      ...(r.chance(0.4) ? [r.pick(FIELDS), r.pick(HVALUES)] : []),
    ],
  ],
  [2, (r) => ['HSET', 'hx', r.pick(FIELDS), r.chance(0.5) ? LONG : r.pick(HVALUES)]],
  [1, (r) => ['HMSET', r.pick(HASHES), r.pick(FIELDS), r.pick(HVALUES)]],
  [2, (r) => ['HSETNX', r.pick(HASHES), r.pick(FIELDS), r.pick(HVALUES)]],
  [4, (r) => ['HGET', r.pick([...HASHES, 'hx']), r.pick(FIELDS)]],
  [2, (r) => ['HMGET', r.pick([...HASHES, 'hx']), ...pickN(r, FIELDS, 3)]],
  [3, (r) => ['HDEL', r.pick([...HASHES, 'hx']), ...pickN(r, FIELDS, 1 + r.int(2))]],
  [2, (r) => [r.pick(['HLEN', 'HKEYS', 'HVALS', 'HGETALL']), r.pick([...HASHES, 'hx'])]],
  [4, (r) => [r.pick(['HGETALL', 'HKEYS', 'HVALS']), r.pick(HASHES)]],
  [2, (r) => [r.pick(['HSTRLEN', 'HEXISTS']), r.pick([...HASHES, 'hx']), r.pick(FIELDS)]],
  [
    3,
    (r) => [
      'HINCRBY',
      r.pick(HASHES),
      r.pick(FIELDS),
      r.pick(['1', '-5', '100', 'x', '9223372036854775807']),
    ],
  ],
  [
    2,
    (r) => ['HINCRBYFLOAT', r.pick(HASHES), r.pick(FIELDS), r.pick(['0.25', '-1.5', '3', 'x', 'inf', '1e2'])],
  ],
  [
    2,
    (r) => [
      'HRANDFIELD',
      r.pick([...HASHES, 'hx']),
      ...r.pick([
        [],
        ['1'],
        ['-3'],
        ['100'],
        ['2', 'WITHVALUES'],
        ['-2', 'WITHVALUES'],
        ['100', 'WITHVALUES'],
        ['0'],
        ['1', 'foo'],
      ]),
    ],
  ],
  [
    2,
    (r) => [
      'HSCAN',
      r.pick(HASHES),
      '0',
      ...r.pick([[], ['MATCH', 'f*'], ['COUNT', '1'], ['COUNT', '0'], ['TYPE', 'x']]),
    ],
  ],
  [1, (r) => ['OBJECT', 'ENCODING', r.pick([...HASHES, 'hx'])]],
  [1, (r) => [r.pick(['RENAME', 'COPY']), r.pick(HASHES), r.pick(HASHES)]],
];

const SET_GENS: Array<[number, Gen]> = [
  [6, (r) => ['SADD', r.pick(INT_SETS), ...pickN(r, INTS, 1 + r.int(3))]],
  [6, (r) => ['SADD', r.pick(SETS), ...pickN(r, MEMBERS, 1 + r.int(3))]],
  [3, (r) => ['SREM', r.pick(INT_SETS), ...pickN(r, INTS, 1 + r.int(2))]],
  [3, (r) => ['SREM', r.pick(SETS), ...pickN(r, MEMBERS, 1 + r.int(2))]],
  [4, (r) => [r.pick(['SMEMBERS', 'SCARD']), r.pick([...INT_SETS, ...SETS])]],
  [3, (r) => ['SISMEMBER', r.pick([...INT_SETS, ...SETS]), r.pick([...INTS, ...MEMBERS])]],
  [2, (r) => ['SMISMEMBER', r.pick([...INT_SETS, ...SETS]), ...pickN(r, [...INTS, ...MEMBERS], 3)]],
  [2, (r) => ['SPOP', r.pick([...INT_SETS, ...SETS]), '1000']],
  [1, (r) => ['SPOP', r.pick([...INT_SETS, ...SETS]), r.pick(['0', '-1', 'x'])]],
  [
    3,
    (r) => [
      'SRANDMEMBER',
      r.pick([...INT_SETS, ...SETS]),
      ...r.pick([[], ['1'], ['-5'], ['1000'], ['0'], ['2']]),
    ],
  ],
  [2, (r) => ['SMOVE', r.pick(INT_SETS), r.pick(INT_SETS), r.pick(INTS)]],
  [2, (r) => ['SMOVE', r.pick(SETS), r.pick(SETS), r.pick(MEMBERS)]],
  [
    5,
    (r) => {
      const pool = r.chance(0.5) ? INT_SETS : r.pick([SETS, [...SETS, ...INT_SETS]]);
      return [r.pick(['SINTER', 'SUNION', 'SDIFF']), ...pickN(r, pool, 1 + r.int(3))];
    },
  ],
  [
    4,
    (r) => {
      const ints = r.chance(0.5);
      const dst = ints ? r.pick(INT_SETS) : r.pick(SETS);
      const srcs = pickN(r, ints ? INT_SETS : [...SETS, ...INT_SETS], 1 + r.int(3));
      return [r.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), dst, ...srcs];
    },
  ],
  [
    2,
    (r) => [
      'SINTERCARD',
      '2',
      ...pickN(r, [...INT_SETS, ...SETS], 2),
      ...r.pick([[], ['LIMIT', '1'], ['LIMIT', '0'], ['LIMIT', '-1']]),
    ],
  ],
  [1, (r) => ['SINTERCARD', r.pick(['0', '5', 'x']), r.pick(SETS)]],
  [
    2,
    (r) => [
      'SSCAN',
      r.pick([...INT_SETS, ...SETS]),
      '0',
      'COUNT',
      '1000',
      ...(r.chance(0.3) ? ['MATCH', '1*'] : []),
    ],
  ],
  [1, (r) => ['OBJECT', 'ENCODING', r.pick([...INT_SETS, ...SETS])]],
  [1, (r) => [r.pick(['RENAME', 'COPY']), r.pick(SETS), r.pick(SETS)]],
];

const BIT_OFFSETS = ['0', '1', '7', '8', '13', '31', '40', '-1', 'x', '4294967296'];
const RANGES = ['0', '1', '-1', '-2', '2', '5', '-100', '100', 'x'];

function bitfieldOps(r: Prng, readonly: boolean): Arg[] {
  const out: Arg[] = [];
  const types = ['u1', 'u3', 'u8', 'i8', 'i5', 'u16', 'i16', 'u63', 'i64', 'u64', 'x8'];
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const t = r.pick(types);
    const off = r.pick(['0', '3', '8', '#1', '#2', '17', '-1']);
    const k = readonly ? 0 : r.int(4);
    if (k === 0) out.push('GET', t, off);
    else if (k === 1) out.push('SET', t, off, r.pick(['0', '1', '-1', '127', '128', '255', '-129', '300']));
    else if (k === 2) out.push('INCRBY', t, off, r.pick(['1', '-1', '100', '-200', '9223372036854775807']));
    else out.push('OVERFLOW', r.pick(['WRAP', 'SAT', 'FAIL']));
  }
  return out;
}

const BIT_GENS: Array<[number, Gen]> = [
  [6, (r) => ['SETBIT', r.pick(BITMAPS), r.pick(BIT_OFFSETS), r.pick(['0', '1', '1', '2'])]],
  [3, (r) => ['GETBIT', r.pick(BITMAPS), r.pick(BIT_OFFSETS)]],
  [2, (r) => ['SET', r.pick(BITMAPS), r.pick(['', 'foobar', '\xff\xf0\x00', 'a', '\x00\x00\x01'])]],
  [2, (r) => ['GET', r.pick(BITMAPS)]],
  [
    4,
    (r) => [
      'BITCOUNT',
      r.pick(BITMAPS),
      ...r.pick([
        [],
        [r.pick(RANGES), r.pick(RANGES)],
        [r.pick(RANGES), r.pick(RANGES), r.pick(['BIT', 'BYTE', 'foo'])],
        [r.pick(RANGES)],
      ]),
    ],
  ],
  [
    5,
    (r) => [
      'BITPOS',
      r.pick(BITMAPS),
      r.pick(['0', '1', '1', '2']),
      ...r.pick([
        [],
        [r.pick(RANGES)],
        [r.pick(RANGES), r.pick(RANGES)],
        [r.pick(RANGES), r.pick(RANGES), r.pick(['BIT', 'BYTE'])],
      ]),
    ],
  ],
  [
    3,
    (r) => [
      'BITOP',
      r.pick(['AND', 'OR', 'XOR', 'NOT', 'foo']),
      r.pick(BITMAPS),
      ...pickN(r, BITMAPS, 1 + r.int(2)),
    ],
  ],
  [4, (r) => ['BITFIELD', r.pick(BITMAPS), ...bitfieldOps(r, false)]],
  [2, (r) => ['BITFIELD_RO', r.pick(BITMAPS), ...bitfieldOps(r, r.chance(0.8))]],
  [1, (r) => ['OBJECT', 'ENCODING', r.pick(BITMAPS)]],
];

const SORT_GENS: Array<[number, Gen]> = [
  [
    3,
    (r) => [
      'RPUSH',
      r.pick(LISTS),
      ...pickN(r, ['3', '1', '10', '2.5', '-1', 'a', 'b', '1e2', ' 4', '0x10'], 1 + r.int(3)),
    ],
  ],
  [2, (r) => ['SET', r.pick(WEIGHT_KEYS), r.pick(['1', '5', '-2', '3.5', 'x', '10'])]],
  [1, (r) => ['HSET', 'hw_1', 'f', r.pick(['1', '9', 'z'])]],
  [
    6,
    (r) => {
      const src = r.pick([...LISTS, ...INT_SETS, ...SETS, 'nokey']);
      const args: Arg[] = [r.chance(0.2) ? 'SORT_RO' : 'SORT', src];
      const ordered = LISTS.includes(src) || INT_SETS.includes(src);
      const by = r.int(4);
      if (by === 1) args.push('BY', 'w_*');
      else if (by === 2 && ordered) args.push('BY', 'nosort');
      else if (by === 3) args.push('BY', 'hw_*->f');
      if (r.chance(0.3) && by !== 1 && by !== 3) args.push('ALPHA');
      if (r.chance(0.4)) args.push(r.pick(['ASC', 'DESC']));
      if (r.chance(0.3)) args.push('LIMIT', r.pick(['0', '1', '-1', '5']), r.pick(['1', '2', '-1', '0']));
      if (r.chance(0.3)) args.push('GET', r.pick(['#', 'w_*', 'hw_*->f', 'nostar']));
      if (r.chance(0.2)) args.push('GET', '#');
      if (args[0] === 'SORT' && r.chance(0.2)) args.push('STORE', 'l1');
      if (r.chance(0.03)) args.push(r.pick(['LIMIT', 'foo', 'STORE']));
      return args;
    },
  ],
  [1, () => ['LRANGE', 'l1', '0', '-1']],
];

const GENERIC_GENS: Array<[number, Gen]> = [
  [2, (r) => ['DEL', anyCollection(r)]],
  [2, (r) => ['TYPE', anyCollection(r)]],
  // Type confusion: every command family against keys of other types.
  [2, (r) => [r.pick(['HGET', 'HEXISTS', 'HSTRLEN']), anyCollection(r), 'a']],
  [2, (r) => [r.pick(['SADD', 'SREM', 'SISMEMBER']), r.pick([...HASHES, ...BITMAPS, ...LISTS]), '1']],
  [1, (r) => ['HSET', r.pick([...INT_SETS, ...SETS, ...BITMAPS]), 'a', '1']],
  [
    1,
    (r) => [r.pick(['SETBIT', 'GETBIT']), r.pick([...HASHES, ...SETS]), '1', ...(r.chance(0.5) ? ['1'] : [])],
  ],
  [1, (r) => [r.pick(['BITCOUNT', 'SMEMBERS', 'HGETALL', 'SCARD', 'HLEN']), anyCollection(r)]],
  [
    1,
    (r) => [
      r.pick(['HSET', 'HMSET', 'SADD', 'HDEL', 'SINTER', 'HRANDFIELD', 'BITOP']),
      ...pickN(r, HASHES, r.int(2)),
    ],
  ],
  [0.3, () => ['FLUSHDB']],
];

const ALL: Array<[number, Gen]> = [...HASH_GENS, ...SET_GENS, ...BIT_GENS, ...SORT_GENS, ...GENERIC_GENS];
const TOTAL = ALL.reduce((s, [w]) => s + w, 0);

function one(r: Prng): Arg[] {
  let x = (r.u32() / 0x1_0000_0000) * TOTAL;
  for (const [w, g] of ALL) {
    if (x < w) return g(r);
    x -= w;
  }
  return ALL[0]![1](r);
}

/** n commands from `seed` (deterministic). Binary strings are latin1 Buffers. */
export function generateHashesSets(seed: number, n: number): Arg[][] {
  const r = new Prng(seed);
  return Array.from({ length: n }, () =>
    one(r).map((a) => (typeof a === 'string' && /[\x80-\xff]/.test(a) ? Buffer.from(a, 'latin1') : a)),
  );
}

const SET_REPLY_COMMANDS = new Set(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SPOP']);

function sortedItems(items: RespValue[]): string {
  return items.map(show).sort().join(', ');
}

/** Sorts a flat [k, v, k, v] array or a map by pairs. */
function sortedPairs(reply: RespValue): string {
  if (reply.type === 'map')
    return `{${reply.value
      .map(([k, v]) => `${show(k)}: ${show(v)}`)
      .sort()
      .join(', ')}}`;
  if (reply.type !== 'array') return show(reply);
  if (reply.value.every((x) => x.type === 'array')) return `[${sortedItems(reply.value)}]`;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < reply.value.length; i += 2)
    pairs.push(`${show(reply.value[i]!)} ${show(reply.value[i + 1]!)}`);
  return `[${pairs.sort().join(', ')}]`;
}

function sizeOf(reply: RespValue): string {
  if (reply.type === 'array' || reply.type === 'set') return `<${reply.value.length} random>`;
  if (reply.type === 'bulk') return '<one random>';
  return show(reply);
}

/** Canonical rendering of a reply with unspecified orders and random choices normalised. */
export function normaliseHashesSets(argv: readonly Arg[], reply: RespValue): string {
  const name = String(argv[0]).toUpperCase();
  const keys = argv.slice(1).map(String);
  if (name === 'SRANDMEMBER' || name === 'HRANDFIELD') {
    const count = argv[2] === undefined ? 1 : Number(argv[2]);
    // A positive count at least the size returns the whole collection: not random.
    if (!(count >= 100 && reply.type === 'array')) return sizeOf(reply);
    return name === 'HRANDFIELD' && argv[3] !== undefined
      ? sortedPairs(reply)
      : `[${sortedItems(reply.value)}]`;
  }
  const onlyIntsets = keys.every((k) => !SETS.includes(k) && k !== 'hx');
  if (onlyIntsets) return show(reply);
  if (SET_REPLY_COMMANDS.has(name) && (reply.type === 'set' || reply.type === 'array')) {
    return `${reply.type}[${sortedItems(reply.value)}]`;
  }
  if (name === 'SSCAN' && reply.type === 'array' && reply.value[1]?.type === 'array') {
    return `[${show(reply.value[0]!)}, [${sortedItems(reply.value[1].value)}]]`;
  }
  if (name === 'HGETALL') return sortedPairs(reply);
  if ((name === 'HKEYS' || name === 'HVALS') && reply.type === 'array')
    return `[${sortedItems(reply.value)}]`;
  return show(reply);
}
