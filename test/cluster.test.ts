// Replicated cluster mode (one Raft group over gRPC), on real processes: every subtest starts
// its own 3- or 5-node cluster on free ports and temp dirs (helpers/cluster.ts), so subtests
// are independent; everything is killed and removed on t.teardown, also when an assertion fails.
//   - routing: writes through the leader, -MOVED <slot> <leader> from followers (also for
//     reads without READONLY), redis-cli -c and ioredis Cluster (RESP2 and RESP3) following it,
//     READONLY reads on followers eventually seeing writes, and the shapes of INFO raft, ROLE,
//     CLUSTER SLOTS/NODES/SHARDS/MYID/INFO;
//   - failover: kill -9 of the leader while 12 writers write unique keys; a new leader must
//     acknowledge a write within FAILOVER_BOUND_MS (measured and printed); every acknowledged
//     SET is present afterwards, every definitely-refused one (TRYAGAIN "not applied", MOVED,
//     CLUSTERDOWN) absent;
//   - frozen leader: SIGSTOP of the leader with writes and a read queued on it; once a new
//     leader has overwritten the key, the woken old leader must not serve the old value, and
//     each queued write is acknowledged-and-present or refused-and-absent;
//   - snapshot catch-up: a follower stopped while the leader compacts its log
//     (--raft-log-max-entries 50) catches up by snapshot and ends with the same data; again
//     after the other two restarted (no snapshot image held: the leader must capture one);
//   - full-cluster restart (SIGTERM, then kill -9): everything acknowledged is back;
//   - minority: with 2 of 3 nodes SIGSTOPped nothing is acknowledged, and a refused write never
//     shows up after the cluster heals;
//   - convergence: 5 nodes, 2 followers killed and restarted under load; all nodes end at the
//     same applied index with the same contents, and counters equal the acknowledged INCRs.
// How: raw RESP (helpers/resp-client.ts), fresh bounded connections for probes, bounded polls
// (helpers/wait.ts) instead of sleeps. Needs `npm run build` (runs dist/); redis-cli parts are
// skipped when redis-cli is not installed. Measured times (failover, catch-up, convergence)
// are printed as TAP comments.
import { Cluster } from 'ioredis';
import t, { type Test } from 'tap';
import { seshatHasParam, startCluster, type TestCluster } from './helpers/cluster.ts';
import { redisCli, redisCliAvailable } from './helpers/redis-cli.ts';
import { type Arg, RespClient, type RespValue, show, text } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

/** Bound on kill -9 of the leader -> a write acknowledged by a new leader (2-core CI box). */
const FAILOVER_BOUND_MS = 5_000;
/** Slots of well-known keys (CRC16 mod 16384, as in Redis). */
const SLOT = { foo: 12182, bar: 5061 } as const;
const HEX40 = /^[0-9a-f]{40}$/;
/**
 * The subtests that check -MOVED pin the redirect mode where the server lets followers choose
 * between forwarding to the leader and redirecting (`cluster-redirect`, default forward).
 */
const MOVED_MODE = seshatHasParam('cluster-redirect') ? ['--cluster-redirect', 'moved'] : [];

async function conn(t: Test, port: number, readonly = false): Promise<RespClient> {
  const c = await RespClient.connect(port);
  t.teardown(() => c.socket.destroy());
  if (readonly) t.equal(await c.q('READONLY'), '+OK', 'READONLY');
  return c;
}

function followersOf(c: TestCluster, leader: number): number[] {
  return c.nodes.filter((n) => n.id !== leader).map((n) => n.id);
}

/** Values of `keys` as rendered replies, read with pipelined GETs. */
async function readAll(c: RespClient, keys: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const replies = await c.pipeline(keys.slice(i, i + 500).map((k) => ['GET', k]));
    out.push(...replies.map(show));
  }
  return out;
}

