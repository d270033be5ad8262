// Cluster administration on real processes: the RAFT command (STATUS, TRANSFER-LEADER,
// SNAPSHOT) and the `seshat cluster ...` admin CLI that sends it.
//   - RAFT STATUS on every node of a 3-node cluster: structured fields, one agreed leader,
//     voters 1..3, peers' progress on the leader; RAFT GROUPS: group 0 with role, leader, term
//     and indexes;
//   - RAFT TRANSFER-LEADER: a follower answers -MOVED 0 <leader>; the leader answers OK and the
//     named voter becomes leader (bounded poll); an unknown id is refused;
//   - RAFT SNAPSHOT on a follower: replies the applied index, the log's first index moves past
//     it, and writes still commit afterwards;
//   - CLI: `seshat cluster status|snapshot|transfer-leader|add|promote|remove` against the nodes (exit codes,
//     readable output, the MOVED hint on a follower) and `seshat --help` mentioning it;
//   - (the address book by snapshot, RAFT DIGEST and RAFT INIT / --join: cluster-admin-join.test.ts)
// How: helpers/cluster.ts starts the processes on free ports/temp dirs (removed on t.teardown);
// probes use fresh bounded connections; waits are bounded polls. Needs `npm run build`.
import t from 'tap';
import { num, runCli, status } from './helpers/admin-cli.ts';
import { queryPort, startCluster } from './helpers/cluster.ts';
import { entries, show, text } from './helpers/resp-client.ts';
import { freePort, makeTempDir, removeTempDir, startSeshat } from './helpers/server.ts';
import { waitUntil } from './helpers/wait.ts';

t.test('RAFT STATUS, TRANSFER-LEADER and SNAPSHOT', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const followers = [1, 2, 3].filter((id) => id !== leader);

  t.test('GROUPS on every node: the one group, its leader, term and indexes', async (t) => {
    const terms = new Set<string>();
    for (const id of [1, 2, 3]) {
      const reply = await queryPort(c.node(id).clientPort, ['RAFT', 'GROUPS']);
      t.equal(reply.type, 'array', `node ${id}: an array of groups`);
      const groups = reply.type === 'array' ? reply.value : [];
      t.equal(groups.length, 1, `node ${id}: hosts group 0 only`);
      const g = entries(groups[0]!);
      t.equal(num(g.get('id')), 0);
      t.equal(text(g.get('role')!), id === leader ? 'leader' : 'follower', `node ${id}: role`);
      t.equal(num(g.get('leader')), leader, `node ${id}: names the leader`);
      t.ok(num(g.get('applied-index')) >= 1 && num(g.get('applied-index')) <= num(g.get('last-index')));
      terms.add(String(num(g.get('term'))));
    }
    t.equal(terms.size, 1, 'one term');
    t.match(
      show(await queryPort(c.node(1).clientPort, ['RAFT', 'GROUPS', 'x'])),
      /^-ERR wrong number of arguments/,
    );
  });

  t.test('STATUS on every node', async (t) => {
    for (const id of [1, 2, 3]) {
      const s = await status(c, id);
      t.equal(num(s.get('node-id')), id, `node ${id}: node-id`);
      t.equal(text(s.get('role')!), id === leader ? 'leader' : 'follower', `node ${id}: role`);
      t.equal(num(s.get('leader')), leader, `node ${id}: names the leader`);
      t.ok(num(s.get('term')) >= 1, 'term');
      t.ok(num(s.get('commit')) >= num(s.get('first-index')) - 1, 'commit >= snapshot index');
      t.ok(num(s.get('last-index')) >= num(s.get('commit')), 'last >= commit');
      t.equal(show(s.get('voters')!), '[:1, :2, :3]', 'voters');
      t.equal(show(s.get('learners')!), '[]', 'learners');
      const members = s.get('members')!;
      t.equal(members.type === 'array' ? members.value.length : -1, 3, 'members with addresses');
      const peers = s.get('peers')!;
      if (id === leader) {
        t.equal(peers.type === 'array' ? peers.value.length : -1, 3, 'leader: progress of 3 members');
        if (peers.type === 'array') t.ok(entries(peers.value[0]!).has('match'), 'peer match');
      }
    }
  });

  t.test('TRANSFER-LEADER', async (t) => {
    const f = followers[0]!;
    const moved = show(await c.query(f, ['RAFT', 'TRANSFER-LEADER', String(f === 3 ? 2 : 3)]));
    t.equal(moved, `-MOVED 0 127.0.0.1:${c.node(leader).clientPort}`, 'a follower names the leader');
    t.match(show(await c.query(leader, ['RAFT', 'TRANSFER-LEADER', '9'])), /^-ERR node 9 is not a voter/);
    t.equal(show(await c.query(leader, ['RAFT', 'TRANSFER-LEADER', String(f)])), '+OK', 'leader: OK');
    const now = await waitUntil(
      async () => {
        const s = await status(c, f);
        return text(s.get('role')!) === 'leader' ? 1 : 0;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: `node ${f} to become leader` },
    );
    t.equal(now, 1, `node ${f} is leader`);
    const w = await c.waitForLeader({ writable: true, known: true });
    t.equal(w.id, f, 'the new leader takes writes');
  });

  t.test('SNAPSHOT', async (t) => {
    const l = (await c.waitForLeader({ writable: true })).id;
    for (let i = 0; i < 20; i++) t.equal(show(await c.query(l, ['SET', `snap:${i}`, String(i)])), '+OK');
    await c.waitConverged();
    const f = [1, 2, 3].find((id) => id !== l)!;
    const before = await status(c, f);
    const idx = num(await c.query(f, ['RAFT', 'SNAPSHOT']));
    t.ok(idx >= num(before.get('applied')), 'snapshot at (at least) the applied index');
    const after = await status(c, f);
    t.equal(num(after.get('snapshot-index')), idx, 'snapshot index');
    t.equal(num(after.get('first-index')), idx + 1, 'log compacted up to it');
    t.equal(num(await c.query(f, ['RAFT', 'SNAPSHOT'])), idx, 'again without new entries: same index');
    t.equal(show(await c.query(l, ['SET', 'after-snap', '1'])), '+OK', 'writes still commit');
    await c.waitConverged();
    t.equal(show(await c.query(f, ['GET', 'snap:7'], { readonly: true })), '"7"', 'data intact');
  });
});

