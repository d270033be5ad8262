// Checks the differential test's own machinery without servers: the generator is a pure
// function of the seed, the reply normalisation only hides what is nondeterministic, and the
// delta-debugging shrinker returns a 1-minimal failing sequence within its replay bound.
import t from 'tap';
import { formatCommand, generate, normalise, Prng, shrink } from './helpers/diff-gen.ts';

t.test('generate is deterministic per seed', async (t) => {
  t.same(generate(7, 300), generate(7, 300));
  t.notSame(generate(7, 50), generate(8, 50));
  t.same(generate(7, 300).slice(0, 100), generate(7, 100), 'a prefix of a longer run');
  const p = new Prng(1);
  const xs = Array.from({ length: 1000 }, () => p.int(10));
  t.ok(xs.every((x) => x >= 0 && x < 10));
  t.equal(new Set(xs).size, 10, 'covers the range');
});

t.test('generated commands cover the command set', async (t) => {
  const names = new Set(generate(1, 5000).map((c) => String(c[0]).toUpperCase()));
  for (const n of [
    'SET',
    'GET',
    'GETEX',
    'MSETNX',
    'SETRANGE',
    'INCRBYFLOAT',
    'LCS',
    'COPY',
    'MOVE',
    'PEXPIREAT',
    'PERSIST',
    'OBJECT',
    'KEYS',
    'FLUSHDB',
  ]) {
    t.ok(names.has(n), n);
  }
});

t.test('normalise hides only nondeterministic parts', async (t) => {
  t.equal(normalise(['TTL', 'k'], { type: 'integer', value: 99n }), ':<positive>');
  t.equal(normalise(['pttl', 'k'], { type: 'integer', value: -2n }), ':-2');
  t.equal(normalise(['EXPIRETIME', 'k'], { type: 'integer', value: -1n }), ':-1');
  t.equal(normalise(['INCR', 'k'], { type: 'integer', value: 99n }), ':99');
  const keys = {
    type: 'array' as const,
    value: [
      { type: 'bulk' as const, value: Buffer.from('b') },
      { type: 'bulk' as const, value: Buffer.from('a') },
    ],
  };
  t.equal(normalise(['KEYS', '*'], keys), '["a", "b"]');
  t.equal(normalise(['MGET', 'b', 'a'], keys), '["b", "a"]', 'other arrays keep their order');
});

t.test('shrink finds a 1-minimal failing subsequence', async (t) => {
  const seq = Array.from({ length: 200 }, (_, i) => i);
  let replays = 0;
  const fails = async (s: readonly number[]) => {
    replays++;
    return s.includes(17) && s.includes(150) && s.indexOf(17) < s.indexOf(150);
  };
  t.same(await shrink(seq, fails), [17, 150]);
  t.ok(replays < 200, `${replays} replays`);
  t.same(await shrink([5], async () => true), [5], 'single command stays');
  const bounded = await shrink(seq, async () => false, 10);
  t.same(bounded, seq, 'nothing removable: unchanged');
});

t.test('formatCommand quotes what needs quoting', async (t) => {
  t.equal(formatCommand(['SET', 'k', 'a b', '', Buffer.from([0, 255])]), 'SET k "a b" "" "\\x00\\xff"');
});
