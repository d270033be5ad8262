// Log replication scenarios (Raft paper 5.3, 5.4.2, Figure 8) and the classic checklist
// tests (backup of divergent logs, Figure 8 unreliable, persistence). Scripted tests drive
// exact deliveries through TestCluster; the unreliable ones use a seeded PRNG for loss and
// reordering so that they are deterministic.
import { SeededRandom } from '@seshat/common';
import t from 'tap';
import { type Message, MessageType, ProgressState, type RaftError, StateRole } from '../src/index.js';
import { reasonOf, TestCluster } from './harness.js';

t.test('basic agreement: a proposal is applied by every node in order', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  for (let i = 0; i < 5; i++) c.propose(1, `cmd${i}`);
  c.stabilize();
  for (const id of [1, 2, 3]) t.same(c.commands(id), ['cmd0', 'cmd1', 'cmd2', 'cmd3', 'cmd4']);
});

t.test('proposals on a follower are refused with the leader as a hint', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  t.equal(
    reasonOf(() => c.propose(2, 'x')),
    'not_leader',
  );
  try {
    c.propose(2, 'x');
  } catch (err) {
    t.equal((err as RaftError).leaderId, 1, 'leader hint');
  }
});

t.test('batching: proposals of one loop turn travel in one Append per follower', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  const before = c.sent.length;
  const id = c.raw(1).proposeBatch(Array.from({ length: 100 }, (_, i) => new TextEncoder().encode(`b${i}`)));
  for (let i = 0; i < 50; i++) c.propose(1, `p${i}`);
  c.processReady(1);
  const appends = c.sent.slice(before).filter((m) => m.type === MessageType.Append);
  t.equal(appends.length, 2, 'one Append per follower');
  t.equal(appends[0]!.entries.length, 150, 'carrying all 150 entries');
  t.equal(id.index + 99, appends[0]!.entries[99]!.index, 'batch ids are consecutive');
  c.stabilize();
  t.equal(c.commands(2).length, 150);
});

t.test('conflict truncation: a follower drops its uncommitted suffix for the leader', async (t) => {
  const c = new TestCluster([1, 2, 3], { checkQuorum: false });
  t.equal(c.elect(1), 1);
  c.partition([1], [2, 3]);
  for (let i = 0; i < 3; i++) c.propose(1, `orphan${i}`);
  c.stabilize();
  const lastBefore = c.raw(1).raft.log.lastIndex();
  const next = c.tickUntilLeader([2, 3]);
  c.propose(next, 'winner');
  c.stabilize();
  c.heal();
  c.tickAll(2);
  c.stabilize();
  t.ok(lastBefore >= c.raw(1).raft.log.committed - 1);
  for (const id of [1, 2, 3]) t.same(c.commands(id), ['winner'], `node ${id}`);
  const log = c.raw(1).raft.log;
  t.equal(log.lastIndex(), c.raw(next).raft.log.lastIndex(), 'same log length');
});

