// ReadIndex (thesis 6.4): a read is linearizable once the node has applied the read index
// returned after a quorum heartbeat round. Checks batching (one round for many reads),
// the wait for the leader's first commit in its term, follower reads, no stale read from
// a partitioned leader, and the lease option. Driven by hand through TestCluster.
import t from 'tap';
import { MessageType, StateRole } from '../src/index.js';
import { bytes, reasonOf, TestCluster, text } from './harness.js';

function heartbeatRounds(c: TestCluster, from: number, since: number): number {
  const rounds = new Set<number>();
  for (const m of c.sent.slice(since)) {
    if (m.type === MessageType.Heartbeat && m.from === from && m.readRound > 0) rounds.add(m.readRound);
  }
  return rounds.size;
}

t.test('leader read: one heartbeat round confirms it, read index = commit', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.propose(1, 'w');
  c.stabilize();
  c.raw(1).readIndex(bytes('r1'));
  c.stabilize();
  const rs = c.node(1).readStates;
  t.equal(rs.length, 1);
  t.equal(text(rs[0]!.context), 'r1');
  t.equal(rs[0]!.index, c.raw(1).raft.log.committed);
});

t.test('batched: a hundred reads waiting together share one heartbeat round', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  t.equal(c.elect(1), 1);
  const before = c.sent.length;
  for (let i = 0; i < 100; i++) c.raw(1).readIndex(bytes(`r${i}`));
  c.stabilize();
  t.equal(heartbeatRounds(c, 1, before), 1, 'one round');
  t.equal(
    c.sent.slice(before).filter((m) => m.type === MessageType.Heartbeat).length,
    4,
    'one heartbeat per follower',
  );
  t.equal(c.node(1).readStates.length, 100, 'all reads answered');
  t.same(
    c.node(1).readStates.map((r) => text(r.context)),
    Array.from({ length: 100 }, (_, i) => `r${i}`),
    'in arrival order',
  );
});

t.test('reads wait until the new leader commits an entry of its own term', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.propose(1, 'old-term');
  c.stabilize();
  c.crash(1);
  const leader = c.tickUntilLeader([2, 3]);
  // Elected, but hold back its no-op: cut it off before the no-op replicates.
  c.crash(leader === 2 ? 3 : 2);
  c.raw(leader).readIndex(bytes('early'));
  c.stabilize();
  t.equal(c.node(leader).readStates.length, 0, 'not answered while no entry of its term is committed');
  c.restart(leader === 2 ? 3 : 2);
  c.tickAll();
  c.stabilize();
  const rs = c.node(leader).readStates;
  t.equal(rs.length, 1, 'answered once the no-op commits');
  t.equal(c.raw(leader).raft.log.term(rs[0]!.index), c.raw(leader).raft.term, 'read index covers the no-op');
});

t.test('a follower read goes through the leader and returns the leader commit', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.propose(1, 'w');
  c.stabilize();
  c.raw(3).readIndex(bytes('f'));
  c.stabilize();
  const rs = c.node(3).readStates;
  t.equal(rs.length, 1);
  t.equal(text(rs[0]!.context), 'f');
  t.equal(rs[0]!.index, c.raw(1).raft.log.committed);
  t.ok(c.node(3).appliedIndex >= rs[0]!.index, 'the follower can serve it from applied state');
});

t.test('ReadIndex under partition: an isolated old leader never answers (no stale read)', async (t) => {
  const c = new TestCluster([1, 2, 3], { checkQuorum: false });
  t.equal(c.elect(1), 1);
  c.propose(1, 'v1');
  c.stabilize();
  c.isolate(1);
  const next = c.tickUntilLeader([2, 3]);
  c.propose(next, 'v2');
  c.stabilize();
  t.equal(c.raw(1).raft.role, StateRole.Leader, 'old leader still thinks it leads');
  c.raw(1).readIndex(bytes('stale?'));
  for (let i = 0; i < 20; i++) {
    c.tick(1);
    c.stabilize();
  }
  t.equal(c.node(1).readStates.length, 0, 'no quorum, no read');
  // The majority side answers, with an index that includes v2.
  c.raw(next).readIndex(bytes('fresh'));
  c.stabilize();
  const rs = c.node(next).readStates;
  t.equal(rs.length, 1);
  const v2 = c.node(next).applied.find((e) => text(e.data) === 'v2')!;
  t.ok(rs[0]!.index >= v2.index, 'the read sees v2');
  c.heal();
  c.tickAll(2);
  c.stabilize();
  t.equal(c.node(1).readStates.length, 0, 'the stale leader stepped down without answering');
});

t.test('readIndex without a known leader is refused', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(
    reasonOf(() => c.raw(2).readIndex(bytes('x'))),
    'not_leader',
  );
});

t.test('lease-based reads (option) answer without a heartbeat round', async (t) => {
  const c = new TestCluster([1, 2, 3], { readOnlyOption: 'lease' });
  t.equal(c.elect(1), 1);
  const before = c.sent.length;
  c.raw(1).readIndex(bytes('lease'));
  c.processReady(1);
  t.equal(c.node(1).readStates.length, 1, 'answered at once');
  t.equal(heartbeatRounds(c, 1, before), 0, 'no round trip');
});

t.test('lease reads require CheckQuorum', async (t) => {
  t.throws(
    () => new TestCluster([1], { readOnlyOption: 'lease', checkQuorum: false }),
    /require checkQuorum/,
  );
});
