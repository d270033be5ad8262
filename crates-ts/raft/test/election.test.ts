// Leader election scenarios named after the Raft paper's rules (sections 5.2, 5.4.1) and
// the thesis' PreVote/CheckQuorum (9.6). Each test drives a TestCluster by hand: ticks,
// campaigns, message delivery, partitions and crashes, then asserts roles and terms.
import t from 'tap';
import { MessageType, NONE, StateRole } from '../src/index.js';
import { TestCluster } from './harness.js';

t.test('initial election: one leader, every node follows it in the same term', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  const leader = c.tickUntilLeader();
  t.not(leader, 0);
  const term = c.raw(leader).raft.term;
  for (const id of [1, 2, 3]) {
    t.equal(c.raw(id).raft.term, term, `node ${id} term`);
    t.equal(c.raw(id).raft.lead, leader, `node ${id} follows the leader`);
  }
  t.equal([1, 2, 3].filter((id) => c.raw(id).raft.role === StateRole.Leader).length, 1);
});

t.test('re-election after leader loss', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  const term = c.raw(1).raft.term;
  c.crash(1);
  const next = c.tickUntilLeader();
  t.ok(next === 2 || next === 3, `new leader ${next}`);
  t.ok(c.raw(next).raft.term > term, 'in a later term');
  c.restart(1);
  c.tickAll(1);
  c.stabilize();
  t.equal(c.raw(1).raft.role, StateRole.Follower, 'old leader rejoins as follower');
  t.equal(c.raw(1).raft.lead, next);
});

t.test('no agreement without a majority: a minority leader cannot commit', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5]);
  t.equal(c.elect(1), 1);
  const commit = c.raw(1).raft.log.committed;
  c.partition([1, 2], [3, 4, 5]);
  c.propose(1, 'lost-write');
  c.stabilize();
  c.tickAll(3);
  c.stabilize();
  t.equal(c.raw(1).raft.log.committed, commit, 'commit does not move with 2 of 5');
  t.same(c.commands(1), []);
  // The majority side elects its own leader and makes progress.
  const majority = c.tickUntilLeader([3, 4, 5]);
  t.ok([3, 4, 5].includes(majority), `majority side leader ${majority}`);
  c.propose(majority, 'real-write');
  c.stabilize();
  t.same(c.commands(majority), ['real-write']);
});

t.test(
  'rejoin of a partitioned leader: it steps down and its uncommitted entries are replaced',
  async (t) => {
    const c = new TestCluster([1, 2, 3], { checkQuorum: false });
    t.equal(c.elect(1), 1);
    c.isolate(1);
    c.propose(1, 'stale');
    c.stabilize();
    const next = c.tickUntilLeader([2, 3]);
    t.ok(next === 2 || next === 3);
    c.propose(next, 'fresh');
    c.stabilize();
    t.equal(c.raw(1).raft.role, StateRole.Leader, 'isolated old leader still believes it leads');
    c.heal();
    c.tickAll(2);
    c.stabilize();
    t.equal(c.raw(1).raft.role, StateRole.Follower, 'old leader stepped down on rejoin');
    t.equal(c.raw(1).raft.lead, next);
    for (const id of [1, 2, 3])
      t.same(c.commands(id), ['fresh'], `node ${id} applied only the committed write`);
  },
);

t.test('election restriction: a candidate with a stale log cannot win', async (t) => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  t.equal(c.elect(1), 1);
  c.isolate(3);
  c.propose(1, 'a');
  c.stabilize();
  c.heal();
  c.crash(1);
  // Node 3 misses 'a'; it campaigns but node 2 refuses it.
  c.raw(3).campaign();
  c.stabilize();
  t.not(c.raw(3).raft.role, StateRole.Leader, 'stale candidate lost');
  const leader = c.tickUntilLeader([2, 3]);
  t.equal(leader, 2, 'the up-to-date node wins');
  t.same(c.commands(2), ['a']);
});

t.test('dueling candidates: split vote resolves, one leader per term', async (t) => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.isolate(2);
  // 1 and 3 campaign at the same moment; 2 is unreachable so each gets only its own vote.
  c.raw(1).campaign();
  c.raw(3).campaign();
  c.stabilize();
  t.equal(c.raw(1).raft.role, StateRole.Candidate);
  t.equal(c.raw(3).raft.role, StateRole.Candidate);
  t.equal(c.raw(1).raft.term, c.raw(3).raft.term, 'same term, split');
  c.heal();
  const leader = c.tickUntilLeader();
  t.not(leader, 0, 'randomized timeouts break the tie');
  const term = c.raw(leader).raft.term;
  t.equal([1, 2, 3].filter((id) => c.raw(id).raft.role === StateRole.Leader).length, 1);
  for (const id of [1, 2, 3]) t.equal(c.raw(id).raft.term, term);
});

