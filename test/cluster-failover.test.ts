// Replicated cluster mode under faults, on real processes (helpers/cluster.ts: free ports,
// temp dirs, everything killed and removed on t.teardown):
//   - failover: kill -9 of the leader while 12 writers write unique keys; a new leader must
//     acknowledge a write within FAILOVER_BOUND_MS (measured and printed); every acknowledged
//     SET is present afterwards, every definitely-refused one (TRYAGAIN "not applied", MOVED,
//     CLUSTERDOWN) absent;
//   - frozen leader: SIGSTOP of the leader with writes and a read queued on it; once a new
//     leader has overwritten the key, the woken old leader must not serve the old value, and
//     each queued write is acknowledged-and-present or refused-and-absent;
//   - minority: with 2 of 3 nodes SIGSTOPped nothing is acknowledged, and a refused write never
//     shows up after the cluster heals;
//   - convergence: 5 nodes, 2 followers killed and restarted under load; all nodes end at the
//     same applied index with the same contents, and counters equal the acknowledged INCRs.
// How: raw RESP (helpers/resp-client.ts), bounded polls (helpers/wait.ts) instead of sleeps.
// Measured times (failover, convergence) are printed as TAP comments.
import t from 'tap';
import { seshatHasParam, startCluster } from './helpers/cluster.ts';
import { type Arg, RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';
import { conn, dump, followersOf, type Ledger, readAll, writer } from './helpers/cluster-probes.ts';

/** Bound on kill -9 of the leader -> a write acknowledged by a new leader (issue #5: 2 s). */
const FAILOVER_BOUND_MS = 2_000;
/**
 * The subtests that check -MOVED pin the redirect mode where the server lets followers choose
 * between forwarding to the leader and redirecting (`cluster-redirect`, default forward).
 */
const MOVED_MODE = seshatHasParam('cluster-redirect') ? ['--cluster-redirect', 'moved'] : [];

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
