// How GroupDriver orders the I/O of a Ready (group-driver.ts: handleReady, applyDurable,
// syncsOffLoop) and recovers from a crash in between. Three drivers on real RocksDB databases,
// messages delivered by hand, storage writes recorded:
// - a leader sends its appends and writes them unsynced in the same turn; the Ready is
//   finished once the WAL fsync in the thread pool is done (Storage.syncWrites);
// - committed entries already durable are applied, and their replies sent, before the fsync
//   of the new entries in the same Ready;
// - a node whose applied index got ahead of its persisted commit index (a crash between the
//   two writes) restarts without tripping the core's applied <= committed invariant;
// - a node with many committed entries to apply spreads them over event-loop turns, and so
//   does one consuming an incoming snapshot image.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock, type Reply, SeededRandom, SimpleString } from '@seshat/common';
import { encodeEntry, KvStateMachine } from '@seshat/kv';
import { bootstrapStorage, EMPTY_CONF_STATE, EntryType, type Message, MessageType } from '@seshat/raft';
import { openRocksStorage, type Storage } from '@seshat/storage';
import t, { type Test } from 'tap';
import {
  ALL_SLOTS,
  GroupDriver,
  type GroupDriverOptions,
  RocksLogStorage,
  SnapshotImage,
} from '../src/index.js';

const IDS = [1, 2, 3];
const TICKS_MAX = 400;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Node {
  driver: GroupDriver;
  storage: Storage;
  log: RocksLogStorage;
  sm: KvStateMachine;
  /** Every storage write, in order: true for a synced one. */
  writes: boolean[];
}

async function openNode(
  t: Test,
  id: number,
  dir: string,
  queue: Message[],
  fresh: boolean,
  extra: Partial<GroupDriverOptions> = {},
): Promise<Node> {
  const storage = await openRocksStorage(dir);
  const sm = new KvStateMachine(storage, { groupId: 0 });
  const log = new RocksLogStorage(storage, { groupId: 0 });
  if (fresh) {
    const batch = storage.batch();
    log.stage(batch);
    bootstrapStorage(log, { ...EMPTY_CONF_STATE, voters: IDS });
    log.unstage();
    sm.markApplied(1, batch);
    storage.write(batch, { sync: true });
  }
  const writes: boolean[] = [];
  const write = storage.write.bind(storage);
  storage.write = (b, o) => {
    writes.push(o?.sync === true);
    write(b, o);
  };
  const driver = new GroupDriver({
    nodeId: id,
    groupId: 0,
    storage,
    logStorage: log,
    sm,
    transport: { send: (ms) => queue.push(...ms), sendSnapshot: async () => false },
    clock: new ManualClock(),
    random: new SeededRandom(7 + id),
    raft: { electionTicks: 10, heartbeatTicks: 1 },
    fsync: true,
    ...extra,
  });
  t.teardown(async () => {
    driver.failAll();
    if (storage.isOpen) await storage.close();
  });
  return { driver, storage, log, sm, writes };
}

async function cluster(t: Test) {
  const queue: Message[] = [];
  const nodes = new Map<number, Node>();
  for (const id of IDS) {
    nodes.set(id, await openNode(t, id, tempDir(t, `seshat-ready-n${id}-`), queue, true));
  }
  // Readies wait for their fsync in the thread pool: a round also waits for those.
  const persisted = async () => {
    const waiting = [...nodes.values()].filter((n) => n.driver.persisting);
    await Promise.all(waiting.map((n) => n.storage.syncWrites()));
    await nextTurn();
  };
  const deliver = async (drop: (m: Message) => boolean = () => false) => {
    for (let round = 0; round < 50 && queue.length > 0; round++) {
      for (const m of queue.splice(0)) if (!drop(m)) nodes.get(m.to)!.driver.step(m);
      await nextTurn();
      await persisted();
    }
    await persisted();
  };
  const leader = async (): Promise<number> => {
    for (let i = 0; i < TICKS_MAX; i++) {
      const l = IDS.find((id) => nodes.get(id)!.driver.isLeader);
      if (l !== undefined && IDS.every((id) => nodes.get(id)!.driver.leader === l)) return l;
      for (const n of nodes.values()) n.driver.tick();
      await nextTurn();
      await deliver();
    }
    throw new Error('no leader elected');
  };
  return { queue, nodes, deliver, leader, persisted };
}

