// WalSync (fdatasync of RocksDB's WAL files in the thread pool): which files a round syncs
// and when it forgets one, that concurrent callers share rounds, that a caller arriving
// during a round gets a later round, close, and RocksStorage.syncWrites over the real WAL.
// (Acknowledged writes surviving kill -9 of a server: test/durability.test.ts.)
// How: a directory with files named like RocksDB's WALs (NNNNNN.log) stands for the
// database directory (the class only lists, opens and fdatasyncs them), and the counters
// in `stats` show what each round did.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRocksStorage, WalSync } from '@seshat/storage';
import t, { type Test } from 'tap';

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-walsync-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function wal(dir: string, n: number, bytes = 'x'): void {
  fs.appendFileSync(path.join(dir, `${String(n).padStart(6, '0')}.log`), bytes);
}

t.test('syncs the newest WAL, and an older one until a round ran after the newer existed', async (t) => {
  const dir = tempDir(t);
  wal(dir, 7);
  fs.writeFileSync(path.join(dir, 'OPTIONS-000005'), 'not a wal');
  const s = new WalSync(dir);
  t.teardown(() => s.close());
  await s.sync();
  t.same([s.stats.rounds, s.stats.filesSynced], [1, 1], 'one file, one round');
  wal(dir, 7);
  wal(dir, 9);
  await s.sync();
  // 7 was open: synced while listing, and again after the listing showed 9; 9 is new.
  t.same([s.stats.rounds, s.stats.filesSynced], [2, 4]);
  await s.sync();
  t.same([s.stats.rounds, s.stats.filesSynced], [3, 5], 'only the newest is synced now');
  fs.rmSync(path.join(dir, '000009.log'));
  wal(dir, 12);
  await s.sync();
  t.equal(s.stats.rounds, 4, 'a deleted file is forgotten, the new one synced');
});

t.test('concurrent callers share rounds; a caller during a round waits for the next', async (t) => {
  const dir = tempDir(t);
  wal(dir, 1);
  const s = new WalSync(dir);
  t.teardown(() => s.close());
  const first = s.sync();
  const during = Array.from({ length: 20 }, () => s.sync());
  await first;
  t.equal(s.stats.rounds, 1, 'the first round is done');
  await Promise.all(during);
  t.equal(s.stats.rounds, 2, 'the 20 callers that came during it shared one more round');
});

t.test('close waits for the running round; sync after close rejects', async (t) => {
  const dir = tempDir(t);
  wal(dir, 3);
  const s = new WalSync(dir);
  const p = s.sync();
  await s.close();
  await p;
  t.equal(s.stats.rounds, 1);
  await t.rejects(s.sync(), { code: 'STORAGE' });
});

t.test('RocksStorage: writes unsynced then syncWrites are all there after reopen', async (t) => {
  const dir = tempDir(t);
  let st = await openRocksStorage(dir);
  for (let i = 0; i < 100; i++) {
    const b = st.batch();
    b.put('raft_log', Buffer.from(`k${i}`), Buffer.from(`v${i}`));
    st.write(b, { sync: false });
  }
  const before = st.syncRounds;
  await Promise.all([st.syncWrites(), st.syncWrites()]);
  t.ok(st.syncRounds - before >= 1 && st.syncRounds - before <= 2, 'one or two rounds for two callers');
  await st.close();
  st = await openRocksStorage(dir);
  t.equal(st.get('raft_log', Buffer.from('k99'))?.toString(), 'v99');
  await st.close();
});
