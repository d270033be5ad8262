// Cluster administration on real processes, second half (split from cluster-admin.test.ts so
// that each file stays well inside tap's per-file timeout on a loaded 2-core machine):
//   - address book by snapshot: a follower stopped before node 4 joined, whose log the leader then
//     compacted past the ADD-LEARNER, catches up by snapshot and knows node 4's addresses
//     (CLUSTER NODES, RAFT STATUS members, a Raft link to it), also after its own restart;
//   - RAFT DIGEST agrees across replicas; DEBUG CLOCK-OFFSET is gated and shifts TIME;
//   - RAFT INIT / `seshat cluster init`: a node started without initial-members waits (no
//     voters, writes refused) until INIT makes it a one-voter cluster; INIT again is refused;
//     nodes started with `--join <member host:port>` add themselves as learners (through a
//     follower too: MOVED is followed), catch up and are promoted; a used id and an
//     unreachable seed stop the start with exit code 1 and the reason.
// How: helpers/cluster.ts starts the processes on free ports/temp dirs (removed on t.teardown);
// probes use fresh bounded connections; waits are bounded polls. Needs `npm run build`.
import t from 'tap';
import { runCli, status } from './helpers/admin-cli.ts';
import { queryPort, startCluster } from './helpers/cluster.ts';
import { entries, RespClient, show, text } from './helpers/resp-client.ts';
import { freePort, makeTempDir, removeTempDir, startSeshat } from './helpers/server.ts';
import { waitUntil } from './helpers/wait.ts';

t.test('a follower that catches up by snapshot learns members added while it was away', async (t) => {
  const c = await startCluster({
    size: 3,
    t,
    args: ['--raft-log-max-entries', '50', '--raft-log-kept-entries', '10'],
  });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const away = [1, 2, 3].find((id) => id !== leader)!;
  const stoppedAt = Number((await c.raftInfo(away)).raft_applied_index);
  t.equal(await c.stop(away), 0, `node ${away} stopped`);

  const [p4, r4] = [await freePort(), await freePort()];
  t.equal(
    show(await c.query(leader, ['RAFT', 'ADD-LEARNER', '4', `127.0.0.1:${r4}`, `127.0.0.1:${p4}`])),
    '+OK',
    'learner 4 added while the follower is away',
  );
  const dir4 = makeTempDir('seshat-cluster-n4-');
  t.teardown(() => removeTempDir(dir4));
  const args4 = ['--port', String(p4), '--raft-port', String(r4), '--node-id', '4', '--join'];
  await startSeshat({ dir: dir4, t, args: [...args4, '--initial-members', c.members] });

  // One entry per round trip, well past raft-log-max-entries: the leader compacts past the change.
  const lc = await RespClient.connect(c.node(leader).clientPort);
  t.teardown(() => lc.socket.destroy());
  for (let i = 0; i < 120; i++)
    if (show(await lc.send(['SET', `a:${i}`, String(i)])) !== '+OK') t.fail(`SET a:${i}`);
  const li = await c.raftInfo(leader);
  t.ok(
    Number(li.raft_first_index) > stoppedAt + 2,
    `leader compacted past the change (first ${li.raft_first_index})`,
  );

  await c.restart(away);
  const target = Number(li.raft_commit_index);
  await waitUntil(async () => Number((await c.raftInfo(away)).raft_applied_index) >= target, {
    timeoutMs: 15_000,
    intervalMs: 50,
    what: `node ${away} to catch up`,
  });
  const fi = await c.raftInfo(away);
  t.ok(Number(fi.raft_snapshot_index) > stoppedAt + 1, `caught up by snapshot (${fi.raft_snapshot_index})`);
  const knows4 = async () => {
    const nodes = text(await c.query(away, ['CLUSTER', 'NODES']));
    return nodes.split('\n').some((l) => l.split(' ')[1] === `127.0.0.1:${p4}@${r4}`);
  };
  t.ok(await knows4(), `node ${away}: CLUSTER NODES lists node 4 at its client address`);
  const members = (await status(c, away)).get('members')!;
  t.equal(members.type === 'array' ? members.value.length : -1, 4, 'RAFT STATUS: 4 members');
  await waitUntil(async () => (await c.raftInfo(away)).raft_link_4 !== undefined, {
    timeoutMs: 5_000,
    intervalMs: 50,
    what: `node ${away} to have a Raft link to node 4`,
  });
  t.pass('the transport has node 4 as a peer');

  // The book installed with the snapshot is durable.
  await c.stop(away);
  await c.restart(away);
  t.ok(await knows4(), 'after a restart still');
});

