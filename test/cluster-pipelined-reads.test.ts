// Pipelined reads in cluster mode (server.isPipelinableRead), on a real 3-node cluster
// (helpers/cluster.ts; processes and dirs removed on t.teardown). A connection's reads may
// follow its reads in flight when they take the same path, so a pipeline of reads shares
// ReadIndex rounds instead of running one read per round:
//   - on the leader, 16 pipelined GETs (one socket write) are answered in order with the
//     right values, and take at most 4 read rounds (INFO raft raft_read_round; one read per
//     round before, i.e. 16);
//   - through a follower, the same pipeline is forwarded and answered in order, in at most 4
//     stream messages (INFO raft raft_forward_messages; a message per command before);
//   - reads and writes mixed in one pipeline still see the writes before them (a read never
//     overtakes a write of its connection, a write never overtakes a read), on both nodes.
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';

const KEYS = 16;

async function raftCounter(c: Awaited<ReturnType<typeof startCluster>>, id: number, field: string) {
  return Number((await c.raftInfo(id))[field]);
}

t.test('pipelined reads share rounds, in order; mixed with writes they keep their order', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  const writes = Array.from({ length: KEYS }, (_, i) => ['SET', `k${i}`, `v${i}`]);
  const reads = Array.from({ length: KEYS }, (_, i) => ['GET', `k${i}`]);
  const expected = Array.from({ length: KEYS }, (_, i) => `"v${i}"`);

  for (const [name, id] of [
    ['leader', leader],
    ['follower', follower],
  ] as const) {
    const conn = await RespClient.connect(c.node(id).clientPort, { replyTimeoutMs: 20_000 });
    t.teardown(() => conn.socket.destroy());
    t.same((await conn.pipeline(writes)).map(show), Array(KEYS).fill('+OK'), `${name}: writes`);

    const rounds0 = await raftCounter(c, leader, 'raft_read_round');
    const [commands0, messages0] = [
      await raftCounter(c, id, 'raft_forward_commands'),
      await raftCounter(c, id, 'raft_forward_messages'),
    ];
    t.same((await conn.pipeline(reads)).map(show), expected, `${name}: ${KEYS} reads in order`);
    if (name === 'leader') {
      const rounds = (await raftCounter(c, leader, 'raft_read_round')) - rounds0;
      t.ok(rounds >= 1 && rounds <= 4, `${name}: ${KEYS} reads took ${rounds} read rounds`);
    } else {
      const commands = (await raftCounter(c, id, 'raft_forward_commands')) - commands0;
      const messages = (await raftCounter(c, id, 'raft_forward_messages')) - messages0;
      t.equal(commands, KEYS, `${name}: ${KEYS} reads forwarded`);
      t.ok(messages >= 1 && messages <= 4, `${name}: in ${messages} stream messages`);
    }

    const mixed = [
      ['SET', 'm', '1'],
      ['GET', 'm'],
      ['GET', 'k0'],
      ['INCR', 'm'],
      ['GET', 'm'],
      ['GET', 'm'],
      ['APPEND', 'm', 'x'],
      ['GET', 'm'],
      ['DEL', 'm'],
      ['GET', 'm'],
    ];
    t.same(
      (await conn.pipeline(mixed)).map(show),
      ['+OK', '"1"', '"v0"', ':2', '"2"', '"2"', ':2', '"2x"', ':1', '$-1'],
      `${name}: reads and writes in one pipeline`,
    );
  }
});
