// The Raft core driven over RocksLogStorage behaves like it does over MemoryLogStorage:
// each scenario (election and replication, follower and leader restarts with the database
// closed and reopened, a lagging follower caught up by InstallSnapshot after compaction,
// a new member added with empty storage after a leader restart, a whole-cluster restart)
// runs once per storage kind on RaftHarness, and the outcomes (applied commands, applied
// index, commit, last index, term per node) must be equal and sensible.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfChangeType } from '@seshat/raft';
import t, { type Test } from 'tap';
import { type Kind, RaftHarness } from './raft-harness.js';

function dirs(t: Test): (id: number) => string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-raft-rocks-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return (id) => path.join(root, `node${id}`);
}

type Scenario = (h: RaftHarness, t: Test) => Promise<void>;

/** Runs the scenario on both kinds; returns both outcomes after checking they agree. */
async function both(t: Test, scenario: Scenario): Promise<ReturnType<RaftHarness['outcome']>> {
  const outcomes: Record<Kind, ReturnType<RaftHarness['outcome']>> = { memory: {}, rocks: {} };
  for (const kind of ['memory', 'rocks'] as const) {
    const h = await RaftHarness.create(kind, [1, 2, 3], dirs(t));
    try {
      await t.test(kind, (tt) => scenario(h, tt));
      outcomes[kind] = h.outcome();
    } finally {
      await h.close();
    }
  }
  t.same(outcomes.rocks, outcomes.memory, 'RocksLogStorage and MemoryLogStorage reach the same outcome');
  return outcomes.rocks;
}

const commandsOf = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

t.test('election and replication', async (t) => {
  const out = await both(t, async (h, t) => {
    t.equal(h.elect(1), 1);
    for (const c of commandsOf(20, 'a')) h.propose(1, c);
    h.stabilize();
  });
  for (const id of [1, 2, 3]) t.same(out[id]!.commands, commandsOf(20, 'a'), `node ${id} applied everything`);
});

t.test('follower and leader restarts keep the log, hard state and applied state', async (t) => {
  const out = await both(t, async (h, t) => {
    t.equal(h.elect(1), 1);
    for (const c of commandsOf(10, 'a')) h.propose(1, c);
    h.stabilize();
    await h.restart(3);
    t.equal(h.raw(3).status().lastIndex, h.raw(1).status().lastIndex, 'restarted follower has its log');
    for (const c of commandsOf(5, 'b')) h.propose(1, c);
    h.stabilize();
    const termBefore = h.raw(1).status().term;
    await h.restart(1);
    t.equal(h.raw(1).status().term, termBefore, 'term restored');
    const leader = h.tickUntilLeader();
    t.not(leader, 0, 'a new leader is elected');
    for (const c of commandsOf(5, 'c')) h.propose(leader, c);
    h.stabilize();
    h.tickAll(3);
  });
  const want = [...commandsOf(10, 'a'), ...commandsOf(5, 'b'), ...commandsOf(5, 'c')];
  for (const id of [1, 2, 3]) t.same(out[id]!.commands, want, `node ${id}`);
});

t.test('a lagging follower is caught up by InstallSnapshot after compaction', async (t) => {
  const out = await both(t, async (h, t) => {
    t.equal(h.elect(1), 1);
    h.isolate(3);
    for (const c of commandsOf(30, 'a')) h.propose(1, c);
    h.stabilize();
    h.snapshot(1);
    h.snapshot(2);
    t.ok(h.node(1).log.firstIndex() > 2, 'leader log compacted');
    h.propose(1, 'tail');
    h.stabilize();
    h.heal();
    h.tickAll(3);
    t.equal(h.snapshotsSent, 1, 'one snapshot sent');
    t.equal(h.node(3).log.firstIndex(), h.node(1).log.firstIndex(), 'follower log starts after the snapshot');
    await h.restart(3);
    h.tickAll(2);
  });
  for (const id of [1, 2, 3]) t.same(out[id]!.commands, [...commandsOf(30, 'a'), 'tail'], `node ${id}`);
});

t.test('after a leader restart, a new member with empty storage is brought in by snapshot', async (t) => {
  const out = await both(t, async (h, t) => {
    t.equal(h.elect(1), 1);
    for (const c of commandsOf(12, 'a')) h.propose(1, c);
    h.stabilize();
    for (const id of [1, 2, 3]) h.snapshot(id);
    await h.restart(1);
    await h.restart(2);
    await h.restart(3);
    const leader = h.tickUntilLeader();
    t.not(leader, 0);
    await h.addEmpty(4);
    h.raw(leader).proposeConfChange({
      type: ConfChangeType.AddLearnerNode,
      nodeId: 4,
      context: new Uint8Array(),
    });
    h.stabilize();
    h.startNode(4);
    h.tickAll(5);
    t.equal(h.snapshotsSent, 1, 'the learner got one snapshot');
    if (h.kind === 'rocks')
      t.equal(h.snapshotsOnDemand, 1, 'restarted leader had no image: made one on demand');
    h.propose(leader, 'after');
    h.stabilize();
  });
  t.same(out[4]!.commands, [...commandsOf(12, 'a'), 'after'], 'learner has the image and the tail');
  t.equal(out[4]!.commit, out[1]!.commit);
});

t.test('whole-cluster restart, then more writes', async (t) => {
  const out = await both(t, async (h, t) => {
    t.equal(h.elect(2), 2);
    for (const c of commandsOf(25, 'a')) h.propose(2, c);
    h.stabilize();
    h.snapshot(2);
    for (const id of [1, 2, 3]) await h.restart(id);
    const leader = h.tickUntilLeader();
    t.not(leader, 0);
    for (const c of commandsOf(5, 'b')) h.propose(leader, c);
    h.stabilize();
    h.tickAll(2);
  });
  for (const id of [1, 2, 3]) t.same(out[id]!.commands, [...commandsOf(25, 'a'), ...commandsOf(5, 'b')]);
});
