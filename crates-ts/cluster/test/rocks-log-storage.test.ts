// RocksLogStorage against the reference semantics of MemoryLogStorage, on real RocksDB in
// temp dirs. Unit checks: staging (writes need a staged batch, staged data is readable at
// once, nothing reaches RocksDB until the batch is written), snapshot() answering null until
// this process holds an image, the byte-bounded entry cache and term runs. The property
// test: seeded random sequences of append / setHardState / applySnapshot / createSnapshot /
// compact / setConfState, grouped into ticks of one shared batch for two groups, applied to
// MemoryLogStorage models and to RocksLogStorage; every read method must answer identically
// after every tick, for the live storage, for one reopened from disk after each write, and
// after a dropped (never written) batch, which must leave exactly the last written state
// (a crash between batches); the running byte count (storedBytes) must equal the size of
// the model's entries every time. Failures name their seed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SeededRandom } from '@seshat/common';
import { bootstrapStorage, EntryType, MemoryLogStorage } from '@seshat/raft';
import { openRocksStorage, type RocksStorage } from '@seshat/storage';
import t, { type Test } from 'tap';
import { RocksLogStorage } from '../src/index.js';
import { applyOp, type LogOp, LogOpGenerator, probes, readView, replay } from './log-ops.js';

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-rlog-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openDb(t: Test): Promise<RocksStorage> {
  const storage = await openRocksStorage(tempDir(t));
  t.teardown(() => (storage.isOpen ? storage.close() : undefined));
  return storage;
}

const data = (s: string) => Buffer.from(s);
const entry = (index: number, term: number, s = `e${index}`) => ({
  index,
  term,
  type: EntryType.Normal,
  data: data(s),
});
const CONF = { voters: [1, 2, 3], learners: [], removed: [] };
/** Stored bytes of one entry: key (group 4 + index 8) + value (format, type, term 8, data). */
const STORED = (dataBytes: number) => 12 + 10 + dataBytes;

/** Stored bytes of every entry in `log` (the reference for storedBytes). */
function entryBytes(
  log: { firstIndex(): number; lastIndex(): number } & Pick<MemoryLogStorage, 'entries'>,
): number {
  const lo = log.firstIndex();
  const hi = log.lastIndex() + 1;
  if (lo >= hi) return 0;
  let sum = 0;
  for (const e of log.entries(lo, hi, Number.MAX_SAFE_INTEGER)) sum += STORED(e.data.byteLength);
  return sum;
}

/** Runs `fn` with the log staged on a fresh batch, then writes it (sync) and unstages. */
function tick(storage: RocksStorage, logs: RocksLogStorage[], fn: () => void): void {
  const batch = storage.batch();
  for (const log of logs) log.stage(batch);
  fn();
  storage.write(batch, { sync: true });
  for (const log of logs) log.unstage();
}

t.test('an empty log, bootstrap, and reopen restore the same state', async (t) => {
  const storage = await openDb(t);
  const log = new RocksLogStorage(storage, { groupId: 3 });
  t.equal(log.firstIndex(), 1);
  t.equal(log.lastIndex(), 0);
  t.equal(log.term(0), 0);
  t.same(log.initialState(), {
    hardState: { term: 0, vote: 0, commit: 0 },
    confState: { voters: [], learners: [], removed: [] },
  });
  tick(storage, [log], () => bootstrapStorage(log, CONF));
  tick(storage, [log], () => {
    log.append([entry(2, 2), entry(3, 2)]);
    log.setHardState({ term: 2, vote: 1, commit: 3 });
  });
  const again = new RocksLogStorage(storage, { groupId: 3 });
  t.same(again.initialState(), { hardState: { term: 2, vote: 1, commit: 3 }, confState: CONF });
  t.equal(again.firstIndex(), 2);
  t.equal(again.lastIndex(), 3);
  t.equal(again.term(1), 1, 'bootstrap snapshot term is the log base');
  t.same(
    again.entries(2, 4, 1e9).map((e) => [e.index, e.term, Buffer.from(e.data).toString()]),
    [
      [2, 2, 'e2'],
      [3, 2, 'e3'],
    ],
  );
  t.same(again.storedSnapshot().metadata, { index: 1, term: 1, confState: CONF });
  t.equal(new RocksLogStorage(storage, { groupId: 4 }).lastIndex(), 0, 'other groups are separate');
});

