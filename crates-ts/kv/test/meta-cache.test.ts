// Checks the meta cache's open-addressing table against a Map model: lookups by meta key and
// by (db, user key) agree with the model through seeded random fills, writes, evictions
// (backward-shift deletion must keep every probe run reachable) and table growth; pinned
// writes survive eviction until commit; rollback restores what an entry's writes replaced;
// and a failed batch leaves the state machine's cache as it was.
import { SeededRandom } from '@seshat/common';
import { encodeEntry, KvStateMachine, MetaCache, metaKey, RECORD_SMALL_MAX_BYTES } from '@seshat/kv';
import { MemoryStorage, type WriteBatch } from '@seshat/storage';
import t, { type Test } from 'tap';
import { cachedValue } from './cached-value.js';

const mk = (db: number, key: string) => metaKey(db, Buffer.from(key, 'latin1'));
// Mostly small values, every byte value, and now and then one too large for a shared arena page.
const val = (n: number) =>
  Buffer.alloc(n % 97 === 0 ? RECORD_SMALL_MAX_BYTES + 1 + (n % 5) : n % 300, n & 0xff);

/** Model check: every key in `model` is found with its value; `absent` keys are not. */
function agree(t: Test, cache: MetaCache, model: Map<string, Buffer | null>, absent: string[]): void {
  let bad = 0;
  for (const [k, v] of model) {
    const [db, key] = [Number(k.slice(0, 2)), k.slice(2)];
    const got = cache.peek(mk(db, key));
    if (got === undefined || (got === null ? v !== null : v === null || !got.equals(v))) bad++;
    // GET's probe: the record is db byte + key + value, large ones included.
    const slot = cache.peekRecord(db, Buffer.from(key, 'latin1'));
    if (v === null) {
      if (slot !== -1) bad++;
    } else if (slot < 0) bad++;
    else {
      const bytes = cache.recordPage(slot).subarray(cache.recordStart(slot), cache.recordEnd(slot));
      if (!bytes.equals(Buffer.concat([Buffer.from([db]), Buffer.from(key, 'latin1'), v]))) bad++;
    }
  }
  for (const k of absent) if (cache.peek(mk(Number(k.slice(0, 2)), k.slice(2))) !== undefined) bad++;
  t.equal(bad, 0, `${model.size} cached keys agree with the model`);
  t.equal(cache.size, model.size, 'size matches');
}

t.test('lookups agree with a Map model through writes, growth and eviction', async (t) => {
  const rnd = new SeededRandom(42);
  const storage = new MemoryStorage();
  const cache = new MetaCache(64 * 1024 * 1024);
  const model = new Map<string, Buffer | null>();
  // Keys differing only in db, and keys whose bytes are prefixes of each other.
  for (let i = 0; i < 20_000; i++) {
    const db = rnd.nextInt(3);
    const key = `k${rnd.nextInt(5000)}${i % 7 === 0 ? '' : 'x'}`;
    const v = rnd.nextInt(10) === 0 ? null : val(i);
    cache.write(mk(db, key), v);
    model.set(`${String(db).padStart(2, '0')}${key}`, v);
  }
  agree(t, cache, model, ['00nope', '01k1y', '02']);
  // Reads of uncached keys fill from storage (absent keys as null).
  const batch = storage.batch();
  batch.put('meta', mk(5, 'stored'), Buffer.from('raw'));
  storage.write(batch, { sync: false });
  t.same(cache.read(storage, mk(5, 'stored')), Buffer.from('raw'));
  t.equal(cache.read(storage, mk(5, 'missing')), undefined);
  t.same(cache.peek(mk(5, 'stored')), Buffer.from('raw'), 'filled from storage');
  t.equal(cache.peek(mk(5, 'missing')), null, 'known absent');
  model.set('05stored', Buffer.from('raw'));
  model.set('05missing', null);

  // Shrink the budget: eviction removes entries; the survivors must all stay reachable.
  cache.maxBytes = Math.floor(cache.usedBytes / 3);
  cache.write(mk(9, 'trigger'), null);
  cache.commit();
  t.ok(cache.usedBytes <= cache.maxBytes, 'evicted down to the budget');
  const survivors = new Map<string, Buffer | null>();
  const evicted: string[] = [];
  for (const [k, v] of model) {
    if (cache.peek(mk(Number(k.slice(0, 2)), k.slice(2))) !== undefined) survivors.set(k, v);
    else evicted.push(k);
  }
  if (cache.peek(mk(9, 'trigger')) !== undefined) survivors.set('09trigger', null);
  t.ok(evicted.length > model.size / 2, 'most entries evicted');
  agree(t, cache, survivors, evicted);
});

