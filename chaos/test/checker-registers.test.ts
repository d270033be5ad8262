// The register linearizability checker against known answers:
//   - hand-made histories (concurrent reads of old and new values, a stale read, unknown
//     writes taking effect late or never, compare-and-set both ways, keys checked apart);
//   - seeded generated histories that are linearizable by construction must pass, with
//     unknown and failed operations mixed in;
//   - the same histories with one read made stale (a value overwritten by a write that
//     finished before the read began) or impossible (a value nobody wrote) must fail;
//   - a search that runs out of budget says "unknown", never "valid".
import t from 'tap';
import { checkRegisters } from '../checker/linearizable-register.ts';
import type { RegisterInput, RegisterOp, RegisterOutput } from '../history.ts';
import { clone, genRegisters } from './gen-history.ts';

const INF = Number.POSITIVE_INFINITY;

function op(
  process: number,
  input: RegisterInput,
  call: number,
  ret: number,
  output?: RegisterOutput,
  key = 'x',
): RegisterOp {
  const status = ret === INF ? 'info' : output === undefined && input.f !== 'write' ? 'fail' : 'ok';
  return { process, key, input, call, ret, status, output: status === 'ok' ? (output ?? null) : undefined };
}
const w = (v: string) => ({ f: 'write', value: v }) as const;
const r = { f: 'read' } as const;

t.test('hand-made histories', async (t) => {
  const cases: [string, RegisterOp[], boolean][] = [
    ['empty', [], true],
    ['read of the initial nil', [op(0, r, 0, 1, null)], true],
    [
      'read concurrent with a write may see either',
      [op(0, w('a'), 0, 10), op(1, r, 2, 3, null), op(2, r, 4, 5, 'a')],
      true,
    ],
    ['read after a write returned must see it', [op(0, w('a'), 0, 1), op(1, r, 2, 3, null)], false],
    [
      'two readers see the write in opposite orders',
      [op(0, w('a'), 0, 10), op(1, r, 1, 2, 'a'), op(2, r, 3, 4, null)],
      false,
    ],
    ['a value nobody wrote', [op(0, w('a'), 0, 1), op(1, r, 2, 3, 'b')], false],
    ['unknown write seen later', [op(0, w('a'), 0, INF), op(1, r, 50, 51, 'a')], true],
    ['unknown write never seen', [op(0, w('a'), 0, INF), op(1, r, 50, 51, null)], true],
    [
      'unknown write seen, then gone',
      [op(0, w('a'), 0, INF), op(1, r, 50, 51, 'a'), op(1, r, 52, 53, null)],
      false,
    ],
    [
      'failed write must not be seen',
      [{ ...op(0, w('a'), 0, 1), status: 'fail', output: undefined }, op(1, r, 2, 3, 'a')],
      false,
    ],
    [
      'swap returns the previous value',
      [op(0, w('a'), 0, 1), op(1, { f: 'swap', value: 'b' }, 2, 3, 'a'), op(2, r, 4, 5, 'b')],
      true,
    ],
    [
      'two swaps cannot both see the same previous value',
      [
        op(0, w('a'), 0, 1),
        op(1, { f: 'swap', value: 'b' }, 2, 5, 'a'),
        op(2, { f: 'swap', value: 'c' }, 2, 5, 'a'),
      ],
      false,
    ],
    [
      'cas succeeds against the current value',
      [op(0, w('a'), 0, 1), op(1, { f: 'cas', from: 'a', to: 'b' }, 2, 3, true), op(2, r, 4, 5, 'b')],
      true,
    ],
    [
      'cas cannot succeed against an overwritten value',
      [op(0, w('a'), 0, 1), op(0, w('b'), 2, 3), op(1, { f: 'cas', from: 'a', to: 'c' }, 4, 5, true)],
      false,
    ],
    [
      'a failed cas (false) needs a different state',
      [op(0, w('a'), 0, 1), op(1, { f: 'cas', from: 'a', to: 'c' }, 4, 5, false)],
      false,
    ],
    [
      'a failed cas (false) with a concurrent write',
      [op(0, w('a'), 0, 1), op(2, w('b'), 3, 6), op(1, { f: 'cas', from: 'a', to: 'c' }, 4, 5, false)],
      true,
    ],
    [
      'an unknown cas that is observed',
      [op(0, w('a'), 0, 1), op(1, { f: 'cas', from: 'a', to: 'c' }, 2, INF), op(2, r, 9, 10, 'c')],
      true,
    ],
    [
      'keys are independent',
      [op(0, w('a'), 0, 1, undefined, 'x'), op(1, r, 2, 3, null, 'y'), op(2, r, 2, 3, 'a', 'x')],
      true,
    ],
  ];
  for (const [name, ops, valid] of cases) {
    const v = checkRegisters(ops);
    t.equal(v.valid, valid, name, { problems: v.problems });
    t.equal(v.outcome, valid ? 'valid' : 'invalid', `${name}: outcome`);
    if (!valid)
      t.ok(v.problems.length > 0 && v.problems[0]!.includes('not linearizable'), `${name}: says why`);
  }
});

