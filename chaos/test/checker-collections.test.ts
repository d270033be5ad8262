// The counter, set and list-append checkers against known answers: seeded histories that
// are linearizable by construction (unknown and failed operations mixed in) pass, and each
// kind of fault the checkers exist for, planted into them, fails with a reason:
//   counters  a lost increment, one applied twice, a read going back, a value out of range;
//   sets      a lost acknowledged add, an element nobody added, one from a failed add,
//             a read missing what an earlier read saw;
//   lists     a lost acknowledged append, a duplicate, two reads in different orders,
//             appends out of real-time order, an append skipped while a later one is there.
import t from 'tap';
import { checkCounters } from '../checker/counter-bounds.ts';
import { checkLists } from '../checker/list-append.ts';
import { checkSets } from '../checker/set-bounds.ts';
import type { CounterOp, ListOp, SetOp, Verdict } from '../history.ts';
import { clone, genCounters, genLists, genSets } from './gen-history.ts';

const SEEDS = 150;

interface Failer {
  fail(message: string, extra: Record<string, unknown>): unknown;
}

/** How many times each planted fault was checked (every kind must be exercised). */
const planted = new Map<string, number>();

function expectInvalid(t: Failer, v: Verdict, what: string, pattern: RegExp): void {
  const kind = what.replace(/^seed \d+ /, '');
  planted.set(kind, (planted.get(kind) ?? 0) + 1);
  if (v.valid || v.outcome !== 'invalid') t.fail(`${what}: accepted`, { problems: v.problems });
  else if (!v.problems.some((p) => pattern.test(p)))
    t.fail(`${what}: wrong reason`, { problems: v.problems });
}

const okReads = <T extends { status: string; input: { f: string } }>(ops: T[]): T[] =>
  ops.filter((o) => o.status === 'ok' && o.input.f === 'read');

t.test('counters', async (t) => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const good = genCounters({ seed, processes: 2 + (seed % 5), ops: 80, final: true });
    const v = checkCounters(good);
    if (!v.valid) t.fail(`seed ${seed}: valid history rejected`, { problems: v.problems });

    // The final read one short of the acknowledged increments: an increment was lost.
    const lost = clone(good);
    const final = lost[lost.length - 1]!;
    const acked = lost.filter((o) => o.input.f === 'incr' && o.status === 'ok').length;
    if (acked > 0) {
      final.output = acked - 1;
      expectInvalid(t, checkCounters(lost), `seed ${seed} lost increment`, /missing/);
    }
    // Two increments returning the same value.
    const twice = clone(good);
    const incrs = twice.filter((o) => o.input.f === 'incr' && o.status === 'ok');
    if (incrs.length >= 2) {
      incrs[1]!.output = incrs[0]!.output;
      expectInvalid(
        t,
        checkCounters(twice),
        `seed ${seed} duplicate increment`,
        /same value|went back|below|above/,
      );
    }
    // A read lower than one that returned before it was called.
    const back = clone(good);
    const rs = okReads(back);
    const pair = rs.flatMap((a) =>
      rs.filter((b) => a.ret < b.call && (a.output as number) > 0).map((b) => [a, b]),
    )[0];
    if (pair !== undefined) {
      pair[1]!.output = (pair[0]!.output as number) - 1;
      expectInvalid(t, checkCounters(back), `seed ${seed} read going back`, /went back|missing/);
    }
    // More than every increment ever called.
    const high = clone(good);
    high[high.length - 1]!.output = high.filter((o) => o.input.f === 'incr').length + 1;
    expectInvalid(t, checkCounters(high), `seed ${seed} value out of range`, /above/);
  }
  t.ok(checkCounters([]).valid, 'an empty history is valid');
  const k = (key: string, out: number): CounterOp => ({
    process: 0,
    key,
    input: { f: 'incr' },
    status: 'ok',
    call: 0,
    ret: 1,
    output: out,
  });
  t.ok(checkCounters([k('a', 1), k('b', 1)]).valid, 'keys count apart');
});

