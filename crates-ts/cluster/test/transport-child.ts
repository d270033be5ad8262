/**
 * A transport in a child process, for the tests that need a peer that can be killed
 * (kill -9) or whose exit proves that stop() leaves no handle open. Argument: JSON
 * { mode, id, port, peers }. Reports to the parent over IPC.
 *
 * mode 'echo': serve as node `id`; answer every inbound message m with an
 *   AppendResponse (same group, index) to m.from. Runs until killed.
 * mode 'stop-with-open-streams': start node `id` and a second node id+1 in this process,
 *   open streams both ways, keep traffic and a never-ending snapshot in flight, call
 *   stop() on both, report 'stopped' and fall off the end: the process must exit by
 *   itself (the parent checks it does).
 */
import { type Message, MessageType, newMessage } from '@seshat/raft';
import { Transport } from '../src/transport.js';
import { appendMsg } from './transport-helpers.js';

interface Args {
  mode: 'echo' | 'stop-with-open-streams';
  id: number;
  port: number;
  peers: [number, string][];
}

const args = JSON.parse(process.argv[2]!) as Args;

function report(m: object): void {
  process.send?.(m);
}

async function echo(): Promise<void> {
  const transport: Transport = new Transport({
    nodeId: args.id,
    listen: { host: '127.0.0.1', port: args.port },
    peers: new Map(args.peers),
    onMessages: (messages: Message[]) => {
      const out: Message[] = [];
      for (const m of messages) {
        const r = newMessage(MessageType.AppendResponse, m.from);
        r.groupId = m.groupId;
        r.from = args.id;
        r.index = m.index;
        out.push(r);
      }
      transport.send(out);
    },
  });
  const { port } = await transport.start();
  report({ kind: 'ready', port });
}

async function stopWithOpenStreams(): Promise<void> {
  const a = new Transport({ nodeId: args.id, listen: { host: '127.0.0.1', port: 0 } });
  const b = new Transport({ nodeId: args.id + 1, listen: { host: '127.0.0.1', port: 0 } });
  let received = 0;
  a.setHandlers({ onMessages: (ms) => (received += ms.length) });
  let snapshotStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    snapshotStarted = resolve;
  });
  b.setHandlers({
    onMessages: (ms) => (received += ms.length),
    onSnapshot: () => new Promise<void>(() => {}), // never installs
  });
  const pa = (await a.start()).port;
  const pb = (await b.start()).port;
  a.addPeer(args.id + 1, `127.0.0.1:${pb}`);
  b.addPeer(args.id, `127.0.0.1:${pa}`);
  report({ kind: 'ready', port: pa });
  let seq = 0;
  const pump = (): void => {
    seq++;
    a.send([appendMsg({ group: 1, from: args.id, to: args.id + 1, seq })]);
    b.send([appendMsg({ group: 1, from: args.id + 1, to: args.id, seq })]);
  };
  pump();
  while (received < 100) {
    await new Promise((resolve) => setImmediate(resolve));
    pump();
  }
  // A snapshot whose image never ends: the call stays open until stop() cancels it.
  const endless = async function* () {
    yield Buffer.alloc(1024);
    snapshotStarted();
    await new Promise(() => {});
  };
  const snap = a.sendSnapshot(
    args.id + 1,
    1,
    { index: 5, term: 1, confState: { voters: [1], learners: [], removed: [] } },
    endless,
  );
  await started;
  pump();
  await Promise.all([a.stop(), b.stop()]);
  const delivered = await snap;
  report({ kind: 'stopped', received, snapshotDelivered: delivered });
}

if (args.mode === 'echo') await echo();
else await stopWithOpenStreams();