/** Every key and its value on one node (through a READONLY connection: local state). */
async function dump(port: number): Promise<Map<string, string>> {
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

t.test('routing, redirects and introspection on 3 nodes', async (t) => {
  const c = await startCluster({ t, args: MOVED_MODE });
  // A node that started after the election learns the leader when the leader's Raft link to it
  // reconnects (transport backoff, up to ~2 s): wait until every node names it.
  const { id: leader } = await c.waitForLeader({ known: true });
  const [f1, f2] = followersOf(c, leader) as [number, number];
  const L = c.node(leader);
  const leaderAddr = `127.0.0.1:${L.clientPort}`;

  const lc = await conn(t, L.clientPort);
  t.equal(await lc.q('SET', 'foo', 'v1'), '+OK', 'SET through the leader');
  t.equal(await lc.q('GET', 'foo'), '"v1"', 'GET on the leader (ReadIndex)');
  t.equal(await lc.q('INCR', 'n'), ':1');
  const tx = await lc.pipeline([['MULTI'], ['SET', 'tx', '1'], ['INCR', 'tx'], ['GET', 'tx'], ['EXEC']]);
  t.equal(show(tx[4]!), '[+OK, :2, "2"]', 'MULTI/EXEC on the leader');

  const fc = await conn(t, c.node(f1).clientPort);
  t.equal(await fc.q('SET', 'foo', 'v2'), `-MOVED ${SLOT.foo} ${leaderAddr}`, 'follower: write -> MOVED');
  t.equal(await fc.q('GET', 'bar'), `-MOVED ${SLOT.bar} ${leaderAddr}`, 'follower: read -> MOVED');
  t.equal(await fc.q('DBSIZE'), `-MOVED 0 ${leaderAddr}`, 'follower: keyless read -> MOVED 0');
  t.equal(await fc.q('PING'), '+PONG', 'follower: server commands are local');
  t.equal(await lc.q('GET', 'foo'), '"v1"', 'the redirected write was not applied');

  // READONLY: local (eventually consistent) reads; writes are still redirected.
  const ro = await conn(t, c.node(f2).clientPort, true);
  await waitUntil(async () => (await ro.q('GET', 'foo')) === '"v1"', { what: 'follower to see foo' });
  t.equal(await ro.q('SET', 'foo', 'x'), `-MOVED ${SLOT.foo} ${leaderAddr}`, 'READONLY: writes still MOVED');
  t.equal(await ro.q('READWRITE'), '+OK');
  t.equal(await ro.q('GET', 'foo'), `-MOVED ${SLOT.foo} ${leaderAddr}`, 'READWRITE: reads MOVED again');

  await t.test('redis-cli -c follows MOVED', { skip: !redisCliAvailable() && 'no redis-cli' }, async (t) => {
    const port = c.node(f1).clientPort;
    const run = async (...args: string[]) => (await redisCli(port, ['-c', ...args])).stdout.trim();
    t.equal(await run('SET', '{cli}a', '1'), 'OK');
    t.equal(await run('INCR', '{cli}a'), '2');
    t.equal(await run('SET', '{cli}b', 'x'), 'OK');
    const mget = await redisCli(port, ['-c', 'MGET', '{cli}a', '{cli}b', '{cli}c']);
    t.equal(mget.stdout, '2\nx\n\n', 'MGET (the nil is an empty line)');
    t.equal(await run('GET', '{cli}b'), 'x');
    const plain = await redisCli(port, ['GET', '{cli}b']);
    t.match(plain.stdout, /MOVED \d+ 127\.0\.0\.1:\d+/, 'without -c the MOVED error is shown');
  });

  for (const protocol of [2, 3] as const) {
    await t.test(`ioredis Cluster, RESP${protocol}`, async (t) => {
      const cl = new Cluster([{ host: '127.0.0.1', port: c.node(f1).clientPort }], {
        redisOptions: { protocol },
        enableOfflineQueue: true,
        clusterRetryStrategy: () => null,
      });
      cl.on('error', () => {});
      t.teardown(() => cl.disconnect());
      const k = (s: string) => `{io${protocol}}${s}`;
      t.equal(await cl.set(k('a'), 'hello'), 'OK');
      t.equal(await cl.get(k('a')), 'hello');
      t.equal(await cl.incr(k('n')), 1);
      t.equal(await cl.incr(k('n')), 2);
      t.same(await cl.mget(k('a'), k('n'), k('none')), ['hello', '2', null]);
      t.equal(await cl.set(`other${protocol}`, 'x'), 'OK', 'another slot: same leader');
      const nodes = cl.nodes('master');
      t.equal(nodes.length, 1, 'one master');
      t.equal(nodes[0]!.options.port, L.clientPort, 'the master is the Raft leader');

      // Reads from replicas (READONLY) see the write eventually.
      const rd = new Cluster([{ host: '127.0.0.1', port: c.node(f2).clientPort }], {
        redisOptions: { protocol },
        scaleReads: 'slave',
        clusterRetryStrategy: () => null,
      });
      rd.on('error', () => {});
      t.teardown(() => rd.disconnect());
      await waitUntil(async () => (await rd.get(k('a'))) === 'hello', { what: 'replica read' });
      t.pass('scaleReads: slave reads the value from a follower');
    });
  }

  await t.test('INFO raft, ROLE', async (t) => {
    for (const n of c.nodes) {
      const info = await c.raftInfo(n.id);
      t.equal(info.raft_node_id, String(n.id), `node ${n.id} raft_node_id`);
      t.equal(info.raft_role, n.id === leader ? 'leader' : 'follower');
      t.equal(info.raft_leader, String(leader));
      t.equal(info.raft_voters, '1,2,3');
      for (const f of [
        'raft_term',
        'raft_commit_index',
        'raft_applied_index',
        'raft_last_index',
        'raft_first_index',
      ])
        t.match(info[f], /^\d+$/, `node ${n.id} ${f}`);
      t.ok(Number(info.raft_first_index) <= Number(info.raft_applied_index) + 1, 'first <= applied + 1');
      if (n.id === leader)
        for (const p of [1, 2, 3])
          t.match(
            info[`raft_peer_${p}`],
            /^match=\d+,next=\d+,state=\d,learner=0,read_round=\d+,active=[01]$/,
          );
    }
    const lr = await c.query(leader, ['ROLE']);
    t.match(
      show(lr),
      /^\["master", :\d+, \[\["127\.0\.0\.1", "\d+", "\d+"\], \["127\.0\.0\.1", "\d+", "\d+"\]\]\]$/,
    );
    const fr = show(await c.query(f1, ['ROLE']));
    t.match(fr, new RegExp(`^\\["slave", "127\\.0\\.0\\.1", :${L.clientPort}, "connected", :\\d+\\]$`));
  });

  await t.test('CLUSTER SLOTS / NODES / SHARDS / MYID / INFO', async (t) => {
    const ids = new Map<number, string>();
    for (const n of c.nodes) {
      const id = text(await c.query(n.id, ['CLUSTER', 'MYID']));
      t.match(id, HEX40, `node ${n.id} MYID is 40 hex`);
      ids.set(n.id, id);
    }
    t.equal(new Set(ids.values()).size, 3, 'MYIDs differ');
    const triple = (id: number) => `["127.0.0.1", :${c.node(id).clientPort}, "${ids.get(id)}"]`;
    const want = `[[:0, :16383, ${triple(leader)}, ${[f1, f2]
      .sort((a, b) => a - b)
      .map(triple)
      .join(', ')}]]`;
    for (const n of c.nodes)
      t.equal(show(await c.query(n.id, ['CLUSTER', 'SLOTS'])), want, `SLOTS on ${n.id}`);

    const nodesText = text(await c.query(f1, ['CLUSTER', 'NODES']));
    const lines = nodesText.trim().split('\n');
    t.equal(lines.length, 3);
    for (const line of lines) {
      const [id, addr, flags, master, , , , link, slots] = line.split(' ');
      const n = [...ids].find(([, v]) => v === id)?.[0];
      t.ok(n, `NODES line of a known node: ${line}`);
      t.equal(addr, `127.0.0.1:${c.node(n!).clientPort}@${c.node(n!).raftPort}`);
      t.equal(link, 'connected');
      const me = n === f1 ? 'myself,' : '';
      if (n === leader) {
        t.equal(flags, `${me}master`);
        t.equal(master, '-');
        t.equal(slots, '0-16383');
      } else {
        t.equal(flags, `${me}slave`);
        t.equal(master, ids.get(leader));
        t.equal(slots, undefined);
      }
    }

    const shards = await c.query(leader, ['CLUSTER', 'SHARDS']);
    t.match(
      show(shards),
      /^\[\["slots", \[:0, :16383\], "nodes", \[(\["id", "[0-9a-f]{40}", "port", :\d+, "ip", "127\.0\.0\.1", "endpoint", "127\.0\.0\.1", "role", "(master|replica)", "replication-offset", :\d+, "health", "online"\](, )?){3}\]\]\]$/,
    );
    t.equal(show(shards).match(/"master"/g)?.length, 1, 'SHARDS: one master');

    const ci = await c.query(f2, ['CLUSTER', 'INFO']);
    t.match(text(ci), /^cluster_state:ok\r\n/);
    t.match(text(ci), /\r\ncluster_known_nodes:3\r\n/);
    t.match(text(ci), /\r\ncluster_slots_assigned:16384\r\n/);
    const hello3 = await RespClient.connect(L.clientPort);
    t.teardown(() => hello3.socket.destroy());
    await hello3.send(['HELLO', '3']);
    t.equal((await hello3.send(['CLUSTER', 'INFO'])).type, 'verbatim', 'RESP3: CLUSTER INFO is verbatim');
    const shards3 = await hello3.send(['CLUSTER', 'SHARDS']);
    t.equal(shards3.type === 'array' && shards3.value[0]?.type, 'map', 'RESP3: SHARDS entries are maps');
  });

  await c.waitConverged();

  // Found here: EXEC on a follower used to kill it (EXEC's reply handler expected an array
  // and got the cluster's single TRYAGAIN error). The same holds for a deposed leader.
  await t.test('MULTI/EXEC sent to a follower is redirected, the follower stays up', async (t) => {
    const fx = await RespClient.connect(c.node(f2).clientPort, { replyTimeoutMs: 3000 });
    t.teardown(() => fx.socket.destroy());
    const r = await fx.pipeline([['MULTI'], ['SET', 'fx', '1'], ['EXEC']]).catch((e: Error) => e);
    const exec = r instanceof Error ? r.message : show(r[2]!);
    t.match(exec, /^-(MOVED \d+ |EXECABORT|TRYAGAIN)/, `EXEC refused (${exec})`);
    const ping = await c.query(f2, ['PING'], { timeoutMs: 1000 }).catch(() => null);
    t.equal(ping && show(ping), '+PONG', 'the follower is still up');
    t.equal(await lc.q('GET', 'fx'), '$-1', 'nothing applied');
  });
});

// ---- failover under load ----------------------------------------------------------------

interface Ledger {
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
async function writer(
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

t.test('kill -9 of the leader under load: fast failover, no acknowledged write lost', async (t) => {
  const c = await startCluster({ t });
  const { id: old } = await c.waitForLeader({ writable: true });
  const ledger: Ledger = {
    acked: new Map(),
    refused: new Set(),
    unknown: new Set(),
    errors: new Map(),
    firstAckAfterKill: 0,
  };
  const stop = { now: false, killedAt: 0, killedPort: 0 };
  const WRITERS = 12;
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(c, w, ledger, stop));
  t.teardown(() => {
    stop.now = true;
  });
  await waitUntil(() => ledger.acked.size >= 800, { timeoutMs: 20_000, what: '800 acks before the kill' });
  const ackedBefore = ledger.acked.size;

  const t0 = performance.now();
  stop.killedAt = t0;
  stop.killedPort = c.node(old).clientPort;
  await c.kill9(old);
  const { id: leader } = await c.waitForLeader({ exclude: [old], writable: true, timeoutMs: 15_000 });
  const failoverMs = performance.now() - t0;
  await waitUntil(() => ledger.firstAckAfterKill > 0, {
    timeoutMs: 10_000,
    what: 'a writer ack after the kill',
  });
  const writerMs = ledger.firstAckAfterKill - t0;
  t.comment(
    `failover: node ${old} killed -> node ${leader} acknowledged a probe write after ${failoverMs.toFixed(0)} ms, ` +
      `first writer ack after ${writerMs.toFixed(0)} ms`,
  );
  t.ok(failoverMs < FAILOVER_BOUND_MS, `failover ${failoverMs.toFixed(0)} ms < ${FAILOVER_BOUND_MS} ms`);

  const target = ledger.acked.size + 400;
  await waitUntil(() => ledger.acked.size >= target, { timeoutMs: 20_000, what: '400 more acks' });
  stop.now = true;
  await Promise.all(writers);
  t.comment(
    `writes: ${ackedBefore} acked before the kill, ${ledger.acked.size} in all; refused ${ledger.refused.size}, ` +
      `unknown ${ledger.unknown.size}; errors ${JSON.stringify(Object.fromEntries(ledger.errors))}`,
  );

  const lc = await conn(t, c.node(leader).clientPort);
  const keys = [...ledger.acked.keys()];
  const got = await readAll(lc, keys);
  const lost = keys.filter((k, i) => got[i] !== `"${ledger.acked.get(k)}"`);
  t.same(lost.slice(0, 10), [], `all ${keys.length} acknowledged writes present (${lost.length} missing)`);
  const refused = [...ledger.refused];
  const present = (await readAll(lc, refused)).filter((v) => v !== '$-1');
  t.equal(present.length, 0, `none of the ${refused.length} refused writes applied`);

  // The old leader rejoins and converges (it may have to drop its uncommitted tail).
  await c.restart(old);
  await c.waitConverged({ timeoutMs: 20_000 });
  const ro = await conn(t, c.node(old).clientPort, true);
  const again = await readAll(ro, keys);
  t.equal(
    keys.filter((k, i) => again[i] !== `"${ledger.acked.get(k)}"`).length,
    0,
    'the restarted old leader has every acknowledged write',
  );
});

t.test('a frozen (SIGSTOP) leader is replaced; its in-flight writes are refused or kept', async (t) => {
  const c = await startCluster({ t });
  const { id: old } = await c.waitForLeader({ writable: true });
  const L = c.node(old);
  const clients = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(async () => {
      const cl = await RespClient.connect(L.clientPort, { replyTimeoutMs: 20_000 });
      t.teardown(() => cl.socket.destroy());
      return cl;
    }),
  );
  const [reader, txer, ...writers] = clients as [RespClient, RespClient, ...RespClient[]];
  t.equal(await reader.q('SET', 'k', 'old'), '+OK');
  c.pause(old);
  // Sent while it is frozen: the deposed leader reads them when it wakes up.
  const keys = writers.map((_, i) => Array.from({ length: 50 }, (_, j) => `z:${i}:${j}`));
  const inflight = writers.map((w, i) => w.pipeline(keys[i]!.map((k) => ['SET', k, 'x'])));
  const staleRead = reader.send(['GET', 'k']);
  const tx = txer.pipeline([['MULTI'], ['SET', 'tx', '1'], ['EXEC']]).then(
    (r) => show(r[2]!),
    (e: Error) => e.message,
  );
  const { id: leader, ms } = await c.waitForLeader({ exclude: [old], writable: true, timeoutMs: 15_000 });
  t.comment(`node ${leader} took over ${ms.toFixed(0)} ms after node ${old} was frozen`);
  t.equal(show(await c.query(leader, ['SET', 'k', 'new'])), '+OK', 'the new leader overwrites k');
  c.resume(old);

  const read = show(await staleRead);
  t.match(read, /^("new"|-MOVED |-CLUSTERDOWN|-TRYAGAIN)/, `the deposed leader's read: ${read}`);
  const replies = (await Promise.all(inflight)).flat().map(show);
  const flat = keys.flat();
  const tally: Record<string, number> = {};
  for (const r of replies) {
    const kind = r.startsWith('-MOVED') ? '-MOVED' : r.slice(0, 40);
    tally[kind] = (tally[kind] ?? 0) + 1;
  }
  t.comment(`in-flight writes to the deposed leader: ${JSON.stringify(tally)}`);
  const lc = await conn(t, c.node(leader).clientPort);
  const got = await readAll(lc, flat);
  const wrong = flat.filter((_, i) => {
    const r = replies[i]!;
    if (r === '+OK') return got[i] !== '"x"';
    if (/^-(MOVED|CLUSTERDOWN)|was not applied/.test(r)) return got[i] !== '$-1';
    return got[i] !== '$-1' && got[i] !== '"x"';
  });
  t.same(wrong, [], 'acknowledged writes present, refused ones absent');
  t.equal(await lc.q('GET', 'k'), '"new"');
  const exec = await tx;
  const txValue = await lc.q('GET', 'tx');
  t.comment(`EXEC queued on the deposed leader: ${exec}; tx = ${txValue}`);
  if (exec === '[+OK]') t.equal(txValue, '"1"', 'acknowledged transaction applied');
  else if (/^-(MOVED|CLUSTERDOWN)|was not applied/.test(exec))
    t.equal(txValue, '$-1', 'refused transaction absent');
  else t.match(exec, /^-TRYAGAIN/, 'EXEC answered (not a dropped connection)');
  t.equal(show(await c.query(old, ['PING'])), '+PONG', 'the deposed leader is still up');
  await c.waitConverged();
});

// ---- snapshot catch-up ------------------------------------------------------------------

/** Whether node `id` logged a delivered snapshot (logged when the stream completes, which can be
 * after the follower applied the image). */
function snapshotSent(c: TestCluster, id: number): boolean {
  return c
    .node(id)
    .server.stdoutLines.some((l) => l.includes('"msg":"snapshot sent"') && l.includes('"delivered":true'));
}

t.test('a follower that missed compacted entries catches up by snapshot', async (t) => {
  const c = await startCluster({
    t,
    args: ['--raft-log-max-entries', '50', '--raft-log-kept-entries', '10'],
  });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const follower = followersOf(c, leader)[0]!;
  const L = c.node(leader);
  const lc = await conn(t, L.clientPort);
  for (let i = 0; i < 20; i++) if ((await lc.q('SET', `s:${i}`, `a${i}`)) !== '+OK') t.fail(`SET s:${i}`);
  await c.waitConverged();
  const stoppedAt = Number((await c.raftInfo(follower)).raft_applied_index);
  t.equal(await c.stop(follower), 0, 'follower stopped (SIGTERM, exit 0)');

  // One entry per round trip: well over raft-log-max-entries while the follower is away.
  for (let i = 0; i < 300; i++) {
    const r = await lc.pipeline([
      ['SET', `s:${i % 120}`, `b${i}`],
      ['INCR', 'cnt'],
      ...(i % 7 === 0 ? [['DEL', `s:${(i * 3) % 120}`] as Arg[]] : []),
    ]);
    if (!r.every((x) => x.type !== 'error')) t.fail(`write ${i}: ${r.map(show).join(' ')}`);
  }
  const li = await c.raftInfo(leader);
  t.ok(
    Number(li.raft_first_index) > stoppedAt + 1,
    `leader compacted past the follower: first_index ${li.raft_first_index} > follower applied ${stoppedAt} + 1`,
  );

  const t0 = performance.now();
  await c.restart(follower);
  const readyMs = performance.now() - t0;
  const target = Number(li.raft_commit_index);
  let contactMs = 0;
  await waitUntil(
    async () => {
      const fi = await c.raftInfo(follower);
      if (contactMs === 0 && fi.raft_leader === String(leader)) contactMs = performance.now() - t0;
      return Number(fi.raft_applied_index) >= target;
    },
    { timeoutMs: 15_000, what: 'the follower to catch up' },
  );
  const catchUpMs = performance.now() - t0;
  t.comment(
    `catch-up: follower ${follower} ready ${readyMs.toFixed(0)} ms after restart, heard from the leader at ` +
      `${contactMs.toFixed(0)} ms, applied ${target} (from ${stoppedAt}) at ${catchUpMs.toFixed(0)} ms`,
  );
  const fi = await c.raftInfo(follower);
  t.ok(
    Number(fi.raft_first_index) > stoppedAt + 1,
    `follower's log starts after a snapshot (${fi.raft_first_index})`,
  );
  await waitUntil(() => snapshotSent(c, leader), { what: 'the leader to log a delivered snapshot' });
  t.pass('the leader logged a delivered snapshot');

  await c.waitConverged();
  const [a, b] = await Promise.all([dump(L.clientPort), dump(c.node(follower).clientPort)]);
  t.ok(a.size > 100, `${a.size} keys`);
  t.same(b, a, 'follower has exactly the leader contents');
  t.equal(a.get('cnt'), '+string "300"');

  // Normal replication resumes after the snapshot.
  t.equal(await lc.q('SET', 'after', 'snap'), '+OK');
  const fc = await conn(t, c.node(follower).clientPort, true);
  await waitUntil(async () => (await fc.q('GET', 'after')) === '"snap"', {
    what: 'replication after catch-up',
  });
  t.pass('entries after the snapshot replicate');
  fc.socket.destroy();
  lc.socket.destroy();

  // Snapshot images live in memory: after the other two restart, none is held, and the leader
  // must capture a new one for the lagging follower.
  const stoppedAt2 = Number((await c.raftInfo(follower)).raft_applied_index);
  t.equal(await c.stop(follower), 0);
  const lc2 = await RespClient.connect(L.clientPort);
  for (let i = 0; i < 90; i++) await lc2.send(['SET', `t:${i % 40}`, `c${i}`]);
  lc2.socket.destroy();
  const others = followersOf(c, follower);
  await Promise.all(others.map((id) => c.stop(id)));
  await Promise.all(others.map((id) => c.restart(id)));
  const { id: l2 } = await c.waitForLeader({ writable: true, timeoutMs: 15_000 });
  const li2 = await c.raftInfo(l2);
  t.ok(Number(li2.raft_first_index) > stoppedAt2 + 1, 'the new leader has compacted past the follower');
  const t1 = performance.now();
  await c.restart(follower);
  const target2 = Number(li2.raft_commit_index);
  await waitUntil(async () => Number((await c.raftInfo(follower)).raft_applied_index) >= target2, {
    timeoutMs: 15_000,
    what: 'the follower to catch up from a restarted leader',
  });
  t.comment(`catch-up from a restarted leader (no image held): ${(performance.now() - t1).toFixed(0)} ms`);
  await waitUntil(() => snapshotSent(c, l2), { what: 'the restarted leader to log a delivered snapshot' });
  t.pass('the restarted leader captured and sent a snapshot');
  await c.waitConverged();
  t.same(await dump(c.node(follower).clientPort), await dump(c.node(l2).clientPort), 'same contents again');
});

// ---- full restart -----------------------------------------------------------------------

t.test('full-cluster restart keeps every acknowledged write', async (t) => {
  const c = await startCluster({ t });
  const expected = new Map<string, string>();
  let counter = 0;

  const writeRound = async (round: number) => {
    const { id } = await c.waitForLeader({ writable: true });
    const clients = await Promise.all([0, 1, 2, 3].map(() => conn(t, c.node(id).clientPort)));
    await Promise.all(
      clients.map(async (cl, w) => {
        for (let i = 0; i < 40; i++) {
          const key = `r${round}:${w}:${i}`;
          const [s, n] = await cl.pipeline([
            ['SET', key, `${round}.${w}.${i}`],
            ['INCR', 'counter'],
          ]);
          if (show(s!) === '+OK') expected.set(key, `"${round}.${w}.${i}"`);
          if (n!.type === 'integer') counter++;
        }
      }),
    );
    for (const cl of clients) cl.socket.destroy();
  };
  const check = async (what: string) => {
    const t0 = performance.now();
    const { id } = await c.waitForLeader({ writable: true, timeoutMs: 15_000 });
    t.comment(
      `${what}: leader ${id} serving writes ${(performance.now() - t0).toFixed(0)} ms after all were up`,
    );
    const lc = await conn(t, c.node(id).clientPort);
    const keys = [...expected.keys()];
    const got = await readAll(lc, keys);
    t.equal(
      keys.filter((k, i) => got[i] !== expected.get(k)).length,
      0,
      `${what}: all ${keys.length} keys back`,
    );
    t.equal(await lc.q('GET', 'counter'), `"${counter}"`, `${what}: counter = acknowledged INCRs`);
    lc.socket.destroy();
  };

  await writeRound(1);
  await c.stopAll();
  for (const n of c.nodes) t.equal(n.server.proc.exitCode, 0, `node ${n.id} exited 0 on SIGTERM`);
  await c.startAll();
  await check('after SIGTERM of all nodes');

  await writeRound(2);
  await c.kill9All();
  await c.startAll();
  await check('after kill -9 of all nodes');
  await c.waitConverged();
});

// ---- minority -----------------------------------------------------------------------------

t.test('a minority never acknowledges a write; refused writes stay refused', async (t) => {
  const c = await startCluster({ t, args: MOVED_MODE });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const [f1, f2] = followersOf(c, leader) as [number, number];
  const L = c.node(leader);

  // Phase 1: both followers frozen; the leader alone cannot commit.
  c.pause(f1);
  c.pause(f2);
  const lc = await RespClient.connect(L.clientPort, { replyTimeoutMs: 15_000 });
  t.teardown(() => lc.socket.destroy());
  const t0 = performance.now();
  const r1 = show(await lc.send(['SET', 'lonely', '1']));
  t.comment(`write to the isolated leader answered after ${(performance.now() - t0).toFixed(0)} ms: ${r1}`);
  t.not(r1, '+OK', 'not acknowledged without a quorum');
  t.match(r1, /^-(TRYAGAIN|CLUSTERDOWN|MOVED)/, 'a retryable cluster error');
  // Once it has stepped down (check quorum), further writes are refused outright.
  const refusedKeys: string[] = [];
  let r2 = '';
  await waitUntil(
    async () => {
      const key = `refused:${refusedKeys.length}`;
      r2 = show(await lc.send(['SET', key, 'x']));
      if (r2 === '+OK') t.fail(`${key} acknowledged by an isolated leader`);
      if (/^-(CLUSTERDOWN|MOVED)|was not applied/.test(r2)) refusedKeys.push(key);
      return r2.startsWith('-CLUSTERDOWN');
    },
    { timeoutMs: 15_000, intervalMs: 50, what: 'the isolated leader to refuse writes with CLUSTERDOWN' },
  );
  t.match(r2, /^-CLUSTERDOWN The cluster is down/);

  // Phase 2: the leader and one follower frozen; the remaining follower refuses too.
  c.resume(f1);
  c.resume(f2);
  const { id: l2 } = await c.waitForLeader({ writable: true, timeoutMs: 15_000 });
  const lone = followersOf(c, l2)[0]!;
  for (const n of c.nodes) if (n.id !== lone) c.pause(n.id);
  const oc = await RespClient.connect(c.node(lone).clientPort);
  t.teardown(() => oc.socket.destroy());
  await waitUntil(
    async () => {
      const key = `refused:${refusedKeys.length}`;
      const r = show(await oc.send(['SET', key, 'y']));
      if (!/^-(MOVED \d+ |CLUSTERDOWN)/.test(r)) t.fail(`lone follower answered ${key} with ${r}`);
      refusedKeys.push(key);
      return r.startsWith('-CLUSTERDOWN');
    },
    { timeoutMs: 15_000, intervalMs: 50, what: 'the lone follower to answer CLUSTERDOWN' },
  );
  t.pass('lone follower: MOVED to the frozen leader, then CLUSTERDOWN');

  // Heal: everything back, writes served, refused writes absent.
  for (const n of c.nodes) c.resume(n.id);
  const { id: l3 } = await c.waitForLeader({ writable: true, timeoutMs: 15_000 });
  const hc = await conn(t, c.node(l3).clientPort);
  t.equal(await hc.q('SET', 'healed', '1'), '+OK', 'writes served again');
  await c.waitConverged();
  const got = await readAll(hc, refusedKeys);
  t.same(
    refusedKeys.filter((_, i) => got[i] !== '$-1'),
    [],
    `none of the ${refusedKeys.length} refused writes was applied later`,
  );
  const lonely = await hc.q('GET', 'lonely');
  t.comment(`the outcome-unknown write is ${lonely === '$-1' ? 'absent' : 'present'} after healing`);
  if (r1.includes('was not applied') || r1.startsWith('-CLUSTERDOWN') || r1.startsWith('-MOVED'))
    t.equal(lonely, '$-1', 'the first write, refused definitely, is absent');
  else t.ok(lonely === '$-1' || lonely === '"1"', 'outcome unknown: present or absent, never anything else');
});

// ---- convergence --------------------------------------------------------------------------

t.test('5 nodes converge after followers are killed and restarted under load', async (t) => {
  const c = await startCluster({ t, size: 5 });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const [fa, fb] = followersOf(c, leader) as [number, number];
  const port = c.node(leader).clientPort;
  const counts = new Map<string, number>();
  let acked = 0;
  const stop = { now: false };
  t.teardown(() => {
    stop.now = true;
  });
  const work = Array.from({ length: 8 }, async (_, w) => {
    const cl = await RespClient.connect(port);
    try {
      for (let i = 0; !stop.now; i++) {
        const cnt = `cnt:${i % 3}`;
        const batch: Arg[][] = [
          ['SET', `c:${w}:${i % 50}`, `${i}`],
          ['INCR', cnt],
          ['APPEND', `log:${w}`, `${i},`],
          ...(i % 5 === 0 ? [['DEL', `c:${w}:${(i * 7) % 50}`]] : []),
          ['HSET', `h:${i % 4}`, `f${w}`, `${i}`],
        ];
        const r = await cl.pipeline(batch);
        const errs = r.filter((x) => x.type === 'error');
        if (errs.length > 0) t.fail(`writer ${w}: ${errs.map(show).join(' ')}`);
        if (r[1]!.type === 'integer') counts.set(cnt, (counts.get(cnt) ?? 0) + 1);
        acked++;
      }
    } finally {
      cl.socket.destroy();
    }
  });
  await waitUntil(() => acked >= 200, { timeoutMs: 20_000, what: 'load before the kills' });
  await c.kill9(fa);
  await waitUntil(() => acked >= 400, { timeoutMs: 20_000, what: 'writes with one follower down' });
  await c.kill9(fb);
  const withTwoDown = acked + 200;
  await waitUntil(() => acked >= withTwoDown, { timeoutMs: 20_000, what: 'writes with two followers down' });
  t.pass('a 3-of-5 majority keeps committing');
  await Promise.all([c.restart(fa), c.restart(fb)]);
  const more = acked + 200;
  await waitUntil(() => acked >= more, { timeoutMs: 20_000, what: 'writes after the restarts' });
  stop.now = true;
  await Promise.all(work);

  const t0 = performance.now();
  const conv = await c.waitConverged({ timeoutMs: 20_000 });
  t.comment(
    `converged: 5 nodes at applied ${conv.applied}, dbsize ${conv.dbsize}, ${(performance.now() - t0).toFixed(0)} ms after the load stopped`,
  );
  const infos = await Promise.all(c.nodes.map((n) => c.raftInfo(n.id)));
  t.equal(new Set(infos.map((i) => i.raft_commit_index)).size, 1, 'same commit index everywhere');
  t.equal(new Set(infos.map((i) => i.raft_leader)).size, 1, 'same leader everywhere');
  const ref = await dump(port);
  for (const n of c.nodes)
    if (n.id !== leader) t.same(await dump(n.clientPort), ref, `node ${n.id} = leader`);
  for (const [k, n] of counts) t.equal(ref.get(k), `+string "${n}"`, `${k} = ${n} acknowledged INCRs`);
});