t.test('sets', async (t) => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const good = genSets({ seed, processes: 2 + (seed % 5), ops: 80, final: true });
    const v = checkSets(good);
    if (!v.valid) t.fail(`seed ${seed}: valid history rejected`, { problems: v.problems });

    const lost = clone(good);
    const final = lost[lost.length - 1]!;
    const acked = lost.find((o) => o.input.f === 'add' && o.status === 'ok');
    if (acked !== undefined && acked.input.f === 'add') {
      const e = acked.input.element;
      final.output = (final.output ?? []).filter((x) => x !== e);
      expectInvalid(t, checkSets(lost), `seed ${seed} lost add`, /lost the acknowledged/);
    }
    const ghost = clone(good);
    ghost[ghost.length - 1]!.output = [...(ghost[ghost.length - 1]!.output ?? []), 'nobody'];
    expectInvalid(t, checkSets(ghost), `seed ${seed} element from nowhere`, /nobody added/);

    const failed = clone(good);
    const f = failed.find((o) => o.input.f === 'add' && o.status === 'fail');
    if (f !== undefined && f.input.f === 'add') {
      failed[failed.length - 1]!.output = [...(failed[failed.length - 1]!.output ?? []), f.input.element];
      expectInvalid(t, checkSets(failed), `seed ${seed} failed add visible`, /failed operation/);
    }
    // A read missing an element an earlier read saw (one added by an unknown add, so only
    // the "no going back" rule can catch it).
    const back = clone(good);
    const adds = new Map(back.flatMap((o) => (o.input.f === 'add' ? [[o.input.element, o] as const] : [])));
    const rs = okReads(back);
    const hit = rs
      .flatMap((a) => rs.filter((b) => a.ret < b.call).map((b) => [a, b] as const))
      .map(([a, b]) => [a, b, (a.output ?? []).find((e) => adds.get(e)?.status === 'info')] as const)
      .find(([, , e]) => e !== undefined);
    if (hit !== undefined) {
      const [, b, e] = hit;
      b.output = (b.output ?? []).filter((x) => x !== e);
      expectInvalid(t, checkSets(back), `seed ${seed} set read going back`, /misses/);
    }
  }
  const dup: SetOp[] = [
    { process: 0, key: 's', input: { f: 'add', element: 'a' }, status: 'ok', call: 0, ret: 1, output: null },
    { process: 1, key: 's', input: { f: 'read' }, status: 'ok', call: 2, ret: 3, output: ['a', 'a'] },
  ];
  expectInvalid(t, checkSets(dup), 'duplicate member', /twice/);
});

t.test('lists', async (t) => {
  let reordered = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const good = genLists({ seed, processes: 2 + (seed % 5), ops: 80, final: true });
    const v = checkLists(good);
    if (!v.valid) t.fail(`seed ${seed}: valid history rejected`, { problems: v.problems });
    const appends = new Map(
      good.flatMap((o) => (o.input.f === 'append' ? [[o.input.element, o] as const] : [])),
    );
    const finalOut = good[good.length - 1]!.output ?? [];

    // Drop an acknowledged element from the middle of the final read.
    const lost = clone(good);
    const victim = finalOut.slice(0, -1).find((e) => appends.get(e)?.status === 'ok');
    if (victim !== undefined) {
      lost[lost.length - 1]!.output = finalOut.filter((e) => e !== victim);
      expectInvalid(
        t,
        checkLists(lost),
        `seed ${seed} lost append`,
        /lost the acknowledged|not a prefix|but not/,
      );
    }
    // Duplicate the first element at the end.
    if (finalOut.length > 0) {
      const dup = clone(good);
      dup[dup.length - 1]!.output = [...finalOut, finalOut[0]!];
      expectInvalid(t, checkLists(dup), `seed ${seed} duplicate`, /twice/);
    }
    // Swap two neighbours of the final read where the first returned before the second was
    // called: real-time order broken.
    const i = finalOut.findIndex((e, j) => {
      const a = appends.get(e);
      const b = appends.get(finalOut[j + 1] ?? '');
      return a !== undefined && b !== undefined && a.ret < b.call;
    });
    if (i >= 0) {
      reordered++;
      const swapped = clone(good);
      const out = [...finalOut];
      [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
      swapped[swapped.length - 1]!.output = out;
      expectInvalid(t, checkLists(swapped), `seed ${seed} out of order`, /comes before|not a prefix/);
    }
    // Another read (at least two elements) with its last two swapped: not a prefix of the final one.
    const div = clone(good);
    const rd = okReads(div).find((r) => (r.output ?? []).length >= 2 && r !== div[div.length - 1]);
    if (rd !== undefined) {
      const out = [...(rd.output ?? [])];
      [out[out.length - 2], out[out.length - 1]] = [out[out.length - 1]!, out[out.length - 2]!];
      rd.output = out;
      expectInvalid(t, checkLists(div), `seed ${seed} diverging reads`, /not a prefix|comes before/);
    }
  }
  t.ok(reordered > SEEDS / 2, `reorderings planted in ${reordered} histories`);
  // Only the longest read has the later append: the earlier acknowledged one is missing.
  const skipped: ListOp[] = [
    {
      process: 0,
      key: 'l',
      input: { f: 'append', element: 'a' },
      status: 'ok',
      call: 0,
      ret: 1,
      output: null,
    },
    {
      process: 0,
      key: 'l',
      input: { f: 'append', element: 'b' },
      status: 'ok',
      call: 2,
      ret: 3,
      output: null,
    },
    { process: 1, key: 'l', input: { f: 'read' }, status: 'ok', call: 0.5, ret: 4, output: ['b'] },
  ];
  expectInvalid(t, checkLists(skipped), 'append skipped', /but not the earlier/);
});

t.test('every planted fault was exercised', async (t) => {
  const kinds = [
    'lost increment',
    'duplicate increment',
    'read going back',
    'value out of range',
    'lost add',
    'set read going back',
    'element from nowhere',
    'failed add visible',
    'lost append',
    'duplicate',
    'out of order',
    'diverging reads',
  ];
  for (const k of kinds) t.ok((planted.get(k) ?? 0) >= 20, `${k}: planted ${planted.get(k) ?? 0} times`);
});
