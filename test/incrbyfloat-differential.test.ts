// Differential test of INCRBYFLOAT's 80-bit long double arithmetic: seeded random sequences of
// SET/DEL/INCRBYFLOAT/GET are sent over raw RESP to a real redis-server 7.0 and to Seshat, and
// every reply must be byte-identical. The operands cover what strtold accepts and refuses:
// decimals of all lengths and exponents (up to the long double range limits, ~1e+-4932, and past
// them), signed values, integers near 2^63 / 2^64, hexadecimal floats, exact rounding ties
// (midpoints between adjacent long doubles and values ending in an exact 5 at the 18th decimal),
// inf/nan and malformed text; half of the increments accumulate on one key so rounding error
// builds up the way it does for a client. On a mismatch the seed, the step and both replies are
// printed. Skipped when redis-server is not installed.
//
// Env: SESHAT_LD_SEED (first seed, default 1), SESHAT_LD_SEEDS (default 20),
//      SESHAT_LD_STEPS (generator steps per seed, default 400).
import t from 'tap';
import { type Arg, RespClient, show } from './helpers/resp-client.ts';
import { redisAvailable, type ServerHandle, startRedis, startSeshat } from './helpers/server.ts';

const env = process.env;
const FIRST_SEED = Number(env.SESHAT_LD_SEED ?? 1);
const SEEDS = Number(env.SESHAT_LD_SEEDS ?? (env.SESHAT_LD_SEED ? 1 : 20));
const STEPS = Number(env.SESHAT_LD_STEPS ?? 400);

/** xorshift32 in [0, 1); deterministic per seed. */
function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const MALFORMED = [
  'inf',
  '-INF',
  'Infinity',
  'nan',
  '-nan',
  'infinit',
  '',
  ' 1',
  '1 ',
  '\t2',
  '1e',
  '1e+',
  '0x',
  '0x1p',
  '.',
  '+-1',
  '1..2',
  '1_0',
  'abc',
  '1\u00002',
];

/** A random operand: mostly valid long double text in many shapes, sometimes invalid. */
function operand(r: () => number): string {
  const int = (n: number) => Math.floor(r() * n);
  const digits = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String(int(10));
    return s;
  };
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdefABCDEF'[int(22)];
    return s;
  };
  const sign = () => ['', '', '-', '+'][int(4)]!;
  const exact = (m: bigint, e: number): string => {
    // The exact decimal expansion of m * 2^e.
    if (e >= 0) return (m << BigInt(e)).toString();
    const k = -e;
    const d = (m * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
    return `${d.slice(0, -k)}.${d.slice(-k)}`;
  };
  switch (int(17)) {
    case 0:
      return sign() + digits(1 + int(20));
    case 1:
      return `${sign()}${digits(int(6))}.${digits(1 + int(25))}`;
    case 2:
      return `${sign()}${digits(1 + int(3))}.${digits(int(5))}${['e', 'E'][int(2)]}${sign()}${int(400)}`;
    case 3: {
      const frac = r() < 0.5 ? `.${hex(int(8))}` : '';
      const exp = r() < 0.6 ? `p${sign()}${int(200)}` : '';
      return `${sign()}0${['x', 'X'][int(2)]}${hex(1 + int(20))}${frac}${exp}`;
    }
    case 4:
      // Mostly moderate exponents: printing a ~4900-digit value costs Redis itself ~1.5 ms.
      return `${sign()}${digits(1 + int(30))}e${r() < 0.5 ? '-' : ''}${int(r() < 0.2 ? 4950 : 400)}`;
    case 5: {
      // Integers around 2^60..2^67, where the 64-bit significand starts to drop units.
      const b = 2n ** BigInt(60 + int(8)) + BigInt(int(2000) - 1000);
      return sign() + b.toString() + (r() < 0.5 ? `.${digits(int(4))}` : '');
    }
    case 6:
      return MALFORMED[int(MALFORMED.length)]!;
    case 7:
      return `${sign()}0.${'0'.repeat(int(30))}${digits(1 + int(40))}`;
    case 8:
      return `${sign()}${digits(40 + int(200))}.${digits(int(100))}`;
    case 9:
      // Around the subnormal range and the underflow limit.
      return `${sign()}${digits(1 + int(5))}e-${4900 + int(100)}`;
    case 10:
      // Around LDBL_MAX and the overflow limit.
      return `${sign()}${digits(1 + int(5))}e${4900 + int(40)}`;
    case 11:
      return `${sign()}0x1.${hex(15 + int(3))}p${int(33000) - 16500}`;
    case 12:
      return sign() + String(int(1000) / 8);
    case 13:
    case 14: {
      // Exactly halfway between two adjacent long doubles, or a hair above / below.
      let m = 1n;
      for (let i = 0; i < 64; i++) m = (m << 1n) | BigInt(int(2));
      let s = exact(m, int(400) - 300);
      const v = int(3);
      if (v === 1) s = `${s}${s.includes('.') ? '' : '.'}0000000001`;
      if (v === 2 && s.endsWith('5')) s = `${s.slice(0, -1)}49999999`;
      return sign() + s;
    }
    case 15:
      // An exact 5 at the 18th decimal: a tie for "%.17Lf".
      return sign() + exact((BigInt(int(2 ** 30)) << BigInt(int(34))) | 1n, -18);
    default:
      return sign() + String(r() * 10 ** (int(40) - 20));
  }
}

