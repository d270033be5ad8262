// Membership (thesis chapter 4): single-server changes applied one at a time and taking
// effect when applied, learners that replicate without voting and their promotion,
// removal (including of the leader, which steps down), ids never reused, and leadership
// transfer with TimeoutNow (thesis 3.10). Scenario tests on TestCluster.
import t from 'tap';
import { ConfChangeType, EMPTY_BYTES, MessageType, StateRole } from '../src/index.js';
import { reasonOf, TestCluster } from './harness.js';

function change(type: ConfChangeType, nodeId: number) {
  return { type, nodeId, context: EMPTY_BYTES };
}

/** A started three-voter cluster with leader 1 that has applied its no-op. */
function cluster(): TestCluster {
  const c = new TestCluster([1, 2, 3]);
  if (c.elect(1) !== 1) throw new Error('no leader');
  return c;
}

t.test('add a learner: it catches up by snapshot and replication but does not vote', async (t) => {
  const c = cluster();
  c.propose(1, 'before');
  c.stabilize();
  c.addEmpty(4);
  c.start(4);
  c.raw(1).proposeConfChange(change(ConfChangeType.AddLearnerNode, 4));
  c.stabilize();
  c.propose(1, 'after');
  c.stabilize();
  t.same(c.raw(1).status().confState.learners, [4]);
  t.same(c.node(4).confState.learners, [4], 'the learner knows the membership');
  t.same(c.commands(4), ['before', 'after'], 'learner replays the log after the bootstrap snapshot');
  t.equal(c.node(4).appliedIndex, c.node(1).appliedIndex);
  // A learner never campaigns.
  for (let i = 0; i < 50; i++) c.tick(4);
  c.stabilize();
  t.equal(c.raw(4).raft.role, StateRole.Follower);
  t.equal(c.leader(), 1);
});

t.test('a learner does not count toward the commit quorum', async (t) => {
  const c = new TestCluster([1, 2, 3], {}, [4]);
  t.equal(c.elect(1), 1);
  c.crash(2);
  c.crash(3);
  c.propose(1, 'needs-a-voter');
  c.stabilize();
  t.equal(c.raw(4).raft.log.lastIndex(), c.raw(1).raft.log.lastIndex(), 'the learner has the entry');
  t.same(c.commands(1), [], 'but leader + learner is not a quorum of three voters');
});

t.test('promote a learner to voter', async (t) => {
  const c = new TestCluster([1, 2, 3], {}, [4]);
  t.equal(c.elect(1), 1);
  c.raw(1).proposeConfChange(change(ConfChangeType.AddNode, 4));
  c.stabilize();
  t.same(c.raw(1).status().confState.voters, [1, 2, 3, 4]);
  t.same(c.raw(1).status().confState.learners, []);
  // Now 4 counts: with 2 and 3 down, {1,4} is not a majority of 4, with 3 down {1,2,4} is.
  c.crash(3);
  c.propose(1, 'x');
  c.stabilize();
  t.same(c.commands(4), ['x']);
  // And it can lead.
  c.restart(3);
  c.crash(1);
  const leader = c.tickUntilLeader([2, 3, 4]);
  t.ok([2, 3, 4].includes(leader), `new leader ${leader}`);
});

t.test('remove a follower: the quorum shrinks when the change is applied', async (t) => {
  const c = cluster();
  c.raw(1).proposeConfChange(change(ConfChangeType.RemoveNode, 3));
  c.stabilize();
  t.same(c.raw(1).status().confState.voters, [1, 2]);
  t.same(c.raw(1).status().confState.removed, [3]);
  c.crash(3);
  c.propose(1, 'two-voters');
  c.stabilize();
  t.same(c.commands(2), ['two-voters']);
  t.notOk(c.raw(1).raft.tracker.progress.has(3), 'leader stopped replicating to it');
});

