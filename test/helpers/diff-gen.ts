// Seeded random command generator and shrinker for the differential test (Seshat vs Redis).
//
// The generator draws string/key/expiry commands over a small keyspace so commands collide, and
// only ones whose replies are deterministic on two different servers:
//   - no RANDOMKEY, SCAN, TIME, INFO, OBJECT IDLETIME/FREQ;
//   - relative TTLs are >= 100 s and are never compared with GT/LT (two relative deadlines set
//     in the same millisecond tie on one server and not on the other); GT/LT only with absolute
//     EXPIREAT/PEXPIREAT times in year ~2096, far from any relative deadline;
//   - TTL/PTTL/EXPIRETIME/PEXPIRETIME replies > 0 are normalised to ":<positive>" (`normalise`);
//   - KEYS replies are sorted;
//   - INCRBYFLOAT only touches its own keys (f:*) with multiples of 0.25, where Redis's 80-bit
//     long double and a 64-bit double agree (the long double differences are covered by
//     compat-strings "INCRBYFLOAT long double precision").
//
// Exports:
//   Prng                      xorshift32 PRNG (seeded, deterministic)
//   generate(seed, n)         n commands (argv arrays of strings/Buffers)
//   normalise(argv, reply)    canonical rendering of a reply for comparison
//   shrink(cmds, fails)       delta debugging: a shortest sub-sequence (1-minimal) for which
//                             `fails` still returns true
//   formatCommand(argv)       redis-cli-like quoting of a command for reports
import { type Arg, type RespValue, show } from './resp-client.ts';

export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed ^ 0x9e3779b9) >>> 0 || 1;
    for (let i = 0; i < 8; i++) this.u32();
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
}

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', ''];
const FLOAT_KEYS = ['f:0', 'f:1'];
const VALUES: readonly Arg[] = [
  '',
  'a',
  'hello',
  'hello world',
  '0',
  '1',
  '-1',
  '10',
  '007',
  '+5',
  ' 1',
  '1.5',
  '12345678901234567890',
  '9223372036854775806',
  '-9223372036854775807',
  'x'.repeat(44),
  'y'.repeat(45),
  Buffer.from([0, 255, 13, 10, 0x80]),
];
const INTS = [
  '0',
  '1',
  '-1',
  '7',
  '100',
  '-100',
  '9223372036854775807',
  '-9223372036854775808',
  'x',
  '1.0',
  '',
];
const OFFSETS = ['0', '1', '3', '-1', '-3', '5', '100', '-100', 'x'];
const FLOAT_INCRS = ['0.25', '-0.5', '1', '3', '-2.75', '1e2', 'x', 'inf'];
const REL_SECONDS = ['100', '500', '1000', '5000'];
const REL_MS = ['100000', '2500000', '9000000'];
const ABS_SECONDS = ['4000000000', '4000000100', '4000000200'];
const ABS_MS = ['4000000000000', '4000000050000', '4000000300000'];
// Deadlines already passed. Relative ones must be <= 0: `PEXPIRE k 1` is 1 ms in the FUTURE
// and expires at a different command on each server.
const PAST_RELATIVE = ['0', '-1', '-100'];
const PAST_ABSOLUTE = ['0', '1', '-1'];

type Gen = (r: Prng) => Arg[];

const key = (r: Prng) => r.pick(KEYS);
const val = (r: Prng) => r.pick(VALUES);

function setOptions(r: Prng): string[] {
  const out: string[] = [];
  if (r.chance(0.3)) out.push(r.pick(['NX', 'XX']));
  const ttl = r.int(8);
  if (ttl === 0) out.push('EX', r.pick(REL_SECONDS));
  else if (ttl === 1) out.push('PX', r.pick(REL_MS));
  else if (ttl === 2) out.push('EXAT', r.pick(ABS_SECONDS));
  else if (ttl === 3) out.push('PXAT', r.pick(ABS_MS));
  else if (ttl === 4) out.push('KEEPTTL');
  if (r.chance(0.2)) out.push('GET');
  if (r.chance(0.03)) out.push(...r.pick(['EX', 'FOO', 'KEEPTTL', 'EX 0']).split(' '));
  return out;
}

