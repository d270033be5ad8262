// HyperLogLog and geo in a 3-node cluster: PFADD / PFMERGE / GEOADD / GEOSEARCHSTORE go through
// the log, and PFCOUNT's refresh of a stale cached cardinality (a read that proposes a follow-up
// write) reaches every replica: after convergence every node holds the same bytes (RAFT DIGEST)
// and each node's own state (READONLY) shows the refreshed cache. PFCOUNT and geo reads sent to
// a follower are forwarded and answered as on the leader.
// How: a real 3-process cluster (helpers/cluster.ts); the leader and a follower get the commands.
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { conn, followersOf } from './helpers/cluster-probes.ts';
import { show } from './helpers/resp-client.ts';

t.test('HLL cache refreshes and geo writes reach every replica', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const follower = followersOf(c, leader)[0]!;
  const onLeader = await conn(t, c.node(leader).clientPort);
  const onFollower = await conn(t, c.node(follower).clientPort);

  t.equal(show(await onLeader.send(['PFADD', 'h', 'a', 'b', 'c'])), ':1');
  t.equal(
    show(await onLeader.send(['GETRANGE', 'h', '15', '15'])),
    '"\\x80"',
    'PFADD leaves the cache stale',
  );
  // In cluster mode the refresh is proposed on its own, not in this connection's order (unlike a
  // standalone node): it is checked below, once every node has applied it.
  t.equal(show(await onLeader.send(['PFCOUNT', 'h'])), ':3');
  t.equal(show(await onFollower.send(['PFADD', 'h2', 'x', 'y'])), ':1', 'a follower forwards PFADD');
  t.equal(show(await onFollower.send(['PFCOUNT', 'h2'])), ':2', 'and PFCOUNT');
  t.equal(show(await onFollower.send(['PFCOUNT', 'h', 'h2'])), ':5');
  t.equal(show(await onFollower.send(['PFMERGE', 'm', 'h', 'h2'])), '+OK');

  const geoadd = ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'];
  t.equal(show(await onLeader.send(geoadd)), ':2');
  t.equal(show(await onFollower.send(['GEODIST', 'g', 'Palermo', 'Catania', 'km'])), '"166.2742"');
  t.equal(
    show(
      await onFollower.send([
        'GEOSEARCHSTORE',
        'dst',
        'g',
        'FROMMEMBER',
        'Palermo',
        'BYRADIUS',
        '200',
        'km',
        'STOREDIST',
      ]),
    ),
    ':2',
  );
  t.equal(
    show(await onFollower.send(['GEOPOS', 'g', 'Palermo'])),
    '[["13.36138933897018433", "38.11555639549629859"]]',
  );

  await c.waitConverged();
  const digests = await Promise.all(c.nodes.map((n) => c.query(n.id, ['RAFT', 'DIGEST'])));
  t.equal(show(digests[1]!), show(digests[0]!), 'node 2 holds the same bytes as node 1');
  t.equal(show(digests[2]!), show(digests[0]!), 'node 3 holds the same bytes as node 1');
  for (const { id } of c.nodes) {
    const local = await conn(t, c.node(id).clientPort, true);
    t.equal(
      show(await local.send(['GETRANGE', 'h', '8', '15'])),
      '"\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x00"',
      `node ${id}: the refreshed cache`,
    );
    t.equal(
      show(await local.send(['ZRANGE', 'dst', '0', '-1'])),
      '["Palermo", "Catania"]',
      `node ${id}: the stored search`,
    );
  }
});
