// The replicated path: write sets of concurrent statements are batched into one entry (as a
// group driver batches proposals) and applied by two SqlStateMachines on separate storages.
// Checks: both replicas hold the same bytes in every sql_* family and the same applied
// index; a write set whose expectations fail at apply (two statements raced on the same
// key) is rejected on both replicas alike and its statement re-runs: concurrent increments
// all count, and a racing duplicate insert ends in 23505 rather than a lost row. The entry
// format round-trips.
import { createHash } from 'node:crypto';
import { ErrorReply } from '@seshat/common';
import { MemoryStorage, type Storage } from '@seshat/storage';
import t from 'tap';
import { loadParser } from '../src/parse.js';
import { type Committer, SqlEngine } from '../src/session.js';
import { SqlStateMachine } from '../src/state-machine.js';
import { decodeSqlEntry, encodeSqlEntry, type WriteSet } from '../src/write-set.js';

/** Collects the write sets of one event-loop turn into one entry applied on every replica. */
class BatchingCommitter implements Committer {
  private pending: { ws: WriteSet; resolve: (ok: boolean) => void }[] = [];
  entries = 0;
  constructor(private readonly replicas: SqlStateMachine[]) {}

  commit(ws: WriteSet): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ ws, resolve });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const leader = this.replicas[0]!;
    const data = leader.encodeEntry(
      1_000 + this.entries,
      this.entries,
      batch.map((b) => b.ws),
    );
    this.entries++;
    const replies = this.replicas.map((sm) => sm.apply(sm.appliedIndex + 1, data)!);
    const outcome = (rs: unknown[]) => rs.map((r) => !(r instanceof ErrorReply));
    for (const rs of replies)
      if (JSON.stringify(outcome(rs)) !== JSON.stringify(outcome(replies[0]!)))
        throw new Error('replicas disagree');
    const ok = outcome(replies[0]!);
    batch.forEach((b, i) => {
      b.resolve(ok[i]!);
    });
  }
}

function digest(storage: Storage): string {
  const h = createHash('sha1');
  for (const cf of ['sql_catalog', 'sql_rows', 'sql_index'] as const) {
    for (const part of storage.iterator(cf, {}).nextBatch(65536)) h.update(part);
  }
  return h.digest('hex');
}

t.test('replicas converge; racing statements are re-run after a conflict', async (t) => {
  await loadParser();
  const replicas = [new SqlStateMachine(new MemoryStorage()), new SqlStateMachine(new MemoryStorage())];
  const committer = new BatchingCommitter(replicas);
  const engine = new SqlEngine(replicas[0]!, committer);
  const s1 = engine.session();
  const s2 = engine.session();
  await s1.simple('create table c (id int primary key, n bigint not null, tag text unique)');
  await s1.simple("insert into c values (1, 0, 'a')");

  const increments = Array.from({ length: 8 }, (_x, i) =>
    (i % 2 === 0 ? s1 : s2).simple('update c set n = n + 1 where id = 1'),
  );
  await Promise.all(increments);
  const [row] = await s1.simple('select n from c');
  t.same(row!.rows, [['8']], 'every concurrent increment counted');

  const racing = await Promise.allSettled([
    s1.simple("insert into c values (2, 0, 'b')"),
    s2.simple("insert into c values (3, 0, 'b')"),
  ]);
  t.equal(
    racing.filter((r) => r.status === 'fulfilled').length,
    1,
    'one of two racing inserts of the same unique value wins',
  );
  const lost = racing.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  t.equal(lost.reason.code, '23505', 'the other re-runs and meets the unique violation');

  t.equal(replicas[0]!.appliedIndex, replicas[1]!.appliedIndex);
  t.equal(digest(replicas[0]!.storage), digest(replicas[1]!.storage), 'replicas hold the same bytes');
  t.ok(committer.entries < 8 + 4, 'concurrent statements shared entries');
});

t.test('entry format round-trips', async (t) => {
  const ws: WriteSet = {
    ops: [
      { op: 'expect', cf: 'sql_catalog', key: Buffer.from([1]), value: null },
      { op: 'expect', cf: 'sql_rows', key: Buffer.from('k'), value: Buffer.from('v') },
      { op: 'put', cf: 'sql_rows', key: Buffer.from('k'), value: Buffer.alloc(0) },
      { op: 'del', cf: 'sql_index', key: Buffer.from('i') },
      { op: 'delRange', cf: 'sql_rows', key: Buffer.from('a'), end: Buffer.from('b') },
    ],
  };
  const data = encodeSqlEntry(16, { stampMs: 12.5, seed: 99, writeSets: [ws, { ops: [] }] });
  const back = decodeSqlEntry(data);
  t.equal(back.stampMs, 12.5);
  t.equal(back.seed, 99);
  t.same(back.writeSets, [ws, { ops: [] }]);
});
