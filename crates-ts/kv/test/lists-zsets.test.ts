// Checks lists and sorted sets inside the state machine, without a server: two replicas
// applying the same entries reach byte-identical state in every column family (meta, sub,
// zscore) with identical replies; commands of one entry see each other's writes (Txn overlay);
// a list whose positions went far below zero still answers LINDEX/LSET by position.
import { encodeEntry, KvStateMachine } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });

function dump(storage: MemoryStorage): string[] {
  const out: string[] = [];
  for (const cf of ['meta', 'sub', 'zscore', 'expire'] as const) {
    const it = storage.iterator(cf, {});
    for (let rows = it.nextBatch(100); rows.length; rows = it.nextBatch(100)) {
      for (let i = 0; i < rows.length; i += 2)
        out.push(`${cf}:${rows[i]!.toString('hex')}=${rows[i + 1]!.toString('hex')}`);
    }
    it.close();
  }
  return out;
}

t.test('replicas agree on lists and sorted sets', async (t) => {
  const entries = [
    encodeEntry(1000, 1, [
      cmd('rpush', 'l', 'a', 'b', 'c'),
      cmd('lpush', 'l', 'z'),
      cmd('linsert', 'l', 'after', 'a', 'x'),
    ]),
    encodeEntry(1001, 2, [
      cmd('lrem', 'l', '0', 'b'),
      cmd('lmove', 'l', 'l2', 'left', 'right'),
      cmd('lrange', 'l', '0', '-1'),
    ]),
    encodeEntry(1002, 3, [
      cmd('zadd', 'z', '1', 'a', '2', 'b', '-0', 'c'),
      cmd('zincrby', 'z', '0.5', 'a'),
      cmd('zrank', 'z', 'a'),
    ]),
    encodeEntry(1003, 4, [
      cmd('zunionstore', 'u', '2', 'z', 'z', 'weights', '1', '2'),
      cmd('zpopmin', 'u', '2'),
      cmd('zrange', 'u', '0', '-1', 'withscores'),
    ]),
  ];
  const r1 = new MemoryStorage();
  const r2 = new MemoryStorage();
  const s1 = new KvStateMachine(r1);
  const s2 = new KvStateMachine(r2);
  const replies1 = entries.map((e, i) => s1.apply(i + 1, e));
  const replies2 = entries.map((e, i) => s2.apply(i + 1, e));
  t.same(replies1, replies2);
  t.same(dump(r1), dump(r2));
  t.same(replies1[1]![2], [b('a'), b('x'), b('c')], 'LRANGE sees the LREM and LMOVE of the same entry');
  t.equal(replies1[2]![2], 1, 'ZRANK sees the ZINCRBY of the same entry');
});

t.test('positions far from zero', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  const pushes = Array.from({ length: 300 }, (_, i) => cmd('lpush', 'l', `v${i}`));
  sm.apply(1, encodeEntry(1000, 1, pushes));
  const r = sm.apply(
    2,
    encodeEntry(1001, 2, [
      cmd('lindex', 'l', '0'),
      cmd('lset', 'l', '-1', 'last'),
      cmd('lindex', 'l', '299'),
      cmd('llen', 'l'),
    ]),
  );
  t.same(r, [b('v299'), { value: 'OK' }, b('last'), 300]);
});
