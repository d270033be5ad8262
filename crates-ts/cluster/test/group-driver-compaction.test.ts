// GroupDriver's log compaction policy on a real single-voter group (RocksDB, KvStateMachine,
// no peers): writes of large values, one entry each, must make the driver snapshot and compact
// by BYTES (logBytesMax) long before the entry-count trigger (logEntriesMax) would, leave at
// most half the byte budget behind the applied index (so it does not snapshot per write);
// with a large byte budget the same writes cause no snapshot.
// How: the driver runs on the real event loop (setImmediate turns); each write is awaited
// through its reply, ticks are driven by hand until the node is leader. Temp dirs are removed
// on teardown.
import t from 'tap';
import { singleVoterLeader as leader, set } from './single-voter.js';

const VALUE_BYTES = 8 * 1024;
const WRITES = 40;
const LOG_BYTES_MAX = 64 * 1024;
t.test('large entries trigger a snapshot by bytes, well before the entry count', async (t) => {
  const d = await leader(t, { logEntriesMax: 10_000, logEntriesKept: 1_000, logBytesMax: LOG_BYTES_MAX });
  let maxBytes = 0;
  for (let i = 0; i < WRITES; i++) {
    const r = await set(d, `k${i}`, String(i % 10).repeat(VALUE_BYTES));
    t.equal(r, 'OK', `write ${i}`);
    maxBytes = Math.max(maxBytes, d.log.storedBytes);
  }
  const applied = d.sm.appliedIndex;
  t.ok(applied >= WRITES, `applied ${applied}`);
  t.ok(d.snapshotsTaken >= 1, `snapshots taken: ${d.snapshotsTaken}`);
  t.ok(d.log.firstIndex() > 2, `log compacted (first index ${d.log.firstIndex()})`);
  t.equal(d.log.storedSnapshot().metadata.index <= applied, true, 'snapshot within the applied log');
  t.ok(maxBytes <= LOG_BYTES_MAX + 2 * VALUE_BYTES, `log bytes stayed near the budget (max ${maxBytes})`);
  t.ok(
    d.log.storedBytes <= LOG_BYTES_MAX,
    `log bytes after the writes: ${d.log.storedBytes} <= ${LOG_BYTES_MAX}`,
  );
  // Half the budget is kept behind the applied index: about one snapshot per 4 writes, not per write.
  t.ok(d.snapshotsTaken <= WRITES / 2, `no snapshot per write (${d.snapshotsTaken} for ${WRITES})`);
  t.equal(d.sm.appliedIndex - (d.log.firstIndex() - 1) < 1_000, true, 'fewer than logEntriesKept kept');
});

t.test('the same writes under a large byte budget take no snapshot', async (t) => {
  const d = await leader(t, { logEntriesMax: 10_000, logEntriesKept: 1_000, logBytesMax: 64 * 1024 * 1024 });
  for (let i = 0; i < WRITES; i++) await set(d, `k${i}`, String(i % 10).repeat(VALUE_BYTES));
  t.equal(d.snapshotsTaken, 0, 'no snapshot');
  t.equal(d.log.firstIndex(), 2, 'log not compacted (bootstrap base 1)');
  t.ok(d.log.storedBytes > WRITES * VALUE_BYTES, `all ${WRITES} entries stored (${d.log.storedBytes} bytes)`);
});
