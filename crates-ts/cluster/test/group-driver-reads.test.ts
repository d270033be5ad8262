// Linearizable reads through GroupDriver across leadership changes (issue #6: reads stalled
// after the chaos faults healed while writes went through). Three drivers on real RocksDB
// databases, wired by an in-process network that can cut a node off; ticks and deliveries
// are driven by hand and the clock is manual, so a read's 5 s deadline never passes unless
// a test advances it.
//
// The Raft core forgets pending ReadIndex requests whenever a node changes role (a leader
// stepping down, an election), and a leader that loses leadership never answers the
// ReadIndex requests followers sent it. The driver must ask again under the new leader,
// not leave the read waiting for its deadline: a read in flight across a leader change is
// answered (with the right value) as soon as the group has a leader again, and fails at its
// deadline only if no leader confirms it by then.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorReply, ManualClock, type Reply, SeededRandom, SimpleString } from '@seshat/common';
import { KvStateMachine, resolveCommand } from '@seshat/kv';
import { bootstrapStorage, EMPTY_CONF_STATE, type Message, MessageType, messageTypeName } from '@seshat/raft';
import { openRocksStorage } from '@seshat/storage';
import t, { type Test } from 'tap';
import { GroupDriver, READ_RETRY_MS, REQUEST_TIMEOUT_MS_DEFAULT, RocksLogStorage } from '../src/index.js';

const GROUP = 0;
const IDS = [1, 2, 3];
const ELECTION_TICKS = 10;
/** Bound on ticks for any one condition (many election timeouts). */
const TICKS_MAX = 40 * ELECTION_TICKS;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function replyText(r: Reply): string {
  if (r instanceof ErrorReply) return `-${r.message}`;
  if (r instanceof SimpleString) return r.value;
  if (Buffer.isBuffer(r)) return r.toString();
  return String(r);
}

class Net {
  readonly drivers = new Map<number, GroupDriver>();
  readonly sms = new Map<number, KvStateMachine>();
  readonly clock = new ManualClock();
  private queue: Message[] = [];
  /** Nodes whose messages, in and out, are dropped. */
  readonly isolated = new Set<number>();
  /** Message types of which the next one sent is dropped (a transport losing it). */
  readonly dropNext = new Set<MessageType>();

  static async create(t: Test): Promise<Net> {
    const net = new Net();
    for (const id of IDS) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `seshat-reads-n${id}-`));
      const storage = await openRocksStorage(dir);
      const sm = new KvStateMachine(storage, { groupId: GROUP });
      const log = new RocksLogStorage(storage, { groupId: GROUP });
      const batch = storage.batch();
      log.stage(batch);
      bootstrapStorage(log, { ...EMPTY_CONF_STATE, voters: IDS });
      log.unstage();
      sm.markApplied(1, batch);
      storage.write(batch, { sync: true });
      const driver = new GroupDriver({
        nodeId: id,
        groupId: GROUP,
        storage,
        logStorage: log,
        sm,
        transport: { send: (ms) => net.queue.push(...ms), sendSnapshot: async () => false },
        clock: net.clock,
        random: new SeededRandom(100 + id),
        raft: { electionTicks: ELECTION_TICKS, heartbeatTicks: 1 },
        fsync: false,
      });
      net.drivers.set(id, driver);
      net.sms.set(id, sm);
      t.teardown(async () => {
        driver.failAll();
        if (storage.isOpen) await storage.close();
        fs.rmSync(dir, { recursive: true, force: true });
      });
    }
    return net;
  }

  driver(id: number): GroupDriver {
    return this.drivers.get(id)!;
  }

  /** Delivers what was sent (dropping what touches an isolated node) and lets the drivers run. */
  async deliver(): Promise<void> {
    for (let round = 0; round < 20 && this.queue.length > 0; round++) {
      const msgs = this.queue;
      this.queue = [];
      for (const m of msgs) {
        if (this.isolated.has(m.from) || this.isolated.has(m.to)) continue;
        if (this.dropNext.delete(m.type)) continue;
        this.driver(m.to).step(m);
      }
      await nextTurn();
    }
    await nextTurn();
  }

  async tick(): Promise<void> {
    for (const d of this.drivers.values()) d.tick();
    await nextTurn();
    await this.deliver();
  }

  /** Ticks until `cond` holds; false if it did not within TICKS_MAX ticks. */
  async tickUntil(cond: () => boolean): Promise<boolean> {
    for (let i = 0; i < TICKS_MAX; i++) {
      if (cond()) return true;
      await this.tick();
    }
    return cond();
  }

  /** The leader every connected node agrees on (0: none). */
  agreedLeader(among: number[] = IDS): number {
    const leads = new Set(among.map((id) => this.driver(id).leader));
    const [lead] = [...leads];
    return leads.size === 1 && lead !== 0 && this.driver(lead!).isLeader ? lead! : 0;
  }

  async electLeader(among: number[] = IDS): Promise<number> {
    if (!(await this.tickUntil(() => this.agreedLeader(among) !== 0))) throw new Error('no leader elected');
    return this.agreedLeader(among);
  }

  /** A SET through the leader, awaited (ticking) until it is applied. */
  async set(leader: number, key: string, value: string): Promise<string> {
    let reply: string | null = null;
    this.driver(leader).submit({ onWriteReply: (r) => (reply = replyText(r)), flushOutput: () => {} }, 0, [
      Buffer.from('SET'),
      Buffer.from(key),
      Buffer.from(value),
    ]);
    if (!(await this.tickUntil(() => reply !== null))) throw new Error('SET not answered');
    return reply!;
  }

  /** A linearizable GET through node `id`'s driver; `outcome()` is null while it waits. */
  read(id: number, key: string): { outcome: () => string | null } {
    let outcome: string | null = null;
    const argv = [Buffer.from('GET'), Buffer.from(key)];
    const spec = resolveCommand(argv);
    if (spec instanceof ErrorReply) throw new Error(spec.message);
    const sm = this.sms.get(id)!;
    this.driver(id).read({
      run: () => (outcome = replyText(sm.read(spec, 0, argv, this.clock.nowMs()))),
      fail: (r) => (outcome = replyText(r)),
    });
    return { outcome: () => outcome };
  }

  /** Waits for the read to be answered without letting its deadline pass; if it is not,
   * passes the deadline (so a lost read shows up as the timeout it would give a client). */
  async settle(read: { outcome: () => string | null }): Promise<string> {
    if (await this.tickUntil(() => read.outcome() !== null)) return read.outcome()!;
    this.clock.advance(REQUEST_TIMEOUT_MS_DEFAULT + 1);
    await this.tick();
    return read.outcome() ?? 'no answer at all';
  }
}