t.test('a removed leader steps down and the others elect a new one', async (t) => {
  const c = cluster();
  c.raw(1).proposeConfChange(change(ConfChangeType.RemoveNode, 1));
  c.stabilize();
  t.not(c.raw(1).raft.role, StateRole.Leader, 'removed leader stepped down');
  const leader = c.tickUntilLeader([2, 3]);
  t.ok(leader === 2 || leader === 3, `new leader ${leader}`);
  t.same(c.raw(leader).status().confState.voters, [2, 3]);
  c.propose(leader, 'without-1');
  c.stabilize();
  t.same(c.commands(leader === 2 ? 3 : 2), ['without-1']);
  for (let i = 0; i < 50; i++) c.tick(1);
  c.stabilize();
  t.not(c.raw(1).raft.role, StateRole.Leader, 'removed node never campaigns');
  t.equal(c.leader(), leader);
});

t.test('one change at a time, and not before the leader applied its no-op', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  c.raw(1).campaign(); // pre-vote, then vote: stop as soon as it leads
  for (let i = 0; i < 4 && c.raw(1).raft.role !== StateRole.Leader; i++) {
    for (const id of [1, 2, 3]) c.processReady(id);
    c.deliverAll();
  }
  t.equal(c.raw(1).raft.role, StateRole.Leader);
  t.equal(
    reasonOf(() => c.raw(1).proposeConfChange(change(ConfChangeType.AddLearnerNode, 4))),
    'conf_change_pending',
    'refused before the no-op is applied',
  );
  c.stabilize();
  c.raw(1).proposeConfChange(change(ConfChangeType.AddLearnerNode, 4));
  t.equal(
    reasonOf(() => c.raw(1).proposeConfChange(change(ConfChangeType.AddLearnerNode, 5))),
    'conf_change_pending',
    'second change refused while the first is unapplied',
  );
  c.stabilize();
  c.raw(1).proposeConfChange(change(ConfChangeType.AddLearnerNode, 5));
});

t.test('node ids are never reused', async (t) => {
  const c = cluster();
  c.raw(1).proposeConfChange(change(ConfChangeType.RemoveNode, 3));
  c.stabilize();
  t.equal(
    reasonOf(() => c.raw(1).proposeConfChange(change(ConfChangeType.AddNode, 3))),
    'conf_change_invalid',
  );
  t.equal(
    reasonOf(() => c.raw(1).proposeConfChange(change(ConfChangeType.AddLearnerNode, 3))),
    'conf_change_invalid',
  );
});

t.test('leadership transfer: the target catches up, gets TimeoutNow and wins', async (t) => {
  const c = cluster();
  c.isolate(3);
  for (let i = 0; i < 5; i++) c.propose(1, `t${i}`);
  c.stabilize();
  c.heal();
  const term = c.raw(1).raft.term;
  c.raw(1).transferLeadership(3);
  t.equal(
    reasonOf(() => c.propose(1, 'during')),
    'transfer_in_progress',
    'proposals paused',
  );
  c.stabilize();
  t.equal(c.leader(), 3, 'node 3 leads');
  t.equal(c.raw(3).raft.term, term + 1);
  t.ok(c.sent.some((m) => m.type === MessageType.TimeoutNow && m.to === 3));
  t.same(c.commands(3), ['t0', 't1', 't2', 't3', 't4'], 'it was caught up first');
});

t.test('leadership transfer to an unreachable node is abandoned after an election timeout', async (t) => {
  const c = cluster();
  c.isolate(3);
  c.raw(1).transferLeadership(3);
  t.equal(c.raw(1).raft.leadTransferee, 3);
  c.cut.delete('2->1');
  c.cut.delete('1->2');
  for (let i = 0; i < 12; i++) {
    c.tick(1);
    c.tick(2);
    c.stabilize();
  }
  t.equal(c.raw(1).raft.leadTransferee, 0, 'transfer aborted');
  t.equal(c.raw(1).raft.role, StateRole.Leader, 'still leading');
  c.propose(1, 'resumed');
  c.stabilize();
  t.same(c.commands(2), ['resumed']);
});

t.test('a follower can ask the leader to hand leadership to itself', async (t) => {
  const c = cluster();
  c.raw(2).transferLeadership(2);
  c.stabilize();
  t.equal(c.leader(), 2);
});
