// Replicated cluster mode: catching up and restarting, on real processes (helpers/cluster.ts:
// free ports, temp dirs, everything killed and removed on t.teardown):
//   - snapshot catch-up: a follower stopped during 10,000 pipelined writes, while the leader
//     compacts its log (default entry limits; --raft-log-max-bytes 1mb, so by bytes), catches
//     up by snapshot and ends with the same data; again after the other two restarted (no
//     snapshot image held: the leader must capture one);
//   - full-cluster restart (SIGTERM, then kill -9): everything acknowledged is back.
// How: raw RESP (helpers/resp-client.ts), bounded polls (helpers/wait.ts) instead of sleeps.
import t, { type Test } from 'tap';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { type Arg, RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';
import { conn, dump, followersOf, readAll } from './helpers/cluster-probes.ts';

// ---- snapshot catch-up ------------------------------------------------------------------

/** Whether node `id` logged a delivered snapshot (logged when the stream completes, which can be
 * after the follower applied the image). */
function snapshotSent(c: TestCluster, id: number): boolean {
  return c
    .node(id)
    .server.stdoutLines.some((l) => l.includes('"msg":"snapshot sent"') && l.includes('"delivered":true'));
}

/** Commands per pipeline in bulkWrite (a few entries each on the leader). */
const BULK_PIPELINE_COMMANDS = 500;
/** Bytes of the values bulk writes SET: 10,000 of them are a few MiB of log. */
const BULK_VALUE_BYTES = 256;

/**
 * `count` writes over one connection, pipelined: write i INCRs `cnt` when i % 5 == 0, DELs an
 * earlier key when i % 13 == 0, else SETs `${prefix}${i % keys}` to a padded value. Fails the
 * test on any error reply.
 */
async function bulkWrite(t: Test, c: RespClient, count: number, prefix: string, keys: number): Promise<void> {
  const pad = 'p'.repeat(BULK_VALUE_BYTES);
  for (let from = 0; from < count; from += BULK_PIPELINE_COMMANDS) {
    const batch: Arg[][] = [];
    for (let i = from; i < Math.min(count, from + BULK_PIPELINE_COMMANDS); i++) {
      if (i % 5 === 0) batch.push(['INCR', 'cnt']);
      else if (i % 13 === 0) batch.push(['DEL', `${prefix}${(i * 3) % keys}`]);
      else batch.push(['SET', `${prefix}${i % keys}`, `${i}:${pad}`]);
    }
    const errors = (await c.pipeline(batch)).filter((r) => r.type === 'error');
    if (errors.length > 0) t.fail(`writes ${from}..: ${errors.slice(0, 3).map(show).join(' ')}`);
  }
}

t.test('a follower that missed compacted entries catches up by snapshot', async (t) => {
  // Default entry limits (pipelined writes make few, large entries); the byte budget compacts.
  const c = await startCluster({ t, args: ['--raft-log-max-bytes', '1mb'] });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const follower = followersOf(c, leader)[0]!;
  const L = c.node(leader);
  const lc = await conn(t, L.clientPort);
  for (let i = 0; i < 20; i++) if ((await lc.q('SET', `s:${i}`, `a${i}`)) !== '+OK') t.fail(`SET s:${i}`);
  await c.waitConverged();
  const stoppedAt = Number((await c.raftInfo(follower)).raft_applied_index);
  t.equal(await c.stop(follower), 0, 'follower stopped (SIGTERM, exit 0)');

  // 10,000 writes (a few MiB of log) while the follower is away: well over the byte budget.
  const tw = performance.now();
  await bulkWrite(t, lc, 10_000, 's:', 2000);
  t.comment(`10,000 pipelined writes in ${(performance.now() - tw).toFixed(0)} ms`);
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
  t.equal(a.get('cnt'), '+string "2000"', 'every INCR applied once');

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
  await bulkWrite(t, lc2, 5000, 't:', 500);
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
