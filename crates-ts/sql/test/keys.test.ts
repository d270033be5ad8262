// The order-preserving key encoding (keys.ts): for every type, random values encoded one at
// a time and as two-column tuples compare with Buffer.compare exactly as PG's comparison
// orders them (NULL first), equal values (1.0 and 1.00, 'a' and 'a ' as char(n), 0 and -0)
// encode to equal bytes, and a prefix of a string sorts before its extensions.
import { SeededRandom } from '@seshat/common';
import t from 'tap';
import { compareKeyOrder, encodeKey } from '../src/keys.js';
import { Numeric, parseNumeric } from '../src/types/numeric.js';
import { Oid, type Value } from '../src/types/oids.js';

const EMPTY = Buffer.alloc(0);
const SAMPLES = 400;

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

const r = new SeededRandom(7);
const pick = <T>(xs: readonly T[]): T => xs[r.nextInt(xs.length)]!;
const smallInt = () => r.nextInt(2001) - 1000;

const GENERATORS: Record<string, [number, () => Value]> = {
  int2: [Oid.int2, () => pick([-32768, 32767, 0, smallInt()])],
  int4: [Oid.int4, () => pick([-2147483648, 2147483647, 0, -1, smallInt() * 100000])],
  int8: [Oid.int8, () => pick([-(2n ** 63n), 2n ** 63n - 1n, 0n, BigInt(smallInt()) * 10n ** 12n])],
  float8: [
    Oid.float8,
    () =>
      pick([
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        0,
        5e-324,
        -5e-324,
        smallInt() / 7,
        smallInt() * 1e300,
      ]),
  ],
  float4: [Oid.float4, () => Math.fround(pick([smallInt() / 3, 1e30, -1e-30, 0]))],
  numeric: [
    Oid.numeric,
    () =>
      parseNumeric(
        pick([
          '0',
          '0.000',
          '1',
          '1.0',
          '1.00',
          '-1',
          '10',
          '0.1',
          '0.12',
          '0.123',
          '-0.12',
          '-0.123',
          '99.999',
          '-100',
          '1e20',
          '1e-20',
          '-1e-20',
          String(smallInt()),
          `${smallInt()}.${r.nextInt(1000)}`,
        ]),
      )!,
  ],
  bool: [Oid.bool, () => r.nextInt(2) === 0],
  text: [
    Oid.text,
    () => pick(['', 'a', 'a\u0000', 'a\u0000b', 'ab', 'b', 'é', '\uffff', '😀', 'a b', '\u0001']),
  ],
  bpchar: [Oid.bpchar, () => pick(['a', 'a  ', 'ab ', 'b', ''])],
  bytea: [Oid.bytea, () => Buffer.from(pick(['', '00', '0000', '00ff', 'ff', '01', 'ff00']), 'hex')],
  date: [Oid.date, () => smallInt() * 50],
  timestamptz: [Oid.timestamptz, () => BigInt(smallInt()) * 86_400_000_000n + BigInt(r.nextInt(1000))],
};

for (const [name, [oid, gen]] of Object.entries(GENERATORS)) {
  t.test(`${name}: byte order is PG order, equal values encode equal`, async (t) => {
    let bad = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const a = r.nextInt(10) === 0 ? null : gen();
      const b = r.nextInt(10) === 0 ? null : gen();
      const want = sign(compareKeyOrder(oid, a, b));
      const got = sign(Buffer.compare(encodeKey(EMPTY, [oid], [a]), encodeKey(EMPTY, [oid], [b])));
      if (want !== got && bad++ < 3) t.fail(`${String(a)} vs ${String(b)}: want ${want}, got ${got}`);
    }
    t.equal(bad, 0);
  });
}

t.test('tuples order by the first column, then the second', async (t) => {
  let bad = 0;
  const [o1, g1] = GENERATORS.text!;
  const [o2, g2] = GENERATORS.int4!;
  for (let i = 0; i < SAMPLES; i++) {
    const a = [g1(), g2()];
    const b = [g1(), g2()];
    const want = sign(compareKeyOrder(o1, a[0]!, b[0]!) || compareKeyOrder(o2, a[1]!, b[1]!));
    const got = sign(Buffer.compare(encodeKey(EMPTY, [o1, o2], a), encodeKey(EMPTY, [o1, o2], b)));
    if (want !== got) bad++;
  }
  t.equal(bad, 0);
});

t.test('equal numerics of different scales share a key', async (t) => {
  const k = (s: string) => encodeKey(EMPTY, [Oid.numeric], [parseNumeric(s)!]);
  t.same(k('1.0'), k('1.00'));
  t.same(k('0'), k('0.000'));
  t.same(k('-12.50'), k('-12.5'));
  t.notSame(k('1.01'), k('1.1'));
  t.same(encodeKey(EMPTY, [Oid.numeric], [new Numeric(1200n, 2)]), k('12'));
});