t.test('PreVote: crossing pre-campaigns do not split the vote; one real election', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  const term = c.raw(1).raft.term;
  c.crash(1);
  // Both timers fire before either hears the other's pre-vote: each asks the other.
  c.raw(3).campaign();
  c.raw(2).campaign();
  t.equal(c.raw(2).raft.role, StateRole.PreCandidate);
  t.equal(c.raw(3).raft.role, StateRole.PreCandidate);
  c.stabilize();
  t.equal(c.raw(2).raft.role, StateRole.Leader, 'equal logs: the lower id goes on');
  t.equal(c.raw(3).raft.lead, 2);
  t.equal(c.raw(2).raft.term, term + 1, 'exactly one real election');
});

t.test('PreVote: of crossing pre-campaigns the more up-to-date log goes on', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  const term = c.raw(1).raft.term;
  c.isolate(2);
  c.propose(1, 'a');
  c.stabilize();
  c.crash(1);
  c.heal();
  c.raw(2).campaign();
  c.raw(3).campaign();
  c.stabilize();
  t.equal(c.raw(3).raft.role, StateRole.Leader, 'node 3 holds entry a, node 2 does not');
  t.equal(c.raw(3).raft.term, term + 1, 'exactly one real election');
  t.same(c.commands(3), ['a']);
});

t.test('PreVote: a disruptive rejoining node does not depose a healthy leader', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  const term = c.raw(1).raft.term;
  c.isolate(3);
  // Node 3 times out over and over while cut off; with PreVote its term does not grow.
  for (let i = 0; i < 100; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.equal(c.raw(3).raft.term, term, 'isolated node did not inflate its term');
  t.equal(c.raw(3).raft.role, StateRole.PreCandidate);
  c.heal();
  c.tickAll(2);
  c.stabilize();
  t.equal(c.raw(1).raft.role, StateRole.Leader, 'leader undisturbed');
  t.equal(c.raw(1).raft.term, term);
  t.equal(c.raw(3).raft.lead, 1, 'rejoined node follows');
});

t.test('without PreVote the same rejoin disrupts (the behaviour PreVote prevents)', async (t) => {
  const c = new TestCluster([1, 2, 3], { preVote: false, checkQuorum: false });
  t.equal(c.elect(1), 1);
  const term = c.raw(1).raft.term;
  c.isolate(3);
  for (let i = 0; i < 60; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.ok(c.raw(3).raft.term > term + 1, 'isolated node inflated its term');
  c.heal();
  for (let i = 0; i < 40 && c.raw(1).raft.term === term; i++) {
    c.tickAll();
    c.stabilize();
  }
  t.ok(c.raw(1).raft.term > term, 'the leader was forced into a new term');
});

t.test('CheckQuorum: a leader without a quorum steps down', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.isolate(1);
  const electionTicks = c.raw(1).raft.config.electionTicks;
  for (let i = 0; i < electionTicks * 2; i++) c.tick(1);
  t.equal(c.raw(1).raft.role, StateRole.Follower, 'cut-off leader stepped down');
  t.equal(c.raw(1).raft.lead, NONE);
});

t.test('CheckQuorum: followers ignore vote requests while the leader is alive (stickiness)', async (t) => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  t.equal(c.elect(1), 1);
  const term = c.raw(1).raft.term;
  c.raw(3).campaign(); // forced campaign while 1 is healthy
  c.stabilize();
  t.equal(c.raw(1).raft.role, StateRole.Leader);
  t.equal(c.raw(2).raft.term, term, 'node 2 did not adopt the disruptive term');
  t.equal(c.raw(2).raft.lead, 1);
});

t.test('the leader appends a no-op entry of its term on election', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(2), 2);
  const r = c.raw(2).raft;
  t.equal(r.log.term(r.log.lastIndex()), r.term, 'last entry is of the new term');
  t.ok(r.committedInTerm(), 'no-op committed');
  const appends = c.sent.filter((m) => m.type === MessageType.Append && m.entries.length > 0);
  t.ok(
    appends.some((m) => m.entries[0]!.data.byteLength === 0),
    'the no-op was replicated',
  );
});

t.test('votes are persisted before the vote response leaves', async (t) => {
  const c = new TestCluster([1, 2, 3], { preVote: false });
  c.raw(1).campaign();
  c.processReady(1);
  c.deliverAll();
  const rd = c.raw(2).ready();
  t.equal(rd.messages.length, 0, 'a follower sends nothing before persisting');
  t.equal(rd.messagesAfterPersist[0]!.type, MessageType.VoteResponse);
  t.equal(rd.hardState?.vote, 1, 'the vote is in the hard state to persist');
  t.ok(rd.mustSync);
  c.raw(2).advance();
});
