// Retry detection in cluster mode (crates-ts/cluster/src/retry-table.ts, seshat/src/write-retry.ts):
// a write answered "may or may not have been applied", re-sent as the connection's next command,
// is applied at most once, on real 3-node clusters (helpers/cluster.ts; everything removed on
// t.teardown):
//   - leader's own client: both followers are paused (SIGSTOP) so an INCR cannot commit and times
//     out as "outcome unknown"; the followers resume and the entry commits; the retried INCR on
//     the same connection answers the first attempt's reply (:1) without incrementing again, and
//     the next INCR is a new one (:2). A different command in between ends the retry window.
//   - through a follower: the leader is paused so the forwarded INCR's outcome is unknown; the
//     two others elect a new leader; the retry is applied there once (:1); when the old leader
//     resumes, the copy it may still hold never applies: every node converges on 1.
//   - transactions: MULTI/EXEC is one write. On the leader, with the followers paused, an EXEC
//     answered "outcome unknown" and re-sent after WATCH + MULTI + the same queued commands
//     answers the first attempt's replies ([:1, +OK]) without applying again, and a read in
//     between makes the identical EXEC a new one; after a leadership transfer, the connection's
//     node forwards the re-sent EXEC (with WATCH) and the new leader answers the first
//     attempt's reply from its own memory of applied writes: every node holds 1.
// How: raw RESP on one connection per scenario; bounded polls instead of sleeps. Needs the build.
import t, { type Test } from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

const OUTCOME_UNKNOWN = /^-TRYAGAIN the write may or may not have been applied/;

type Cluster = Awaited<ReturnType<typeof startCluster>>;

/** A 3-node cluster and a connection to its leader, through which one key was written. */
async function leaderConnection(t: Test) {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const followers = [1, 2, 3].filter((id) => id !== leader);
  const conn = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 30_000 });
  t.teardown(() => conn.socket.destroy());
  t.equal(show(await conn.send(['SET', 'other', 'x'])), '+OK');
  return { c, leader, followers, conn };
}

/**
 * With the followers paused, `send` is answered "outcome unknown"; once they are back the
 * write commits all the same: waits until `key` reads `value` on the leader.
 */
async function unknownThenCommitted(
  t: Test,
  { c, leader, followers }: { c: Cluster; leader: number; followers: number[] },
  send: () => Promise<string>,
  key: string,
  value: string,
): Promise<void> {
  for (const f of followers) c.pause(f);
  t.match(await send(), OUTCOME_UNKNOWN, 'no quorum: outcome unknown');
  for (const f of followers) c.resume(f);
  await waitUntil(async () => show(await c.query(leader, ['GET', key])) === `"${value}"`, {
    timeoutMs: 20_000,
    what: `${key} = ${value}: the write commits once the followers are back`,
  });
}

t.test('retry on the leader after a timed-out proposal: applied once, first reply', async (t) => {
  const l = await leaderConnection(t);
  const { c, leader, conn } = l;
  const incr = async () => show(await conn.send(['INCR', 'counter']));
  await unknownThenCommitted(t, l, incr, 'counter', '1');
  t.equal(await incr(), ':1', 'the retry answers the first reply');
  t.equal(show(await c.query(leader, ['GET', 'counter'])), '"1"', 'not applied twice');
  t.equal(await incr(), ':2', 'the next INCR is a new one');

  // A different command in between: the identical write afterwards is new.
  await unknownThenCommitted(t, l, incr, 'counter', '3');
  t.equal(show(await conn.send(['GET', 'other'])), '"x"');
  t.equal(await incr(), ':4', 'not a retry after another command');
});

t.test('retry through a follower after the leader stalls: applied once in the end', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  const conn = await RespClient.connect(c.node(follower).clientPort, { replyTimeoutMs: 30_000 });
  t.teardown(() => conn.socket.destroy());
  t.equal(show(await conn.send(['SET', 'warm', '1'])), '+OK', 'forwarding works');

  c.pause(leader);
  t.match(show(await conn.send(['INCR', 'n'])), OUTCOME_UNKNOWN, 'leader stalled: outcome unknown');
  await c.waitForLeader({ exclude: [leader], writable: true });
  t.equal(show(await conn.send(['INCR', 'n'])), ':1', 'the retry is applied once by the new leader');
  c.resume(leader);
  await c.waitConverged({ timeoutMs: 30_000 });
  for (const id of [1, 2, 3])
    t.equal(show(await c.query(id, ['GET', 'n'], { readonly: true })), '"1"', `node ${id}`);
});

/** Sends MULTI, the queued commands and EXEC on `conn`; returns EXEC's reply, shown. */
async function transaction(conn: RespClient, commands: string[][]): Promise<string> {
  if (show(await conn.send(['MULTI'])) !== '+OK') throw new Error('MULTI refused');
  for (const c of commands) if (show(await conn.send(c)) !== '+QUEUED') throw new Error(`${c[0]} not queued`);
  return show(await conn.send(['EXEC']));
}

t.test('a retried transaction on the leader: applied once, first replies', async (t) => {
  const l = await leaderConnection(t);
  const { c, leader, conn } = l;
  const exec = () =>
    transaction(conn, [
      ['INCR', 'tx'],
      ['SET', 'flag', 'on'],
    ]);
  await unknownThenCommitted(t, l, exec, 'tx', '1');
  t.equal(show(await conn.send(['WATCH', 'tx'])), '+OK');
  t.equal(await exec(), '[:1, +OK]', 'the retry answers the first replies');
  t.equal(show(await c.query(leader, ['GET', 'tx'])), '"1"', 'not applied twice');
  t.equal(await exec(), '[:2, +OK]', 'the next EXEC is a new one');

  // A read in between: the identical EXEC afterwards is new.
  await unknownThenCommitted(t, l, exec, 'tx', '3');
  t.equal(show(await conn.send(['GET', 'other'])), '"x"');
  t.equal(await exec(), '[:4, +OK]', 'not a retry after another command');
});

t.test('a retried transaction forwarded to a new leader: answered from the first attempt', async (t) => {
  const l = await leaderConnection(t);
  const { c, leader: first, followers, conn } = l;
  const exec = () => transaction(conn, [['INCR', 'w']]);
  t.equal(show(await conn.send(['WATCH', 'w'])), '+OK');
  await unknownThenCommitted(t, l, exec, 'w', '1');
  // Leadership moves on (the stalled leader may have stepped down already, having lost its
  // quorum): the connection's node then forwards the retry to the new leader.
  const now = (await c.waitForLeader({ writable: true, known: true })).id;
  if (now === first) {
    t.equal(show(await c.query(first, ['RAFT', 'TRANSFER-LEADER', String(followers[0])])), '+OK', 'transfer');
    await c.waitForLeader({ exclude: [first], writable: true, known: true });
  }
  t.equal(show(await conn.send(['WATCH', 'w'])), '+OK');
  t.equal(await exec(), '[:1]', 'the new leader answers the first reply');
  await c.waitConverged({ timeoutMs: 30_000 });
  for (const id of [1, 2, 3])
    t.equal(show(await c.query(id, ['GET', 'w'], { readonly: true })), '"1"', `node ${id}: applied once`);
  t.equal(await exec(), '[:2]', 'the next EXEC is a new one');
});