t.test('RAFT DIGEST agrees across replicas; DEBUG CLOCK-OFFSET is gated and shifts TIME', async (t) => {
  const c = await startCluster({ size: 3, t, args: ['--enable-debug-command', 'yes'] });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  for (let i = 0; i < 50; i++) t.equal(show(await c.query(leader, ['SET', `k${i}`, `v${i}`])), '+OK');
  await c.waitConverged({ atLeast: 50 });
  const digests = await Promise.all([1, 2, 3].map((id) => c.query(id, ['RAFT', 'DIGEST'])));
  const shown = digests.map((d) => show(d));
  t.match(shown[0], /^\[:\d+, "[0-9a-f]{40}"\]$/, 'applied index and a hex digest');
  t.equal(shown[1], shown[0], 'node 2 = node 1');
  t.equal(shown[2], shown[0], 'node 3 = node 1');
  t.equal(show(await c.query(leader, ['SET', 'k0', 'changed'])), '+OK');
  await c.waitConverged();
  t.not(show(await c.query(leader, ['RAFT', 'DIGEST'])), shown[0], 'a write changes the digest');

  const seconds = async (): Promise<number> => {
    const r = await c.query(leader, ['TIME']);
    if (r.type !== 'array' || r.value === null) throw new Error(`TIME: ${show(r)}`);
    return Number(text(r.value[0]!));
  };
  const before = await seconds();
  t.equal(show(await c.query(leader, ['DEBUG', 'CLOCK-OFFSET', '30000'])), '+OK');
  const after = await seconds();
  t.ok(after - before >= 29, `TIME moved ahead by the offset (${after - before} s)`);
  t.equal(
    show(await c.query(leader, ['DEBUG', 'CLOCK-OFFSET', 'x'])),
    '-ERR value is not an integer or out of range',
  );
  t.equal(show(await c.query(leader, ['DEBUG', 'CLOCK-OFFSET', '0'])), '+OK');

  const plain = await startSeshat({ t });
  t.match(
    show(await queryPort(plain.port, ['DEBUG', 'CLOCK-OFFSET', '1'])),
    /^-ERR DEBUG command not allowed/,
  );
});

