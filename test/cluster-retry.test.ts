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
// How: raw RESP on one connection per scenario; bounded polls instead of sleeps. Needs the build.
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

const OUTCOME_UNKNOWN = /^-TRYAGAIN the write may or may not have been applied/;

t.test('retry on the leader after a timed-out proposal: applied once, first reply', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const followers = [1, 2, 3].filter((id) => id !== leader);
  const conn = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 30_000 });
  t.teardown(() => conn.socket.destroy());
  t.equal(show(await conn.send(['SET', 'other', 'x'])), '+OK');

  for (const f of followers) c.pause(f);
  t.match(show(await conn.send(['INCR', 'counter'])), OUTCOME_UNKNOWN, 'no quorum: outcome unknown');
  for (const f of followers) c.resume(f);
  await waitUntil(async () => show(await c.query(leader, ['GET', 'counter'])) === '"1"', {
    timeoutMs: 20_000,
    what: 'the first INCR commits once the followers are back',
  });
  t.equal(show(await conn.send(['INCR', 'counter'])), ':1', 'the retry answers the first reply');
  t.equal(show(await c.query(leader, ['GET', 'counter'])), '"1"', 'not applied twice');
  t.equal(show(await conn.send(['INCR', 'counter'])), ':2', 'the next INCR is a new one');

  // A different command in between: the identical write afterwards is new.
  for (const f of followers) c.pause(f);
  t.match(show(await conn.send(['INCR', 'counter'])), OUTCOME_UNKNOWN);
  for (const f of followers) c.resume(f);
  await waitUntil(async () => show(await c.query(leader, ['GET', 'counter'])) === '"3"', {
    timeoutMs: 20_000,
    what: 'the third INCR commits',
  });
  t.equal(show(await conn.send(['GET', 'other'])), '"x"');
  t.equal(show(await conn.send(['INCR', 'counter'])), ':4', 'not a retry after another command');
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