t.test(
  'writes need a staged batch; staged data is readable before the write, durable only after',
  async (t) => {
    const storage = await openDb(t);
    const log = new RocksLogStorage(storage, { groupId: 1 });
    t.throws(() => log.append([entry(1, 1)]), /without a staged batch/);
    const batch = storage.batch();
    log.stage(batch);
    t.throws(() => log.stage(storage.batch()), /while a batch is staged/);
    log.append([entry(1, 1), entry(2, 1)]);
    log.setHardState({ term: 1, vote: 2, commit: 1 });
    t.equal(log.lastIndex(), 2);
    t.equal(log.entries(1, 3, 1e9).length, 2, 'staged entries readable at once');
    const beforeWrite = new RocksLogStorage(storage, { groupId: 1 });
    t.equal(beforeWrite.lastIndex(), 0, 'nothing in RocksDB before the write (a crash now loses the tick)');
    t.equal(beforeWrite.initialState().hardState.term, 0);
    storage.write(batch, { sync: true });
    log.unstage();
    t.equal(new RocksLogStorage(storage, { groupId: 1 }).lastIndex(), 2, 'durable after the write');
    t.throws(
      () => log.setHardState({ term: 1, vote: 2, commit: 2 }),
      /without a staged batch/,
      'unstaged again',
    );
  },
);

t.test('snapshot() is null until this process holds an image; createSnapshot re-attaches one', async (t) => {
  const storage = await openDb(t);
  const log = new RocksLogStorage(storage, { groupId: 1 });
  tick(storage, [log], () => {
    bootstrapStorage(log, CONF);
    log.append([entry(2, 1), entry(3, 1), entry(4, 2)]);
  });
  t.equal(log.snapshot(), null, 'bootstrap snapshot has no image in this process');
  t.ok(log.wantsSnapshot);
  tick(storage, [log], () => {
    const snap = log.createSnapshot(3, CONF, data('desc-3'));
    t.same(snap.metadata, { index: 3, term: 1, confState: CONF });
    log.compact(2);
  });
  t.notOk(log.wantsSnapshot);
  t.equal(Buffer.from(log.snapshot()!.data).toString(), 'desc-3');
  t.equal(log.firstIndex(), 3, 'compacted below the snapshot index');
  t.equal(log.term(2), 1);
  t.throws(
    () => tick(storage, [log], () => log.compact(4)),
    /beyond the snapshot/,
    'compaction never passes the snapshot',
  );
  log.unstage();

  const reopened = new RocksLogStorage(storage, { groupId: 1 });
  t.equal(reopened.snapshot(), null, 'after a restart the image is gone');
  t.same(reopened.storedSnapshot().metadata, { index: 3, term: 1, confState: CONF });
  t.equal(reopened.firstIndex(), 3, 'log base (trunc) restored below the snapshot index');
  t.equal(reopened.term(2), 1);
  tick(storage, [reopened], () => reopened.createSnapshot(3, CONF, data('desc-3b')));
  t.equal(Buffer.from(reopened.snapshot()!.data).toString(), 'desc-3b', 're-attached at the same index');
  t.throws(() => tick(storage, [reopened], () => reopened.createSnapshot(3, CONF, data('x'))), /not newer/);
  reopened.unstage();
  reopened.dropImage();
  t.equal(reopened.snapshot(), null, 'dropImage: nothing to stream any more');
});