function expireCommand(r: Prng): Arg[] {
  const k = key(r);
  switch (r.int(6)) {
    case 0:
      return ['EXPIRE', k, r.pick(REL_SECONDS), ...(r.chance(0.3) ? [r.pick(['NX', 'XX'])] : [])];
    case 1:
      return ['PEXPIRE', k, r.pick(REL_MS), ...(r.chance(0.3) ? [r.pick(['NX', 'XX'])] : [])];
    case 2:
      return [
        'EXPIREAT',
        k,
        r.pick(ABS_SECONDS),
        ...(r.chance(0.5) ? [r.pick(['NX', 'XX', 'GT', 'LT'])] : []),
      ];
    case 3:
      return ['PEXPIREAT', k, r.pick(ABS_MS), ...(r.chance(0.5) ? [r.pick(['NX', 'XX', 'GT', 'LT'])] : [])];
    case 4: {
      // In the past: deletes the key.
      const nx = r.chance(0.2) ? ['NX'] : [];
      if (r.chance(0.5)) return [r.pick(['EXPIRE', 'PEXPIRE']), k, r.pick(PAST_RELATIVE), ...nx];
      return [r.pick(['EXPIREAT', 'PEXPIREAT']), k, r.pick(PAST_ABSOLUTE), ...nx];
    }
    default:
      return ['EXPIRE', k, ...r.pick(['x', '1.5', '10 NX XX', '10 GT LT', '10 FOO']).split(' ')];
  }
}

