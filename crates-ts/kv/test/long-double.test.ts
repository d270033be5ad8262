// Checks the 80-bit long double emulation used by INCRBYFLOAT (parseLongDouble = Redis string2ld
// over glibc strtold, addLongDouble, formatLongDoubleHuman = ld2string "%.17Lf" minus trailing
// zeros) without a server.
// How: INCRBYFLOAT is simulated with the three functions (missing key = 0) and compared with
// replies recorded from redis-server 7.0.15 on x86-64 / glibc (each case was sent as SET k <stored>
// then INCRBYFLOAT k <incr>); plus representation invariants (normalised significand, exact
// rounding ties, signed zeros, inf/NaN arithmetic) checked directly.
import {
  addLongDouble,
  formatLongDoubleHuman,
  isFiniteLongDouble,
  isNaNLongDouble,
  LONG_DOUBLE_ZERO,
  type LongDouble,
  parseLongDouble,
} from '@seshat/kv';
import t, { type Test } from 'tap';

const NOT_FLOAT = '-ERR value is not a valid float';
const NAN_INF = '-ERR increment would produce NaN or Infinity';

/** INCRBYFLOAT as Redis 7.0 computes it; stored === null is a missing key. */
function incrbyfloat(stored: string | null, incr: string): string {
  let value: LongDouble | undefined = LONG_DOUBLE_ZERO;
  if (stored !== null) value = parseLongDouble(Buffer.from(stored, 'latin1'));
  if (value === undefined) return NOT_FLOAT;
  const by = parseLongDouble(Buffer.from(incr, 'latin1'));
  if (by === undefined) return NOT_FLOAT;
  const sum = addLongDouble(value, by);
  if (!isFiniteLongDouble(sum)) return NAN_INF;
  return formatLongDoubleHuman(sum);
}

const parse = (s: string): LongDouble => {
  const v = parseLongDouble(Buffer.from(s, 'latin1'));
  if (v === undefined) throw new Error(`cannot parse ${s}`);
  return v;
};

type Case = [stored: string | null, incr: string, reply: string];

// Recorded from redis-server 7.0.15.
const BASICS: Case[] = [
  ['10.5', '0.1', '10.6'],
  ['10.6', '5.0e3', '5010.60000000000000009'],
  [null, '0.1', '0.1'],
  ['0.1', '0.2', '0.3'],
  ['0.1', '0.1', '0.2'],
  ['0.3', '-0.1', '0.2'],
  ['1.1', '2.2', '3.3'],
  ['0.1', '-0.1', '0'],
  ['1.5', '-1.5', '0'],
  ['-1.5', '1.5', '0'],
  ['-5', '2.5', '-2.5'],
  ['1e-5', '1e5', '100000.00001000000000317'],
  ['3', '0.0000000000000000001', '3'],
  ['1', '1e-17', '1.00000000000000001'],
  ['1', '-1e-18', '1'],
  ['123456789.987654321', '-0.000000001', '123456789.98765432000072906'],
  ['5010.60000000000000009', '-5000', '10.60000000000000009'],
  ['0.00001', '0x1p-80', '0.00001'],
  [
    '1e308',
    '1e308',
    '199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096',
  ],
  [null, '3.14159265358979323846264338327950288419716939937510', '3.14159265358979324'],
  [null, '2.71828182845904523536028747135266249775724709369995e-100', '0'],
  [null, '-1.5e-300', '0'],
  [null, '1e-17', '0.00000000000000001'],
  [null, '1e-18', '0'],
  [null, '99999999999999999.999999999999', '100000000000000000'],
  [null, '0.99999999999999999999', '1'],
  [null, '0.999999999999999995', '1'],
  [null, '0.999999999999999994', '0.99999999999999999'],
];

