/**
 * Transports on real sockets in one process (127.0.0.1, free ports):
 * - three nodes exchange batches of many groups; each receiver sees every message of
 *   each sender exactly once and in send order; every frame gets acknowledged;
 * - with a one-frame in-flight window everything still arrives, in order;
 * - a batch larger than maxMessageBytes leaves as several frames, still in order; a
 *   single message larger than the bound is dropped and counted, later ones still flow;
 * - a peer that is down is reported unreachable (and its messages dropped, counted),
 *   and traffic resumes by itself once a node listens on its address again;
 * - a stream reaching the wrong node id is refused and reported unreachable;
 * - messages to an unknown or removed peer are dropped, counted, reported;
 * - a full outbound queue drops oldest messages, counted.
 * Waiting is on events (message counts, onUnreachable calls), never fixed sleeps; every
 * transport is stopped in t.teardown.
 */
import type { Message } from '@seshat/raft';
import t, { type Test } from 'tap';
import { Transport, type TransportOptions } from '../src/transport.js';
import {
  appendMsg,
  Collector,
  eventually,
  type Node,
  startNodes,
  UnreachableWatch,
} from './transport-helpers.js';

function stopAll(nodes: { transport: Transport }[]): Promise<void> {
  return Promise.all(nodes.map((n) => n.transport.stop())).then(() => {});
}

/** Messages of `from` as (group, seq) pairs in arrival order. */
function seqs(list: readonly Message[] | undefined): string[] {
  return (list ?? []).map((m) => `${m.groupId}:${m.index}`);
}

