/**
 * A peer killed mid-stream. Node 2 runs in a child process (transport-child.ts, 'echo'
 * mode: it answers every message). This process (node 1) pumps messages to it every
 * few ms, as a driver does each tick, and waits for echoes. Then the child gets SIGKILL
 * while the stream is busy: node 1 must not crash, must report node 2 unreachable and
 * count the drops. A new child on the same port must get traffic again without anything
 * done on node 1 (reconnection with backoff), echoes in order. All waits are on events.
 *
 * Second case: a peer that stops answering without closing its socket (SIGSTOP: the
 * kernel keeps the TCP connection, nothing answers HTTP/2 pings, as with a hung machine
 * or a partition) must be detected by keepalive within about 2 s (1 s ping interval +
 * 1 s ping timeout) and reported unreachable.
 */
import type { ChildProcess } from 'node:child_process';
import t from 'tap';
import { Transport } from '../src/transport.js';
import {
  appendMsg,
  Collector,
  killChild,
  spawnChild,
  UnreachableWatch,
  withTimeout,
} from './transport-helpers.js';

t.test('kill -9 of a peer mid-stream, then restart on the same port', async (t) => {
  const collector = new Collector();
  const unreachable = new UnreachableWatch();
  const a = new Transport({
    nodeId: 1,
    listen: { host: '127.0.0.1', port: 0 },
    onMessages: collector.onMessages,
    onUnreachable: unreachable.onUnreachable,
    backoffMaxMs: 300,
  });
  const { port: portA } = await a.start();
  let child: ChildProcess | null = null;
  let seq = 0;
  const pump = setInterval(() => {
    const batch = [];
    for (let g = 1; g <= 4; g++) batch.push(appendMsg({ group: g, from: 1, to: 2, seq: ++seq }));
    a.send(batch);
  }, 2);
  t.teardown(async () => {
    clearInterval(pump);
    if (child !== null) await killChild(child);
    await a.stop();
  });

  const first = await spawnChild({ mode: 'echo', id: 2, port: 0, peers: [[1, `127.0.0.1:${portA}`]] });
  child = first.child;
  a.addPeer(2, `127.0.0.1:${first.port}`);
  await collector.waitFor(200, 20_000);
  t.pass('echoes flow through both streams');

  const down = unreachable.next(2);
  const before = collector.total;
  await killChild(first.child, 'SIGKILL');
  child = null;
  await down;
  t.pass('unreachable reported after kill -9');
  const s = a.peerStats(2)!;
  t.ok(s.streamFailures >= 1, 'stream failure counted');
  t.ok(
    s.droppedDown + s.framesLost > 0,
    `messages to the dead peer counted (${s.droppedDown} dropped, ${s.framesLost} frames lost)`,
  );
  t.ok(collector.total >= before, 'node 1 still alive and consistent');

  const second = await spawnChild({
    mode: 'echo',
    id: 2,
    port: first.port,
    peers: [[1, `127.0.0.1:${portA}`]],
  });
  child = second.child;
  const resumeFrom = collector.total;
  await collector.waitFor(resumeFrom + 200, 20_000);
  t.pass('traffic resumed with the restarted peer');
  const after = collector.byFrom
    .get(2)!
    .slice(resumeFrom)
    .map((m) => m.index);
  t.same(
    after,
    [...after].sort((x, y) => x - y),
    'echoes after the restart are in send order',
  );
  t.equal(a.peerStats(2)!.state, 'open');
});

t.test('a frozen peer (SIGSTOP) is detected by keepalive in about 2 s', async (t) => {
  const collector = new Collector();
  const unreachable = new UnreachableWatch();
  const a = new Transport({
    nodeId: 1,
    listen: { host: '127.0.0.1', port: 0 },
    onMessages: collector.onMessages,
    onUnreachable: unreachable.onUnreachable,
  });
  const { port: portA } = await a.start();
  const { child, port } = await spawnChild({
    mode: 'echo',
    id: 2,
    port: 0,
    peers: [[1, `127.0.0.1:${portA}`]],
  });
  let seq = 0;
  const pump = setInterval(() => a.send([appendMsg({ group: 1, from: 1, to: 2, seq: ++seq })]), 10);
  t.teardown(async () => {
    clearInterval(pump);
    child.kill('SIGCONT');
    await killChild(child);
    await a.stop();
  });
  a.addPeer(2, `127.0.0.1:${port}`);
  await collector.waitFor(20, 20_000);
  const frozenAt = performance.now();
  child.kill('SIGSTOP');
  await withTimeout(unreachable.next(2), 8000, 'unreachable after SIGSTOP');
  const detectedMs = performance.now() - frozenAt;
  t.ok(detectedMs < 4000, `frozen peer detected after ${detectedMs.toFixed(0)} ms`);
  t.ok(a.peerStats(2)!.streamFailures >= 1, 'its stream was failed');
});