/** A new directory under the system temp dir, removed when `t` ends. */
function tempDir(t: Test, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function setCommand(key: string): Buffer[] {
  return [Buffer.from('SET'), Buffer.from(key), Buffer.from('v')];
}

t.test('a leader sends its appends and writes them at once, fsyncing off the event loop', async (t) => {
  const c = await cluster(t);
  const lead = c.nodes.get(await c.leader())!;
  const lastBefore = lead.log.lastIndex();
  const deferredBefore = lead.driver.counters.readiesDeferred;
  const replies: Reply[] = [];
  lead.driver.submit({ onWriteReply: (r) => replies.push(r), flushOutput: () => {} }, 0, setCommand('a'));
  lead.driver.run();
  const appends = c.queue.filter((m) => m.type === MessageType.Append && m.entries.length > 0);
  t.equal(appends.length, 2, 'the entry is sent to both followers');
  t.equal(lead.log.lastIndex(), lastBefore + 1, 'and written here in the same turn');
  t.equal(lead.writes.at(-1), false, 'with an unsynced write');
  t.ok(lead.driver.persisting, 'the Ready waits for its fsync in the thread pool');
  t.equal(lead.driver.counters.readiesDeferred, deferredBefore + 1, 'counted');
  await lead.storage.syncWrites();
  await nextTurn();
  t.notOk(lead.driver.persisting, 'finished once the fsync is done');
  await c.deliver();
  t.same(
    replies.map((r) => (r instanceof SimpleString ? r.value : r)),
    ['OK'],
    'and the write is acknowledged once a majority has it',
  );
});

t.test('replies of durable committed entries do not wait for the next fsync', async (t) => {
  const c = await cluster(t);
  const id = await c.leader();
  const lead = c.nodes.get(id)!;
  const order: string[] = [];
  const waiter = (name: string) => ({
    onWriteReply: () => order.push(`reply ${name}`),
    flushOutput: () => {},
  });
  lead.driver.submit(waiter('a'), 0, setCommand('a'));
  lead.driver.run();
  await c.persisted(); // a is fsynced on the leader
  const aIndex = lead.log.lastIndex();
  // The followers' acknowledgements of `a` arrive together with a new write `b`: one Ready
  // commits `a` and appends `b`.
  const syncWrites = lead.storage.syncWrites.bind(lead.storage);
  lead.storage.syncWrites = () => {
    order.push('fsync');
    return syncWrites();
  };
  for (const f of IDS.filter((x) => x !== id)) {
    const n = c.nodes.get(f)!;
    for (const m of c.queue.splice(0).filter((q) => q.to === f)) n.driver.step(m);
  }
  await nextTurn();
  await c.persisted();
  const acks = c.queue.splice(0).filter((m) => m.to === id);
  t.ok(acks.length > 0, 'the followers acknowledged a');
  lead.driver.submit(waiter('b'), 0, setCommand('b'));
  for (const m of acks) lead.driver.step(m);
  lead.driver.run();
  t.equal(order[0], 'reply a', `a (index ${aIndex}) is answered first`);
  t.ok(order.indexOf('fsync') > 0, "then b's fsync is asked for");
  await c.deliver();
  t.ok(order.includes('reply b'), 'b is answered later');
});

/** A stopped node's directory: entries 2..last in the log, committed up to `commit`, applied to `applied`. */
async function stoppedNode(dir: string, last: number, commit: number, applied: number): Promise<void> {
  const storage = await openRocksStorage(dir);
  const sm = new KvStateMachine(storage, { groupId: 0 });
  const log = new RocksLogStorage(storage, { groupId: 0 });
  const batch = storage.batch();
  log.stage(batch);
  bootstrapStorage(log, { ...EMPTY_CONF_STATE, voters: IDS });
  const entries = [];
  for (let index = 2; index <= last; index++) entries.push(logEntry(index));
  log.append(entries);
  log.setHardState({ term: 1, vote: 1, commit });
  log.unstage();
  sm.markApplied(1, batch);
  storage.write(batch, { sync: true });
  for (let index = 2; index <= applied; index++) sm.apply(index, Buffer.from(logEntry(index).data));
  await storage.close();
}

function logEntry(index: number) {
  return {
    type: EntryType.Normal,
    term: 1,
    index,
    data: encodeEntry(1000, index, [{ db: 0, argv: setCommand(`k${index}`) }]),
  };
}

t.test('committed entries to catch up on are applied over several turns', async (t) => {
  const dir = tempDir(t, 'seshat-ready-catchup-');
  const last = 201;
  await stoppedNode(dir, last, last, 1);
  // One entry per Ready and no time per turn: every Ready ends the turn.
  const node = await openNode(t, 1, dir, [], false, {
    raft: { electionTicks: 10, heartbeatTicks: 1, maxCommittedSizePerReadyBytes: 1 },
    readyTurnBudgetMs: 0,
  });
  let otherTurns = 0;
  const other = () => {
    otherTurns++;
    if (node.sm.appliedIndex < last) setImmediate(other);
  };
  setImmediate(other);
  node.driver.run();
  t.equal(node.sm.appliedIndex, 2, 'one turn applies one Ready (one entry here), not all of them');
  while (node.sm.appliedIndex < last) await nextTurn();
  t.equal(node.sm.appliedIndex, last, 'later turns apply the rest');
  t.ok(otherTurns >= 100, `other work ran between them (${otherTurns} turns)`);
  t.ok(
    node.driver.counters.turnsYielded >= 100,
    `turns yielded counted (${node.driver.counters.turnsYielded})`,
  );
});

t.test('with the default budget a turn applies many Readies', async (t) => {
  const dir = tempDir(t, 'seshat-ready-catchup-');
  const last = 41;
  await stoppedNode(dir, last, last, 1);
  const node = await openNode(t, 1, dir, [], false, {
    raft: { electionTicks: 10, heartbeatTicks: 1, maxCommittedSizePerReadyBytes: 1 },
  });
  node.driver.run();
  t.ok(node.sm.appliedIndex > 2, `one turn went past the first Ready (applied ${node.sm.appliedIndex})`);
  while (node.sm.appliedIndex < last) await nextTurn();
  t.equal(node.sm.appliedIndex, last);
});

t.test('an incoming snapshot image is consumed over several turns', async (t) => {
  const leaderDir = tempDir(t, 'seshat-ready-image-');
  const last = 60;
  await stoppedNode(leaderDir, last, last, last);
  const leaderDb = await openRocksStorage(leaderDir);
  t.teardown(() => leaderDb.close());
  const image = SnapshotImage.capture(leaderDb, {
    groupId: 0,
    index: last,
    term: 1,
    confState: { ...EMPTY_CONF_STATE, voters: IDS },
    slotRanges: ALL_SLOTS,
  });
  t.teardown(() => image.release());
  const chunks = [...image.open(64)];
  t.ok(chunks.length > 10, `the image comes in ${chunks.length} chunks`);

  const dir = tempDir(t, 'seshat-ready-image-');
  const node = await openNode(t, 2, dir, [], true, { readyTurnBudgetMs: 0 });
  let consumed = 0;
  let turns = 0;
  let receiving = true;
  const other = () => {
    turns++;
    if (receiving) setImmediate(other);
  };
  setImmediate(other);
  // Every chunk already there: without a yield the whole image is read in microtasks.
  const inbound = {
    groupId: 0,
    fromNode: 1,
    metadata: { index: last, term: 1, confState: { ...EMPTY_CONF_STATE, voters: IDS } },
    message: null,
    sizeBytes: chunks.reduce((n, c) => n + c.length, 0),
    spoolPath: null,
    chunks: async function* () {
      for (const c of chunks) {
        consumed++;
        yield c;
      }
    },
  };
  // No Raft message came with it, so the driver refuses the image once it has read it all.
  await t.rejects(node.driver.receiveSnapshot(inbound), /does not match its message/);
  receiving = false;
  t.equal(consumed, chunks.length, 'every chunk was read');
  t.ok(turns >= chunks.length / 2, `other work ran while it was read (${turns} turns)`);
});

t.test('a node whose applied index passed its persisted commit index restarts', async (t) => {
  const dir = tempDir(t, 'seshat-ready-restart-');
  // Build the state a crash between an early apply and the Ready's persist leaves behind:
  // entries 2 and 3 in the log, the hard state's commit at 1, the state machine at 3.
  await stoppedNode(dir, 3, 1, 3);

  const node = await openNode(t, 1, dir, [], false);
  t.equal(node.sm.appliedIndex, 3, 'the state machine is at 3');
  t.equal(node.driver.node.raft.log.committed, 3, 'the commit index was raised to it');
  t.equal(node.log.initialState().hardState.commit, 3, 'and persisted');
});