t.test('generated linearizable histories pass', async (t) => {
  let infos = 0;
  let fails = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const ops = genRegisters({
      seed,
      processes: 2 + (seed % 6),
      ops: 40 + (seed % 60),
      final: seed % 2 === 0,
    });
    infos += ops.filter((o) => o.status === 'info').length;
    fails += ops.filter((o) => o.status === 'fail').length;
    const v = checkRegisters(ops);
    if (!v.valid) t.fail(`seed ${seed}`, { problems: v.problems });
  }
  t.ok(infos > 100 && fails > 50, `unknown (${infos}) and failed (${fails}) operations were exercised`);
  for (const seed of [7, 8, 9]) {
    const v = checkRegisters(genRegisters({ seed, processes: 12, ops: 1500, info: 0.04 }));
    t.ok(v.valid, `1500 operations by 12 clients (seed ${seed})`, { problems: v.problems, stats: v.stats });
  }
});

/** Makes some read stale: it returns the value of a write overwritten before the read began. */
function makeStale(ops: RegisterOp[]): boolean {
  const writes = ops.filter((o) => o.status === 'ok' && (o.input.f === 'write' || o.input.f === 'swap'));
  for (const rd of ops) {
    if (rd.status !== 'ok' || rd.input.f !== 'read') continue;
    for (const old of writes)
      for (const newer of writes)
        if (old.ret < newer.call && newer.ret < rd.call) {
          const value = (old.input as { value: string }).value;
          if (rd.output === value) continue;
          rd.output = value;
          return true;
        }
  }
  return false;
}

t.test('mutated histories fail', async (t) => {
  let stale = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const good = genRegisters({ seed, processes: 4, ops: 60 });
    const ghost = clone(good);
    const rd = ghost.find((o) => o.status === 'ok' && o.input.f === 'read');
    if (rd !== undefined) {
      rd.output = 'nobody-wrote-this';
      const v = checkRegisters(ghost);
      if (v.valid || v.outcome !== 'invalid') t.fail(`seed ${seed}: impossible value accepted`);
    }
    const st = clone(good);
    if (makeStale(st)) {
      stale++;
      const v = checkRegisters(st);
      if (v.valid || v.outcome !== 'invalid') t.fail(`seed ${seed}: stale read accepted`);
    }
  }
  t.ok(stale > 100, `stale reads were planted in ${stale} histories`);
});

t.test('a search out of budget is unknown, not valid', async (t) => {
  const ops = genRegisters({ seed: 3, processes: 8, ops: 400 });
  const v = checkRegisters(ops, { maxStates: 3 });
  t.equal(v.outcome, 'unknown');
  t.equal(v.valid, false);
  t.match(v.problems[0], /budget/);
});
