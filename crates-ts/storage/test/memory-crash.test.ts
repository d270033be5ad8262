// The memory twin's crash model (MemoryStorage({crashModel: true}), used by the cluster
// simulator): unsynced writes are visible at once but lost by crash() unless a synced write
// or a completed syncWrites() covered them; syncWrites() covers only writes made before the
// call and resolves only at completeSync(); crash(n) keeps the first n unsynced writes (a
// prefix of the WAL order), range clears included. Without the option nothing changes.
import { MemoryStorage, type Storage } from '@seshat/storage';
import t from 'tap';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function put(storage: Storage, key: string, value: string, sync = false): void {
  const batch = storage.batch();
  batch.put('meta', b(key), b(value));
  storage.write(batch, { sync });
}

function get(storage: Storage, key: string): string | undefined {
  return storage.get('meta', b(key))?.toString('latin1');
}

t.test('unsynced writes are visible, then lost by a crash', async (t) => {
  const s = new MemoryStorage({ crashModel: true });
  put(s, 'a', '1');
  t.equal(get(s, 'a'), '1');
  t.equal(s.unsyncedWrites, 1);
  const after = s.crash();
  t.equal(get(after, 'a'), undefined, 'lost');
  t.throws(() => s.get('meta', b('a')), 'the crashed storage is closed');
  put(after, 'b', '2');
  t.equal(after.crash(1).get('meta', b('b'))?.toString(), '2', 'a surviving prefix of one write');
});

t.test('a synced write makes everything before it durable', async (t) => {
  const s = new MemoryStorage({ crashModel: true });
  put(s, 'a', '1');
  put(s, 'b', '2', true);
  put(s, 'c', '3');
  const after = s.crash();
  t.same([get(after, 'a'), get(after, 'b'), get(after, 'c')], ['1', '2', undefined]);
});

t.test('syncWrites covers the writes before the call and resolves at completeSync', async (t) => {
  const s = new MemoryStorage({ crashModel: true });
  put(s, 'a', '1');
  let resolved = false;
  const p = s.syncWrites().then(() => {
    resolved = true;
  });
  put(s, 'b', '2');
  await new Promise((r) => setImmediate(r));
  t.notOk(resolved, 'not before completeSync');
  t.equal(s.pendingSyncs, 1);
  t.ok(s.completeSync());
  t.notOk(s.completeSync(), 'none left');
  await p;
  t.ok(resolved);
  t.equal(s.syncRounds, 1);
  const after = s.crash();
  t.same([get(after, 'a'), get(after, 'b')], ['1', undefined], 'b came after the sync call');
});

t.test('a crash drops pending syncs; crash(n) keeps a WAL prefix with range clears', async (t) => {
  const s = new MemoryStorage({ crashModel: true });
  put(s, 'k1', 'x', true);
  put(s, 'k2', 'y', true);
  s.clearRange('meta', b('k1'), b('k3'));
  put(s, 'k4', 'z');
  let resolved = false;
  void s.syncWrites().then(() => {
    resolved = true;
  });
  const none = s.crash(0);
  t.same([get(none, 'k1'), get(none, 'k2'), get(none, 'k4')], ['x', 'y', undefined]);
  const s2 = new MemoryStorage({ crashModel: true });
  put(s2, 'k1', 'x', true);
  s2.clearRange('meta', b('k1'), b('k3'));
  put(s2, 'k4', 'z');
  const one = s2.crash(1);
  t.same([get(one, 'k1'), get(one, 'k4')], [undefined, undefined], 'the clear survived, the put not');
  t.throws(() => new MemoryStorage({ crashModel: true }).crash(1), 'cannot keep more than was written');
  await new Promise((r) => setImmediate(r));
  t.notOk(resolved, "a crashed storage's sync never resolves");
});

t.test('without the crash model: syncWrites resolves at once, crash is refused', async (t) => {
  const s = new MemoryStorage();
  put(s, 'a', '1');
  await s.syncWrites();
  t.equal(s.syncRounds, 1);
  t.throws(() => s.crash());
  t.throws(() => s.completeSync());
});
