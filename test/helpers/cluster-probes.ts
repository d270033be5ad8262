// Probes shared by the cluster test files (cluster*.test.ts): connections that close on
// teardown, followers of a leader, pipelined reads, a node's whole contents through a READONLY
// connection, and the failover writer that records every SET's outcome in a ledger.
import type { Test } from 'tap';
import type { TestCluster } from './cluster.ts';
import { type Arg, RespClient, type RespValue, show, text } from './resp-client.ts';

export async function conn(t: Test, port: number, readonly = false): Promise<RespClient> {
  const c = await RespClient.connect(port);
  t.teardown(() => c.socket.destroy());
  if (readonly) t.equal(await c.q('READONLY'), '+OK', 'READONLY');
  return c;
}

export function followersOf(c: TestCluster, leader: number): number[] {
  return c.nodes.filter((n) => n.id !== leader).map((n) => n.id);
}

/** Values of `keys` as rendered replies, read with pipelined GETs. */
export async function readAll(c: RespClient, keys: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const replies = await c.pipeline(keys.slice(i, i + 500).map((k) => ['GET', k]));
    out.push(...replies.map(show));
  }
  return out;
}

/** Every key and its value on one node (through a READONLY connection: local state). */
export async function dump(port: number): Promise<Map<string, string>> {
  const c = await RespClient.connect(port);
  try {
    await c.send(['READONLY']);
    const keys = await c.send(['KEYS', '*']);
    if (keys.type !== 'array') throw new Error(`KEYS: ${show(keys)}`);
    const names = keys.value.map((k) => text(k)).sort();
    const types = (await c.pipeline(names.map((k) => ['TYPE', k]))).map(show);
    const reads: Arg[][] = names.map((k, i) => {
      if (types[i] === '+hash') return ['HGETALL', k];
      if (types[i] === '+list') return ['LRANGE', k, 0, -1];
      if (types[i] === '+set') return ['SORT', k, 'ALPHA'];
      if (types[i] === '+zset') return ['ZRANGE', k, 0, -1, 'WITHSCORES'];
      return ['GET', k];
    });
    const values = (await c.pipeline(reads)).map(show);
    return new Map(names.map((k, i) => [k, `${types[i]} ${values[i]}`]));
  } finally {
    c.socket.destroy();
  }
}

export interface Ledger {
  acked: Map<string, string>;
  /** definitely not applied: TRYAGAIN "not applied", MOVED, CLUSTERDOWN (never proposed) */
  refused: Set<string>;
  /** outcome unknown: connection lost, TRYAGAIN "may or may not", other errors */
  unknown: Set<string>;
  errors: Map<string, number>;
  firstAckAfterKill: number;
}

/**
 * One writer: SETs of fresh keys; follows MOVED, rotates over nodes on connection loss or
 * CLUSTERDOWN, and records every outcome in the ledger.
 */
export async function writer(
  cluster: TestCluster,
  w: number,
  ledger: Ledger,
  stop: { now: boolean; killedAt: number; killedPort: number },
): Promise<void> {
  let rotate = w;
  let c: RespClient | null = null;
  let seq = 0;
  const nextNode = () => cluster.nodes[rotate++ % cluster.nodes.length]!.clientPort;
  const first = await cluster.leaderId();
  let port = first ? cluster.node(first).clientPort : nextNode();
  while (!stop.now) {
    if (c === null || c.isClosed) {
      try {
        c = await RespClient.connect(port, { replyTimeoutMs: 10_000, connectTimeoutMs: 1000 });
      } catch {
        c = null;
        port = nextNode();
        await new Promise((r) => setTimeout(r, 10)); // retry interval, not a wait for a condition
        continue;
      }
    }
    const key = `f:${w}:${seq}`;
    const value = `v${w}.${seq++}`;
    let r: RespValue;
    try {
      r = await c.send(['SET', key, value]);
    } catch {
      ledger.unknown.add(key);
      c.socket.destroy();
      c = null;
      port = nextNode();
      continue;
    }
    const s = show(r);
    if (s === '+OK') {
      ledger.acked.set(key, value);
      if (stop.killedAt > 0 && port !== stop.killedPort && ledger.firstAckAfterKill === 0)
        ledger.firstAckAfterKill = performance.now();
      continue;
    }
    const kind = s.startsWith('-MOVED') ? `-MOVED to ${s.split(' ')[2]}` : s.slice(0, 40);
    ledger.errors.set(kind, (ledger.errors.get(kind) ?? 0) + 1);
    const moved = /^-MOVED \d+ [^:]+:(\d+)$/.exec(s);
    if (moved) {
      ledger.refused.add(key);
      port = Number(moved[1]);
      c.socket.destroy();
      c = null;
    } else if (s.startsWith('-CLUSTERDOWN') || s.includes('was not applied')) {
      ledger.refused.add(key);
      if (s.startsWith('-CLUSTERDOWN')) {
        c.socket.destroy();
        c = null;
        port = nextNode();
        await new Promise((r) => setTimeout(r, 10));
      }
    } else {
      ledger.unknown.add(key);
    }
  }
  c?.socket.destroy();
}
