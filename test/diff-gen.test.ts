// Checks the differential test's own machinery without servers: the generator is a pure
// function of the seed, the reply normalisation only hides what is nondeterministic, and the
// delta-debugging shrinker returns a 1-minimal failing sequence within its replay bound; the
// MULTI generator's blocks are well formed and its shrinker keeps them whole.
import t from 'tap';
import { formatCommand, generate, normalise, Prng, shrink } from './helpers/diff-gen.ts';
import { flatten, generateMulti, type Step, shrinkUnits, type Unit } from './helpers/diff-gen-multi.ts';

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

t.test('MULTI generator: deterministic, blocks well formed, shrinker keeps blocks whole', async (t) => {
  t.same(generateMulti(3, 200), generateMulti(3, 200));
  const units = generateMulti(3, 2000);
  const steps = flatten(units);
  t.ok(steps.length >= 2000 && steps.length < 2050, `${steps.length} steps`);
  const names = (u: Unit) => u.map((s) => String(s.argv[0]).toUpperCase());
  for (const u of units.filter((x) => x.length > 1)) {
    const n = names(u);
    const open = n.indexOf('MULTI');
    t.ok(open >= 0 && ['EXEC', 'DISCARD'].includes(n.at(-1)!), `block ${n.join(' ')}`);
    const conn = u[open]!.conn;
    t.equal(u.at(-1)!.conn, conn, 'MULTI and EXEC/DISCARD on one connection');
  }
  t.ok(
    steps.some((s) => s.conn === 1),
    'second connection used',
  );
  t.ok(steps.some((s) => s.origin === 'hashes-sets') && steps.some((s) => s.origin === 'lists-zsets'));
  // Fails when an EXEC follows a queued INCR on connection 0 (inside one block).
  const fails = async (seq: readonly Step[]) => {
    let inMulti = false;
    let incr = false;
    for (const s of seq) {
      const n = String(s.argv[0]).toUpperCase();
      if (s.conn !== 0) continue;
      if (n === 'MULTI') [inMulti, incr] = [true, false];
      else if (inMulti && n === 'INCR') incr = true;
      else if (n === 'EXEC' && inMulti && incr) return true;
      else if (n === 'EXEC' || n === 'DISCARD') inMulti = false;
    }
    return false;
  };
  t.ok(await fails(steps), 'the sample sequence fails');
  const minimal = flatten(await shrinkUnits(units, fails));
  t.same(
    minimal.map((s) => String(s.argv[0]).toUpperCase()),
    ['MULTI', 'INCR', 'EXEC'],
    'one block, only the failing queued command left',
  );
});
