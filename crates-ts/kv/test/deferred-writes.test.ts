// Deferred writes (KvStateMachine.deferPlainWrites): entries of plain `SET key value` and
// `MSET key value ...` keep their meta records in the cache and write them later. Checked against a state machine that writes
// everything at once, over seeded random entries on a small keyspace (so keys are rewritten
// while dirty), with stamps advancing past DEFERRED_COLD_MS (so cold records are written while
// newer ones stay dirty), SETs over keys with deadlines (a plain SET that must write
// `expire`), plain replacements of hashes, and INCR / DEL / SET EX / HSET entries (not plain:
// everything is written first).
// A crash is a new state machine on the same storage, replaying the log after its applied
// index: it must reach exactly the reference state (digest over meta, sub, zscore, expire).
import { ErrorReply } from '@seshat/common';
import {
  DEFERRED_COLD_MS,
  DEFERRED_IDLE_CHUNK,
  encodeEntry,
  type EntryCommand,
  KvStateMachine,
  metaKey,
  resolveCommand,
} from '@seshat/kv';
import { MemoryStorage, type WriteBatch } from '@seshat/storage';
import t from 'tap';
import { cachedValue } from './cached-value.js';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]): EntryCommand => ({ db: 0, argv: args.map(b) });

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function randomEntry(r: () => number, step: number): EntryCommand[] {
  const key = () => `k${Math.floor(r() * 40)}`;
  const roll = r();
  if (roll < 0.8) {
    // Plain SETs and MSETs, several per entry, some of the same key (within an MSET too).
    const n = 1 + Math.floor(r() * 6);
    const value = () => `v${step}:${Math.floor(r() * 1000)}`;
    return Array.from({ length: n }, () => {
      if (r() < 0.7) return cmd('set', key(), value());
      const pairs = 1 + Math.floor(r() * 3);
      return cmd('mset', ...Array.from({ length: pairs }, () => [key(), value()]).flat());
    });
  }
  if (roll < 0.85) return [cmd('set', key(), 'volatile', 'px', String(1 + Math.floor(r() * 3000)))];
  if (roll < 0.9) return [cmd('incr', `n${Math.floor(r() * 3)}`)];
  if (roll < 0.94) return [cmd('del', key())];
  if (roll < 0.97) return [cmd('hset', key(), 'f', 'h')];
  return [cmd('set', key(), 'x'), cmd('append', key(), 'y')];
}

t.test(
  'deferred writes survive crashes at any entry and match a state machine writing everything',
  async (t) => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const log: Buffer[] = [];
      const ref = new KvStateMachine(new MemoryStorage());
      const storage = new MemoryStorage();
      let sm = new KvStateMachine(storage);
      sm.deferPlainWrites = true;
      let stamp = 1_000_000;
      let crashes = 0;
      let sawDirty = 0;
      let sawLag = 0;
      for (let step = 1; step <= 600; step++) {
        stamp += Math.floor(r() * (DEFERRED_COLD_MS / 4));
        const entry = encodeEntry(stamp, step, randomEntry(r, step));
        log.push(entry);
        const want = ref.apply(step, entry);
        const got = sm.apply(step, entry);
        t.same(got, want, `seed ${seed} entry ${step}: same replies`);
        if (sm.cache.dirty > 0) sawDirty++;
        if (sm.durableIndex < sm.appliedIndex) sawLag++;
        if (r() < 0.05) {
          // Crash: the cache and everything in memory is gone; RocksDB keeps what was written.
          crashes++;
          sm = new KvStateMachine(storage);
          sm.deferPlainWrites = true;
          for (let i = sm.appliedIndex + 1; i <= step; i++) sm.apply(i, log[i - 1]!);
          t.equal(sm.appliedIndex, step, 'replayed to the end of the log');
          if (sm.digest().digest !== ref.digest().digest) {
            t.fail(`seed ${seed}: state after a crash at entry ${step} differs from the reference`);
            return;
          }
          t.same(sm.counts.keys, ref.counts.keys, 'key counts after replay');
        }
      }
      t.ok(crashes > 10, `seed ${seed}: ${crashes} crashes`);
      t.ok(sawDirty > 100, `seed ${seed}: records were dirty after ${sawDirty} entries`);
      t.ok(sawLag > 100, `seed ${seed}: durable index lagged after ${sawLag} entries`);
      t.equal(sm.digest().digest, ref.digest().digest, `seed ${seed}: final state matches`);
    }
  },
);