t.test('RAFT INIT grows a cluster from one node; --join host:port adds nodes', async (t) => {
  const used = new Set<number>();
  const distinctPort = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (used.has(p)) continue;
      used.add(p);
      return p;
    }
  };
  const ports = async () => ({ client: await distinctPort(), raft: await distinctPort() });
  const [n1, n2, n3] = [await ports(), await ports(), await ports()];
  const nodeArgs = (id: number, p: { client: number; raft: number }, extra: string[] = []) => [
    '--port',
    String(p.client),
    '--raft-port',
    String(p.raft),
    '--node-id',
    String(id),
    ...extra,
  ];
  const first = await startSeshat({ t, args: nodeArgs(1, n1) });
  const q1 = (argv: string[]) => queryPort(n1.client, argv);
  let s1 = entries(await q1(['RAFT', 'STATUS']));
  t.equal(show(s1.get('voters')!), '[]', 'no initial-members: not bootstrapped, no voters');
  t.equal(show(await q1(['CONFIG', 'SET', 'cluster-redirect', 'moved'])), '+OK');
  t.match(show(await q1(['SET', 'k', 'v'])), /^-CLUSTERDOWN/, 'waiting: no leader, writes refused');
  t.equal(show(await q1(['CONFIG', 'SET', 'cluster-redirect', 'forward'])), '+OK');

  const init = await runCli(['cluster', 'init', '--port', String(n1.client)]);
  t.equal(init.code, 0, `CLI init: exit 0 (${init.stderr})`);
  t.match(init.stdout, /^OK: .*--join/, 'CLI init says how to add nodes');
  await waitUntil(async () => text(entries(await q1(['RAFT', 'STATUS'])).get('role')!) === 'leader', {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: 'node 1 to elect itself',
  });
  s1 = entries(await q1(['RAFT', 'STATUS']));
  t.equal(show(s1.get('voters')!), '[:1]', 'one voter: itself');
  t.equal(show(await q1(['SET', 'k', 'v'])), '+OK', 'writes commit');
  t.match(show(await q1(['RAFT', 'INIT'])), /^-ERR this node is already initialized/, 'INIT twice: refused');
  const again = await runCli(['cluster', 'init', '--port', String(n1.client)]);
  t.equal(again.code, 1, 'CLI init of an initialized node: exit 1');
  t.match(again.stderr, /already initialized/);

  // Node 2 asks node 1 (the leader); node 3 asks node 2, which is not: MOVED is followed.
  await startSeshat({ t, args: nodeArgs(2, n2, ['--join', `127.0.0.1:${n1.client}`]) });
  await startSeshat({ t, args: nodeArgs(3, n3, ['--join', `127.0.0.1:${n2.client}`]) });
  s1 = entries(await q1(['RAFT', 'STATUS']));
  t.equal(show(s1.get('learners')!), '[:2, :3]', 'both joined as learners');
  for (const [id, p] of [
    [2, n2],
    [3, n3],
  ] as const) {
    await waitUntil(async () => show(await queryPort(p.client, ['GET', 'k'], { readonly: true })) === '"v"', {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: `node ${id} to catch up`,
    });
    t.equal(show(await q1(['RAFT', 'PROMOTE', String(id)])), '+OK', `node ${id} promoted`);
  }
  s1 = entries(await q1(['RAFT', 'STATUS']));
  t.equal(show(s1.get('voters')!), '[:1, :2, :3]', 'three voters');
  t.equal(show(await queryPort(n3.client, ['SET', 'k', 'w'])), '+OK', 'a write through node 3 (forwarded)');
  const s3 = entries(await queryPort(n3.client, ['RAFT', 'STATUS']));
  const members = s3.get('members')!;
  t.equal(members.type === 'array' ? members.value.length : -1, 3, 'node 3 knows all three addresses');

  // Refusals: an id in use, a seed that does not answer. Exit 1 with the reason.
  const dir = makeTempDir('seshat-join-refused-');
  t.teardown(() => removeTempDir(dir));
  const p4 = await ports();
  const taken = await runCli([...nodeArgs(2, p4, ['--join', `127.0.0.1:${n1.client}`]), '--dir', dir]);
  t.equal(taken.code, 1, 'id already used: exit 1');
  t.match(taken.stderr, /cannot join the cluster via .*: ERR node 2 is already a member/);
  const nobody = await distinctPort();
  const unreachable = await runCli([...nodeArgs(4, p4, ['--join', `127.0.0.1:${nobody}`]), '--dir', dir]);
  t.equal(unreachable.code, 1, 'seed unreachable: exit 1');
  t.match(
    unreachable.stderr,
    new RegExp(`cannot join the cluster via 127\\.0\\.0\\.1:${nobody}: .*ECONNREFUSED`),
  );
  t.equal(show(await q1(['GET', 'k'])), '"w"', 'the cluster is unaffected');
  t.equal(first.proc.exitCode, null, 'node 1 still running');
});
