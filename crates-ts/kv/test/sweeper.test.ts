// Checks background reclamation of stale collection elements (src/sweeper.ts) on the state
// machine without a server: deleting or overwriting a collection leaves its elements in
// `sub`/`zscore`; staleElementCommands proposes them as internal sweep commands; applying
// those deletes exactly the stale rows (re-checked against the applied meta record, so a
// collection re-created in between keeps its new elements); work per call is bounded; two
// replicas applying the same entries end with identical bytes.
import { ErrorReply } from '@seshat/common';
import { encodeEntry, KvStateMachine, resolveCommand } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t, { type Test } from 'tap';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });

function rows(storage: MemoryStorage, cf: 'sub' | 'zscore' | 'meta'): string[] {
  const out: string[] = [];
  const it = storage.iterator(cf, {});
  for (let r = it.nextBatch(100); r.length; r = it.nextBatch(100)) {
    for (let i = 0; i < r.length; i += 2) out.push(`${r[i]!.toString('hex')}=${r[i + 1]!.toString('hex')}`);
  }
  it.close();
  return out;
}

function read(sm: KvStateMachine, ...args: string[]) {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, 1);
}

/** Applies sweep proposals (one entry) until none are left; returns how many rounds it took. */
function sweepAll(t: Test, sm: KvStateMachine, max: number, next: { index: number }): number {
  let rounds = 0;
  for (;;) {
    const cmds = sm.staleElementCommands(max);
    if (cmds.length === 0) return rounds;
    t.ok(cmds.reduce((n, c) => n + c.length - 3, 0) <= max, 'one call proposes at most max keys');
    sm.apply(
      next.index++,
      encodeEntry(
        10,
        1,
        cmds.map((argv) => ({ db: 0, argv })),
      ),
    );
    rounds++;
    if (rounds > 1000) throw new Error('sweeper does not converge');
  }
}

t.test('deleted and overwritten collections are reclaimed, live ones untouched', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.apply(1, encodeEntry(1, 1, [cmd('sadd', 's', 'a', 'b', 'c'), cmd('hset', 'h', 'f', 'v', 'g', 'w')]));
  sm.apply(2, encodeEntry(2, 1, [cmd('sadd', 'live', '1', '2'), cmd('hset', 'keep', 'x', 'y')]));
  const liveRows = rows(storage, 'sub').length;
  sm.apply(3, encodeEntry(3, 1, [cmd('del', 's'), cmd('set', 'h', 'string now')]));
  t.equal(rows(storage, 'sub').length, liveRows, 'DEL and SET leave the elements behind (O(1) delete)');
  const next = { index: 4 };
  t.ok(sweepAll(t, sm, 1000, next) >= 1);
  t.equal(rows(storage, 'sub').length, 3, 'only the 3 live elements remain');
  t.equal(read(sm, 'scard', 'live'), 2);
  t.same(read(sm, 'hget', 'keep', 'x'), b('y'));
  t.same(read(sm, 'get', 'h'), b('string now'));
  t.same(sm.staleElementCommands(1000), [], 'nothing left, nothing proposed');
});

t.test('a collection re-created between proposal and apply keeps its new elements', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.apply(1, encodeEntry(1, 1, [cmd('sadd', 's', 'a', 'b')]));
  sm.apply(2, encodeEntry(2, 1, [cmd('del', 's')]));
  const proposal = sm.staleElementCommands(100);
  t.equal(proposal.length, 1, 'one command for the deleted set');
  // Before the proposal is applied, the set is re-created (new version) with one of the members.
  sm.apply(3, encodeEntry(3, 1, [cmd('sadd', 's', 'a', 'z')]));
  sm.apply(
    4,
    encodeEntry(
      4,
      1,
      proposal.map((argv) => ({ db: 0, argv })),
    ),
  );
  t.equal(rows(storage, 'sub').length, 2, 'old a, b gone; new a, z kept');
  t.equal(read(sm, 'sismember', 's', 'a'), 1);
  t.equal(read(sm, 'sismember', 's', 'z'), 1);
  t.equal(read(sm, 'scard', 's'), 2);
});