const SYNTAX: Case[] = [
  ['0x10', '1', '17'],
  [' 1', '1', NOT_FLOAT],
  ['1 ', '1', NOT_FLOAT],
  ['', '1', NOT_FLOAT],
  ['abc', '1', NOT_FLOAT],
  ['5', 'x', NOT_FLOAT],
  ['5', '', NOT_FLOAT],
  ['5', ' 1', NOT_FLOAT],
  ['5', '1 ', NOT_FLOAT],
  ['5', '1\u0000', NOT_FLOAT],
  ['5', '\t1', NOT_FLOAT],
  ['5', '\u000b1', NOT_FLOAT],
  ['5', '\r1', NOT_FLOAT],
  ['5', '1\n', NOT_FLOAT],
  ['5', '\u00a01', NOT_FLOAT],
  ['5', 'nan', NOT_FLOAT],
  ['5', 'NaN', NOT_FLOAT],
  ['5', '-nan', NOT_FLOAT],
  ['5', 'inf', NAN_INF],
  ['5', '-inf', NAN_INF],
  ['5', '+INF', NAN_INF],
  ['5', '-Inf', NAN_INF],
  ['5', 'Infinity', NAN_INF],
  ['5', 'infinity', NAN_INF],
  ['5', 'INFINITY', NAN_INF],
  ['5', 'infINITY', NAN_INF],
  ['5', 'infinit', NOT_FLOAT],
  ['5', 'infx', NOT_FLOAT],
  ['inf', '1', NAN_INF],
  ['inf', '-inf', NAN_INF],
  ['-inf', '-1', NAN_INF],
  ['5', '0x', NOT_FLOAT],
  ['5', '0x.8', '5.5'],
  ['5', '0X1P-2', '5.25'],
  ['5', '0x1.8p3', '17'],
  ['5', '0x1P+3', '13'],
  ['5', '0X.8p-1', '5.25'],
  ['5', '0x1p', NOT_FLOAT],
  ['5', '0x1p+', NOT_FLOAT],
  ['5', '0xg', NOT_FLOAT],
  ['5', '0x1.p1', '7'],
  ['5', '0x1e3', '488'],
  ['5', '0x.p1', NOT_FLOAT],
  ['5', '-0x10', '-11'],
  ['5', '0xFFFFFFFFFFFFFFFFF', '295147905179352825856'],
  ['5', '.5', '5.5'],
  ['5', '-.5', '4.5'],
  ['5', '5.', '10'],
  ['5', '.', NOT_FLOAT],
  ['5', '+.5e-3', '5.0005'],
  ['5', '+0', '5'],
  ['5', '00.0100', '5.01'],
  ['5', '1E2', '105'],
  ['5', '1e', NOT_FLOAT],
  ['5', '1e+', NOT_FLOAT],
  ['5', '1e-', NOT_FLOAT],
  ['5', '1e+5', '100005'],
  ['5', '+-1', NOT_FLOAT],
  ['5', '--1', NOT_FLOAT],
  ['5', '1_000', NOT_FLOAT],
  ['5', '1,5', NOT_FLOAT],
  ['5', '1..2', NOT_FLOAT],
  ['5', '1.2.3', NOT_FLOAT],
  ['5', 'e5', NOT_FLOAT],
  ['5', '1e5.5', NOT_FLOAT],
  // 5119 bytes is the longest input string2ld accepts.
  [null, `0.5${'0'.repeat(5116)}`, '0.5'],
  [null, `0.5${'0'.repeat(5117)}`, NOT_FLOAT],
];

// Signed zeros, and %.17Lf rounding (ties to even on the exact binary value).
const ZEROS_AND_FORMAT_TIES: Case[] = [
  [null, '-0', '0'],
  [null, '-0.0', '0'],
  [null, '-0x0p0', '0'],
  [null, '-0e5', '0'],
  ['-0', '-0', '0'],
  ['-0', '0', '0'],
  [null, '-0.000000000000000001', '0'],
  [null, '-0.000000000000000006', '-0.00000000000000001'],
  [null, '0.000000000000000005', '0'],
  [null, '0.000000000000000015', '0.00000000000000002'],
  [null, '0.000000000000000025', '0.00000000000000002'],
  // 2^-18 and 3 * 2^-18 end in an exact 5 at the 18th decimal.
  [null, '0.000003814697265625', '0.00000381469726562'],
  [null, '0.000011444091796875', '0.00001144409179688'],
  [null, '-0.000003814697265625', '-0.00000381469726562'],
];

// Around 2^63 / 2^64, where the 64-bit significand starts to drop units (ties to even).
const NEAR_2_64: Case[] = [
  ['18446744073709551615', '1', '18446744073709551616'],
  [null, '18446744073709551617', '18446744073709551616'],
  [null, '18446744073709551619', '18446744073709551620'],
  [null, '18446744073709551621', '18446744073709551620'],
  [null, '0x1.0000000000000001p64', '18446744073709551616'],
  [null, '0x1.0000000000000003p64', '18446744073709551620'],
  [null, '0x1.00000000000000030000000001p64', '18446744073709551620'],
  [null, '0x1.00000000000000008p64', '18446744073709551616'],
  [null, '0x1.00000000000000018p64', '18446744073709551618'],
  [null, '0x1.0000000000000000800001p64', '18446744073709551616'],
  [null, '0x1.fffffffffffffffffp0', '2'],
  ['9223372036854775807', '1', '9223372036854775808'],
  ['9223372036854775807', '0.5', '9223372036854775807.5'],
  ['-9223372036854775808', '-1', '-9223372036854775809'],
  [null, '9007199254740993', '9007199254740993'],
  ['1e20', '1', '100000000000000000000'],
  ['1e19', '1', '10000000000000000001'],
];