t.test('pinned writes are not evicted; rollback restores what they replaced', async (t) => {
  const storage = new MemoryStorage();
  const cache = new MetaCache(4096);
  cache.write(mk(0, 'kept'), Buffer.from('old'));
  cache.write(mk(0, 'gone'), null);
  cache.pin();
  for (let i = 0; i < 200; i++) cache.write(mk(0, `new${i}`), Buffer.alloc(100));
  cache.write(mk(0, 'kept'), Buffer.from('new'));
  cache.write(mk(0, 'kept'), null);
  t.ok(cache.usedBytes > 4096, 'over budget while pinned');
  t.equal(cache.read(storage, mk(0, 'new199'))?.length, 100, 'the entry sees its own writes');
  t.same(
    cache.writes().map(([k]) => k.toString('latin1', 3)),
    [...Array.from({ length: 200 }, (_, i) => `new${i}`), 'kept'],
    'written keys once each, in order',
  );
  cache.rollback();
  t.same(cache.peek(mk(0, 'kept')), Buffer.from('old'), 'restored value');
  t.equal(cache.peek(mk(0, 'gone')), null, 'untouched absent record kept');
  t.equal(cache.peek(mk(0, 'new0')), undefined, 'keys the entry added are gone');
  t.equal(cache.size, 2);

  cache.pin();
  for (let i = 0; i < 200; i++) cache.write(mk(0, `n${i}`), Buffer.alloc(100));
  cache.commit();
  t.ok(cache.usedBytes <= 4096, 'evicted once committed');
});

t.test('a budget of 0 caches nothing outside an entry, but an entry still sees its writes', async (t) => {
  const storage = new MemoryStorage();
  const cache = new MetaCache(0);
  t.equal(cache.read(storage, mk(0, 'a')), undefined);
  t.equal(cache.size, 0);
  cache.pin();
  cache.write(mk(0, 'a'), Buffer.from('v'));
  t.same(cache.read(storage, mk(0, 'a')), Buffer.from('v'));
  cache.commit();
  t.equal(cache.size, 0);
});

t.test('a failed batch leaves the cache as it was, and the entry can be applied again', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.apply(1, encodeEntry(1000, 1, [{ db: 0, argv: ['set', 'a', 'old'].map((s) => Buffer.from(s)) }]));
  const write = storage.write.bind(storage);
  let fail = true;
  storage.write = (batch: WriteBatch, options: { sync: boolean }) => {
    if (fail) throw new Error('disk full');
    write(batch, options);
  };
  const entry = encodeEntry(1001, 2, [
    { db: 0, argv: ['set', 'a', 'new'].map((s) => Buffer.from(s)) },
    { db: 0, argv: ['set', 'b', 'x'].map((s) => Buffer.from(s)) },
  ]);
  t.throws(() => sm.apply(2, entry), /disk full/);
  t.equal(sm.appliedIndex, 1);
  t.equal(cachedValue(sm, 'a', 1002), 'old', 'old value cached');
  t.equal(sm.peekMeta(metaKey(0, Buffer.from('b'))), undefined, 'b absent');
  fail = false;
  t.same(sm.apply(2, entry)?.length, 2);
  t.equal(cachedValue(sm, 'a', 1002), 'new');
});

t.test('complete mode: a keyspace loaded whole answers misses as absent without RocksDB', async (t) => {
  const storage = new MemoryStorage();
  const seed = new KvStateMachine(storage);
  const set = (k: string, v: string) => ({ db: 0, argv: ['set', k, v].map((s) => Buffer.from(s)) });
  seed.apply(1, encodeEntry(1000, 1, [set('a', '1'), set('b', '2'), set('c', 'x'.repeat(2000))]));

  // Reopened over the same data with room for all of it: complete.
  const sm = new KvStateMachine(storage);
  t.ok(sm.cache.isComplete, 'complete after loading every record');
  t.equal(sm.cache.size, 3);
  let reads = 0;
  const get = storage.get.bind(storage);
  const getMany = storage.getMany.bind(storage);
  storage.get = (cf, key) => {
    if (cf === 'meta') reads++;
    return get(cf, key);
  };
  storage.getMany = (cf, keys) => {
    if (cf === 'meta') reads += keys.length;
    return getMany(cf, keys);
  };
  t.equal(cachedValue(sm, 'b', 1001), '2', 'loaded value served');
  t.equal(sm.cachedString(0, Buffer.from('nope'), 1001), null, 'missing key known absent');
  t.equal(sm.peekMeta(metaKey(0, Buffer.from('nope'))), undefined);
  sm.apply(2, encodeEntry(1001, 2, [set('new1', 'v'), set('new2', 'v'), set('a', '3')]));
  t.equal(reads, 0, 'no RocksDB meta read for missing keys or new keys');
  t.equal(cachedValue(sm, 'new2', 1002), 'v');

  // A budget too small for the keyspace: loaded partly, incomplete, misses read RocksDB.
  const small = new KvStateMachine(storage, { metaCacheBytes: 1000 });
  t.notOk(small.cache.isComplete, 'incomplete when the keyspace does not fit');
  t.equal(small.cachedString(0, Buffer.from('nope'), 1002), undefined, 'a miss is not an answer');
  t.equal(small.peekMeta(metaKey(0, Buffer.from('c')))?.length, 2018, 'evicted record read from RocksDB');
  t.ok(reads > 0);

  // Eviction ends completeness.
  const cache = new MetaCache(2000);
  cache.loaded();
  t.ok(cache.isComplete);
  cache.write(mk(0, 'big'), Buffer.alloc(3000));
  cache.commit();
  t.notOk(cache.isComplete, 'incomplete after an eviction');
  t.equal(cache.read(storage, mk(0, 'a'))?.toString('latin1', 18), '3', 'read from RocksDB again');
});
