// Transport throughput: Raft messages per second and frames (batches on the wire) per
// second from node 1 to node 2 over the gRPC stream, with one 64-byte entry per message
// (an Append, as a leader sends). Node 2 runs in a child process by default (real
// serialisation both ends, two event loops), or in this process with --inproc.
//
// For each batch size K (messages per send() call), the sender calls send() with K
// messages once per event-loop turn (as a driver does once per tick) while its queue to
// the peer is below a target (back-pressure: no drops), for --seconds after a warm-up.
// Frames can carry more than K messages when the stream is backed up (the queue
// coalesces), which the msgs/frame column shows. The receiver counts what was
// delivered to onMessages; rates are measured at the receiver. Prints a table.
//
//   node --conditions=seshat-src --import=tsx crates-ts/cluster/bench/transport.ts [--seconds 3] [--inproc]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Message, MessageType, newMessage } from '@seshat/raft';
import { Transport } from '../src/transport.js';

const BATCH_SIZES = [1, 16, 64, 256];
const ENTRY_BYTES = 64;
const GROUPS = 16;
/** Keep at most this many messages queued to the peer (well under queueMaxMessages). */
const QUEUE_TARGET_MESSAGES = 4096;
const WARMUP_MS = 500;

interface Counts {
  messages: number;
  frames: number;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function batch(k: number, seq: number): Message[] {
  const out: Message[] = new Array(k);
  const data = Buffer.alloc(ENTRY_BYTES, 7);
  for (let i = 0; i < k; i++) {
    const m = newMessage(MessageType.Append, 2);
    m.groupId = 1 + ((seq + i) % GROUPS);
    m.from = 1;
    m.term = 5;
    m.index = seq + i;
    m.logTerm = 5;
    m.commit = seq;
    m.entries = [{ term: 5, index: seq + i + 1, type: 0, data }];
    out[i] = m;
  }
  return out;
}

/** The receiving node: counts deliveries; answers "counts" requests (child or in-process). */
async function startReceiver(): Promise<{ transport: Transport; port: number; counts: () => Counts }> {
  let messages = 0;
  const transport = new Transport({
    nodeId: 2,
    listen: { host: '127.0.0.1', port: 0 },
    onMessages: (ms) => {
      messages += ms.length;
    },
  });
  const { port } = await transport.start();
  return { transport, port, counts: () => ({ messages, frames: transport.stats().inbound.framesReceived }) };
}

if (process.argv[2] === '--receiver') {
  const r = await startReceiver();
  process.on('message', (m: string) => {
    if (m === 'counts') process.send!(r.counts());
    if (m === 'stop') void r.transport.stop().then(() => process.disconnect());
  });
  process.send!({ port: r.port });
} else {
  await main();
}

async function main(): Promise<void> {
  const seconds = argValue('--seconds', 3);
  const inproc = process.argv.includes('--inproc');
  let counts: () => Promise<Counts>;
  let stopReceiver: () => Promise<void>;
  let port: number;
  if (inproc) {
    const r = await startReceiver();
    port = r.port;
    counts = async () => r.counts();
    stopReceiver = () => r.transport.stop();
  } else {
    const c = fork(fileURLToPath(import.meta.url), ['--receiver'], {
      execArgv: ['--conditions=seshat-src', '--import=tsx'],
    });
    port = ((await once(c, 'message')) as [{ port: number }])[0].port;
    counts = async () => {
      c.send('counts');
      return ((await once(c, 'message')) as [Counts])[0];
    };
    stopReceiver = async () => {
      c.send('stop');
      await once(c, 'exit');
    };
  }
  const sender = new Transport({ nodeId: 1, listen: { host: '127.0.0.1', port: 0 } });
  await sender.start();
  sender.addPeer(2, `127.0.0.1:${port}`);
  console.log(
    `transport bench: node 1 -> node 2 (${inproc ? 'same process' : 'child process'}), ${ENTRY_BYTES}-byte entries, ${seconds}s per row`,
  );
  console.log('msgs/send   messages/s   frames/s   msgs/frame   dropped');
  for (const k of BATCH_SIZES) {
    const row = await measure(sender, k, seconds, counts);
    console.log(
      `${String(k).padStart(9)} ${row.messagesPerSec.toFixed(0).padStart(12)} ${row.framesPerSec.toFixed(0).padStart(10)} ${(row.messagesPerSec / row.framesPerSec).toFixed(1).padStart(12)} ${String(row.dropped).padStart(9)}`,
    );
  }
  await sender.stop();
  await stopReceiver();
}

async function measure(
  sender: Transport,
  k: number,
  seconds: number,
  counts: () => Promise<Counts>,
): Promise<{ messagesPerSec: number; framesPerSec: number; dropped: number }> {
  let running = true;
  let seq = 1;
  const pump = (): void => {
    if (!running) return;
    // One send() per event-loop turn, like a driver tick; skip the turn when backed up.
    if (sender.peerStats(2)!.queuedMessages < QUEUE_TARGET_MESSAGES) {
      sender.send(batch(k, seq));
      seq += k;
    }
    setImmediate(pump);
  };
  pump();
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const c0 = await counts();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const c1 = await counts();
  const elapsedS = (performance.now() - t0) / 1000;
  running = false;
  // Let the queue drain before the next row.
  while (sender.peerStats(2)!.queuedMessages > 0 || sender.peerStats(2)!.inflightFrames > 0) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const s = sender.peerStats(2)!;
  return {
    messagesPerSec: (c1.messages - c0.messages) / elapsedS,
    framesPerSec: (c1.frames - c0.frames) / elapsedS,
    dropped: s.droppedQueueFull + s.droppedDown,
  };
}