/** One seed's command sequence. */
function generate(seed: number, steps: number): Arg[][] {
  const r = rng(seed);
  const cmds: Arg[][] = [];
  for (let i = 0; i < steps; i++) {
    const x = r();
    if (x < 0.5) cmds.push(['INCRBYFLOAT', 'acc', operand(r)]);
    else if (x < 0.57) cmds.push(['DEL', 'acc']);
    else if (x < 0.6) cmds.push(['GET', 'acc']);
    else if (x < 0.75) cmds.push(['INCRBYFLOAT', `fresh${i}`, operand(r)]);
    else {
      cmds.push(['SET', 'k', operand(r)]);
      cmds.push(['INCRBYFLOAT', 'k', operand(r)]);
      if (r() < 0.3) cmds.push(['INCRBYFLOAT', 'k', operand(r)]);
    }
  }
  return cmds;
}

async function run(server: ServerHandle, cmds: readonly Arg[][]): Promise<string[]> {
  const c = await RespClient.connect(server.port, { host: server.host });
  try {
    await c.send(['FLUSHALL']);
    return (await c.pipeline(cmds)).map(show);
  } finally {
    await c.close();
  }
}

const clip = (s: string) => (s.length > 200 ? `${s.slice(0, 120)}...(${s.length} chars)` : s);

t.test(
  'INCRBYFLOAT replies match redis-server (long double)',
  { skip: !redisAvailable() && 'redis-server is not installed' },
  async (t) => {
    const redis = await startRedis({ t });
    const seshat = await startSeshat({ t });
    t.comment(`seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${STEPS} steps each`);
    let compared = 0;
    let incrs = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      const cmds = generate(seed, STEPS);
      const [ref, got] = await Promise.all([run(redis, cmds), run(seshat, cmds)]);
      const at = ref.findIndex((v, i) => v !== got[i]);
      compared += cmds.length;
      incrs += cmds.filter((c) => c[0] === 'INCRBYFLOAT').length;
      if (at === -1) continue;
      const context = cmds
        .slice(Math.max(0, at - 5), at + 1)
        .map((c, j) => `  ${clip(JSON.stringify(c.map(String)))} -> ${clip(ref[Math.max(0, at - 5) + j]!)}`);
      t.fail(
        [
          `seed ${seed}: step ${at} differs`,
          `  command: ${clip(JSON.stringify(cmds[at]!.map(String)))}`,
          `  redis:   ${clip(ref[at]!)}`,
          `  seshat:  ${clip(got[at]!)}`,
          'preceding commands (redis replies):',
          ...context,
          `reproduce: SESHAT_LD_SEED=${seed} SESHAT_LD_STEPS=${STEPS} npx tap test/incrbyfloat-differential.test.ts`,
        ].join('\n'),
      );
    }
    t.comment(`${compared} replies compared, ${incrs} of them INCRBYFLOAT`);
    t.pass(`${SEEDS} seeds compared`);
  },
);