t.test('a sweep command naming a live collection deletes nothing (apply-time check)', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.apply(1, encodeEntry(1, 1, [cmd('sadd', 's', 'a', 'b')]));
  sm.apply(2, encodeEntry(2, 1, [cmd('del', 's')]));
  const [stale] = sm.staleElementCommands(100);
  sm.apply(3, encodeEntry(3, 1, [cmd('sadd', 's', 'a')]));
  // Forge a command for the live version: same layout, prefix taken from the live element row.
  const liveKey = Buffer.from(
    rows(storage, 'sub')
      .find((r) => !r.startsWith(stale![2]!.toString('hex')))!
      .split('=')[0]!,
    'hex',
  );
  const livePrefix = liveKey.subarray(0, stale![2]!.length);
  const forged = [stale![0]!, stale![1]!, livePrefix, b('a')];
  t.same(sm.apply(4, encodeEntry(4, 1, [{ db: 0, argv: forged }])), [0]);
  t.equal(read(sm, 'sismember', 's', 'a'), 1, 'live member kept');
});

t.test('work per call is bounded and the cursor resumes', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  const members = Array.from({ length: 300 }, (_, i) => `m${i}`);
  sm.apply(1, encodeEntry(1, 1, [cmd('sadd', 'big', ...members), cmd('sadd', 'live', 'x')]));
  for (let i = 0; i < 40; i++)
    sm.apply(2 + i, encodeEntry(2, 1, [cmd('hset', `h${i}`, 'f', 'v'), cmd('del', `h${i}`)]));
  sm.apply(42, encodeEntry(3, 1, [cmd('del', 'big')]));
  const next = { index: 43 };
  const rounds = sweepAll(t, sm, 16, next);
  t.ok(rounds >= 340 / 16, `took ${rounds} bounded rounds`);
  t.equal(rows(storage, 'sub').length, 1, 'only the live member remains');
  t.same(sm.staleElementCommands(16), [], 'a clean pass with no new entries proposes nothing');
});

t.test('sorted set index rows (zscore) are reclaimed too', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.apply(1, encodeEntry(1, 1, [cmd('zadd', 'z', '1', 'a', '2', 'b'), cmd('rpush', 'l', 'x', 'y')]));
  sm.apply(2, encodeEntry(2, 1, [cmd('del', 'z'), cmd('del', 'l')]));
  t.ok(rows(storage, 'zscore').length > 0);
  sweepAll(t, sm, 100, { index: 3 });
  t.same(rows(storage, 'zscore'), []);
  t.same(rows(storage, 'sub'), []);
});

t.test('two replicas applying the same entries and sweeps reach identical bytes', async (t) => {
  const entries = [
    encodeEntry(1, 5, [cmd('sadd', 's', '1', '2', '3', '4', '5'), cmd('hset', 'h', 'a', '1')]),
    encodeEntry(2, 6, [cmd('spop', 's', '2'), cmd('srandmember', 's', '-3'), cmd('del', 'h')]),
    encodeEntry(3, 7, [cmd('spop', 's'), cmd('sunionstore', 'u', 's', 's'), cmd('del', 's')]),
  ];
  const stores = [new MemoryStorage(), new MemoryStorage()];
  const sms = stores.map((s) => new KvStateMachine(s));
  const replies = sms.map((sm) => entries.map((e, i) => sm.apply(i + 1, e)));
  t.same(replies[0], replies[1], 'SPOP/SRANDMEMBER choices come from the entry seed');
  const sweep = sms[0]!.staleElementCommands(100);
  for (const sm of sms)
    sm.apply(
      4,
      encodeEntry(
        4,
        8,
        sweep.map((argv) => ({ db: 0, argv })),
      ),
    );
  for (const cf of ['meta', 'sub'] as const) t.same(rows(stores[0]!, cf), rows(stores[1]!, cf), cf);
});
