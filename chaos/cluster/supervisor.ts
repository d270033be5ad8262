/**
 * Supervisor: N real Seshat processes on loopback, each with its own data dir, and a
 * LinkProxy on every directed node-to-node link, so the harness controls the network the
 * way a Jepsen nemesis does.
 *
 * Node ids 1..maxNodes get their ports up front (client and Raft) and the whole proxy mesh
 * is built at start: node i reaches node j only through proxy "i->j" (`--raft-peer-dial`),
 * which carries Raft traffic and forwarded client commands alike. Nodes beyond the
 * initial `size` start later through addNode (learner, then voter); ids are never reused.
 *
 * Process faults: kill9 (SIGKILL), restart (same dir and ports), pause/resume
 * (SIGSTOP/SIGCONT). Network faults: partition(groups), cutOneWay, isolate, delayAll,
 * heal. Admin: transferLeader, addNode, removeNode, clock offset (DEBUG CLOCK-OFFSET).
 * Observation: leaderId, waitForLeader, digests (RAFT DIGEST), waitConverged.
 */
import { parseInfo, queryPort } from '../../test/helpers/cluster.ts';
import type { Arg, RespValue } from '../../test/helpers/resp-client.ts';
import { show, text } from '../../test/helpers/resp-client.ts';
import {
  freePort,
  makeTempDir,
  removeTempDir,
  type ServerHandle,
  startSeshat,
} from '../../test/helpers/server.ts';
import { LinkProxy } from '../net/link-proxy.ts';
import { ChaosError, pollUntil } from './poll.ts';
import { SeededRandom } from '@seshat/common';

export type ChaosNodeState = 'running' | 'paused' | 'down' | 'removed' | 'unborn';

export interface ChaosNode {
  readonly id: number;
  readonly clientPort: number;
  readonly raftPort: number;
  readonly dir: string;
  state: ChaosNodeState;
  server: ServerHandle | null;
}

export interface ChaosClusterOptions {
  /** Voters started at once (default 3). */
  size?: number;
  /** Highest node id addNode may use (default size + 2). */
  maxNodes?: number;
  /** Extra flags for every node. */
  args?: string[];
  /** Seeds the proxies' jitter/loss draws. */
  seed?: number;
}

/** Bound on one admin query (INFO, RAFT ...) to one node. */
const ADMIN_TIMEOUT_MS = 2000;
const CONVERGE_TIMEOUT_MS = 60_000;

/** Starts tried when a free port was taken meanwhile (see ChaosCluster.start). */
const START_ATTEMPTS_MAX = 3;

export class ChaosCluster {
  readonly nodes: ChaosNode[];
  private readonly links = new Map<string, LinkProxy>();
  private readonly members: string;
  private readonly args: string[];
  private closed = false;

  private constructor(nodes: ChaosNode[], members: string, args: string[]) {
    this.nodes = nodes;
    this.members = members;
    this.args = args;
  }