t.test('seshat cluster CLI', async (t) => {
  const help = await runCli(['--help']);
  t.match(
    help.stdout,
    /seshat cluster status\|init\|add\|promote\|remove\|transfer-leader/,
    '--help mentions the admin CLI',
  );
  const usage = await runCli(['cluster', 'bogus']);
  t.equal(usage.code, 2, 'bad usage: exit 2');

  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const f = [1, 2, 3].find((id) => id !== leader)!;
  const port = (id: number) => ['--host', '127.0.0.1', '--port', String(c.node(id).clientPort)];

  const st = await runCli(['cluster', 'status', ...port(f)]);
  t.equal(st.code, 0, 'status: exit 0');
  t.match(st.stdout, /^node-id: \d+$/m, 'status: node-id line');
  t.match(st.stdout, /^role: follower$/m, 'status: role line');
  t.match(st.stdout, new RegExp(`^leader: ${leader}$`, 'm'), 'status: leader line');
  t.match(st.stdout, /^voters: 1,2,3$/m, 'status: voters line');

  const snap = await runCli(['cluster', 'snapshot', ...port(f)]);
  t.equal(snap.code, 0, 'snapshot: exit 0');
  t.match(snap.stdout, /^snapshot at index \d+$/m, 'snapshot: index printed');

  const other = [1, 2, 3].find((id) => id !== leader && id !== f)!;
  const viaFollower = await runCli(['cluster', 'transfer-leader', String(leader), ...port(other)]);
  t.equal(viaFollower.code, 1, 'transfer-leader on a follower for another node: exit 1');
  t.match(viaFollower.stderr, /not the leader; the leader is 127\.0\.0\.1:\d+/, 'names the leader');

  const down = await runCli(['cluster', 'status', '--port', '1']);
  t.equal(down.code, 1, 'unreachable node: exit 1');
});