const GENERATORS: Array<[weight: number, gen: Gen]> = [
  [10, (r) => ['SET', key(r), val(r), ...setOptions(r)]],
  [8, (r) => ['GET', key(r)]],
  [2, (r) => ['SETNX', key(r), val(r)]],
  [2, (r) => ['SETEX', key(r), r.pick([...REL_SECONDS, '0', 'x']), val(r)]],
  [1, (r) => ['PSETEX', key(r), r.pick([...REL_MS, '-5']), val(r)]],
  [2, (r) => ['GETSET', key(r), val(r)]],
  [2, (r) => ['GETDEL', key(r)]],
  [
    2,
    (r) => {
      const opt = r.pick([
        [],
        ['PERSIST'],
        ['EX', r.pick(REL_SECONDS)],
        ['PXAT', r.pick(ABS_MS)],
        ['EX', '0'],
      ]);
      return ['GETEX', key(r), ...opt];
    },
  ],
  [3, (r) => ['MGET', key(r), key(r), key(r)]],
  [2, (r) => ['MSET', key(r), val(r), key(r), val(r)]],
  [1, (r) => ['MSETNX', key(r), val(r), key(r), val(r)]],
  [4, (r) => ['APPEND', key(r), val(r)]],
  [2, (r) => ['STRLEN', key(r)]],
  [3, (r) => ['GETRANGE', key(r), r.pick(OFFSETS), r.pick(OFFSETS)]],
  [1, (r) => ['SUBSTR', key(r), r.pick(OFFSETS), r.pick(OFFSETS)]],
  [3, (r) => ['SETRANGE', key(r), r.pick(['0', '1', '3', '10', '-1', 'x']), val(r)]],
  [5, (r) => [r.pick(['INCR', 'DECR']), key(r)]],
  [4, (r) => [r.pick(['INCRBY', 'DECRBY']), key(r), r.pick(INTS)]],
  [3, (r) => ['INCRBYFLOAT', r.pick(FLOAT_KEYS), r.pick(FLOAT_INCRS)]],
  [1, (r) => ['GET', r.pick(FLOAT_KEYS)]],
  [1, (r) => ['SET', r.pick(FLOAT_KEYS), r.pick(['1.5', '0', '-2', 'abc', '10'])]],
  [
    2,
    (r) => [
      'LCS',
      key(r),
      key(r),
      ...r.pick([[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '2']]),
    ],
  ],
  [3, (r) => [r.pick(['DEL', 'UNLINK', 'EXISTS', 'TOUCH']), key(r), key(r)]],
  [2, (r) => ['TYPE', key(r)]],
  [2, (r) => [r.pick(['RENAME', 'RENAMENX']), key(r), key(r)]],
  [
    2,
    (r) => [
      'COPY',
      key(r),
      key(r),
      ...(r.chance(0.4) ? ['REPLACE'] : []),
      ...(r.chance(0.3) ? ['DB', r.pick(['1', '2', '16'])] : []),
    ],
  ],
  [1, (r) => ['MOVE', key(r), r.pick(['0', '1', '2', '16'])]],
  [2, (r) => ['SELECT', r.pick(['0', '0', '1', '2'])]],
  [1, () => ['DBSIZE']],
  [1, () => ['KEYS', '*']],
  [1, (r) => ['KEYS', r.pick(['k?', 'k[0-2]', '*1*', 'f:*'])]],
  [1, (r) => ['OBJECT', 'ENCODING', key(r)]],
  [6, expireCommand],
  [3, (r) => [r.pick(['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']), key(r)]],
  [2, (r) => ['PERSIST', key(r)]],
  [
    1,
    (r) =>
      r.pick([['GET'], ['SET', key(r)], ['INCRBY', key(r)], ['MSET', key(r)], ['FOO', key(r)], ['EXISTS']]),
  ],
  [0.3, () => ['FLUSHDB']],
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
export function generate(seed: number, n: number): Arg[][] {
  const r = new Prng(seed);
  return Array.from({ length: n }, () => one(r));
}

const TIME_REPLIES = new Set(['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']);

/** Canonical rendering of a reply, with the nondeterministic parts normalised. */
export function normalise(argv: readonly Arg[], reply: RespValue): string {
  const name = String(argv[0]).toUpperCase();
  if (TIME_REPLIES.has(name) && reply.type === 'integer' && reply.value > 0n) return ':<positive>';
  if (name === 'KEYS' && reply.type === 'array') {
    return `[${reply.value.map(show).sort().join(', ')}]`;
  }
  return show(reply);
}

/** redis-cli-like rendering of a command (quoted when needed). */
export function formatCommand(argv: readonly Arg[]): string {
  return argv
    .map((a) => {
      const s = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
      const plain =
        s.length > 0 && [...s].every((c) => c > 0x20 && c < 0x7f && c !== 0x22 && c !== 0x27 && c !== 0x5c);
      return plain ? s.toString() : show({ type: 'bulk', value: s });
    })
    .join(' ');
}

/**
 * Delta debugging (ddmin): returns a sub-sequence of `cmds` that still fails and from which no
 * single command can be removed without the failure disappearing. `fails` replays a sequence
 * on fresh servers. Bounded by `replaysMax` replays.
 */
export async function shrink<T>(
  cmds: readonly T[],
  fails: (seq: readonly T[]) => Promise<boolean>,
  replaysMax = 2_000,
): Promise<T[]> {
  let cur = [...cmds];
  let n = 2;
  let replays = 0;
  while (cur.length >= 2 && replays < replaysMax) {
    const chunk = Math.ceil(cur.length / n);
    let reduced = false;
    for (let start = 0; start < cur.length && replays < replaysMax; start += chunk) {
      const candidate = [...cur.slice(0, start), ...cur.slice(start + chunk)];
      replays++;
      if (candidate.length > 0 && (await fails(candidate))) {
        cur = candidate;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunk === 1) break;
      n = Math.min(n * 2, cur.length);
    }
  }
  return cur;
}