t.test('a read on a leader that steps down is answered once a leader is back', async (t) => {
  const net = await Net.create(t);
  const leader = await net.electLeader();
  t.equal(await net.set(leader, 'k', 'v1'), 'OK');
  // Cut off, the leader cannot confirm the read, and CheckQuorum makes it step down: the
  // core forgets the read's ReadIndex request.
  net.isolated.add(leader);
  const read = net.read(leader, 'k');
  t.ok(await net.tickUntil(() => !net.driver(leader).isLeader), 'the cut-off leader steps down');
  t.equal(read.outcome(), null, 'the read waits (no leader to confirm it)');
  const others = IDS.filter((id) => id !== leader);
  const next = await net.electLeader(others);
  t.ok(next !== 0, `the others elect node ${next}`);
  net.isolated.clear();
  t.equal(await net.settle(read), 'v1', 'answered with the value once a leader confirms it');
  t.equal(await net.set(net.agreedLeader(), 'k', 'v2'), 'OK', 'the group still works');
  t.equal(await net.settle(net.read(leader, 'k')), 'v2', 'and reads on the old leader see the new value');
});

t.test('a follower read sent to a leader that is lost is asked again of the next one', async (t) => {
  const net = await Net.create(t);
  const leader = await net.electLeader();
  t.equal(await net.set(leader, 'k', 'v1'), 'OK');
  const follower = IDS.find((id) => id !== leader)!;
  // The follower asks the leader it knows, which is cut off and never answers.
  net.isolated.add(leader);
  const read = net.read(follower, 'k');
  const others = IDS.filter((id) => id !== leader);
  t.ok(await net.tickUntil(() => net.agreedLeader(others) !== 0), 'the others elect a new leader');
  t.equal(await net.settle(read), 'v1', 'answered through the new leader');
});

t.test('a read that no leader confirms fails at its deadline, not later', async (t) => {
  const net = await Net.create(t);
  const leader = await net.electLeader();
  t.equal(await net.set(leader, 'k', 'v1'), 'OK');
  net.isolated.add(leader);
  const read = net.read(leader, 'k');
  t.ok(await net.tickUntil(() => !net.driver(leader).isLeader), 'the cut-off leader steps down');
  await net.tick();
  t.equal(read.outcome(), null, 'still waiting before its deadline');
  net.clock.advance(REQUEST_TIMEOUT_MS_DEFAULT + 1);
  await net.tick();
  t.equal(read.outcome(), '-CLUSTERDOWN no leader confirmed the read in time, retry');
});

// A follower's MsgReadIndex, or the leader's answer, lost by the transport (a link in
// backoff drops messages) under a stable leader: nothing in Raft retransmits them, so the
// follower must ask again rather than wait for the read's deadline (chaos
// membership-churn: the leader never ran a read round, read_round=0).
for (const lost of [MessageType.ReadIndex, MessageType.ReadIndexResponse]) {
  t.test(`a follower read whose ${messageTypeName(lost)} is lost is asked again`, async (t) => {
    const net = await Net.create(t);
    const leader = await net.electLeader();
    t.equal(await net.set(leader, 'k', 'v1'), 'OK');
    const follower = IDS.find((id) => id !== leader)!;
    net.dropNext.add(lost);
    const read = net.read(follower, 'k');
    await net.tick();
    t.notOk(net.dropNext.has(lost), 'the message was dropped');
    t.equal(read.outcome(), null, 'the read waits for an answer');
    net.clock.advance(READ_RETRY_MS);
    t.ok(await net.tickUntil(() => read.outcome() !== null), 'answered before its deadline');
    t.equal(read.outcome(), 'v1');
    t.equal(net.driver(leader).leader, leader, 'under the same leader throughout');
  });
}