t.test('storedBytes counts the stored entries through append, truncation, compaction, reopen', async (t) => {
  const storage = await openDb(t);
  const log = new RocksLogStorage(storage, { groupId: 1, entryCacheBytes: 64 });
  t.equal(log.storedBytes, 0, 'empty log');
  tick(storage, [log], () => bootstrapStorage(log, CONF));
  t.equal(log.storedBytes, 0, 'bootstrap: a snapshot, no entries');
  const sized = (i: number, term: number, n: number) => entry(i, term, 'x'.repeat(n));
  tick(storage, [log], () => log.append([2, 3, 4, 5, 6].map((i) => sized(i, 1, i * 10))));
  t.equal(
    log.storedBytes,
    [20, 30, 40, 50, 60].reduce((a, n) => a + STORED(n), 0),
    'after append',
  );
  tick(storage, [log], () => log.append([sized(5, 2, 7)]));
  t.equal(log.storedBytes, STORED(20) + STORED(30) + STORED(40) + STORED(7), 'conflicting suffix subtracted');
  t.equal(new RocksLogStorage(storage, { groupId: 1 }).storedBytes, log.storedBytes, 'reopen: same count');
  t.equal(log.indexKeepingBytes(STORED(40) + STORED(7), 5), 3, 'entries 4..5 fit in their bytes');
  t.equal(log.indexKeepingBytes(STORED(40), 4), 3, 'up to 4: entry 4 only');
  t.equal(log.indexKeepingBytes(0, 5), 5, 'nothing kept');
  t.equal(log.indexKeepingBytes(1e9, 5), 1, 'everything kept: the log base');
  tick(storage, [log], () => {
    log.createSnapshot(4, CONF, data('d4'));
    log.compact(3);
  });
  t.equal(log.storedBytes, STORED(40) + STORED(7), 'compaction subtracted');
  const reopened = new RocksLogStorage(storage, { groupId: 1 });
  t.equal(reopened.storedBytes, log.storedBytes, 'reopen after compaction: same count');
  tick(storage, [reopened], () => reopened.append([sized(6, 2, 1000)]));
  t.equal(reopened.storedBytes, STORED(40) + STORED(7) + STORED(1000), 'append after reopen');
  tick(storage, [reopened], () =>
    reopened.applySnapshot({ metadata: { index: 9, term: 3, confState: CONF }, data: data('d9') }),
  );
  t.equal(reopened.storedBytes, 0, 'a log replaced by a snapshot holds nothing');
  tick(storage, [reopened], () => reopened.append([sized(10, 3, 5)]));
  t.equal(new RocksLogStorage(storage, { groupId: 1 }).storedBytes, STORED(5), 'and counts again from there');
  // Many entries: the running sums grow and rebase without losing the count.
  tick(storage, [reopened], () => {
    const es = [];
    for (let i = 11; i <= 5000; i++) es.push(sized(i, 3, i % 17));
    reopened.append(es);
  });
  let want = STORED(5);
  for (let i = 11; i <= 5000; i++) want += STORED(i % 17);
  t.equal(reopened.storedBytes, want, '5000 entries');
  for (let to = 500; to <= 4500; to += 500) {
    tick(storage, [reopened], () => {
      reopened.createSnapshot(to, CONF, data(`d${to}`));
      reopened.compact(to);
    });
    tick(storage, [reopened], () => reopened.append([sized(reopened.lastIndex() + 1, 3, 3)]));
  }
  t.equal(reopened.storedBytes, entryBytes(reopened), 'compacted in steps with appends in between');
  t.equal(new RocksLogStorage(storage, { groupId: 1 }).storedBytes, reopened.storedBytes, 'reopen agrees');
});

