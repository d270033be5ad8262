// Checks the sorted-set score helpers: the order-preserving 8-byte form sorts exactly like the
// numbers (-0 and 0 tie), the strict and loose parsers accept what C strtod accepts under
// Redis's checks, and formatScore prints C's "%.17g" (expectations from Python's '%.17g', which
// rounds the exact binary value half-to-even like glibc; 2^-25 is a tie case).
import t from 'tap';
import {
  formatScore,
  parseLooseDouble,
  parseStrictDouble,
  readScoreKey,
  writeScoreKey,
} from '../src/score-codec.ts';

const key = (x: number): Buffer => {
  const b = Buffer.alloc(8);
  writeScoreKey(x, b, 0);
  return b;
};

t.test('order-preserving form', async (t) => {
  const xs = [
    Number.NEGATIVE_INFINITY,
    -Number.MAX_VALUE,
    -1e300,
    -2.5,
    -1,
    -Number.MIN_VALUE,
    0,
    Number.MIN_VALUE,
    1e-310,
    1e-3,
    1,
    2.5,
    2 ** 53,
    1e300,
    Number.MAX_VALUE,
    Number.POSITIVE_INFINITY,
  ];
  for (let i = 0; i + 1 < xs.length; i++) {
    t.ok(Buffer.compare(key(xs[i]!), key(xs[i + 1]!)) < 0, `${xs[i]} < ${xs[i + 1]}`);
  }
  for (const x of xs) t.equal(readScoreKey(key(x), 0), x, `round trip ${x}`);
  t.same(key(-0), key(0), '-0 is stored as 0');
});

t.test('formatScore is %.17g', async (t) => {
  const cases: [number, string][] = [
    [1.1, '1.1000000000000001'],
    [0.1, '0.10000000000000001'],
    [0.30000000000000004, '0.30000000000000004'],
    [1e-5, '1.0000000000000001e-05'],
    [123456789012345680, '1.2345678901234568e+17'],
    [1e22, '1e+22'],
    [5e-324, '4.9406564584124654e-324'],
    [-1.7976931348623157e308, '-1.7976931348623157e+308'],
    [2 ** -25, '2.9802322387695312e-08'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [3, '3'],
    [-2.5, '-2.5'],
    [1e-310, '9.9999999999999694e-311'],
    [100000, '100000'],
    [1.5e-7, '1.4999999999999999e-07'],
    [2 ** 60, '1.152921504606847e+18'],
    [1 / 3, '0.33333333333333331'],
    [0, '0'],
    [-0, '-0'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ];
  for (const [x, want] of cases) t.equal(formatScore(x), want, String(x));
});

t.test('strict parsing (ZADD scores, WEIGHTS)', async (t) => {
  const ok: [string, number][] = [
    ['1', 1],
    ['-.5e1', -5],
    ['.5', 0.5],
    ['5.', 5],
    ['+inf', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['0x10', 16],
    ['0x1.8p1', 3],
    ['0X1P-2', 0.25],
    ['0e-400', 0],
    ['00012', 12],
    ['1e-310', 1e-310],
  ];
  for (const [s, v] of ok) t.equal(parseStrictDouble(Buffer.from(s)), v, s);
  for (const s of [
    '',
    ' 1',
    '1 ',
    'x',
    'nan',
    '-nan',
    '1e400',
    '1e-400',
    '0x',
    '1e',
    '1e+',
    '.',
    '-',
    'infinit',
    '1\0',
  ]) {
    t.equal(parseStrictDouble(Buffer.from(s)), undefined, JSON.stringify(s));
  }
});

t.test('loose parsing (score ranges)', async (t) => {
  t.equal(parseLooseDouble(''), 0, 'empty converts nothing and reads 0');
  t.equal(parseLooseDouble(' 1'), 1, 'leading space skipped');
  t.equal(parseLooseDouble('1e400'), Number.POSITIVE_INFINITY, 'overflow kept');
  t.equal(parseLooseDouble('1 '), undefined);
  t.equal(parseLooseDouble(' '), undefined);
  t.equal(parseLooseDouble('nan'), undefined);
  t.equal(parseLooseDouble('(1'), undefined);
});
