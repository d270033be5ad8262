// Client-command forwarding in cluster mode (follower -> leader over gRPC, NodeService.Forward),
// on real 3-node clusters (helpers/cluster.ts: processes, free ports and temp dirs, all removed
// on t.teardown, also when an assertion fails):
//   - equivalence: the same command mix (strings, hashes, sets, zsets, lists, errors, expiry,
//     MULTI/EXEC) sent to the leader and to a follower, on keys with different prefixes, gives
//     byte-for-byte the same replies (rendered with their RESP type), in RESP2 and RESP3;
//   - per-connection order: one pipeline of interleaved writes and reads on a follower sees
//     every write before the reads after it and none after (read-then-write included);
//   - redirect mode (CONFIG SET cluster-redirect moved): followers answer -MOVED <slot> <leader>
//     (also EXEC); in forward mode blocking commands get -MOVED while EXEC with WATCH is
//     forwarded (its WATCH cases: cluster-watch.test.ts); a plain (non-cluster) ioredis
//     client connected to a follower just works;
//   - leader killed (-9) while a follower has forwarded writes in flight from several
//     pipelining connections: every reply is +OK or the "may or may not have been applied"
//     TRYAGAIN (a -CLUSTERDOWN is tolerated only for a write that was never sent, and then the
//     key must be absent); every acknowledged write is present afterwards on every node.
// How: raw RESP (helpers/resp-client.ts) so reply types are compared exactly; bounded polls
// (helpers/wait.ts) instead of sleeps. Needs `npm run build` (runs dist/).
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { type Arg, RespClient, type RespValue, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

const OUTCOME_UNKNOWN = /^-TRYAGAIN the write may or may not have been applied/;

async function conn(t: Test, port: number, resp: 2 | 3 = 2): Promise<RespClient> {
  const c = await RespClient.connect(port);
  t.teardown(() => c.socket.destroy());
  if (resp === 3) await c.send(['HELLO', '3']);
  return c;
}

async function ready(t: Test): Promise<{ c: TestCluster; leader: number; followers: number[] }> {
  const c = await startCluster({ t });
  const { id } = await c.waitForLeader({ writable: true });
  const followers = c.nodes.filter((n) => n.id !== id).map((n) => n.id);
  // Every follower knows the leader (so redirects name it and nothing waits for one).
  await waitUntil(
    async () => {
      const infos = await Promise.all(followers.map((f) => c.raftInfo(f)));
      return infos.every((i) => i.raft_leader === String(id));
    },
    { timeoutMs: 10_000, intervalMs: 20, what: 'followers to know the leader' },
  );
  return { c, leader: id, followers };
}

/** A command mix touching every reply type; `k(name)` makes the connection's own key. */
function commandMix(k: (name: string) => string): Arg[][] {
  return [
    ['SET', k('s'), 'hello'],
    ['GET', k('s')],
    ['APPEND', k('s'), ' world'],
    ['GETRANGE', k('s'), 0, 4],
    ['STRLEN', k('s')],
    ['GET', k('missing')],
    ['SET', k('n'), 10],
    ['INCR', k('n')],
    ['INCRBYFLOAT', k('n'), '1.5'],
    ['SET', k('n2'), 'x', 'NX'],
    ['SET', k('n2'), 'y', 'NX'],
    ['SET', k('n2'), 'z', 'XX', 'GET'],
    ['HSET', k('h'), 'a', 1, 'b', 2],
    ['HGETALL', k('h')],
    ['HINCRBYFLOAT', k('h'), 'a', '0.25'],
    ['HMGET', k('h'), 'a', 'zz'],
    ['SADD', k('set'), 'x', 'y', 'z'],
    ['SMEMBERS', k('set')],
    ['SISMEMBER', k('set'), 'y'],
    ['SMISMEMBER', k('set'), 'y', 'q'],
    ['ZADD', k('z'), 1, 'one', 2.5, 'two'],
    ['ZRANGE', k('z'), 0, -1, 'WITHSCORES'],
    ['ZSCORE', k('z'), 'two'],
    ['ZINCRBY', k('z'), 3, 'one'],
    ['ZPOPMIN', k('z')],
    ['RPUSH', k('l'), 'a', 'b', 'c'],
    ['LRANGE', k('l'), 0, -1],
    ['LPOP', k('l'), 2],
    ['LPOS', k('l'), 'c'],
    ['GET', k('h')],
    ['INCR', k('s')],
    ['ZADD', k('z'), 'nan', 'x'],
    ['EXPIRE', k('s'), 1000],
    ['TTL', k('s')],
    ['PERSIST', k('s')],
    ['TYPE', k('z')],
    ['EXISTS', k('s'), k('missing'), k('h')],
    ['DEL', k('s'), k('missing')],
    ['HELLO', '9'],
    ['MULTI'],
    ['SET', k('t'), 1],
    ['INCR', k('t')],
    ['PING'],
    ['HSET', k('t'), 'f', 'v'],
    ['GET', k('t')],
    ['EXEC'],
    ['MULTI'],
    ['INCR', k('t')],
    ['NOSUCHCOMMAND'],
    ['EXEC'],
    ['GET', k('t')],
  ];
}

/** Deadline of each reply of the long mixed pipeline (see its test). */
const PIPELINE_REPLY_TIMEOUT_MS = 60_000;

t.test('a follower relays exactly what the leader answers (RESP2 and RESP3)', async (t) => {
  const { c, leader, followers } = await ready(t);
  for (const resp of [2, 3] as const) {
    const onLeader = await conn(t, c.node(leader).clientPort, resp);
    const onFollower = await conn(t, c.node(followers[0]!).clientPort, resp);
    const viaLeader: string[] = [];
    const viaFollower: string[] = [];
    // One at a time and also as one pipeline: both paths must give the same replies.
    for (const cmd of commandMix((n) => `L${resp}:${n}`)) viaLeader.push(show(await onLeader.send(cmd)));
    for (const cmd of commandMix((n) => `F${resp}:${n}`)) viaFollower.push(show(await onFollower.send(cmd)));
    const piped = (await onFollower.pipeline(commandMix((n) => `P${resp}:${n}`))).map(show);
    t.same(viaFollower, viaLeader, `RESP${resp}: follower replies equal the leader's`);
    t.same(piped, viaLeader, `RESP${resp}: pipelined on the follower, same replies`);
    t.match(
      viaFollower.find((r) => r.startsWith('[')),
      /\[/,
      'an EXEC array is relayed',
    );
    // The follower's writes are the leader's state.
    t.equal(
      show(await onLeader.send(['GET', `F${resp}:t`])),
      show(await onLeader.send(['GET', `L${resp}:t`])),
    );
  }
});

t.test('per-connection order on a follower with a mixed pipeline', async (t) => {
  const { c, followers } = await ready(t);
  // Each read behind a write of the same connection waits for that write's commit, so the
  // 1,040 commands take about 200 commits: ~5 s on a loaded 2-core machine, ~10 s with one
  // more busy process. The replies' deadline bounds a stall, not the speed.
  const f = await RespClient.connect(c.node(followers[1]!).clientPort, {
    replyTimeoutMs: PIPELINE_REPLY_TIMEOUT_MS,
  });
  t.teardown(() => f.socket.destroy());
  const cmds: Arg[][] = [];
  const expected: string[] = [];
  for (let i = 0; i < 200; i++) {
    // read-then-write: the GET must not see the SET sent after it
    cmds.push(['GET', 'ord:k']);
    expected.push(i === 0 ? '$-1' : `"v${i - 1}"`);
    cmds.push(['SET', 'ord:k', `v${i}`]);
    expected.push('+OK');
    cmds.push(['INCR', 'ord:c']);
    expected.push(`:${i + 1}`);
    cmds.push(['RPUSH', 'ord:l', i]);
    expected.push(`:${i + 1}`);
    cmds.push(['GET', 'ord:c']);
    expected.push(`"${i + 1}"`);
    if (i % 20 === 19) {
      cmds.push(['LLEN', 'ord:l']);
      expected.push(`:${i + 1}`);
      cmds.push(['PING']);
      expected.push('+PONG');
    }
  }
  const got = (await f.pipeline(cmds)).map(show);
  t.same(got, expected, 'replies in order, reads see exactly the earlier writes');
  const more = await f.pipeline([
    ['SELECT', 1],
    ['SET', 'ord:k', 'db1'],
    ['GET', 'ord:k'],
    ['SELECT', 0],
    ['GET', 'ord:k'],
  ]);
  t.same(more.map(show), ['+OK', '+OK', '"db1"', '+OK', '"v199"'], 'SELECT applies to forwarded commands');
});

t.test('redirect mode, blocking commands, WATCH, and a plain ioredis client on a follower', async (t) => {
  const { c, leader, followers } = await ready(t);
  const leaderAddr = `127.0.0.1:${c.node(leader).clientPort}`;
  const fid = followers[0]!;
  const f = await conn(t, c.node(fid).clientPort);
  t.equal(await f.q('CONFIG', 'GET', 'cluster-redirect'), '["cluster-redirect", "forward"]');
  t.equal(await f.q('BLPOP', 'foo', 1), `-MOVED 12182 ${leaderAddr}`, 'blocking commands are redirected');
  t.equal(await f.q('WATCH', 'foo'), '+OK');
  t.equal(await f.q('MULTI'), '+OK');
  t.equal(await f.q('SET', 'foo', 1), '+QUEUED');
  t.equal(await f.q('EXEC'), '[+OK]', 'EXEC with WATCH on a follower: forwarded, applied');
  t.equal(await f.q('GET', 'foo'), '"1"', 'the transaction applied');

  t.equal(await f.q('CONFIG', 'SET', 'cluster-redirect', 'moved'), '+OK');
  t.equal(await f.q('SET', 'foo', 'x'), `-MOVED 12182 ${leaderAddr}`);
  t.equal(await f.q('GET', 'bar'), `-MOVED 5061 ${leaderAddr}`);
  t.equal(await f.q('MULTI'), '+OK');
  t.equal(await f.q('SET', 'foo', 'x'), '+QUEUED');
  t.equal(await f.q('EXEC'), `-MOVED 12182 ${leaderAddr}`, 'EXEC in redirect mode');
  t.equal(await f.q('CONFIG', 'SET', 'cluster-redirect', 'forward'), '+OK');
  t.equal(await f.q('SET', 'foo', 'y'), '+OK', 'forwarding again');

  const r = new Redis({ port: c.node(followers[1]!).clientPort, lazyConnect: true, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  t.teardown(() => r.disconnect());
  await r.connect();
  t.equal(await r.set('io:a', '1'), 'OK');
  t.equal(await r.incrby('io:a', 41), 42);
  t.equal(await r.get('foo'), 'y', 'sees the write forwarded by another follower');
  t.equal(await r.hset('io:h', { x: '1', y: '2' }), 2);
  t.same(await r.hgetall('io:h'), { x: '1', y: '2' });
  const p = await r.pipeline().set('io:p', 'v').get('io:p').del('io:p').exists('io:p').exec();
  t.same(p, [
    [null, 'OK'],
    [null, 'v'],
    [null, 1],
    [null, 0],
  ]);
  const m = await r.multi().incr('io:m').incr('io:m').get('io:m').exec();
  t.same(m, [
    [null, 1],
    [null, 2],
    [null, '2'],
  ]);
  await t.rejects(r.hget('io:a', 'x'), /WRONGTYPE/);
});

t.test('leader killed with forwarded writes in flight: OK or outcome unknown', async (t) => {
  const { c, leader, followers } = await ready(t);
  const fid = followers[0]!;
  const CONNS = 8;
  const PER_BATCH = 100;
  const BATCHES = 15;
  const replies = new Map<string, string>();
  const inFlightAtKill = new Set<string>();
  let killed = false;
  let firstBatchSent: () => void = () => {};
  const started = new Promise<void>((r) => {
    firstBatchSent = r;
  });
  const writers = Array.from({ length: CONNS }, async (_, w) => {
    const cl = await RespClient.connect(c.node(fid).clientPort, { replyTimeoutMs: 20_000 });
    t.teardown(() => cl.socket.destroy());
    t.equal(
      await cl.q('SET', `kill:warmup:${w}`, 1),
      '+OK',
      'warm-up write (the stream to the leader is open)',
    );
    for (let b = 0; b < BATCHES; b++) {
      const keys = Array.from({ length: PER_BATCH }, (_, i) => `kill:${w}:${b}:${i}`);
      const p = cl.pipeline(keys.map((k) => ['SET', k, k]));
      if (!killed) for (const k of keys) inFlightAtKill.add(k);
      if (w === 0) firstBatchSent();
      const rs = await p;
      for (let i = 0; i < rs.length; i++) replies.set(keys[i]!, show(rs[i]!));
    }
  });
  await started;
  // Kill once the writers are streaming: batches answered, the next ones in flight.
  await waitUntil(() => replies.size >= 2 * PER_BATCH, { timeoutMs: 10_000, what: 'answered batches' });
  killed = true;
  const answeredBeforeKill = replies.size;
  await c.kill9(leader);
  await Promise.all(writers);

  const kinds = new Map<string, number>();
  for (const r of replies.values()) {
    const kind = r === '+OK' ? 'OK' : OUTCOME_UNKNOWN.test(r) ? 'unknown' : r.slice(0, 40);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  t.comment(
    `replies: ${JSON.stringify(Object.fromEntries(kinds))}; ${answeredBeforeKill} answered before the kill, ${inFlightAtKill.size} sent`,
  );
  const bad = [...replies].filter(([, r]) => r !== '+OK' && !OUTCOME_UNKNOWN.test(r));
  const inFlightBad = bad.filter(([k]) => inFlightAtKill.has(k));
  t.same(inFlightBad.slice(0, 5), [], 'writes in flight at the kill: only +OK or outcome unknown');
  // A write answered otherwise must be a definite "not done" (never sent) - checked below.
  t.ok(
    bad.every(([, r]) => r.startsWith('-CLUSTERDOWN')),
    `other replies only -CLUSTERDOWN (never sent): ${bad.slice(0, 3).map(([, r]) => r)}`,
  );
  t.ok((kinds.get('OK') ?? 0) > 0, 'some writes acknowledged');
  t.ok(inFlightAtKill.size > answeredBeforeKill, 'writes were in flight when the leader died');

  const { id: newLeader } = await c.waitForLeader({ writable: true, timeoutMs: 15_000 });
  await c.waitConverged();
  for (const n of c.running()) {
    const cl = await conn(t, n.clientPort);
    await cl.send(['READONLY']);
    const keys = [...replies.keys()];
    const got: RespValue[] = [];
    for (let i = 0; i < keys.length; i += 500)
      got.push(...(await cl.pipeline(keys.slice(i, i + 500).map((k) => ['GET', k]))));
    let missing = 0;
    let present = 0;
    keys.forEach((k, i) => {
      const r = replies.get(k)!;
      const v = show(got[i]!);
      if (r === '+OK' && v !== `"${k}"`) missing++;
      if (r.startsWith('-CLUSTERDOWN') && v !== '$-1') present++;
    });
    t.equal(
      missing,
      0,
      `node ${n.id}${n.id === newLeader ? ' (leader)' : ''}: every acknowledged write is present`,
    );
    t.equal(present, 0, `node ${n.id}: no write refused as never sent is present`);
  }
});