t.test('backup: a leader brings back followers 50 divergent entries behind, with few probes', async (t) => {
  const c = new TestCluster([1, 2, 3, 4, 5], { checkQuorum: false });
  t.equal(c.elect(1), 1);
  c.propose(1, 'base');
  c.stabilize();
  // Leader 1 with follower 2 accepts 50 entries that cannot commit.
  c.partition([1, 2], [3, 4, 5]);
  for (let i = 0; i < 50; i++) c.propose(1, `lost1-${i}`);
  c.stabilize();
  // The other three elect a leader and commit 50.
  const l2 = c.tickUntilLeader([3, 4, 5]);
  for (let i = 0; i < 50; i++) c.propose(l2, `ok1-${i}`);
  c.stabilize();
  // That leader and one follower accept 50 more that cannot commit.
  const [other] = [3, 4, 5].filter((id) => id !== l2);
  const third = [3, 4, 5].find((id) => id !== l2 && id !== other)!;
  c.heal();
  c.partition([l2, other!], [1, 2, third]);
  for (let i = 0; i < 50; i++) c.propose(l2, `lost2-${i}`);
  c.stabilize();
  // 1, 2 and the third node elect (the third has the committed entries, so it wins).
  const l3 = c.tickUntilLeader([1, 2, third]);
  t.equal(l3, third, 'the node holding the committed entries wins');
  for (let i = 0; i < 50; i++) c.propose(l3, `ok2-${i}`);
  c.stabilize();
  // Everyone together: all converge on the committed history.
  c.heal();
  const before = c.sent.length;
  for (let i = 0; i < 30 && c.raw(l2).raft.role === StateRole.Leader; i++) {
    c.tickAll();
    c.stabilize();
  }
  c.propose(c.leader(), 'final');
  c.stabilize();
  const want = ['base', ...range(50, 'ok1-'), ...range(50, 'ok2-'), 'final'];
  for (const id of [1, 2, 3, 4, 5]) t.same(c.commands(id), want, `node ${id} converged`);
  const rejections = c.sent.slice(before).filter((m) => m.type === MessageType.AppendResponse && m.reject);
  t.ok(rejections.length <= 6, `fast back-off: ${rejections.length} rejections for 2x50 divergent entries`);
});

function range(n: number, prefix: string): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/**
 * Figure 8 of the Raft paper, scripted on five nodes. S1 (term 2) writes X to S2 only;
 * S5 (term 3) wins with S3, S4 and writes its no-op only to itself; S1 (term 4) comes back
 * and copies X to S3 (a majority holds X) but its own no-op does not get out; S5 wins
 * term 5 and overwrites X. Returns the cluster and X's index.
 */
function figure8(unsafe: boolean): { c: TestCluster; xIndex: number; s1CommitBeforeCrash: number } {
  const opts = {
    preVote: false,
    checkQuorum: false,
    maxSizePerMsgBytes: 1,
    unsafeCommitPreviousTermByCounting: unsafe,
  };
  const c = new TestCluster([1, 2, 3, 4, 5], opts);
  c.elect(1); // term 2
  c.isolate(1);
  c.cut.delete('1->2');
  c.cut.delete('2->1');
  const x = c.propose(1, 'X');
  c.stabilize();
  c.crash(1);
  c.heal();
  // S5 campaigns and only S3, S4 hear it; its no-op never leaves.
  c.cut.add('5->2');
  c.raw(5).campaign();
  c.processReady(5);
  c.deliverAll();
  c.processReady(3);
  c.processReady(4);
  c.processReady(2);
  c.deliverAll();
  if (c.raw(5).raft.role !== StateRole.Leader) throw new Error('S5 did not win term 3');
  c.isolate(5);
  c.processReady(5);
  c.deliverAll();
  c.crash(5);
  c.heal();
  // S1 returns and wins with S2 and S3 (S4 cannot hear it); none of S1's own-term
  // entries reaches S3 or S4, but X does.
  c.restart(1);
  c.cut.add('1->4');
  // Appends from S1 to S3/S4 lose S1's own-term entries in transit (the message survives).
  const loseOwnTerm = (m: Message): Message => {
    if (m.from !== 1 || m.to === 2 || m.type !== MessageType.Append) return m;
    const term = c.raw(1).raft.term;
    const kept = m.entries.filter((e) => e.term !== term);
    return kept.length === m.entries.length ? m : { ...m, entries: kept };
  };
  for (let attempt = 0; attempt < 5 && c.raw(3).raft.log.term(x.index) !== 2; attempt++) {
    if (c.raw(1).raft.role !== StateRole.Leader) c.raw(1).campaign();
    for (let round = 0; round < 10; round++) {
      for (const id of [1, 2, 3, 4]) c.processReady(id);
      c.queue = c.queue.map(loseOwnTerm);
      c.deliverAll();
    }
  }
  if (c.raw(3).raft.log.term(x.index) !== 2) throw new Error('S1 did not copy X to S3');
  const s1CommitBeforeCrash = c.raw(1).raft.log.committed;
  c.crash(1);
  c.cut.clear();
  c.isolate(1);
  c.restart(5);
  while (c.leader() !== 5) {
    c.raw(5).campaign();
    c.stabilize();
  }
  c.stabilize();
  return { c, xIndex: x.index, s1CommitBeforeCrash };
}

