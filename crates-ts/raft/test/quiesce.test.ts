// Quiescing (RaftConfig.quiesce): an idle group's leader sends one heartbeat marked
// `quiesce` and stops its clock, and followers whose log matches stop theirs, so a thousand
// idle groups cost nothing per tick. Checks that an idle group goes silent, that every kind
// of request and message wakes it, that a lagging follower does not quiesce, that a woken
// leader's CheckQuorum starts afresh (a cut-off leader still steps down), and that a group
// whose leader died elects a new one once the host wakes it. Driven by hand (TestCluster).
import t from 'tap';
import { MessageType, newMessage, StateRole } from '../src/index.js';
import { bytes, TestCluster } from './harness.js';

const ELECTION_TICKS = 10;

/** A 3-node group, leader 1, one write applied everywhere, then idle until quiesced. */
function quiescedCluster(): TestCluster {
  const c = new TestCluster([1, 2, 3], { quiesce: true, electionTicks: ELECTION_TICKS });
  c.elect(1);
  c.propose(1, 'w');
  c.stabilize();
  for (let i = 0; i < ELECTION_TICKS + 2; i++) {
    c.tickAll();
    c.stabilize();
  }
  return c;
}

function sentSince(c: TestCluster, since: number): number {
  return c.sent.length - since;
}

t.test('an idle group quiesces: leader and followers stop their clocks, no traffic', async (t) => {
  const c = quiescedCluster();
  for (const id of [1, 2, 3]) t.ok(c.raw(id).quiesced, `node ${id} quiesced`);
  const before = c.sent.length;
  for (let i = 0; i < 10 * ELECTION_TICKS; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.equal(sentSince(c, before), 0, 'no message for ten election timeouts');
  t.equal(c.leader(), 1, 'still the leader');
  t.equal(c.raw(2).raft.role, StateRole.Follower, 'no follower campaigned');
});

t.test('without the option nothing quiesces', async (t) => {
  const c = new TestCluster([1, 2, 3], { electionTicks: ELECTION_TICKS });
  c.elect(1);
  const before = c.sent.length;
  for (let i = 0; i < 3 * ELECTION_TICKS; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.notOk(c.raw(1).quiesced);
  t.ok(sentSince(c, before) >= 3 * ELECTION_TICKS * 2, 'heartbeats every tick to both followers');
});

t.test('a proposal wakes the group and commits; it quiesces again when idle', async (t) => {
  const c = quiescedCluster();
  c.propose(1, 'x');
  t.notOk(c.raw(1).quiesced, 'the proposal woke the leader');
  c.stabilize();
  for (const id of [1, 2, 3]) t.same(c.commands(id), ['w', 'x'], `node ${id} applied it`);
  t.notOk(c.raw(2).quiesced, 'the append woke the follower');
  for (let i = 0; i < ELECTION_TICKS + 2; i++) {
    c.tickAll();
    c.stabilize();
  }
  for (const id of [1, 2, 3]) t.ok(c.raw(id).quiesced, `node ${id} quiesced again`);
});

t.test('a read on a follower wakes the group and is confirmed', async (t) => {
  const c = quiescedCluster();
  c.raw(2).readIndex(bytes('r'));
  c.stabilize();
  t.equal(c.node(2).readStates.length, 1, 'answered');
  t.notOk(c.raw(1).quiesced, 'leader woken by the ReadIndex request');
});

t.test('the leader does not quiesce while a follower lags', async (t) => {
  const c = new TestCluster([1, 2, 3], { quiesce: true, electionTicks: ELECTION_TICKS });
  c.elect(1);
  c.isolate(3);
  c.propose(1, 'w');
  c.stabilize();
  for (let i = 0; i < 3 * ELECTION_TICKS; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.notOk(c.raw(1).quiesced, 'node 3 does not hold the whole log');
  c.heal();
  for (let i = 0; i < ELECTION_TICKS + 3; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.same(c.commands(3), ['w'], 'caught up after the heal');
  for (const id of [1, 2, 3]) t.ok(c.raw(id).quiesced, `node ${id} quiesced once caught up`);
});

t.test('a follower whose log does not end at the leader keeps its clock', async (t) => {
  const c = new TestCluster([1, 2, 3], { quiesce: true, electionTicks: ELECTION_TICKS });
  c.elect(1);
  c.propose(1, 'w');
  c.stabilize();
  const leader = c.raw(1).raft;
  // A quiesce heartbeat claiming a longer log than node 3 holds (as if it missed entries).
  const m = newMessage(MessageType.Heartbeat, 3);
  Object.assign(m, {
    groupId: leader.groupId,
    from: 1,
    term: leader.term,
    commit: leader.log.committed,
    index: leader.log.lastIndex() + 1,
    quiesce: true,
  });
  c.raw(3).step(m);
  t.notOk(c.raw(3).quiesced, 'a gap: node 3 keeps ticking');
  c.raw(3).step({ ...m, index: leader.log.lastIndex() });
  t.ok(c.raw(3).quiesced, 'a matching log: node 3 stops its clock');
});

t.test('a restarted follower with a running clock wakes the leader with its pre-vote', async (t) => {
  const c = quiescedCluster();
  c.crash(3);
  c.restart(3);
  t.notOk(c.raw(3).quiesced, 'quiescing is not persisted');
  for (let i = 0; i < 3 * ELECTION_TICKS; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.equal(c.leader(), 1, 'the leader stayed');
  t.equal(c.raw(3).raft.lead, 1, 'node 3 follows it again');
  t.equal(c.raw(3).raft.term, c.raw(1).raft.term, 'no term was wasted');
});

t.test('a dead leader: once the host wakes the followers they elect a new leader', async (t) => {
  const c = quiescedCluster();
  const term = c.raw(1).raft.term;
  c.crash(1);
  for (let i = 0; i < 5 * ELECTION_TICKS; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.equal(c.leader(), 0, 'quiesced followers alone never time out (the host must wake them)');
  for (const id of [2, 3]) c.raw(id).unquiesce();
  const leader = c.tickUntilLeader([2, 3]);
  t.ok(leader === 2 || leader === 3, 'a new leader');
  t.ok(c.raw(leader).raft.term > term);
});

t.test('a woken leader cut off from its quorum steps down within an election timeout', async (t) => {
  const c = quiescedCluster();
  c.isolate(1);
  c.raw(1).unquiesce();
  for (let i = 0; i <= ELECTION_TICKS; i++) {
    c.tick(1);
    c.stabilize();
  }
  t.equal(c.raw(1).raft.role, StateRole.Follower, 'CheckQuorum counted only members heard since waking');
});

t.test('lease reads and quiescing are refused together', async (t) => {
  t.throws(
    () => new TestCluster([1], { quiesce: true, readOnlyOption: 'lease' }),
    /quiescing stops the CheckQuorum clock/,
  );
});
