// Snapshots and log compaction (Raft paper section 7): the state machine reports an image
// at its applied index, the log is compacted behind it, and a follower that needs
// compacted entries gets InstallSnapshot, whether it lagged behind or crashed. Scenario
// tests on TestCluster; the test's "state machine image" is the list of applied commands.
import t from 'tap';
import {
  EntryType,
  MemoryLogStorage,
  MessageType,
  newMessage,
  ProgressState,
  type Snapshot,
} from '../src/index.js';
import { bytes, TestCluster, text } from './harness.js';

/** Snapshot node `id` at its applied index (image = its commands joined) and compact. */
function snapshotAndCompact(c: TestCluster, id: number): Snapshot {
  const node = c.node(id);
  const image = bytes(c.commands(id).join(','));
  const snap = node.storage.createSnapshot(node.appliedIndex, node.confState, image);
  node.storage.compact(node.appliedIndex);
  return snap;
}

t.test('compaction behind a snapshot keeps the log usable', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  for (let i = 0; i < 20; i++) c.propose(1, `c${i}`);
  c.stabilize();
  const snap = snapshotAndCompact(c, 1);
  const storage = c.node(1).storage;
  t.equal(storage.firstIndex(), snap.metadata.index + 1, 'first index right after the snapshot');
  t.equal(storage.term(snap.metadata.index), snap.metadata.term, 'snapshot term still known');
  c.propose(1, 'after');
  c.stabilize();
  t.same(c.commands(2).slice(-1), ['after']);
});

t.test('compaction beyond the snapshot is refused (it would leave a gap)', async (t) => {
  const s = new MemoryLogStorage();
  s.append([1, 2, 3, 4, 5].map((index) => ({ index, term: 1, type: EntryType.Normal, data: bytes('x') })));
  s.createSnapshot(3, { voters: [1], learners: [], removed: [] }, bytes('img'));
  t.throws(() => s.compact(4), /beyond the snapshot/);
  s.compact(3);
  t.equal(s.firstIndex(), 4);
  t.throws(() => s.entries(3, 5, 1e9), /compacted/);
});

t.test('a lagging follower receives InstallSnapshot and then the log after it', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.isolate(3);
  for (let i = 0; i < 30; i++) c.propose(1, `c${i}`);
  c.stabilize();
  const snap = snapshotAndCompact(c, 1);
  c.propose(1, 'tail');
  c.stabilize();
  c.heal();
  c.tickAll(2);
  c.stabilize();
  const snaps = c.sent.filter((m) => m.type === MessageType.Snapshot && m.to === 3);
  t.equal(snaps.length, 1, 'exactly one snapshot sent');
  t.equal(snaps[0]!.snapshot!.metadata.index, snap.metadata.index);
  t.equal(text(c.node(3).storage.snapshot()!.data), c.commands(1).slice(0, 30).join(','), 'image installed');
  t.equal(c.node(3).storage.firstIndex(), snap.metadata.index + 1, 'no gap between snapshot and log');
  t.same(c.commands(3), ['tail'], 'entries after the snapshot applied normally');
  t.equal(c.raw(1).raft.tracker.progress.get(3)!.state, ProgressState.Replicate, 'back to replicating');
  t.equal(c.raw(3).raft.log.committed, c.raw(1).raft.log.committed);
});

t.test('a crashed follower restarts behind the compacted log and is restored by snapshot', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.propose(1, 'early');
  c.stabilize();
  c.crash(3);
  for (let i = 0; i < 10; i++) c.propose(1, `c${i}`);
  c.stabilize();
  snapshotAndCompact(c, 1);
  snapshotAndCompact(c, 2);
  c.restart(3);
  for (let i = 0; i < 3; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.equal(c.node(3).appliedIndex, c.node(1).appliedIndex, 'crashed follower caught up');
  t.ok(
    c.sent.some((m) => m.type === MessageType.Snapshot && m.to === 3),
    'via InstallSnapshot',
  );
  // And it survives another crash with the installed snapshot as its base.
  c.crash(3);
  const raw = c.restart(3);
  t.equal(raw.raft.log.firstIndex(), c.node(3).storage.firstIndex());
  t.equal(raw.raft.log.committed, c.raw(1).raft.log.committed);
});

t.test('a failed snapshot delivery is retried', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.isolate(3);
  for (let i = 0; i < 5; i++) c.propose(1, `c${i}`);
  c.stabilize();
  snapshotAndCompact(c, 1);
  c.heal();
  c.cut.add('1->3'); // the snapshot will be lost (reported as failed by the harness)
  c.tickAll();
  c.stabilize();
  const pr = c.raw(1).raft.tracker.progress.get(3)!;
  t.not(pr.state, ProgressState.Snapshot, 'failure report moved the follower out of Snapshot state');
  c.heal();
  for (let i = 0; i < 3; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.equal(c.node(3).appliedIndex, c.node(1).appliedIndex, 'retry succeeded');
});

t.test('a snapshot the follower already covers only advances its commit', async (t) => {
  const c = new TestCluster([1, 2]);
  t.equal(c.elect(1), 1);
  for (let i = 0; i < 3; i++) c.propose(1, `c${i}`);
  c.stabilize();
  const snap = c.node(1).storage.createSnapshot(c.node(1).appliedIndex, c.node(1).confState, bytes('img'));
  const before = c.raw(2).raft.log.lastIndex();
  const m = newMessage(MessageType.Snapshot, 2);
  m.groupId = 1;
  m.from = 1;
  m.term = c.raw(1).raft.term;
  m.snapshot = snap;
  c.raw(2).step(m);
  t.equal(c.raw(2).raft.log.lastIndex(), before, 'log kept');
  t.equal(c.raw(2).raft.log.unstable.snapshot, null, 'nothing to install');
});
