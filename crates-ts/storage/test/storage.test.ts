// The storage contract, run unchanged against MemoryStorage and RocksDB (each test
// gets a fresh store; RocksDB in a temp dir removed afterwards). Ranges, reverse,
// limits and batch sizes are checked against a sorted-array reference model over
// seeded random ranges (the seed is in the test name); snapshots and iterators are
// checked for point-in-time isolation against writes made after their creation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SeededRandom } from '@seshat/common';
import {
  type ColumnFamily,
  MemoryStorage,
  openRocksStorage,
  type RangeOptions,
  type Storage,
  type StorageIterator,
  type StorageReader,
} from '@seshat/storage';
import t, { type Test } from 'tap';

interface Impl {
  name: string;
  open(): Promise<{ storage: Storage; cleanup(): Promise<void> }>;
}

const IMPLS: Impl[] = [
  {
    name: 'memory',
    open: async () => {
      const storage = new MemoryStorage();
      return { storage, cleanup: () => storage.close() };
    },
  },
  {
    name: 'rocksdb',
    open: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-storage-'));
      const storage = await openRocksStorage(dir);
      return {
        storage,
        cleanup: async () => {
          await storage.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const hex = (x: Buffer | undefined): string | undefined => x?.toString('hex');

/** Drains an iterator with the given batch size, checking the batch bound. */
function drain(t: Test, it: StorageIterator, max: number): [string, string][] {
  const out: [string, string][] = [];
  for (;;) {
    const rows = it.nextBatch(max);
    if (rows.length === 0) break;
    if (rows.length > 2 * max || rows.length % 2 !== 0)
      t.fail(`batch of ${rows.length} elements for max ${max}`);
    for (let i = 0; i < rows.length; i += 2)
      out.push([rows[i]!.toString('hex'), rows[i + 1]!.toString('hex')]);
  }
  if (it.nextBatch(max).length !== 0) t.fail('an ended iterator returned rows');
  it.close();
  return out;
}

/** The reference: what a range over sorted [key, value] pairs must return. */
function expected(model: Map<string, string>, range: RangeOptions): [string, string][] {
  const rows = [...model.entries()]
    .map(([k, v]) => [Buffer.from(k, 'hex'), v] as const)
    .sort((x, y) => Buffer.compare(x[0], y[0]))
    .filter(([k]) => {
      if (range.gte && Buffer.compare(k, range.gte) < 0) return false;
      if (range.gt && Buffer.compare(k, range.gt) <= 0) return false;
      if (range.lt && Buffer.compare(k, range.lt) >= 0) return false;
      if (range.lte && Buffer.compare(k, range.lte) > 0) return false;
      return true;
    })
    .map(([k, v]) => [k.toString('hex'), v] as [string, string]);
  if (range.reverse) rows.reverse();
  return range.limit === undefined ? rows : rows.slice(0, range.limit);
}

/** Short keys over a tiny alphabet incl. 0x00 and 0xff, so prefixes and edges collide. */
function randomKey(rng: SeededRandom): Buffer {
  const alphabet = [0x00, 0x01, 0x61, 0x7f, 0x80, 0xfe, 0xff];
  const len = 1 + rng.nextInt(4);
  return Buffer.from(Array.from({ length: len }, () => alphabet[rng.nextInt(alphabet.length)]!));
}

function randomRange(rng: SeededRandom): RangeOptions {
  const range: RangeOptions = {};
  const lower = rng.nextInt(3);
  if (lower === 1) range.gte = randomKey(rng);
  if (lower === 2) range.gt = randomKey(rng);
  const upper = rng.nextInt(3);
  if (upper === 1) range.lt = randomKey(rng);
  if (upper === 2) range.lte = randomKey(rng);
  if (rng.nextInt(2) === 1) range.reverse = true;
  if (rng.nextInt(3) === 0) range.limit = rng.nextInt(8);
  return range;
}

function describe(range: RangeOptions): string {
  return JSON.stringify(range, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v));
}

/** Fills `cf` with random keys; returns the model (hex key -> hex value). */
function fill(storage: Storage, cf: ColumnFamily, rng: SeededRandom, n: number): Map<string, string> {
  const model = new Map<string, string>();
  const batch = storage.batch();
  for (let i = 0; i < n; i++) {
    const key = randomKey(rng);
    const value = b(`v${i}`);
    batch.put(cf, key, value);
    model.set(key.toString('hex'), value.toString('hex'));
  }
  storage.write(batch, { sync: false });
  return model;
}

function checkRanges(
  t: Test,
  reader: StorageReader,
  cf: ColumnFamily,
  model: Map<string, string>,
  seed: number,
) {
  const rng = new SeededRandom(seed);
  for (let i = 0; i < 300; i++) {
    const range = randomRange(rng);
    const max = 1 + rng.nextInt(5);
    const got = drain(t, reader.iterator(cf, range), max);
    const want = expected(model, range);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      t.same(got, want, `seed ${seed} range ${describe(range)} max ${max}`);
      return;
    }
  }
  t.pass(`300 random ranges match the model (seed ${seed})`);
}

for (const impl of IMPLS) {
  t.test(impl.name, async (t) => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    t.beforeEach(async () => {
      ({ storage, cleanup } = await impl.open());
    });
    t.afterEach(async () => {
      await cleanup();
    });

    t.test('put, get, getMany, del', async (t) => {
      const batch = storage.batch();
      batch.put('meta', b('a'), b('1'));
      batch.put('meta', b('b'), b(''));
      batch.put('sub', b('a'), b('other family'));
      t.equal(batch.count, 3);
      t.equal(batch.byteLength, 1 + 1 + 1 + 0 + 1 + 12);
      t.equal(storage.get('meta', b('a')), undefined, 'invisible before write');
      storage.write(batch, { sync: true });
      t.equal(storage.get('meta', b('a'))?.toString(), '1');
      t.equal(storage.get('meta', b('b'))?.length, 0, 'empty value is not absent');
      t.equal(storage.get('sub', b('a'))?.toString(), 'other family');
      t.equal(storage.get('zscore', b('a')), undefined);
      t.same(storage.getMany('meta', [b('b'), b('x'), b('a')]).map(hex), [
        '',
        undefined,
        b('1').toString('hex'),
      ]);
      t.same(storage.getMany('meta', []), []);
      const del = storage.batch();
      del.del('meta', b('a'));
      del.del('meta', b('never'));
      storage.write(del, { sync: false });
      t.equal(storage.get('meta', b('a')), undefined);
      t.equal(storage.get('sub', b('a'))?.toString(), 'other family');
    });

    t.test('later ops in a batch win; a batch is written once', async (t) => {
      const batch = storage.batch();
      batch.put('meta', b('k'), b('1'));
      batch.del('meta', b('k'));
      batch.put('meta', b('k'), b('3'));
      batch.put('meta', b('j'), b('1'));
      batch.del('meta', b('j'));
      storage.write(batch, { sync: false });
      t.equal(storage.get('meta', b('k'))?.toString(), '3');
      t.equal(storage.get('meta', b('j')), undefined);
      t.throws(() => storage.write(batch, { sync: false }), /already written/);
      t.throws(() => batch.put('meta', b('x'), b('y')), /already written/);
    });

    t.test('rejects empty keys, unknown families, bad ranges', async (t) => {
      const batch = storage.batch();
      t.throws(() => batch.put('meta', Buffer.alloc(0), b('v')), /must not be empty/);
      t.throws(() => batch.put('nope' as ColumnFamily, b('k'), b('v')), /unknown column family/);
      t.throws(() => storage.iterator('meta', { gt: b('a'), gte: b('a') }), /both gte and gt/);
      t.throws(() => storage.iterator('meta', { limit: -1 }), /limit/);
      t.throws(() => batch.deleteRange('meta', b('b'), b('a')), /not be above/);
      t.throws(() => storage.clearRange('meta', b('b'), b('a')), /not be above/);
      batch.deleteRange('meta', b('a'), b('a'));
      t.equal(batch.count, 0, 'an empty deleteRange adds nothing');
      const it = storage.iterator('meta', {});
      t.throws(() => it.nextBatch(0), /max/);
      it.close();
      t.throws(() => it.nextBatch(1), /after close/);
    });

    t.test('byte-wise order over the whole family, forward and reverse', async (t) => {
      const keys = ['ff', '00', '0000', '01', '7f', '80', '80ff', 'ff00', '61', '6100', 'fe'];
      const batch = storage.batch();
      for (const k of keys) batch.put('sub', Buffer.from(k, 'hex'), Buffer.from(k, 'hex'));
      storage.write(batch, { sync: false });
      const sorted = keys.map((k) => Buffer.from(k, 'hex')).sort(Buffer.compare);
      const fwd = drain(t, storage.iterator('sub', {}), 4).map(([k]) => k);
      t.same(
        fwd,
        sorted.map((k) => k.toString('hex')),
      );
      const rev = drain(t, storage.iterator('sub', { reverse: true }), 3).map(([k]) => k);
      t.same(rev, [...fwd].reverse());
      t.same(drain(t, storage.iterator('meta', {}), 10), [], 'other family empty');
    });

    t.test('random ranges, reverse, limits and batch sizes match the model', async (t) => {
      const model = fill(storage, 'zscore', new SeededRandom(7), 400);
      checkRanges(t, storage, 'zscore', model, 11);
      checkRanges(t, storage, 'zscore', model, 12);
    });

    t.test('empty and degenerate ranges', async (t) => {
      fill(storage, 'meta', new SeededRandom(3), 50);
      t.same(drain(t, storage.iterator('meta', { gte: b('b'), lt: b('a') }), 5), []);
      t.same(drain(t, storage.iterator('meta', { gte: b('b'), lt: b('b') }), 5), []);
      t.same(drain(t, storage.iterator('meta', { gt: b('b'), lte: b('b') }), 5), []);
      t.same(drain(t, storage.iterator('meta', { limit: 0 }), 5), []);
      t.same(drain(t, storage.iterator('meta', { lt: Buffer.alloc(0) }), 5), []);
      t.same(drain(t, storage.iterator('meta', { lte: Buffer.alloc(0), reverse: true }), 5), []);
      t.equal(drain(t, storage.iterator('meta', { gte: Buffer.alloc(0) }), 5).length > 0, true);
    });

    t.test('an iterator reads the state at its creation', async (t) => {
      const model = fill(storage, 'sub', new SeededRandom(5), 100);
      const it = storage.iterator('sub', {});
      const first = it.nextBatch(3);
      const batch = storage.batch();
      batch.deleteRange('sub', Buffer.from([0x00]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]));
      batch.put('sub', b('new'), b('x'));
      storage.write(batch, { sync: false });
      const rest = drain(t, it, 7);
      t.equal(first.length / 2 + rest.length, model.size, 'sees every key of before the write');
      t.same(drain(t, storage.iterator('sub', {}), 10), [[b('new').toString('hex'), b('x').toString('hex')]]);
    });

    t.test('deleteRange covers the store and earlier puts of the batch, not later ones', async (t) => {
      const seed = storage.batch();
      for (const k of ['a', 'b', 'c', 'd', 'e']) seed.put('sub', b(k), b(k));
      seed.put('meta', b('c'), b('other family'));
      storage.write(seed, { sync: false });
      const batch = storage.batch();
      batch.put('sub', b('bb'), b('put before'));
      batch.deleteRange('sub', b('b'), b('d'));
      batch.put('sub', b('c'), b('put after'));
      t.equal(batch.count, 1 + 3 + 1, 'put, del bb (earlier put), del b and c (store), put');
      storage.write(batch, { sync: true });
      const keys = drain(t, storage.iterator('sub', {}), 10).map(([k, v]) => [
        Buffer.from(k, 'hex').toString(),
        Buffer.from(v, 'hex').toString(),
      ]);
      t.same(keys, [
        ['a', 'a'],
        ['c', 'put after'],
        ['d', 'd'],
        ['e', 'e'],
      ]);
      t.equal(storage.get('meta', b('c'))?.toString(), 'other family');
    });

    t.test('deleteRange of a range larger than one scan chunk', async (t) => {
      const seed = storage.batch();
      for (let i = 0; i < 3000; i++)
        seed.put('raft_log', Buffer.from(`k${String(i).padStart(5, '0')}`), b('v'));
      storage.write(seed, { sync: false });
      const batch = storage.batch();
      batch.deleteRange('raft_log', b('k00100'), b('k02900'));
      t.equal(batch.count, 2800);
      storage.write(batch, { sync: false });
      t.equal(drain(t, storage.iterator('raft_log', {}), 1000).length, 200);
    });

    t.test('clearRange deletes at once', async (t) => {
      const seed = storage.batch();
      for (const k of ['a', 'b', 'c', 'd']) seed.put('sub', b(k), b(k));
      storage.write(seed, { sync: false });
      storage.clearRange('sub', b('b'), b('d'));
      t.same(
        drain(t, storage.iterator('sub', {}), 10).map(([k]) => Buffer.from(k, 'hex').toString()),
        ['a', 'd'],
      );
    });

    t.test('snapshot: every family frozen at creation, across turns', async (t) => {
      const model = fill(storage, 'meta', new SeededRandom(9), 300);
      const setup = storage.batch();
      setup.put('raft_state', b('applied'), b('41'));
      setup.put('sub', b('x'), b('1'));
      storage.write(setup, { sync: false });
      const snap = storage.snapshot();
      await new Promise((resolve) => setImmediate(resolve));
      const later = storage.batch();
      later.put('raft_state', b('applied'), b('42'));
      later.del('sub', b('x'));
      later.put('sub', b('y'), b('2'));
      later.deleteRange('meta', Buffer.from([0x00]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      later.put('meta', Buffer.from([0x61]), b('new'));
      storage.write(later, { sync: false });
      t.equal(storage.get('raft_state', b('applied'))?.toString(), '42');
      t.equal(snap.get('raft_state', b('applied'))?.toString(), '41');
      t.same(snap.getMany('sub', [b('x'), b('y'), b('w')]).map(hex), [
        b('1').toString('hex'),
        undefined,
        undefined,
      ]);
      const [someKey] = model.keys();
      t.equal(hex(snap.get('meta', Buffer.from(someKey!, 'hex'))), model.get(someKey!));
      checkRanges(t, snap, 'meta', model, 21);
      checkRanges(t, snap, 'meta', model, 22);
      t.same(drain(t, snap.iterator('expire', { reverse: true }), 3), [], 'empty family');
      const empty = Buffer.alloc(0);
      for (const range of [
        { gte: empty },
        { gt: empty, reverse: true },
        { lt: empty },
        { lte: empty, reverse: true },
      ]) {
        t.same(drain(t, snap.iterator('meta', range), 50), expected(model, range), `edge ${describe(range)}`);
      }
      snap.release();
      snap.release();
      t.throws(() => snap.get('meta', b('a')), /after release/);
    });

    t.test('snapshot: interleaved iterators and gets on one family', async (t) => {
      const model = fill(storage, 'sub', new SeededRandom(13), 200);
      const snap = storage.snapshot();
      const overwrite = storage.batch();
      for (const k of model.keys()) overwrite.put('sub', Buffer.from(k, 'hex'), b('changed'));
      storage.write(overwrite, { sync: false });
      const iters = [
        snap.iterator('sub', {}),
        snap.iterator('sub', { reverse: true }),
        snap.iterator('sub', { gt: Buffer.from([0x61]), reverse: true, limit: 50 }),
        snap.iterator('sub', { lt: Buffer.from([0x80]) }),
      ];
      const got: [string, string][][] = iters.map(() => []);
      let active = iters.length;
      while (active > 0) {
        active = 0;
        for (let i = 0; i < iters.length; i++) {
          const rows = iters[i]!.nextBatch(1 + i);
          for (let j = 0; j < rows.length; j += 2)
            got[i]!.push([rows[j]!.toString('hex'), rows[j + 1]!.toString('hex')]);
          if (rows.length > 0) active++;
          snap.get('sub', randomKey(new SeededRandom(active + i)));
        }
      }
      t.same(got[0], expected(model, {}));
      t.same(got[1], expected(model, { reverse: true }));
      t.same(got[2], expected(model, { gt: Buffer.from([0x61]), reverse: true, limit: 50 }));
      t.same(got[3], expected(model, { lt: Buffer.from([0x80]) }));
      snap.release();
    });

    t.test('property and close', async (t) => {
      const batch = storage.batch();
      batch.put('default', b('k'), b('v'));
      storage.write(batch, { sync: true });
      const keys = storage.property('default', 'rocksdb.estimate-num-keys');
      t.ok(keys === undefined || /^\d+$/.test(keys), `estimate-num-keys ${keys}`);
      t.equal(storage.property('default', 'rocksdb.no-such-property'), undefined);
      const snap = storage.snapshot();
      const it = storage.iterator('default', {});
      await storage.close();
      t.throws(() => storage.get('default', b('k')), /after close/);
      t.throws(() => storage.batch(), /after close/);
      t.throws(() => it.nextBatch(1), /after close/);
      t.throws(() => snap.get('default', b('k')), /after close/);
      snap.release();
      it.close();
    });
  });
}
