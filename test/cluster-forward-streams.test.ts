// A follower relays XREAD and XREADGROUP that cannot block, and redirects those that can.
// What: Redis flags XREAD / XREADGROUP `blocking` like BLPOP, but only a BLOCK option lets them
// wait; without it a follower must relay them to the leader like any read or write (Redis's own
// suite, unit keyspace "COPY basic usage for stream-cgroups", runs XREADGROUP without BLOCK and
// got -MOVED through a follower). With BLOCK (even BLOCK 0, or after COUNT / a group named
// "block") they are redirected with -MOVED as the list pops are, since a blocked client is parked
// where the stream is written.
// How: a real 3-process cluster (helpers/cluster.ts); commands sent to a follower.
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { conn, followersOf } from './helpers/cluster-probes.ts';
import { show } from './helpers/resp-client.ts';

t.test('XREAD / XREADGROUP through a follower', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const f = await conn(t, c.node(followersOf(c, leader)[0]!).clientPort);
  const q = async (...argv: string[]) => show(await f.send(argv));

  t.equal(await q('XADD', 'x', '1-1', 'a', '1'), '"1-1"');
  t.equal(await q('XGROUP', 'CREATE', 'x', 'g', '0'), '+OK');
  t.equal(await q('XGROUP', 'CREATE', 'x', 'block', '0'), '+OK');
  t.equal(await q('XREAD', 'COUNT', '1', 'STREAMS', 'x', '0'), '[["x", [["1-1", ["a", "1"]]]]]');
  t.equal(
    await q('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'x', '>'),
    '[["x", [["1-1", ["a", "1"]]]]]',
    'XREADGROUP without BLOCK is relayed (a write through the log)',
  );
  t.equal(await q('XPENDING', 'x', 'g'), '[:1, "1-1", "1-1", [["alice", "1"]]]');
  t.equal(
    await q('XREADGROUP', 'GROUP', 'block', 'block', 'NOACK', 'STREAMS', 'x', '>'),
    '[["x", [["1-1", ["a", "1"]]]]]',
    'a group and consumer named "block" are not the option',
  );
  t.equal(await q('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 'x', '>'), '*-1', 'nothing new: at once');

  for (const argv of [
    ['XREAD', 'BLOCK', '0', 'STREAMS', 'x', '$'],
    ['XREAD', 'COUNT', '5', 'block', '10', 'STREAMS', 'x', '$'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '100', 'STREAMS', 'x', '>'],
    ['BLPOP', 'l', '0'],
  ]) {
    t.match(await q(...argv), /^-MOVED \d+ 127\.0\.0\.1:\d+$/, `${argv.join(' ')}: redirected`);
  }
  t.equal(await q('PING'), '+PONG', 'the connection goes on');
});
