// RESTORE and MIGRATE on a real 3-node cluster: RESTORE is a log command whose payload every
// replica decodes and writes at the entry's stamp, so after RESTOREs of every type (with TTLs)
// all three nodes hold the same bytes (RAFT DIGEST at the same applied index) and a DUMP from
// each node (READONLY) is the same payload; MIGRATE runs on the leader (a follower answers
// -MOVED) and its deletion of the migrated key reaches every replica.
// How: helpers/cluster.ts processes on free ports, a redis-server as MIGRATE's target, bounded
// polls (waitConverged) instead of sleeps. Needs `npm run build` (runs dist/).
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { show } from './helpers/resp-client.ts';
import { redisAvailable, startServer } from './helpers/server.ts';

/** Commands that build one key of each type (each DUMPed and RESTOREd under a new name). */
const SOURCES: [key: string, argv: string[]][] = [
  ['s', ['SET', 's', 'x'.repeat(300)]],
  ['l', ['RPUSH', 'l', 'a', '1', 'b'.repeat(100)]],
  ['h', ['HSET', 'h', 'f', 'v', 'n', '7']],
  ['set', ['SADD', 'set', '1', '2', 'x']],
  ['z', ['ZADD', 'z', '1.5', 'a', '-3', 'b']],
];

t.test('RESTORE reaches every replica with the same bytes; MIGRATE runs on the leader', async (t) => {
  const c = await startCluster({ t });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const followers = c.nodes.map((n) => n.id).filter((id) => id !== leader);
  for (const [key, argv] of SOURCES) {
    t.notMatch(show(await c.query(leader, argv)), /^-/);
    const dump = await c.query(leader, ['DUMP', key]);
    if (dump.type !== 'bulk') throw new Error(`DUMP ${key}: ${show(dump)}`);
    t.equal(show(await c.query(leader, ['RESTORE', `copy:${key}`, '100000', dump.value])), '+OK');
  }
  await c.waitConverged();
  const digests = await Promise.all(c.nodes.map((n) => c.query(n.id, ['RAFT', 'DIGEST'])));
  t.equal(new Set(digests.map(show)).size, 1, `one state on all nodes: ${show(digests[0]!)}`);
  for (const [key] of SOURCES) {
    const dumps = await Promise.all(
      c.nodes.map((n) => c.query(n.id, ['DUMP', `copy:${key}`], { readonly: true })),
    );
    t.equal(new Set(dumps.map(show)).size, 1, `copy:${key}: the same DUMP on every node`);
    t.equal(show(dumps[0]!), show(await c.query(leader, ['DUMP', key])), `copy:${key}: the source's payload`);
  }
  t.match(show(await c.query(followers[0]!, ['MIGRATE', '127.0.0.1', '1', 's', '0', '100'])), /^-MOVED \d+ /);
  if (!redisAvailable()) return;
  const redis = await startServer('redis', { t });
  t.equal(
    show(await c.query(leader, ['MIGRATE', redis.host, String(redis.port), 'copy:z', '0', '5000'])),
    '+OK',
  );
  await c.waitConverged();
  for (const n of c.nodes) {
    t.equal(
      show(await c.query(n.id, ['EXISTS', 'copy:z'], { readonly: true })),
      ':0',
      `node ${n.id}: migrated key gone`,
    );
  }
});