t.test('three nodes exchange batches: all groups, per-peer order, nothing lost', async (t) => {
  const nodes = await startNodes(3);
  t.teardown(() => stopAll(nodes));
  const ROUNDS = 300;
  const GROUPS = 5;
  const expected = new Map<string, string[]>(); // "from->to" -> ["group:seq"]
  for (let round = 1; round <= ROUNDS; round++) {
    for (const a of nodes) {
      const batch: Message[] = [];
      for (const b of nodes) {
        if (a === b) continue;
        for (let g = 1; g <= GROUPS; g++) {
          const seq = round * 10 + g;
          batch.push(appendMsg({ group: g, from: a.id, to: b.id, seq }));
          const key = `${a.id}->${b.id}`;
          expected.set(key, [...(expected.get(key) ?? []), `${g}:${seq}`]);
        }
      }
      a.transport.send(batch);
    }
    // Yield now and then so sends spread over several turns (several frames).
    if (round % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const perNode = ROUNDS * GROUPS * 2;
  await Promise.all(nodes.map((n) => n.collector.waitFor(perNode)));
  for (const b of nodes) {
    t.equal(b.collector.total, perNode, `node ${b.id} got everything`);
    for (const a of nodes) {
      if (a === b) continue;
      t.same(
        seqs(b.collector.byFrom.get(a.id)),
        expected.get(`${a.id}->${b.id}`),
        `${a.id}->${b.id} in order`,
      );
    }
  }
  const m = nodes[1]!.collector.byFrom.get(1)![0]!;
  t.equal(m.to, 2);
  t.equal(m.from, 1);
  t.equal(m.entries[0]!.data.length, 16, 'entry payload intact');
  for (const n of nodes) {
    for (const p of n.transport.stats().peers) {
      t.equal(p.droppedQueueFull + p.droppedDown + p.droppedOversize, 0, `no drops ${n.id}->${p.peerId}`);
    }
  }
  t.ok(nodes[0]!.transport.peerStats(2)!.framesSent < ROUNDS, 'sends of one turn coalesce into fewer frames');
  await eventually(
    () =>
      nodes.every((n) =>
        n.transport.stats().peers.every((p) => p.inflightFrames === 0 && p.inflightBytes === 0),
      ),
    'every frame acknowledged',
  );
  t.pass('every frame acknowledged, window back to empty');
});

t.test('a one-frame window (flow control by acknowledgements) still delivers in order', async (t) => {
  const nodes = await startNodes(2, { inflightMaxFrames: 1, frameMaxMessages: 10 });
  t.teardown(() => stopAll(nodes));
  const [a, b] = nodes as [Node, Node];
  for (let seq = 1; seq <= 1000; seq++)
    a.transport.send([appendMsg({ group: seq % 3, from: 1, to: 2, seq })]);
  await b.collector.waitFor(1000);
  t.same(
    b.collector.byFrom.get(1)!.map((m) => m.index),
    Array.from({ length: 1000 }, (_, i) => i + 1),
  );
  const s = a.transport.peerStats(2)!;
  t.ok(s.framesSent >= 100, `at most 10 messages per frame (${s.framesSent} frames)`);
  t.equal(s.droppedQueueFull, 0);
});

t.test('a batch above maxMessageBytes is split into frames; an oversize message is dropped', async (t) => {
  const maxMessageBytes = 64 * 1024;
  const nodes = await startNodes(2, {
    maxMessageBytes,
    snapshotChunkBytes: 16 * 1024,
    queueMaxBytes: 1 << 20,
  });
  t.teardown(() => stopAll(nodes));
  const [a, b] = nodes as [Node, Node];
  const batch: Message[] = [];
  for (let seq = 1; seq <= 40; seq++)
    batch.push(appendMsg({ group: 1, from: 1, to: 2, seq, dataBytes: 10_000 }));
  batch.push(appendMsg({ group: 1, from: 1, to: 2, seq: 41, dataBytes: 100_000 })); // cannot fit
  batch.push(appendMsg({ group: 1, from: 1, to: 2, seq: 42, dataBytes: 10 }));
  a.transport.send(batch);
  await b.collector.waitFor(41);
  const got = b.collector.byFrom.get(1)!;
  t.same(
    got.map((m) => m.index),
    [...Array.from({ length: 40 }, (_, i) => i + 1), 42],
    'all but the oversize one, in order',
  );
  t.ok(
    got.every((m) => m.entries[0]!.data.length === (m.index === 42 ? 10 : 10_000)),
    'payloads intact',
  );
  const s = a.transport.peerStats(2)!;
  t.ok(s.framesSent >= 7, `split into ${s.framesSent} frames (40 x 10 KB / 64 KiB)`);
  t.equal(s.droppedOversize, 1, 'oversize message counted');
  t.equal(b.transport.stats().inbound.framesReceived, s.framesSent);
});

/**
 * Node 1 (with `limits`) knowing node 2 at a free port where nothing listens yet; returns
 * once node 1 has reported node 2 unreachable. `startPeer` brings node 2 up on that port.
 */
async function withDownPeer(t: Test, limits: Partial<TransportOptions>) {
  // Learn a free port, then free it: node 2 will live there later.
  const probe = new Transport({ nodeId: 2, listen: { host: '127.0.0.1', port: 0 } });
  const { port } = await probe.start();
  await probe.stop();
  const unreachable = new UnreachableWatch();
  const a = new Transport({
    ...limits,
    nodeId: 1,
    listen: { host: '127.0.0.1', port: 0 },
    peers: new Map([[2, `127.0.0.1:${port}`]]),
    onUnreachable: unreachable.onUnreachable,
  });
  const collector = new Collector();
  let b: Transport | null = null;
  t.teardown(async () => {
    await a.stop();
    await b?.stop();
  });
  const { port: portA } = await a.start();
  const down = unreachable.next(2);
  a.send([appendMsg({ group: 1, from: 1, to: 2, seq: 1 })]);
  await down;
  const startPeer = async (peers?: Map<number, string>): Promise<void> => {
    b = new Transport({
      nodeId: 2,
      listen: { host: '127.0.0.1', port },
      peers,
      onMessages: collector.onMessages,
    });
    await b.start();
  };
  return { a, portA, collector, startPeer };
}

t.test('a peer that is down is reported unreachable; traffic resumes when it comes up', async (t) => {
  const { a, collector, startPeer } = await withDownPeer(t, { backoffMaxMs: 200 });
  t.pass('unreachable reported while the peer is down');
  t.ok(a.peerStats(2)!.droppedDown >= 1, 'drops counted');

  await startPeer();
  // Keep sending (as a driver does every tick) until the reconnected stream delivers.
  let seq = 1;
  const pump = setInterval(() => a.send([appendMsg({ group: 1, from: 1, to: 2, seq: ++seq })]), 10);
  t.teardown(() => clearInterval(pump));
  await collector.waitFor(5);
  clearInterval(pump);
  const indexes = collector.byFrom.get(1)!.map((m) => m.index);
  t.same(
    indexes,
    [...indexes].sort((x, y) => x - y),
    'in order after reconnect',
  );
  t.ok(a.peerStats(2)!.streamFailures >= 1, 'failed attempts counted');
  t.equal(a.peerStats(2)!.state, 'open');
});

t.test('a restarted peer that opens its stream ends our reconnect backoff at once', async (t) => {
  // A backoff far longer than the test's waits: only the peer's stream can end it.
  const { a, portA, collector, startPeer } = await withDownPeer(t, {
    backoffMinMs: 120_000,
    backoffMaxMs: 120_000,
  });
  t.equal(a.peerStats(2)!.state, 'backoff', 'the link to the down peer waits out its backoff');

  // Node 2 comes up knowing node 1 and sends nothing: its eager stream is the only sign.
  await startPeer(new Map([[1, `127.0.0.1:${portA}`]]));
  await eventually(() => a.peerStats(2)!.state === 'open', 'link to node 2 open again');
  a.send([appendMsg({ group: 1, from: 1, to: 2, seq: 2 })]);
  await collector.waitFor(1);
  t.same(
    collector.byFrom.get(1)!.map((m) => m.index),
    [2],
    'and delivers',
  );
});

t.test('a stream reaching the wrong node id is refused', async (t) => {
  const nodes = await startNodes(2);
  t.teardown(() => stopAll(nodes));
  const [a, b] = nodes as [Node, Node];
  a.transport.addPeer(3, `127.0.0.1:${b.port}`); // node 2 listens there, not 3
  const refused = a.unreachable.next(3);
  const m = appendMsg({ group: 1, from: 1, to: 3, seq: 1 });
  a.transport.send([m]);
  await refused;
  await eventually(() => a.transport.peerStats(3)!.streamFailures >= 1, 'stream to 3 failed');
  t.ok(b.transport.stats().inbound.streamsRejected >= 1, 'receiver refused it');
  t.equal(b.collector.total, 0, 'nothing delivered');
});

t.test('unknown and removed peers: dropped, counted, reported', async (t) => {
  const nodes = await startNodes(2);
  t.teardown(() => stopAll(nodes));
  const [a, b] = nodes as [Node, Node];
  const r99 = a.unreachable.next(99);
  a.transport.send([appendMsg({ group: 1, from: 1, to: 99, seq: 1 })]);
  await r99;
  t.equal(a.transport.stats().droppedNoPeer, 1);

  a.transport.send([appendMsg({ group: 1, from: 1, to: 2, seq: 1 })]);
  await b.collector.waitFor(1);
  await a.transport.removePeer(2);
  t.notOk(a.transport.hasPeer(2));
  const r2 = a.unreachable.next(2);
  a.transport.send([appendMsg({ group: 1, from: 1, to: 2, seq: 2 })]);
  await r2;
  t.equal(a.transport.stats().droppedNoPeer, 2);

  a.transport.addPeer(2, `127.0.0.1:${b.port}`);
  a.transport.send([appendMsg({ group: 1, from: 1, to: 2, seq: 3 })]);
  await b.collector.waitFor(2);
  t.same(
    b.collector.byFrom.get(1)!.map((m) => m.index),
    [1, 3],
    're-added peer receives again',
  );
});

t.test('a full queue drops the oldest messages and counts them', async (t) => {
  const nodes = await startNodes(2, { queueMaxMessages: 100 });
  t.teardown(() => stopAll(nodes));
  const [a, b] = nodes as [Node, Node];
  // One call with more than the queue holds: the oldest 150 go.
  const batch: Message[] = [];
  for (let seq = 1; seq <= 250; seq++) batch.push(appendMsg({ group: 1, from: 1, to: 2, seq }));
  const reported = a.unreachable.next(2);
  a.transport.send(batch);
  await reported;
  await b.collector.waitFor(100);
  const got = b.collector.byFrom.get(1)!.map((m) => m.index);
  t.same(
    got,
    Array.from({ length: 100 }, (_, i) => 151 + i),
    'the newest 100 arrive, in order',
  );
  t.equal(a.transport.peerStats(2)!.droppedQueueFull, 150);
});