t.test('membership: ADD-LEARNER, PROMOTE, REMOVE', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const followers = [1, 2, 3].filter((id) => id !== leader);
  for (let i = 0; i < 30; i++) t.equal(show(await c.query(leader, ['SET', `m:${i}`, String(i)])), '+OK');

  const [p4, r4] = [await freePort(), await freePort()];
  const a4 = [`127.0.0.1:${r4}`, `127.0.0.1:${p4}`];
  t.equal(
    show(await c.query(followers[0]!, ['RAFT', 'ADD-LEARNER', '4', ...a4])),
    `-MOVED 0 127.0.0.1:${c.node(leader).clientPort}`,
    'a follower names the leader',
  );
  t.match(show(await c.query(leader, ['RAFT', 'ADD-LEARNER', '4', 'nohost', a4[1]!])), /^-ERR addresses/);
  t.equal(show(await c.query(leader, ['RAFT', 'ADD-LEARNER', '4', ...a4])), '+OK', 'learner 4 added');
  const again = await runCli(['cluster', 'add', '4', ...a4, '--port', String(c.node(leader).clientPort)]);
  t.equal(again.code, 1, 'CLI add of a member: exit 1');
  t.match(again.stderr, /already a member/, 'CLI add prints the error');

  const dir4 = makeTempDir('seshat-cluster-n4-');
  t.teardown(() => removeTempDir(dir4));
  // initial-members names the current members' addresses; node 4 is not among them.
  const n4 = await startSeshat({
    dir: dir4,
    t,
    args: [
      '--port',
      String(p4),
      '--raft-port',
      String(r4),
      '--node-id',
      '4',
      '--join',
      '--initial-members',
      c.members,
    ],
  });
  t.equal(n4.port, p4, 'node 4 listens on its client port');
  const q4 = (argv: string[]) => queryPort(p4, argv, { readonly: true });
  await waitUntil(async () => show(await q4(['GET', 'm:29'])) === '"29"', {
    timeoutMs: 15_000,
    intervalMs: 50,
    what: 'node 4 to catch up (snapshot from the leader)',
  });
  let s4 = entries(await q4(['RAFT', 'STATUS']));
  t.equal(show(s4.get('learners')!), '[:4]', 'node 4 knows it is a learner');
  t.equal(num(s4.get('leader')), leader, 'node 4 knows the leader');

  const cli = (argv: string[]) => runCli(['cluster', ...argv, '--port', String(c.node(leader).clientPort)]);
  const bad = await cli(['promote', 'four']);
  t.equal(bad.code, 2, 'CLI promote with a non-numeric id: usage, exit 2');
  const promoted = await cli(['promote', '4']);
  t.equal(promoted.code, 0, `CLI promote: exit 0 (${promoted.stderr})`);
  const sl = await status(c, leader);
  t.equal(show(sl.get('voters')!), '[:1, :2, :3, :4]', 'four voters');
  t.equal(show(sl.get('learners')!), '[]', 'no learners');

  const gone = followers[0]!;
  const removed = await cli(['remove', String(gone)]);
  t.equal(removed.code, 0, `CLI remove node ${gone}: exit 0 (${removed.stderr})`);
  t.equal((await cli(['remove', String(gone)])).code, 1, 'removing it again: an error, exit 1');
  const voters = [1, 2, 3, 4].filter((id) => id !== gone);
  t.equal(show((await status(c, leader)).get('voters')!), `[${voters.map((v) => `:${v}`).join(', ')}]`);
  t.match(
    show(await c.query(leader, ['RAFT', 'ADD-LEARNER', String(gone), ...a4])),
    /^-ERR raft: .*remov/i,
    'a removed id is never reused',
  );
  await c.stop(gone);

  for (let i = 0; i < 10; i++)
    t.equal(show(await c.query(leader, ['SET', `after:${i}`, String(i)])), '+OK', 'writes commit');
  await waitUntil(async () => show(await q4(['GET', 'after:9'])) === '"9"', {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: 'node 4 to have the new writes',
  });
  s4 = entries(await q4(['RAFT', 'STATUS']));
  t.equal(show(s4.get('voters')!), show((await status(c, leader)).get('voters')!), 'node 4 agrees on voters');
  const members = s4.get('members')!;
  t.equal(members.type === 'array' ? members.value.length : -1, 3, 'node 4 address book: 3 members');
});