t.test('the entry cache stays within its byte budget and older entries come from RocksDB', async (t) => {
  const storage = await openDb(t);
  const log = new RocksLogStorage(storage, { groupId: 1, entryCacheBytes: 4096 });
  const big = 'x'.repeat(1000);
  tick(storage, [log], () => {
    const es = [];
    for (let i = 1; i <= 50; i++) es.push(entry(i, 1 + Math.floor(i / 20), `${i}:${big}`));
    log.append(es);
    t.equal(log.memoryStats().cachedEntries, 50, 'staged entries are pinned in the cache');
  });
  t.equal(log.memoryStats().cachedEntries, 50, 'still pinned until the next stage()');
  log.stage(storage.batch());
  log.unstage();
  const stats = log.memoryStats();
  t.ok(stats.cachedBytes <= 4096, `cache trimmed to ${stats.cachedBytes} bytes once the batch is durable`);
  t.equal(stats.termRuns, 3, 'three terms, three runs');
  const all = log.entries(1, 51, Number.MAX_SAFE_INTEGER);
  t.same(
    all.map((e) => e.index),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  t.equal(Buffer.from(all[0]!.data).toString().slice(0, 3), '1:x');
  t.equal(log.entries(1, 51, 2500).length, 2, 'byte budget honoured across disk and cache');
  tick(storage, [log], () => log.append([entry(45, 3, 'replaced')]));
  t.equal(log.lastIndex(), 45, 'conflicting suffix truncated');
  t.equal(
    new RocksLogStorage(storage, { groupId: 1 }).lastIndex(),
    45,
    'truncation durable (suffix deleted)',
  );
});

t.test(
  'property: RocksLogStorage answers like MemoryLogStorage, live, reopened, and after dropped batches',
  async (t) => {
    const SEEDS = 16;
    const TICKS = 120;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const dir = tempDir(t);
      let storage = await openRocksStorage(dir);
      const rng = new SeededRandom(seed);
      const cacheBytes = seed % 3 === 0 ? 1 << 20 : 600;
      const groups = [5, 6].map((groupId) => ({
        groupId,
        gen: new LogOpGenerator(new SeededRandom(seed * 31 + groupId), seed % 2 === 0 ? 300 : 2000),
        live: new MemoryLogStorage(),
        durableOps: [] as LogOp[],
        tickOps: [] as LogOp[],
        rocks: null as unknown as RocksLogStorage,
      }));
      const open = () => {
        for (const g of groups)
          g.rocks = new RocksLogStorage(storage, { groupId: g.groupId, entryCacheBytes: cacheBytes });
      };
      open();
      let mismatches = 0;
      const check = (what: string) => {
        for (const g of groups) {
          const p = probes(g.live, rng);
          const want = readView(g.live, g.live.snapshot()!, p);
          const got = readView(g.rocks, g.rocks.storedSnapshot(), p);
          if (!t.same(got, want, `seed ${seed} group ${g.groupId}: ${what}`)) mismatches++;
          if (g.rocks.storedBytes !== entryBytes(g.live)) {
            t.equal(
              g.rocks.storedBytes,
              entryBytes(g.live),
              `seed ${seed} group ${g.groupId}: ${what}, bytes`,
            );
            mismatches++;
          }
        }
      };
      for (let k = 0; k < TICKS && mismatches === 0; k++) {
        const batch = storage.batch();
        for (const g of groups) {
          g.rocks.stage(batch);
          g.tickOps = [];
          const n = 1 + rng.nextInt(4);
          for (let i = 0; i < n; i++) {
            const op = g.gen.next(g.live);
            applyOp(g.live, op);
            applyOp(g.rocks, op);
            g.tickOps.push(op);
          }
        }
        check(`tick ${k} staged`);
        if (rng.nextInt(10) === 0) {
          // Crash between batches: this tick's batch is never written.
          for (const g of groups) g.live = replay(g.durableOps);
          open();
          check(`tick ${k} dropped, reopened`);
          continue;
        }
        // Both orders are allowed: unstage before or after the write.
        if (seed % 2 === 0) for (const g of groups) g.rocks.unstage();
        storage.write(batch, { sync: false });
        for (const g of groups) {
          if (seed % 2 === 1) g.rocks.unstage();
          g.durableOps.push(...g.tickOps);
        }
        check(`tick ${k} written`);
        if (rng.nextInt(4) === 0) {
          open();
          check(`tick ${k} reopened`);
        }
      }
      await storage.close();
      storage = await openRocksStorage(dir);
      open();
      check('database closed and reopened');
      await storage.close();
    }
  },
);