t.test('a plain SET over a key with a deadline writes everything, durable index included', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.deferPlainWrites = true;
  sm.apply(1, encodeEntry(1000, 1, [cmd('set', 'a', '1')]));
  t.equal(sm.cache.dirty, 1, 'plain SET: the record is dirty');
  t.equal(sm.durableIndex, 0, 'and the durable index stays behind it');
  t.equal(storage.get('meta', metaKey(0, b('a'))), undefined, 'not in RocksDB yet');
  sm.apply(2, encodeEntry(1001, 2, [cmd('set', 'v', '1', 'ex', '100')]));
  t.equal(sm.cache.dirty, 0, 'an entry that is not plain SETs writes the dirty records first');
  t.equal(sm.durableIndex, 2);
  sm.apply(3, encodeEntry(1002, 3, [cmd('set', 'v', '2')]));
  t.equal(sm.cache.dirty, 0, 'SET over a key with a deadline: written at once');
  t.equal(sm.durableIndex, 3);
  sm.apply(4, encodeEntry(1003, 4, [cmd('set', 'c', '1')]));
  sm.apply(5, encodeEntry(1003 + DEFERRED_COLD_MS + 1, 5, [cmd('set', 'd', '1')]));
  t.equal(sm.cache.dirty, 1, 'a record not rewritten for DEFERRED_COLD_MS is written');
  t.equal(sm.durableIndex, 4, 'the durable index moves up to the oldest dirty write');
});

t.test('a failed batch leaves dirty records as they were', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.deferPlainWrites = true;
  const log = [encodeEntry(1000, 1, [cmd('set', 'a', 'old')])];
  sm.apply(1, log[0]!);
  const write = storage.write.bind(storage);
  let fail = true;
  storage.write = (batch: WriteBatch, options: { sync: boolean }) => {
    if (fail) throw new Error('disk full');
    write(batch, options);
  };
  t.throws(() => sm.apply(2, encodeEntry(1001, 2, [cmd('set', 'a', 'new')])), /disk full/);
  t.equal(sm.appliedIndex, 1);
  t.equal(sm.cache.dirty, 1, 'a still dirty');
  t.equal(cachedValue(sm, 'a', 1002), 'old');
  fail = false;
  log.push(encodeEntry(1002, 3, [cmd('set', 'b', 'x')]));
  sm.apply(2, log[1]!);
  t.equal(sm.durableIndex, 0, "a's last write is still entry 1: replay must start there");
  // Crash and replay: a keeps the value entry 1 gave it.
  const again = new KvStateMachine(storage);
  again.deferPlainWrites = true;
  for (let i = again.appliedIndex + 1; i <= 2; i++) again.apply(i, log[i - 1]!);
  t.equal(cachedValue(again, 'a', 1003), 'old');
  t.equal(cachedValue(again, 'b', 1003), 'x');
});

t.test('once writes stop, the idle timer writes deferred records', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  sm.deferPlainWrites = true;
  sm.apply(1, encodeEntry(10_000, 1, [cmd('set', 'a', '1')]));
  sm.flushIfIdle(10_000 + DEFERRED_COLD_MS - 1);
  t.equal(sm.cache.dirty, 1, 'not before DEFERRED_COLD_MS without entries');
  sm.flushIfIdle(10_000 + DEFERRED_COLD_MS);
  t.equal(sm.cache.dirty, 0);
  t.equal(sm.durableIndex, 1);

  // A backlog drains in steps of DEFERRED_IDLE_CHUNK, the durable index following it.
  const n = DEFERRED_IDLE_CHUNK + 10;
  sm.apply(
    2,
    encodeEntry(
      20_000,
      2,
      Array.from({ length: n / 2 }, (_, i) => cmd('set', `x${i}`, '1')),
    ),
  );
  sm.apply(
    3,
    encodeEntry(
      20_001,
      3,
      Array.from({ length: n / 2 }, (_, i) => cmd('set', `y${i}`, '1')),
    ),
  );
  sm.flushIfIdle(20_001 + DEFERRED_COLD_MS);
  t.equal(sm.cache.dirty, 10, 'one chunk written');
  t.equal(sm.durableIndex, 2, 'entry 2 fully written, entry 3 not');
  sm.flushIfIdle(20_001 + DEFERRED_COLD_MS);
  t.equal(sm.cache.dirty, 0);
  t.equal(sm.durableIndex, 3);
});

t.test('scanning the keyspace writes deferred records first', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  sm.deferPlainWrites = true;
  sm.apply(1, encodeEntry(1000, 1, [cmd('set', 'a', '1'), cmd('set', 'b', '2')]));
  t.equal(sm.cache.dirty, 2);
  const argv = [b('keys'), b('*')];
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) throw new Error(spec.message);
  const keys = sm.read(spec, 0, argv, 2000) as Buffer[];
  t.same(keys.map(String).sort(), ['a', 'b'], 'KEYS sees both keys');
  t.equal(sm.cache.dirty, 0);
  t.equal(sm.durableIndex, 1);
});
