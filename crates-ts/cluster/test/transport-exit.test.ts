/**
 * stop() leaves no dangling handles. A child process (transport-child.ts,
 * 'stop-with-open-streams') starts two transports, streams messages both ways, starts a
 * snapshot whose image never ends and whose receiver never finishes installing, then
 * stops both transports and simply returns. The test passes if the child reports
 * 'stopped' (the snapshot resolved false instead of hanging) and then exits on its own
 * with code 0: no timer, socket, server or channel kept its event loop alive, and no
 * CANCELLED error escaped as an uncaught exception. Also checked in this process: stop()
 * is idempotent and a stopped transport drops sends without throwing.
 */
import { once } from 'node:events';
import t from 'tap';
import { Transport } from '../src/transport.js';
import {
  appendMsg,
  type ChildReport,
  killChild,
  spawnChild,
  startNodes,
  withTimeout,
} from './transport-helpers.js';

t.test('a process whose transports stopped with open streams exits by itself', async (t) => {
  const { child, reports } = await spawnChild({ mode: 'stop-with-open-streams', id: 1, port: 0, peers: [] });
  t.teardown(() => killChild(child));
  const [code, signal] = (await withTimeout(once(child, 'exit'), 20_000, 'child exit')) as [
    number | null,
    string | null,
  ];
  t.equal(signal, null, 'not killed');
  t.equal(code, 0, 'exit code 0');
  const stopped = reports.find((r) => r.kind === 'stopped') as
    | (ChildReport & { received: number; snapshotDelivered: boolean })
    | undefined;
  t.ok(stopped, 'child reported stopped');
  t.ok(stopped!.received >= 100, 'streams were busy before stop');
  t.equal(stopped!.snapshotDelivered, false, 'the cut snapshot resolved false');
});

t.test('stop() is idempotent; sends after stop are dropped quietly', async (t) => {
  const nodes = await startNodes(2);
  const [a, b] = nodes;
  a!.transport.send([appendMsg({ group: 1, from: 1, to: 2, seq: 1 })]);
  await b!.collector.waitFor(1);
  await Promise.all([a!.transport.stop(), a!.transport.stop(), b!.transport.stop()]);
  await a!.transport.stop();
  a!.transport.send([appendMsg({ group: 1, from: 1, to: 2, seq: 2 })]);
  t.equal(a!.transport.stats().droppedNoPeer, 1);
  t.equal(
    await a!.transport.sendSnapshot(
      2,
      1,
      { index: 1, term: 1, confState: { voters: [], learners: [], removed: [] } },
      [],
    ),
    false,
  );
  const never = new Transport({ nodeId: 5, listen: { host: '127.0.0.1', port: 0 } });
  await never.stop();
  t.pass('stop() without start() is fine');
});
