// Cluster administration over gRPC (proto/node.proto AdminService, on each node's Raft port)
// through `seshat cluster <action> --grpc HOST:RAFTPORT`, on one 3-node cluster:
//   - status on a follower: the same fields as over RESP (role, leader, voters);
//   - snapshot on a follower: the index printed is RAFT STATUS's snapshot-index;
//   - transfer-leader: a follower answers with the MOVED hint (exit 1); the leader starts it and
//     the named voter becomes leader (bounded poll);
//   - add (learner 4, never started) and remove on the leader: RAFT STATUS follows; adding it
//     twice is refused with the RESP command's text;
//   - group ids: an unknown --group is refused (`ERR unknown raft group 7`), and a forwarded
//     command (NodeService.Forward) for an unknown group gets the same error reply while
//     group 0 is served;
//   - an unreachable gRPC address: exit 1.
// How: helpers/cluster.ts starts the processes on free ports/temp dirs (removed on t.teardown);
// the CLI runs as a child process; waits are bounded polls. Needs `npm run build`.
import { openForwardLink } from '@seshat/cluster';
import t from 'tap';
import { num, runCli, status } from './helpers/admin-cli.ts';
import { startCluster } from './helpers/cluster.ts';
import { show, text } from './helpers/resp-client.ts';
import { freePort } from './helpers/server.ts';
import { waitUntil } from './helpers/wait.ts';

/** One forwarded command to `address` (node `to`); resolves with the raw RESP reply. */
function forwardOnce(address: string, to: number, groupId: number, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      link.close();
      reject(new Error('no forward reply within 5 s'));
    }, 5000);
    const link = openForwardLink(address, 99, to, {
      opened: () =>
        link.send({
          id: 1,
          groupId,
          db: 0,
          argv: argv.map((a) => Buffer.from(a)),
          read: true,
          resp: 2,
          tag: 0,
          sentAfterIndex: 0,
          retry: false,
          watchKeys: [],
          watchAfter: 0,
        }),
      response: (res) => {
        clearTimeout(timer);
        link.close();
        resolve(Buffer.from(res.reply).toString());
      },
      failed: (reason) => {
        clearTimeout(timer);
        reject(new Error(reason));
      },
    });
  });
}

t.test('seshat cluster --grpc: AdminService on the Raft port', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const [f, other] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
  const grpc = (id: number) => ['--grpc', `127.0.0.1:${c.node(id).raftPort}`];
  const cli = (id: number, argv: string[]) => runCli(['cluster', ...argv, ...grpc(id)]);

  const st = await cli(f, ['status']);
  t.equal(st.code, 0, `status: exit 0 (${st.stderr})`);
  t.match(st.stdout, new RegExp(`^node-id: ${f}$`, 'm'), 'status: node-id line');
  t.match(st.stdout, /^role: follower$/m, 'status: role line');
  t.match(st.stdout, new RegExp(`^leader: ${leader}$`, 'm'), 'status: leader line');
  t.match(st.stdout, /^voters: 1,2,3$/m, 'status: voters line');
  t.match(
    st.stdout,
    /^members:\n {2}- id: 1\n {2}- raft: 127\.0\.0\.1:\d+/m,
    'status: members with addresses',
  );

  const snap = await cli(f, ['snapshot']);
  t.equal(snap.code, 0, `snapshot: exit 0 (${snap.stderr})`);
  const idx = Number(/^snapshot at index (\d+)$/m.exec(snap.stdout)?.[1]);
  t.equal(num((await status(c, f)).get('snapshot-index')), idx, 'snapshot: index as in RAFT STATUS');

  const viaFollower = await cli(other, ['transfer-leader', String(f)]);
  t.equal(viaFollower.code, 1, 'transfer-leader on a follower for another node: exit 1');
  t.match(
    viaFollower.stderr,
    `not the leader; the leader is 127.0.0.1:${c.node(leader).clientPort}`,
    'the MOVED text names the leader',
  );
  const moved = await cli(leader, ['transfer-leader', String(f)]);
  t.equal(moved.code, 0, `transfer-leader on the leader: exit 0 (${moved.stderr})`);
  await waitUntil(async () => text((await status(c, f)).get('role')!) === 'leader', {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: `node ${f} to become leader`,
  });
  const now = (await c.waitForLeader({ writable: true, known: true })).id;
  t.equal(now, f, 'the named voter leads');

  const a4 = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
  const added = await cli(now, ['add', '4', ...a4]);
  t.equal(added.code, 0, `add learner 4: exit 0 (${added.stderr})`);
  t.equal(show((await status(c, now)).get('learners')!), '[:4]', 'node 4 is a learner');
  const again = await cli(now, ['add', '4', ...a4]);
  t.equal(again.code, 1, 'add it again: exit 1');
  t.match(again.stderr, 'ERR node 4 is already a member', 'the RESP error text');
  const removed = await cli(now, ['remove', '4']);
  t.equal(removed.code, 0, `remove 4: exit 0 (${removed.stderr})`);
  t.equal(show((await status(c, now)).get('learners')!), '[]', 'node 4 removed');

  const badGroup = await runCli(['cluster', 'status', ...grpc(now), '--group', '7']);
  t.equal(badGroup.code, 1, 'unknown group: exit 1');
  t.match(badGroup.stderr, 'ERR unknown raft group 7', 'unknown group: the error');
  const raft = `127.0.0.1:${c.node(now).raftPort}`;
  t.equal(await forwardOnce(raft, now, 7, ['GET', 'k']), '-ERR unknown raft group 7\r\n', 'Forward: refused');
  t.equal(await forwardOnce(raft, now, 0, ['GET', 'k']), '$-1\r\n', 'Forward: group 0 served');

  const down = await runCli(['cluster', 'status', '--grpc', `127.0.0.1:${await freePort()}`]);
  t.equal(down.code, 1, 'unreachable gRPC address: exit 1');
});