// Range limits: LDBL_MAX ~ 1.18973e4932, least subnormal 2^-16445 ~ 3.6e-4951. strtold's
// overflow and underflow-to-zero (ERANGE) are refused by string2ld; subnormals are accepted.
const RANGE: Case[] = [
  [null, '1.18973149535723176508e4932', NOT_FLOAT],
  [null, '1.2e4932', NOT_FLOAT],
  ['1.18e4932', '1e4931', NAN_INF],
  [null, '0x1p16384', NOT_FLOAT],
  [null, '0x1.ffffffffffffffffp16383', NOT_FLOAT],
  [null, `1${'0'.repeat(4933)}`, NOT_FLOAT],
  ['1e4932', '-1e4932', '0'],
  [null, '1e-4950', '0'],
  [null, '1e-4960', NOT_FLOAT],
  [null, '0e-99999', '0'],
  [null, '0e99999999999999999999', '0'],
  [null, '1e-99999999999999999999', NOT_FLOAT],
  [null, '1e99999999999999999999', NOT_FLOAT],
  [null, '0x1p-16445', '0'],
  [null, '0x1p-16446', NOT_FLOAT],
  [null, '0x1.0000001p-16446', '0'],
  [null, '0x.00000000000000001p0', '0'],
  [null, '3.6e-4951', '0'],
  [null, '1.8e-4951', NOT_FLOAT],
  [null, '1.9e-4951', '0'],
  [null, `0.${'0'.repeat(4949)}1`, '0'],
  [null, `0.${'0'.repeat(4960)}1`, NOT_FLOAT],
];

function checkCases(t: Test, cases: Case[]): void {
  for (const [stored, incr, reply] of cases) {
    const name = `${JSON.stringify(stored)} + ${JSON.stringify(incr.length > 60 ? `${incr.slice(0, 20)}...(${incr.length})` : incr)}`;
    t.equal(incrbyfloat(stored, incr), reply, name);
  }
}

t.test('INCRBYFLOAT results recorded from Redis', async (t) => {
  t.test('arithmetic', async (t) => checkCases(t, BASICS));
  t.test('strtold syntax accepted by string2ld', async (t) => checkCases(t, SYNTAX));
  t.test('signed zeros and %.17Lf rounding ties', async (t) => checkCases(t, ZEROS_AND_FORMAT_TIES));
  t.test('rounding to 64 significant bits near 2^64', async (t) => checkCases(t, NEAR_2_64));
  t.test('overflow, subnormals and underflow', async (t) => checkCases(t, RANGE));
});

t.test('huge values print every integer digit (Redis: 4933 digits)', async (t) => {
  const cases: Array<[string | null, string, string, string, number]> = [
    [null, '1e4932', '100000000000000000000601894938', '163141086538418113791886622720', 4933],
    [null, `1${'0'.repeat(4932)}`, '100000000000000000000601894938', '163141086538418113791886622720', 4933],
    [
      null,
      '1.18973149535723176502e4932',
      '118973149535723176502126385303',
      '444156604419552086811989770240',
      4933,
    ],
    [
      null,
      '0x1.fffffffffffffffep16383',
      '118973149535723176502126385303',
      '444156604419552086811989770240',
      4933,
    ],
    [
      '1.18973149535723176502e4932',
      '-1e4900',
      '118973149535723176502126385303',
      '444156604419552086811989770240',
      4933,
    ],
    [null, '0x1p16383', '594865747678615882542879663314', '971576230223513645334982033408', 4932],
  ];
  for (const [stored, incr, head, tail, len] of cases) {
    const got = incrbyfloat(stored, incr);
    t.equal(got.length, len, `${incr} length`);
    t.equal(got.slice(0, 30), head, `${incr} leading digits`);
    t.equal(got.slice(-30), tail, `${incr} trailing digits`);
  }
  // The printed text parses back to the same value.
  const max = parse('0x1.fffffffffffffffep16383');
  t.same(parse(formatLongDoubleHuman(max)), max);
});

