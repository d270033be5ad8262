// CLUSTER KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, HELP and RESET, and ASKING.
// What: a standalone node answers them as a Redis without cluster support (the same error, also
// inside MULTI), and a script may not run CLUSTER RESET (Redis's noscript flag: Redis's own suite
// checks "CLUSTER RESET can not be invoke from within a script"). In a 3-node cluster KEYSLOT
// gives Redis Cluster's slots (hash tags included, values from Redis's documentation), every node
// counts and lists the keys of a slot from its own applied data, errors carry Redis's texts and
// argument order, RESET is refused with the reason (membership is the Raft configuration), and
// ASKING is accepted.
// How: the standalone part against Seshat and a real redis-server (helpers/targets.ts), both
// protocols; the cluster part on a real 3-process cluster (helpers/cluster.ts).
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { conn, followersOf } from './helpers/cluster-probes.ts';
import { show } from './helpers/resp-client.ts';
import { type Case, checkCasesBothProtocols, forEachTarget } from './helpers/targets.ts';

const DISABLED = '-ERR This instance has cluster support disabled';

const STANDALONE_CASES: Case[] = [
  [['CLUSTER', 'KEYSLOT', 'somekey'], DISABLED],
  [['CLUSTER', 'COUNTKEYSINSLOT', '1'], DISABLED],
  [['CLUSTER', 'GETKEYSINSLOT', '1', '1'], DISABLED],
  [['CLUSTER', 'RESET'], DISABLED],
  [['CLUSTER', 'RESET', 'HARD'], DISABLED],
  [['CLUSTER', 'HELP'], DISABLED],
  [['ASKING'], DISABLED],
  [['ASKING', 'x'], "-ERR wrong number of arguments for 'asking' command"],
  [['CLUSTER', 'KEYSLOT'], "-ERR wrong number of arguments for 'cluster|keyslot' command"],
  [['CLUSTER', 'GETKEYSINSLOT', '1'], "-ERR wrong number of arguments for 'cluster|getkeysinslot' command"],
  [
    ['EVAL', "return redis.call('cluster', 'reset', 'hard')", '0'],
    /^-ERR This Redis command is not allowed from script/,
  ],
  [['MULTI'], '+OK'],
  [['CLUSTER', 'KEYSLOT', 'a'], '+QUEUED'],
  [['EXEC'], `[${DISABLED}]`],
];

forEachTarget(t, async (t, { server }) => {
  t.test('standalone: cluster support disabled', (t) => checkCasesBothProtocols(t, server, STANDALONE_CASES));
});

t.test('cluster: slots of keys, keys of a slot, RESET refused', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const follower = followersOf(c, leader)[0]!;
  const onLeader = await conn(t, c.node(leader).clientPort);
  const onFollower = await conn(t, c.node(follower).clientPort);
  const q = async (argv: string[], on = onFollower) => show(await on.send(argv));

  t.equal(await q(['CLUSTER', 'KEYSLOT', 'somekey']), ':11058');
  t.equal(await q(['CLUSTER', 'KEYSLOT', 'foo{hash_tag}']), ':2515');
  t.equal(await q(['CLUSTER', 'KEYSLOT', 'bar{hash_tag}'], onLeader), ':2515');
  t.equal(await q(['CLUSTER', 'KEYSLOT', '{}x']), await q(['CLUSTER', 'KEYSLOT', '{}x'], onLeader));

  for (const k of ['c{hash_tag}', 'a{hash_tag}', 'b{hash_tag}', 'somekey', 'other']) {
    t.equal(await q(['SET', k, 'v'], onLeader), '+OK');
  }
  t.equal(await q(['RPUSH', 'l{hash_tag}', 'x'], onLeader), ':1');
  await c.waitConverged();
  for (const { id } of c.nodes) {
    const local = await conn(t, c.node(id).clientPort, true);
    t.equal(show(await local.send(['CLUSTER', 'COUNTKEYSINSLOT', '2515'])), ':4', `node ${id}: count`);
    t.equal(show(await local.send(['CLUSTER', 'COUNTKEYSINSLOT', '0'])), ':0', `node ${id}: empty slot`);
    t.equal(
      show(await local.send(['CLUSTER', 'GETKEYSINSLOT', '2515', '10'])),
      '["a{hash_tag}", "b{hash_tag}", "c{hash_tag}", "l{hash_tag}"]',
      `node ${id}: keys`,
    );
    t.equal(
      show(await local.send(['CLUSTER', 'GETKEYSINSLOT', '2515', '2'])),
      '["a{hash_tag}", "b{hash_tag}"]',
    );
    t.equal(show(await local.send(['CLUSTER', 'GETKEYSINSLOT', '2515', '0'])), '[]');
    t.equal(show(await local.send(['CLUSTER', 'GETKEYSINSLOT', '11058', '5'])), '["somekey"]');
  }
  // A deleted key is gone from its slot at once.
  t.equal(await q(['DEL', 'b{hash_tag}'], onLeader), ':1');
  t.equal(await q(['CLUSTER', 'COUNTKEYSINSLOT', '2515'], onLeader), ':3');

  t.equal(await q(['CLUSTER', 'COUNTKEYSINSLOT', '16384']), '-ERR Invalid slot');
  t.equal(await q(['CLUSTER', 'COUNTKEYSINSLOT', '-1']), '-ERR Invalid slot');
  t.equal(await q(['CLUSTER', 'COUNTKEYSINSLOT', 'x']), '-ERR value is not an integer or out of range');
  t.equal(await q(['CLUSTER', 'GETKEYSINSLOT', '16384', '1']), '-ERR Invalid slot or number of keys');
  t.equal(await q(['CLUSTER', 'GETKEYSINSLOT', '1', '-1']), '-ERR Invalid slot or number of keys');
  // The count is parsed before the slot, as in Redis.
  t.equal(await q(['CLUSTER', 'GETKEYSINSLOT', 'x', 'y']), '-ERR value is not an integer or out of range');
  t.equal(
    await q(['CLUSTER', 'GETKEYSINSLOT', '99999', 'y']),
    '-ERR value is not an integer or out of range',
  );

  t.match(await q(['CLUSTER', 'RESET']), /^-ERR CLUSTER RESET is not supported: membership is the Raft/);
  t.match(await q(['CLUSTER', 'RESET', 'soft'], onLeader), /^-ERR CLUSTER RESET is not supported/);
  t.equal(await q(['CLUSTER', 'RESET', 'medium']), '-ERR syntax error');
  t.match(
    await q(['EVAL', "return redis.call('cluster', 'reset', 'hard')", '0'], onLeader),
    /^-ERR This Redis command is not allowed from script/,
  );
  t.match(await q(['CLUSTER', 'HELP']), /^\[\+CLUSTER <subcommand>/);
  t.equal(await q(['ASKING']), '+OK', 'ASKING: accepted (no -ASK is ever sent)');
  t.equal(await q(['GET', 'somekey']), '"v"', 'the next command runs as usual');
  t.equal(await q(['CLUSTER', 'INFO'], onLeader).then((s) => s.includes('cluster_state:ok')), true);
});