  /**
   * Starts the cluster on free ports. A port found free can be taken by another process
   * before the node binds it (tests run in parallel): such a start is retried on new ports.
   */
  static async start(o: ChaosClusterOptions = {}): Promise<ChaosCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ChaosCluster.tryStart(o);
      } catch (e) {
        if (attempt >= START_ATTEMPTS_MAX || !/in use|EADDRINUSE/i.test(String(e))) throw e;
      }
    }
  }

  private static async tryStart(o: ChaosClusterOptions): Promise<ChaosCluster> {
    const size = o.size ?? 3;
    const maxNodes = o.maxNodes ?? size + 2;
    if (size < 1 || maxNodes < size) throw new ChaosError('BAD_STATE', `size ${size}, maxNodes ${maxNodes}`);
    const taken = new Set<number>();
    const port = async (): Promise<number> => {
      for (;;) {
        const p = await freePort();
        if (!taken.has(p)) {
          taken.add(p);
          return p;
        }
      }
    };
    const nodes: ChaosNode[] = [];
    for (let id = 1; id <= maxNodes; id++) {
      nodes.push({
        id,
        clientPort: await port(),
        raftPort: await port(),
        dir: makeTempDir(`seshat-chaos-n${id}-`),
        state: 'unborn',
        server: null,
      });
    }
    const members = nodes
      .slice(0, size)
      .map((n) => `${n.id}@127.0.0.1:${n.raftPort}@127.0.0.1:${n.clientPort}`)
      .join(',');
    const c = new ChaosCluster(nodes, members, o.args ?? []);
    const random = new SeededRandom(o.seed ?? 1);
    try {
      for (const a of nodes)
        for (const b of nodes) {
          if (a === b) continue;
          const o = { target: { host: '127.0.0.1', port: b.raftPort }, name: `${a.id}->${b.id}` };
          let p = await LinkProxy.start({ ...o, random: new SeededRandom(random.nextU32()) });
          // A proxy may be given a port a node is about to listen on: take another.
          while (taken.has(p.port)) {
            const next = await LinkProxy.start({ ...o, random: new SeededRandom(random.nextU32()) });
            await p.close();
            p = next;
          }
          taken.add(p.port);
          c.links.set(`${a.id}->${b.id}`, p);
        }
      await Promise.all(nodes.slice(0, size).map((n) => c.launch(n, false)));
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  node(id: number): ChaosNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new ChaosError('BAD_STATE', `no node ${id}`);
    return n;
  }

  /** Nodes that are members and whose process exists (running or paused). */
  live(): ChaosNode[] {
    return this.nodes.filter((n) => n.state === 'running' || n.state === 'paused');
  }

  running(): ChaosNode[] {
    return this.nodes.filter((n) => n.state === 'running');
  }

  /** Members (not unborn, not removed), whatever their process state. */
  memberNodes(): ChaosNode[] {
    return this.nodes.filter((n) => n.state !== 'unborn' && n.state !== 'removed');
  }

  link(from: number, to: number): LinkProxy {
    const l = this.links.get(`${from}->${to}`);
    if (l === undefined) throw new ChaosError('BAD_STATE', `no link ${from}->${to}`);
    return l;
  }

  private peerDial(self: ChaosNode): string {
    return this.nodes
      .filter((n) => n !== self)
      .map((n) => `${n.id}@${this.link(self.id, n.id).address}`)
      .join(',');
  }

  /** `--initial-members` for a node joining now: the current members, as the README says. */
  private currentMembers(except: ChaosNode): string {
    return this.memberNodes()
      .filter((n) => n !== except)
      .map((n) => `${n.id}@127.0.0.1:${n.raftPort}@127.0.0.1:${n.clientPort}`)
      .join(',');
  }

  private async launch(n: ChaosNode, join: boolean): Promise<void> {
    const args = [
      '--port',
      String(n.clientPort),
      '--node-id',
      String(n.id),
      '--initial-members',
      join ? this.currentMembers(n) : this.members,
      '--raft-port',
      String(n.raftPort),
      '--raft-peer-dial',
      this.peerDial(n),
      ...(join ? ['--join'] : []),
      ...this.args,
    ];
    n.server = await startSeshat({ dir: n.dir, args });
    n.state = 'running';
  }

  // ---- process faults ----

  async kill9(id: number): Promise<void> {
    const n = this.node(id);
    if (n.server === null || (n.state !== 'running' && n.state !== 'paused'))
      throw new ChaosError('BAD_STATE', `kill9 ${id}: node is ${n.state}`);
    if (n.state === 'paused') n.server.proc.kill('SIGCONT');
    await n.server.kill9();
    n.state = 'down';
  }

  async restart(id: number): Promise<void> {
    const n = this.node(id);
    if (n.server === null || n.state !== 'down')
      throw new ChaosError('BAD_STATE', `restart ${id}: node is ${n.state}`);
    await n.server.restart();
    n.state = 'running';
  }

  pause(id: number): void {
    const n = this.node(id);
    if (n.server === null || n.state !== 'running')
      throw new ChaosError('BAD_STATE', `pause ${id}: node is ${n.state}`);
    n.server.proc.kill('SIGSTOP');
    n.state = 'paused';
  }

  resume(id: number): void {
    const n = this.node(id);
    if (n.server === null || n.state !== 'paused')
      throw new ChaosError('BAD_STATE', `resume ${id}: node is ${n.state}`);
    n.server.proc.kill('SIGCONT');
    n.state = 'running';
  }

  // ---- network faults ----

  /** Cuts every link between nodes of different groups (nodes in no group keep their links). */
  partition(groups: number[][]): void {
    const groupOf = new Map<number, number>();
    groups.forEach((g, i) => {
      for (const id of g) groupOf.set(id, i);
    });
    for (const [name, l] of this.links) {
      const [a, b] = name.split('->').map(Number) as [number, number];
      const ga = groupOf.get(a);
      const gb = groupOf.get(b);
      if (ga !== undefined && gb !== undefined && ga !== gb) l.cut();
    }
  }

  /** Cuts both directions between `id` and every other node. */
  isolate(id: number): void {
    const others = this.nodes.filter((n) => n.id !== id).map((n) => n.id);
    this.partition([[id], others]);
  }

  /** Cuts only `from`'s packets to `to`. */
  cutOneWay(from: number, to: number): void {
    this.link(from, to).cut();
  }

  /** Cuts every listed directed link, e.g. for a ring. */
  cutLinks(pairs: [number, number][]): void {
    for (const [a, b] of pairs) this.link(a, b).cut();
  }

  delayAll(ms: number, jitterMs = 0): void {
    for (const l of this.links.values()) l.delay(ms, jitterMs);
  }

  lossAll(fraction: number): void {
    for (const l of this.links.values()) l.loss(fraction);
  }

  /** Removes every network fault. */
  heal(): void {
    for (const l of this.links.values()) {
      l.delay(0);
      l.loss(0);
      l.heal();
    }
  }

  // ---- queries and admin ----

  query(id: number, argv: readonly Arg[], timeoutMs = ADMIN_TIMEOUT_MS): Promise<RespValue> {
    return queryPort(this.node(id).clientPort, argv, { timeoutMs });
  }

  async raftInfo(id: number): Promise<Record<string, string>> {
    return parseInfo(text(await this.query(id, ['INFO', 'raft'])));
  }

  /** The running node that says it is leader with the highest term (0: none). */
  async leaderId(exclude: number[] = []): Promise<number> {
    let best = 0;
    let bestTerm = -1;
    await Promise.all(
      this.running().map(async (n) => {
        const info = await this.raftInfo(n.id).catch(() => null);
        if (info === null || info.raft_role !== 'leader' || exclude.includes(n.id)) return;
        const term = Number(info.raft_term);
        if (term > bestTerm) {
          best = n.id;
          bestTerm = term;
        }
      }),
    );
    return best;
  }

  /**
   * A leader among running nodes, not in `exclude`, that acknowledges a write (so it holds
   * a quorum); resolves its id.
   */
  waitForLeader(o: { timeoutMs?: number; exclude?: number[] } = {}): Promise<number> {
    return pollUntil(
      async () => {
        const id = await this.leaderId(o.exclude);
        if (id === 0) return null;
        const r = await this.query(id, ['SET', '__chaos_probe', String(id)], 1000).catch(() => null);
        return r !== null && show(r) === '+OK' ? id : null;
      },
      { timeoutMs: o.timeoutMs ?? 20_000, intervalMs: 25, what: 'a writable leader' },
    );
  }

  async transferLeader(to: number): Promise<void> {
    const leader = await this.waitForLeader();
    if (leader === to) return;
    const r = show(await this.query(leader, ['RAFT', 'TRANSFER-LEADER', String(to)]));
    if (r !== '+OK') throw new ChaosError('BAD_STATE', `transfer to ${to}: ${r}`);
  }

  /** A node's [applied index, state hash] (RAFT DIGEST); null when it does not answer. */
  async digest(id: number): Promise<[number, string] | null> {
    const r = await this.query(id, ['RAFT', 'DIGEST']).catch(() => null);
    if (r === null || r.type !== 'array' || r.value.length !== 2) return null;
    const [idx, sha] = r.value as [RespValue, RespValue];
    return [idx.type === 'integer' ? Number(idx.value) : Number(text(idx)), text(sha)];
  }

  /**
   * Every running member reports the same applied index and state hash (writes must have
   * stopped). Resolves the common digest.
   */
  waitConverged(timeoutMs = CONVERGE_TIMEOUT_MS): Promise<[number, string]> {
    let last = '';
    return pollUntil(
      async () => {
        const ds = await Promise.all(this.running().map((n) => this.digest(n.id)));
        last = ds
          .map((d, i) => `${this.running()[i]?.id}:${d === null ? '-' : `${d[0]}/${d[1].slice(0, 8)}`}`)
          .join(' ');
        if (ds.length === 0 || ds.some((d) => d === null)) return null;
        const [first] = ds as [number, string][];
        return ds.every((d) => d![0] === first![0] && d![1] === first![1]) ? first! : null;
      },
      { timeoutMs, intervalMs: 100, what: () => `replicas to converge (last: ${last})` },
    );
  }

  /** Sets a node's clock offset (needs --enable-debug-command yes). */
  async clockOffset(id: number, ms: number): Promise<void> {
    const r = show(await this.query(id, ['DEBUG', 'CLOCK-OFFSET', String(ms)]));
    if (r !== '+OK') throw new ChaosError('BAD_STATE', `clock offset on ${id}: ${r}`);
  }

  /**
   * Adds the lowest unborn id: RAFT ADD-LEARNER on the leader, starts it with --join, waits
   * until it has applied what the leader had, then RAFT PROMOTE. Resolves the new id.
   */
  async addNode(): Promise<number> {
    const n = this.nodes.find((x) => x.state === 'unborn');
    if (n === undefined) throw new ChaosError('CAPACITY', 'no unused node id left');
    const add = ['RAFT', 'ADD-LEARNER', String(n.id), `127.0.0.1:${n.raftPort}`, `127.0.0.1:${n.clientPort}`];
    await this.onLeader(add);
    n.state = 'down';
    await this.launch(n, true);
    const target = Number((await this.raftInfo(await this.waitForLeader())).raft_commit_index);
    await pollUntil(async () => Number((await this.raftInfo(n.id)).raft_applied_index) >= target, {
      timeoutMs: 60_000,
      what: `node ${n.id} to catch up to ${target}`,
    });
    await this.onLeader(['RAFT', 'PROMOTE', String(n.id)]);
    return n.id;
  }

  /** RAFT REMOVE on the leader, then stops the node's process. */
  async removeNode(id: number): Promise<void> {
    const n = this.node(id);
    await this.onLeader(['RAFT', 'REMOVE', String(id)]);
    if (n.state === 'paused') n.server?.proc.kill('SIGCONT');
    if (n.server !== null && n.state !== 'down') await n.server.kill9();
    n.state = 'removed';
  }

  /** Runs an admin command on the current leader until it answers +OK (retrying leader changes). */
  private async onLeader(argv: string[]): Promise<void> {
    let last = '';
    await pollUntil(
      async () => {
        const leader = await this.waitForLeader();
        last = show(await this.query(leader, argv, 10_000));
        if (last === '+OK') return true;
        if (/already a member|not a member|not a learner/.test(last)) return true;
        return false;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: () => `${argv.join(' ')} to succeed (last: ${last})` },
    );
  }

  /** Kills every process, closes every proxy, removes the data dirs. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.nodes.map(async (n) => {
        if (n.server === null) return;
        if (n.state === 'paused') n.server.proc.kill('SIGCONT');
        await n.server.cleanup();
      }),
    );
    await Promise.all([...this.links.values()].map((l) => l.close()));
    for (const n of this.nodes) removeTempDir(n.dir);
  }
}