t.test('representation: normalised 64-bit significand', async (t) => {
  t.same(parse('1'), { kind: 'finite', neg: false, mant: 1n << 63n, exp: -63 });
  t.same(parse('-0.5'), { kind: 'finite', neg: true, mant: 1n << 63n, exp: -64 });
  t.same(parse('18446744073709551615'), { kind: 'finite', neg: false, mant: (1n << 64n) - 1n, exp: 0 });
  t.same(parse('0x1p-16445'), { kind: 'finite', neg: false, mant: 1n, exp: -16445 });
  t.same(parse('0x1p-16382'), { kind: 'finite', neg: false, mant: 1n << 63n, exp: -16445 });
  t.same(parse('0x1.fffffffffffffffep16383'), {
    kind: 'finite',
    neg: false,
    mant: (1n << 64n) - 1n,
    exp: 16320,
  });
  // 0.1 is rounded up in its last bit: 0xCCCCCCCCCCCCCCCD * 2^-67.
  t.same(parse('0.1'), { kind: 'finite', neg: false, mant: 0xcccccccccccccccdn, exp: -67 });
  t.same(parse('-0'), { kind: 'finite', neg: true, mant: 0n, exp: 0 });
  t.same(parse('inf'), { kind: 'inf', neg: false });
  t.same(parse('-INFINITY'), { kind: 'inf', neg: true });
  t.equal(parseLongDouble(Buffer.from('nan')), undefined);
});

t.test('addition: IEEE special cases and exact rounding', async (t) => {
  const negZero = addLongDouble(parse('-0'), parse('-0'));
  t.same(negZero, { kind: 'finite', neg: true, mant: 0n, exp: 0 }, '-0 + -0 = -0');
  t.same(addLongDouble(parse('-0'), parse('0')), LONG_DOUBLE_ZERO, '-0 + 0 = +0');
  t.same(addLongDouble(parse('1'), parse('-1')), LONG_DOUBLE_ZERO, 'x + -x = +0');
  t.ok(isNaNLongDouble(addLongDouble(parse('inf'), parse('-inf'))), 'inf + -inf = NaN');
  t.same(addLongDouble(parse('inf'), parse('-1e4000')), parse('inf'));
  t.same(addLongDouble(parse('-1e4000'), parse('-inf')), parse('-inf'));
  t.notOk(
    isFiniteLongDouble(addLongDouble(parse('0x1.fffffffffffffffep16383'), parse('0x1p16319'))),
    'overflow',
  );
  t.same(
    addLongDouble(parse('0x1.fffffffffffffffep16383'), parse('0x0.fffffp16319')),
    parse('0x1.fffffffffffffffep16383'),
    'just below half an ulp above LDBL_MAX stays finite',
  );
  // 1 + 2^-64 is a tie between 1 and 1 + 2^-63: even significand wins.
  t.same(addLongDouble(parse('1'), parse('0x1p-64')), parse('1'));
  t.same(addLongDouble(parse('0x1.0000000000000002p0'), parse('0x1p-64')), parse('0x1.0000000000000004p0'));
  // Subnormal + subnormal is exact, and carries into the normal range.
  t.same(addLongDouble(parse('0x1p-16445'), parse('0x1p-16445')), parse('0x1p-16444'));
  t.same(addLongDouble(parse('0x0.fffffffffffffffep-16382'), parse('0x1p-16445')), parse('0x1p-16382'));
  // Far apart operands: the small one only decides rounding.
  t.same(addLongDouble(parse('1e4000'), parse('1e-4000')), parse('1e4000'));
  for (const [a, b] of [
    ['0.1', '0.2'],
    ['1e300', '-3.5e-20'],
    ['-0x1p-16445', '0x1.8p-16440'],
  ] as const) {
    t.same(addLongDouble(parse(a), parse(b)), addLongDouble(parse(b), parse(a)), `${a} + ${b} commutes`);
  }
});

t.test('formatting of special values and length limit', async (t) => {
  t.equal(formatLongDoubleHuman(parse('inf')), 'inf');
  t.equal(formatLongDoubleHuman(parse('-inf')), '-inf');
  t.equal(formatLongDoubleHuman(addLongDouble(parse('inf'), parse('-inf'))), 'nan');
  t.equal(parseLongDouble(Buffer.alloc(5120, '1')), undefined, '5120 bytes refused before parsing');
  t.equal(parseLongDouble(Buffer.alloc(0)), undefined);
});
