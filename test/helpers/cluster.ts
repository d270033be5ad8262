// Starts a local Seshat cluster (one Raft group over N = 1..5 real processes, 3 or 5 in
// practice) for integration tests, built on helpers/server.ts (startSeshat with `--port P
// --node-id i --initial-members M --raft-port R` and a fixed data dir), and finds its leader
// through INFO raft. Every process and temp dir is removed by `cleanup()` (registered on
// `t.teardown` when `t` is given) and by server.ts's exit hooks when the test process dies.
//
// Exports:
//   startCluster({size, args, nodeArgs, password, t})
//                                  N nodes on free client and Raft ports, each with its own temp
//                                  dir; all bootstrapped with the same initial-members (nodeArgs:
//                                  extra flags per node, given all ports; password: every
//                                  node's --requirepass, sent with AUTH by query()). A start
//                                  that fails with "address in use" (free-port race) is retried
//                                  on new ports.
//   seshatHasParam(name)           whether the server under test has a parameter (its --help)
//   queryPort(port, argv, opts), parseInfo(text)
//   TestCluster                    the handle:
//     nodes / node(id)             ClusterNodeHandle {id, clientPort, raftPort, dir, state, server}
//     members                      the initial-members string
//     query(id, argv, opts)        one command on a fresh connection (bounded by opts.timeoutMs,
//                                  default 3000; opts.readonly sends READONLY first)
//     raftInfo(id)                 INFO raft as {raft_role: 'leader', raft_term: '3', ...}
//     leaderId()                   the running node that reports itself leader with the highest
//                                  term, or 0
//     waitForLeader(opts)          bounded poll for leaderId() != 0 (opts.exclude: ids that do
//                                  not count; opts.writable: the leader must also acknowledge a
//                                  SET of the key __leader_probe; opts.known: every running
//                                  node must name it as its leader); resolves {id, ms}
//     waitConverged(opts)          bounded poll until every running node reports the same
//                                  raft_applied_index (>= opts.atLeast) and the same DBSIZE (db 0)
//     kill9(id) / stop(id) / restart(id) / pause(id) (SIGSTOP) / resume(id) (SIGCONT)
//     stopAll() (SIGTERM) / kill9All() / startAll() (same dirs, same ports, concurrently)
//     cleanup()                    SIGKILL everything, remove the dirs (idempotent)
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Test } from 'tap';
import { type Arg, RespClient, type RespValue, show, text } from './resp-client.ts';
import {
  freePort,
  makeTempDir,
  REPO_ROOT,
  removeTempDir,
  SESHAT_MAIN,
  type ServerHandle,
  startSeshat,
} from './server.ts';
import { waitUntil } from './wait.ts';

export type NodeState = 'running' | 'paused' | 'down';

export interface ClusterNodeHandle {
  readonly id: number;
  readonly clientPort: number;
  readonly raftPort: number;
  readonly dir: string;
  state: NodeState;
  /** The process handle (its `proc` is the current process; `port` is clientPort). */
  server: ServerHandle;
}

export interface StartClusterOptions {
  /** Number of nodes (1..5; default 3). */
  size?: number;
  /** Extra flags for every node, e.g. ['--raft-log-max-entries', '50']. */
  args?: string[];
  /** Extra flags for one node (after `args`), given every node's ports (index id - 1). */
  nodeArgs?: (id: number, ports: readonly { client: number; raft: number }[]) => string[];
  /** Registers cleanup() on t.teardown. */
  t?: Pick<Test, 'teardown'>;
  startTimeoutMs?: number;
  /** Every node's requirepass; query() then AUTHs first. */
  password?: string;
}

export interface QueryOptions {
  timeoutMs?: number;
  /** Send READONLY first (reads served from the node's local state). */
  readonly?: boolean;
  /** Send AUTH with this password first. */
  password?: string;
}

/** One command on a fresh connection, bounded; a paused node makes it reject, not hang. */
export async function queryPort(
  port: number,
  argv: readonly Arg[],
  opts: QueryOptions = {},
): Promise<RespValue> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const c = await RespClient.connect(port, { replyTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs });
  try {
    if (opts.password !== undefined) {
      const r = await c.send(['AUTH', opts.password]);
      if (show(r) !== '+OK') throw new Error(`AUTH: ${show(r)}`);
    }
    if (opts.readonly) {
      const r = await c.send(['READONLY']);
      if (show(r) !== '+OK') throw new Error(`READONLY: ${show(r)}`);
    }
    return await c.send(argv);
  } finally {
    c.socket.destroy();
  }
}

