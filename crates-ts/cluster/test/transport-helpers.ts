/**
 * Shared helpers of the transport tests: message builders, a collector that resolves
 * promises when enough messages arrived (no sleeping), and a way to start N transports
 * on free ports that know each other.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Message, type MessageType, newMessage } from '@seshat/raft';
import { Transport, type TransportOptions } from '../src/transport.js';

/** An Append carrying `seq` in index and one entry with `dataBytes` bytes of payload. */
export function appendMsg(opts: {
  group: number;
  from: number;
  to: number;
  seq: number;
  dataBytes?: number;
}): Message {
  const m = newMessage(1 as MessageType, opts.to);
  m.groupId = opts.group;
  m.from = opts.from;
  m.term = 3;
  m.index = opts.seq;
  m.logTerm = 2;
  m.commit = opts.seq;
  const data = Buffer.alloc(opts.dataBytes ?? 16, opts.seq & 0xff);
  m.entries = [{ term: 3, index: opts.seq + 1, type: 0, data }];
  return m;
}

/** Collects inbound messages per sender; waitFor(n) resolves once n messages arrived in total. */
export class Collector {
  readonly byFrom = new Map<number, Message[]>();
  total = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  readonly onMessages = (messages: Message[], from: number): void => {
    let list = this.byFrom.get(from);
    if (list === undefined) this.byFrom.set(from, (list = []));
    for (const m of messages) list.push(m);
    this.total += messages.length;
    this.waiters = this.waiters.filter((w) => {
      if (this.total < w.n) return true;
      w.resolve();
      return false;
    });
  };

  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.total >= n) return Promise.resolve();
    return withTimeout(
      new Promise<void>((resolve) => this.waiters.push({ n, resolve })),
      timeoutMs,
      `waiting for ${n} messages (have ${this.total})`,
    );
  }
}

/** Resolves when `onUnreachable` was called for `peerId` (create before triggering). */
export class UnreachableWatch {
  readonly counts = new Map<number, number>();
  private waiters: { id: number; resolve: () => void }[] = [];

  readonly onUnreachable = (peerId: number): void => {
    this.counts.set(peerId, (this.counts.get(peerId) ?? 0) + 1);
    this.waiters = this.waiters.filter((w) => {
      if (w.id !== peerId) return true;
      w.resolve();
      return false;
    });
  };

  next(peerId: number, timeoutMs = 10_000): Promise<void> {
    return withTimeout(
      new Promise<void>((resolve) => this.waiters.push({ id: peerId, resolve })),
      timeoutMs,
      `waiting for unreachable(${peerId})`,
    );
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Poll a condition that has no event of its own (transport counters), every few ms. */
export async function eventually(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timeout: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Node {
  readonly id: number;
  readonly transport: Transport;
  readonly port: number;
  readonly collector: Collector;
  readonly unreachable: UnreachableWatch;
}

/** Start transports with ids 1..n on free ports, each knowing all others. */
export async function startNodes(
  n: number,
  extra: Partial<Omit<TransportOptions, 'nodeId' | 'listen'>> = {},
): Promise<Node[]> {
  const nodes: Node[] = [];
  for (let id = 1; id <= n; id++) {
    const collector = new Collector();
    const unreachable = new UnreachableWatch();
    const transport = new Transport({
      ...extra,
      nodeId: id,
      listen: { host: '127.0.0.1', port: 0 },
      onMessages: collector.onMessages,
      onUnreachable: unreachable.onUnreachable,
    });
    const { port } = await transport.start();
    nodes.push({ id, transport, port, collector, unreachable });
  }
  for (const a of nodes) {
    for (const b of nodes) if (a !== b) a.transport.addPeer(b.id, `127.0.0.1:${b.port}`);
  }
  return nodes;
}

export const CHILD_SCRIPT = fileURLToPath(new URL('./transport-child.ts', import.meta.url));

/** Messages between the test and a child process (see transport-child.ts). */
export type ChildReport =
  | { kind: 'ready'; port: number }
  | { kind: 'stopped' }
  | { kind: 'stats'; received: number };

/** Spawn a child running a transport (node `id`, echoing what it receives), await its port. */
export async function spawnChild(args: {
  mode: 'echo' | 'stop-with-open-streams';
  id: number;
  port: number;
  peers: [number, string][];
}): Promise<{ child: ChildProcess; port: number; reports: ChildReport[] }> {
  const child = spawn(
    process.execPath,
    ['--conditions=seshat-src', '--import=tsx', CHILD_SCRIPT, JSON.stringify(args)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const reports: ChildReport[] = [];
  child.on('message', (m) => reports.push(m as ChildReport));
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (m: ChildReport) => {
      if (m.kind === 'ready') resolve(m.port);
    });
    child.once('exit', (code, signal) => reject(new Error(`child exited early: ${code} ${signal}`)));
  });
  const port = await withTimeout(ready, 20_000, 'child ready');
  return { child, port, reports };
}

/** Kill a child (if alive) and wait for it to be gone. */
export async function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}
