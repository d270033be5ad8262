// Checks the replicated state machine without a server: entries applied to two independent
// stores give byte-identical state and identical replies (determinism), time comes only from
// the entry stamp (expiry), an entry is atomic with the applied index, replay of an already
// applied index is ignored, and the Txn overlay lets later commands of an entry see earlier ones.
import { ErrorReply, SimpleString } from '@seshat/common';
import { encodeEntry, KvStateMachine, resolveCommand } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });

function dump(storage: MemoryStorage): string[] {
  const out: string[] = [];
  for (const cf of ['meta', 'expire', 'raft_state'] as const) {
    const it = storage.iterator(cf, {});
    for (let rows = it.nextBatch(100); rows.length; rows = it.nextBatch(100)) {
      for (let i = 0; i < rows.length; i += 2)
        out.push(`${cf}:${rows[i]!.toString('hex')}=${rows[i + 1]!.toString('hex')}`);
    }
    it.close();
  }
  return out;
}

function read(sm: KvStateMachine, nowMs: number, ...args: string[]) {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, nowMs);
}

t.test('two replicas applying the same entries reach identical state and replies', async (t) => {
  const entries = [
    encodeEntry(1000, 7, [cmd('set', 'a', '1'), cmd('incr', 'a'), cmd('append', 'a', 'x'), cmd('incr', 'a')]),
    encodeEntry(1001, 8, [
      cmd('set', 'b', 'v', 'px', '50'),
      cmd('mset', 'c', '1', 'd', '2'),
      cmd('rename', 'c', 'e'),
    ]),
    encodeEntry(1100, 9, [cmd('get', 'b'), cmd('del', 'd', 'zz'), cmd('expire', 'e', '10')]),
  ];
  const r1 = new MemoryStorage();
  const r2 = new MemoryStorage();
  const s1 = new KvStateMachine(r1);
  const s2 = new KvStateMachine(r2);
  const replies1 = entries.map((e, i) => s1.apply(i + 1, e));
  const replies2 = entries.map((e, i) => s2.apply(i + 1, e));
  t.same(replies1, replies2);
  t.same(dump(r1), dump(r2));
  t.same(replies1[0], [
    new SimpleString('OK'),
    2n,
    2,
    new ErrorReply('ERR value is not an integer or out of range'),
  ]);
  t.equal(s1.appliedIndex, 3);
});

t.test('expiry is decided by the entry stamp, not by a local clock', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  sm.apply(1, encodeEntry(5000, 1, [cmd('set', 'k', 'v', 'px', '100')]));
  t.same(read(sm, 5050, 'get', 'k'), b('v'), 'alive before the deadline');
  t.equal(read(sm, 5100, 'get', 'k'), null, 'reads treat it as absent at the deadline');
  t.equal(sm.dbSize(0), 1, 'but it is not deleted by a read');
  const expired = sm.expiredCommands(5100, 10);
  t.equal(expired.length, 1, 'the active cycle proposes its deletion');
  t.same(sm.apply(2, encodeEntry(5100, 2, [{ db: 0, argv: expired[0]! }])), [1]);
  t.equal(sm.dbSize(0), 0);
  t.equal(sm.stats.expiredKeys, 1);
  t.same(sm.expiredCommands(6000, 10), []);
});

t.test('a write to an expired key deletes it deterministically at apply time', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  sm.apply(1, encodeEntry(1000, 1, [cmd('set', 'k', '5', 'px', '10')]));
  t.same(sm.apply(2, encodeEntry(2000, 1, [cmd('incr', 'k')])), [1n], 'INCR starts from 0 after expiry');
  t.equal(sm.stats.expiredKeys, 1);
});

t.test('replay of an applied index is ignored and state survives reopen', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  const e1 = encodeEntry(1, 1, [cmd('incr', 'n')]);
  sm.apply(1, e1);
  t.equal(sm.apply(1, e1), null);
  const again = new KvStateMachine(storage);
  t.equal(again.appliedIndex, 1);
  t.equal(again.dbSize(0), 1);
  t.same(read(again, 2, 'get', 'n'), b('1'));
  t.throws(() => again.apply(3, e1), /apply gap/);
});

t.test('FLUSHDB inside an entry sees keys written earlier in the same entry', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  sm.apply(1, encodeEntry(1, 1, [cmd('set', 'old', '1')]));
  sm.apply(2, encodeEntry(2, 1, [cmd('set', 'new', '1'), cmd('flushdb'), cmd('set', 'after', '1')]));
  t.equal(sm.dbSize(0), 1);
  t.same(read(sm, 3, 'keys', '*'), [b('after')]);
});