let paramNames: Set<string> | null = null;

/** Whether the Seshat under test has a parameter (from its --help), e.g. to pin a mode. */
export function seshatHasParam(name: string): boolean {
  if (paramNames === null) {
    const argv =
      process.env.SESHAT_FROM_SRC === '1'
        ? ['--conditions=seshat-src', '--import=tsx', path.join(REPO_ROOT, 'crates-ts/seshat/src/main.ts')]
        : [process.env.SESHAT_BIN ?? SESHAT_MAIN];
    const help = execFileSync(process.execPath, [...argv, '--help'], { encoding: 'utf8' });
    paramNames = new Set([...help.matchAll(/^\s+--([a-z0-9-]+)/gm)].map((m) => m[1]!));
  }
  return paramNames.has(name);
}

/** Parses an INFO text into name -> value. */
export function parseInfo(info: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export class TestCluster {
  readonly nodes: ClusterNodeHandle[];
  readonly members: string;
  private cleaned = false;

  constructor(
    nodes: ClusterNodeHandle[],
    members: string,
    private readonly password?: string,
  ) {
    this.nodes = nodes;
    this.members = members;
  }

  node(id: number): ClusterNodeHandle {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  running(): ClusterNodeHandle[] {
    return this.nodes.filter((n) => n.state === 'running');
  }

  query(id: number, argv: readonly Arg[], opts: QueryOptions = {}): Promise<RespValue> {
    return queryPort(this.node(id).clientPort, argv, { password: this.password, ...opts });
  }

  async raftInfo(id: number, timeoutMs = 3000): Promise<Record<string, string>> {
    return parseInfo(text(await this.query(id, ['INFO', 'raft'], { timeoutMs })));
  }

  /** The running node that reports itself leader (highest term if several do), or 0. */
  async leaderId(): Promise<number> {
    let best = 0;
    let bestTerm = -1;
    await Promise.all(
      this.running().map(async (n) => {
        try {
          const info = await this.raftInfo(n.id, 1000);
          const term = Number(info.raft_term);
          if (info.raft_role === 'leader' && term > bestTerm) {
            best = n.id;
            bestTerm = term;
          }
        } catch {
          // unreachable right now: not a leader we can use
        }
      }),
    );
    return best;
  }

  /** Bounded poll for a leader among running nodes; `ms` is how long it took. */
  async waitForLeader(
    opts: { timeoutMs?: number; exclude?: number[]; writable?: boolean; known?: boolean } = {},
  ): Promise<{ id: number; ms: number }> {
    const t0 = performance.now();
    const id = await waitUntil(
      async () => {
        const id = await this.leaderId();
        if (id === 0 || opts.exclude?.includes(id)) return 0;
        if (opts.known) {
          const leaders = await Promise.all(
            this.running().map((n) =>
              this.raftInfo(n.id, 1000).then(
                (i) => i.raft_leader,
                () => '',
              ),
            ),
          );
          if (!leaders.every((l) => l === String(id))) return 0;
        }
        if (opts.writable) {
          const r = await this.query(id, ['SET', '__leader_probe', String(Date.now())], {
            timeoutMs: 1000,
          }).catch(() => null);
          if (r === null || show(r) !== '+OK') return 0;
        }
        return id;
      },
      { timeoutMs: opts.timeoutMs ?? 10_000, intervalMs: 20, what: 'a cluster leader' },
    );
    return { id, ms: performance.now() - t0 };
  }

  /** Every running node at the same applied index (>= atLeast) with the same DBSIZE. */
  async waitConverged(opts: { timeoutMs?: number; atLeast?: number } = {}): Promise<{
    applied: number;
    dbsize: number;
  }> {
    return waitUntil(
      async () => {
        const rows = await Promise.all(
          this.running().map(async (n) => {
            const info = await this.raftInfo(n.id);
            const size = await this.query(n.id, ['DBSIZE'], { readonly: true });
            return { applied: Number(info.raft_applied_index), dbsize: show(size) };
          }),
        );
        const a = rows[0]!;
        const same = rows.every((r) => r.applied === a.applied && r.dbsize === a.dbsize);
        if (!same || a.applied < (opts.atLeast ?? 0)) return null;
        return { applied: a.applied, dbsize: Number(a.dbsize.slice(1)) };
      },
      { timeoutMs: opts.timeoutMs ?? 15_000, intervalMs: 50, what: 'all nodes to converge' },
    );
  }

  async kill9(id: number): Promise<void> {
    const n = this.node(id);
    if (n.state === 'down') return;
    await n.server.kill9();
    n.state = 'down';
  }

  /** SIGTERM and wait for the exit (a paused node is resumed first so it can handle it). */
  async stop(id: number): Promise<number | null> {
    const n = this.node(id);
    if (n.state === 'down') return null;
    if (n.state === 'paused') this.resume(id);
    const code = await n.server.stop();
    n.state = 'down';
    return code;
  }

  /** Starts a node that is down on its dir and ports; resolves when it logged ready. */
  async restart(id: number): Promise<void> {
    const n = this.node(id);
    if (n.state !== 'down') throw new Error(`node ${id} is ${n.state}`);
    await n.server.restart();
    n.state = 'running';
  }

  pause(id: number): void {
    const n = this.node(id);
    if (n.state !== 'running') throw new Error(`node ${id} is ${n.state}`);
    n.server.proc.kill('SIGSTOP');
    n.state = 'paused';
  }

  resume(id: number): void {
    const n = this.node(id);
    if (n.state !== 'paused') return;
    n.server.proc.kill('SIGCONT');
    n.state = 'running';
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stop(n.id)));
  }

  async kill9All(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill9(n.id)));
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.filter((n) => n.state === 'down').map((n) => this.restart(n.id)));
  }

  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    await Promise.all(
      this.nodes.map(async (n) => {
        if (n.state === 'paused') n.server.proc.kill('SIGCONT');
        await n.server.cleanup();
        removeTempDir(n.dir);
      }),
    );
  }
}

