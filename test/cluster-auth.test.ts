// requirepass in cluster mode protects the Raft port too (crates-ts/cluster/src/transport-auth.ts),
// on a real 3-node cluster whose nodes all run with --requirepass (helpers/cluster.ts; removed
// on t.teardown):
//   - the nodes present it to each other: a leader is elected, a follower forwards a write;
//   - a gRPC AdminService call without the password is refused with UNAUTHENTICATED "NOAUTH
//     Authentication required.", with a wrong one "WRONGPASS ...", with the right one it works;
//     a forward stream opened without it is refused the same way;
//   - `seshat cluster status -a PASSWORD` works over RESP and over --grpc; without -a it
//     fails (exit 1) with NOAUTH;
//   - CONFIG SET requirepass applies to the Raft port's next call;
//   - a node started with --join <member> and the same requirepass AUTHs to the seed and
//     joins as a learner; one whose masterauth is wrong is refused (the join fails, exit 1).
// How: bounded polls instead of sleeps; every process and dir is removed on teardown.
import { AdminCaller, openForwardLink } from '@seshat/cluster';
import t from 'tap';
import { runCli } from './helpers/admin-cli.ts';
import { queryPort, startCluster } from './helpers/cluster.ts';
import { entries, show } from './helpers/resp-client.ts';
import { freePort, makeTempDir, removeTempDir, startSeshat } from './helpers/server.ts';
import { waitUntil } from './helpers/wait.ts';

const PASSWORD = 's3cret-raft';
const NOAUTH = /UNAUTHENTICATED: NOAUTH Authentication required\./;
const WRONGPASS = /UNAUTHENTICATED: WRONGPASS invalid username-password pair or user is disabled\./;

/** The error of one AdminService status call (or 'ok'). */
async function adminStatus(address: string, password?: string): Promise<string> {
  const admin = new AdminCaller(address, 5000, password);
  try {
    const r = await admin.status({ groupId: 0 });
    return r.ok ? 'ok' : r.error;
  } catch (e) {
    return (e as Error).message;
  } finally {
    admin.close();
  }
}

t.test('requirepass guards the Raft port; the nodes present it to each other', async (t) => {
  const c = await startCluster({ size: 3, t, password: PASSWORD });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  t.equal(show(await c.query(follower, ['SET', 'k', 'v'])), '+OK', 'a follower forwards a write');
  t.equal(show(await c.query(leader, ['GET', 'k'])), '"v"');
  t.match(show(await queryPort(c.node(leader).clientPort, ['GET', 'k'])), /^-NOAUTH/, 'client port too');

  const raft = `127.0.0.1:${c.node(leader).raftPort}`;
  t.match(await adminStatus(raft), NOAUTH, 'gRPC without the password');
  t.match(await adminStatus(raft, 'wrong'), WRONGPASS, 'gRPC with a wrong password');
  t.equal(await adminStatus(raft, PASSWORD), 'ok', 'gRPC with the password');

  const refused = await new Promise<string>((resolve) => {
    const link = openForwardLink(raft, 9, leader, {
      opened: () => resolve('opened'),
      response: () => {},
      failed: (reason) => resolve(reason),
    });
    t.teardown(() => link.close());
  });
  t.match(refused, NOAUTH, 'a forward stream without the password');

  const resp = ['--port', String(c.node(leader).clientPort)];
  const ok = await runCli(['cluster', 'status', ...resp, '-a', PASSWORD]);
  t.equal(ok.code, 0, `CLI over RESP with -a: exit 0 (${ok.stderr})`);
  const grpc = await runCli(['cluster', 'status', '--grpc', raft, '--pass', PASSWORD]);
  t.equal(grpc.code, 0, `CLI over gRPC with --pass: exit 0 (${grpc.stderr})`);
  t.match(grpc.stdout, /role: leader/);
  const noPass = await runCli(['cluster', 'status', '--grpc', raft]);
  t.equal(noPass.code, 1, 'CLI over gRPC without the password: exit 1');
  t.match(noPass.stderr, NOAUTH);

  // The port reads the password at every call: CONFIG SET applies to the next one.
  t.equal(show(await c.query(leader, ['CONFIG', 'SET', 'requirepass', 'rotated'])), '+OK');
  t.match(await adminStatus(raft, PASSWORD), WRONGPASS, 'after CONFIG SET the old password is refused');
  t.equal(await adminStatus(raft, 'rotated'), 'ok', 'and the new one works');
});

t.test('a node joins with the password; one with a wrong masterauth is refused', async (t) => {
  const c = await startCluster({ size: 3, t, password: PASSWORD });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const seed = `127.0.0.1:${c.node(leader).clientPort}`;
  const node = async (id: number, extra: string[]) => {
    const [client, raft] = [await freePort(), await freePort()];
    const dir = makeTempDir(`seshat-cluster-n${id}-`);
    t.teardown(() => removeTempDir(dir));
    const args = ['--port', String(client), '--raft-port', String(raft), '--node-id', String(id)];
    return { client, dir, args: [...args, '--join', seed, '--requirepass', PASSWORD, ...extra] };
  };

  const bad = await node(5, ['--masterauth', 'wrong']);
  const refused = await runCli([...bad.args, '--dir', bad.dir]);
  t.equal(refused.code, 1, 'wrong masterauth: the node exits 1');
  t.match(refused.stderr + refused.stdout, /NOAUTH/, 'and says why');

  const good = await node(4, []);
  await startSeshat({ dir: good.dir, t, args: good.args });
  const learners = async () => show(entries(await c.query(leader, ['RAFT', 'STATUS'])).get('learners')!);
  t.equal(await learners(), '[:4]', 'node 4 joined as a learner');
  t.equal(show(await c.query(leader, ['SET', 'k', 'v4'])), '+OK');
  await waitUntil(
    async () =>
      show(await queryPort(good.client, ['GET', 'k'], { password: PASSWORD, readonly: true })) === '"v4"',
    { timeoutMs: 20_000, intervalMs: 100, what: 'node 4 to receive the log from the leader' },
  );
});