t.test('Figure 8: a leader never commits an entry of an earlier term by counting replicas', async (t) => {
  const { c, xIndex, s1CommitBeforeCrash } = figure8(false);
  t.ok(s1CommitBeforeCrash < xIndex, `S1 did not commit X (commit ${s1CommitBeforeCrash}, X at ${xIndex})`);
  t.equal(c.raw(3).raft.log.term(xIndex), 3, 'S5 overwrote X with its term-3 entry on S3');
  c.propose(5, 'after');
  c.stabilize();
  c.heal();
  c.restart(1);
  c.tickAll(3);
  c.stabilize();
  for (const id of [1, 2, 3, 4, 5]) {
    t.notOk(c.commands(id).includes('X'), `node ${id} never applied X`);
    t.same(c.commands(id), ['after'], `node ${id} agrees`);
  }
});

t.test('Figure 8 with the rule broken: the overwritten entry had been committed', async (t) => {
  const { c, xIndex, s1CommitBeforeCrash } = figure8(true);
  t.ok(s1CommitBeforeCrash >= xIndex, 'S1 (unsafe) committed X by counting');
  t.equal(c.leader(), 5, 'S5 leads term 5');
  t.equal(c.raw(5).raft.log.term(xIndex), 3, 'and its log lacks committed X: leader completeness broken');
});

t.test(
  'Figure 8 on an unreliable network: agreement despite loss, reordering and leader churn',
  async (t) => {
    const random = new SeededRandom(8);
    const c = new TestCluster([1, 2, 3, 4, 5], { maxSizePerMsgBytes: 64 });
    const down = new Set<number>();
    let proposed = 0;
    for (let iter = 0; iter < 400; iter++) {
      const leader = c.leader();
      if (leader !== 0 && !down.has(leader) && random.nextFloat() < 0.5) {
        try {
          c.propose(leader, `u${proposed}`);
          proposed++;
        } catch {}
      }
      if (random.nextFloat() < 0.1 && leader !== 0 && down.size < 2) {
        c.crash(leader);
        down.add(leader);
      }
      if (down.size > 0 && random.nextFloat() < 0.15) {
        const id = [...down][random.nextInt(down.size)]!;
        down.delete(id);
        c.restart(id);
      }
      unreliableRound(c, random);
    }
    for (const id of down) c.restart(id);
    for (let i = 0; i < 60; i++) {
      c.tickAll();
      c.stabilize();
    }
    c.propose(c.leader(), 'final');
    c.stabilize();
    const ref = c.commands(c.leader());
    t.ok(ref.length > 20, `${ref.length} commands committed through the churn`);
    t.equal(ref[ref.length - 1], 'final');
    for (const id of [1, 2, 3, 4, 5]) t.same(c.commands(id), ref, `node ${id} applied the same sequence`);
  },
);

/** One round of ticks and Ready handling with 10% loss and a shuffled delivery order. */
function unreliableRound(c: TestCluster, random: SeededRandom): void {
  c.tickAll();
  for (let k = 0; k < 3; k++) {
    for (const id of c.nodes.keys()) c.processReady(id);
    const batch = c.queue;
    for (let i = batch.length - 1; i > 0; i--) {
      const j = random.nextInt(i + 1);
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    c.deliverAll(() => random.nextFloat() >= 0.1);
  }
}

t.test('persistence: every node crashes and restarts, state and log survive', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  for (let i = 0; i < 10; i++) c.propose(1, `p${i}`);
  c.stabilize();
  const before = [1, 2, 3].map((id) => ({ hs: c.raw(id).hardState(), last: c.raw(id).raft.log.lastIndex() }));
  for (const id of [1, 2, 3]) c.crash(id);
  for (const id of [1, 2, 3]) {
    const raw = c.restart(id);
    t.same(raw.hardState(), before[id - 1]!.hs, `node ${id} hard state restored`);
    t.equal(raw.raft.log.lastIndex(), before[id - 1]!.last, `node ${id} log restored`);
    t.equal(raw.raft.log.applied, c.node(id).appliedIndex, `node ${id} does not re-apply`);
  }
  const leader = c.tickUntilLeader();
  c.propose(leader, 'after-restart');
  c.stabilize();
  for (const id of [1, 2, 3]) t.same(c.commands(id), [...range(10, 'p'), 'after-restart']);
});