async function tryStart(size: number, opts: StartClusterOptions): Promise<TestCluster> {
  const ports: { client: number; raft: number }[] = [];
  const taken = new Set<number>();
  while (ports.length < size) {
    const client = await freePort();
    const raft = await freePort();
    if (client === raft || taken.has(client) || taken.has(raft)) continue;
    taken.add(client).add(raft);
    ports.push({ client, raft });
  }
  const members = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.raft}@127.0.0.1:${p.client}`).join(',');
  const dirs = ports.map((_, i) => makeTempDir(`seshat-cluster-n${i + 1}-`));
  const started = await Promise.allSettled(
    ports.map((p, i) =>
      startSeshat({
        dir: dirs[i]!,
        startTimeoutMs: opts.startTimeoutMs,
        args: [
          '--port',
          String(p.client),
          '--node-id',
          String(i + 1),
          '--initial-members',
          members,
          '--raft-port',
          String(p.raft),
          ...(opts.password === undefined ? [] : ['--requirepass', opts.password]),
          ...(opts.args ?? []),
          ...(opts.nodeArgs?.(i + 1, ports) ?? []),
        ],
      }),
    ),
  );
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.cleanup() : undefined)));
    for (const d of dirs) removeTempDir(d);
    throw failed.reason;
  }
  const nodes = started.map((s, i) => ({
    id: i + 1,
    clientPort: ports[i]!.client,
    raftPort: ports[i]!.raft,
    dir: dirs[i]!,
    state: 'running' as NodeState,
    server: (s as PromiseFulfilledResult<ServerHandle>).value,
  }));
  return new TestCluster(nodes, members, opts.password);
}

/** Starts `size` nodes bootstrapped as one cluster (see the header). Does not wait for a leader. */
export async function startCluster(opts: StartClusterOptions = {}): Promise<TestCluster> {
  const size = opts.size ?? 3;
  if (size < 1 || size > 5) throw new Error(`cluster size ${size}: use 1..5`);
  for (let attempt = 1; ; attempt++) {
    try {
      const c = await tryStart(size, opts);
      opts.t?.teardown(() => c.cleanup());
      return c;
    } catch (e) {
      if (attempt >= 3 || !/in use|EADDRINUSE/i.test(String(e))) throw e;
    }
  }
}
