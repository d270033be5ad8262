// Replicated cluster mode (one Raft group over gRPC), on real processes: every subtest starts
// its own 3-node cluster on free ports and temp dirs (helpers/cluster.ts), so subtests are
// independent; everything is killed and removed on t.teardown, also when an assertion fails.
// (Faults: cluster-failover.test.ts; catch-up and restarts: cluster-catchup.test.ts.)
//   - routing: writes through the leader, -MOVED <slot> <leader> from followers (also for
//     reads without READONLY), redis-cli -c and ioredis Cluster (RESP2 and RESP3) following it,
//     READONLY reads on followers eventually seeing writes, and the shapes of INFO raft, ROLE,
//     CLUSTER SLOTS/NODES/SHARDS/MYID/INFO;
//   - raft-read-lease: a cluster started with lease reads serves reads (leader and forwarded)
//     without ReadIndex rounds.
// How: raw RESP (helpers/resp-client.ts), fresh bounded connections for probes, bounded polls
// (helpers/wait.ts) instead of sleeps. Needs `npm run build` (runs dist/); redis-cli parts are
// skipped when redis-cli is not installed.
import { Cluster } from 'ioredis';
import t from 'tap';
import { seshatHasParam, startCluster } from './helpers/cluster.ts';
import { redisCli, redisCliAvailable } from './helpers/redis-cli.ts';
import { RespClient, show, text } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';
import { conn, followersOf } from './helpers/cluster-probes.ts';

/** Slots of well-known keys (CRC16 mod 16384, as in Redis). */
const SLOT = { foo: 12182, bar: 5061 } as const;
const HEX40 = /^[0-9a-f]{40}$/;
/**
 * The subtests that check -MOVED pin the redirect mode where the server lets followers choose
 * between forwarding to the leader and redirecting (`cluster-redirect`, default forward).
 */
const MOVED_MODE = seshatHasParam('cluster-redirect') ? ['--cluster-redirect', 'moved'] : [];

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

// ---- lease reads ------------------------------------------------------------------------

t.test('raft-read-lease yes: reads are served on the leader lease, without ReadIndex rounds', async (t) => {
  const c = await startCluster({ t, args: ['--raft-read-lease', 'yes'] });
  const { id: leader } = await c.waitForLeader({ writable: true, known: true });
  const lc = await conn(t, c.node(leader).clientPort);
  t.equal(await lc.q('CONFIG', 'GET', 'raft-read-lease'), '["raft-read-lease", "yes"]');
  t.match(await lc.q('CONFIG', 'SET', 'raft-read-lease', 'no'), /immutable/, 'not changeable at runtime');
  t.equal(await lc.q('SET', 'lease', 'v1'), '+OK');
  for (let i = 0; i < 20; i++) if ((await lc.q('GET', 'lease')) !== '"v1"') t.fail(`read ${i}`);
  t.equal(await lc.q('INCR', 'n'), ':1');
  t.equal(await lc.q('GET', 'n'), '"1"', 'reads see the writes before them');
  const f = followersOf(c, leader)[0]!;
  const fc = await conn(t, c.node(f).clientPort);
  t.match(await fc.q('GET', 'lease'), /^("v1"|-MOVED \d+ )/, 'a follower forwards (or redirects) the read');
  const info = await c.raftInfo(leader);
  t.equal(info.raft_read_round, '0', 'no ReadIndex heartbeat round was needed');
});