t.test('persistence: a crash before the fsync loses only the unpersisted tail', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.propose(1, 'durable');
  c.stabilize();
  c.propose(1, 'in-flight');
  const rd = c.raw(1).ready(); // leader messages may leave now; the fsync never happens
  t.ok(
    rd.messages.some((m) => m.type === MessageType.Append),
    'leader sends before persisting',
  );
  t.equal(rd.entries.length, 1);
  c.crash(1);
  c.restart(1);
  t.same(
    c.raw(1).raft.log.lastIndex(),
    c.raw(1).raft.log.committed,
    'the unpersisted entry is gone after restart',
  );
  const leader = c.tickUntilLeader();
  c.propose(leader, 'next');
  c.stabilize();
  for (const id of [1, 2, 3]) t.same(c.commands(id), ['durable', 'next']);
});

t.test('the leader counts itself only once its entries are persisted', async (t) => {
  const c = new TestCluster([1]);
  t.equal(c.elect(1), 1);
  c.propose(1, 'solo');
  const rd = c.raw(1).ready();
  t.equal(rd.committedEntries.length, 0, 'not committed before the fsync');
  c.node(1).storage.append(rd.entries);
  c.raw(1).advance();
  t.equal(c.raw(1).raft.log.committed, rd.entries[0]!.index, 'committed once persisted');
});

t.test('flow control: the in-flight window and message size bound replication', async (t) => {
  const c = new TestCluster([1, 2], { maxInflightMsgs: 4, maxSizePerMsgBytes: 100 });
  t.equal(c.elect(1), 1);
  const pr = c.raw(1).raft.tracker.progress.get(2)!;
  t.equal(pr.state, ProgressState.Replicate);
  const before = c.sent.length;
  for (let i = 0; i < 40; i++) c.propose(1, `f${String(i).padStart(2, '0')}`);
  c.processReady(1);
  const appends = c.sent.slice(before).filter((m) => m.type === MessageType.Append);
  t.equal(appends.length, 4, 'stops at maxInflightMsgs');
  t.ok(pr.isPaused(), 'window full');
  for (const m of appends) t.ok(m.entries.length <= 3, 'each Append respects maxSizePerMsgBytes');
  c.stabilize();
  t.equal(c.commands(2).length, 40, 'acks reopen the window until everything is through');
  t.equal(pr.inflights.count, 0);
});

t.test('flow control: a follower that loses messages falls back to probing and recovers', async (t) => {
  const c = new TestCluster([1, 2, 3]);
  t.equal(c.elect(1), 1);
  c.cut.add('1->3');
  for (let i = 0; i < 5; i++) c.propose(1, `m${i}`);
  c.stabilize();
  c.heal();
  c.propose(1, 'm5');
  c.stabilize();
  const pr = c.raw(1).raft.tracker.progress.get(3)!;
  t.equal(pr.match, c.raw(1).raft.log.lastIndex(), 'node 3 caught up');
  t.equal(pr.state, ProgressState.Replicate);
  t.same(c.commands(3), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
});

t.test('uncommitted proposals are bounded (back-pressure)', async (t) => {
  const c = new TestCluster([1, 2, 3], { maxUncommittedEntriesBytes: 100 });
  t.equal(c.elect(1), 1);
  c.isolate(1);
  let accepted = 0;
  const reason = reasonOf(() => {
    for (let i = 0; i < 100; i++) {
      c.propose(1, 'x'.repeat(30));
      accepted++;
    }
  });
  t.equal(reason, 'uncommitted_limit');
  t.ok(accepted >= 3 && accepted <= 4, `accepted ${accepted}`);
});
