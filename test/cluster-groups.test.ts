// Raft groups created at run time on real processes (issue 20): a 3-node cluster creates
// group 7 over slots 0-999 on all three nodes with RAFT CREATE-GROUP and checks that
//   - CREATE-GROUP needs group 0's leader (-MOVED elsewhere) and is refused while the slots
//     hold keys of group 0; RAFT GROUPS and INFO raft on every node list groups 0 and 7 with
//     their slots,
//     and group 7 elects a leader;
//   - group 0 no longer serves slots 0-999 (CLUSTERDOWN Hash slot not served) and keeps its
//     own keys; RAFT PROPOSE runs writes through group 7's log on its leader (-MOVED on a
//     follower, refused for keys outside its slots), and they replicate: RAFT DIGEST 7 is the
//     same on every node at the same applied index;
//   - after kill -9 of a node and more writes, the restarted node re-creates group 7 from its
//     stored descriptor and catches up to the same digest;
//   - RAFT DESTROY-GROUP removes group 7 everywhere (RAFT GROUPS, RAFT DIGEST 7 unknown), its
//     keys are range-deleted (group 0 serves slots 0-999 again and finds none of them), group
//     0's keys are untouched, and a restart does not bring group 7 back;
//   - `seshat cluster create-group` over gRPC (AdminService) and `destroy-group` over RESP.
// How: helpers/cluster.ts (free ports, temp dirs, cleanup on teardown); waits are bounded polls.
import { keyHashSlot } from '@seshat/common';
import t from 'tap';
import { num, runCli } from './helpers/admin-cli.ts';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { entries, show, text } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

const GROUP = '7';
const SLOTS = '0-999';
const NOT_SERVED = '-CLUSTERDOWN Hash slot not served';

/** `count` key names whose slots are in [lo, hi]. */
function keysIn(lo: number, hi: number, count: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const slot = keyHashSlot(Buffer.from(`${prefix}${i}`));
    if (slot >= lo && slot <= hi) out.push(`${prefix}${i}`);
  }
  return out;
}

/** Node `id`'s RAFT GROUPS as maps by group id. */
async function groups(c: TestCluster, id: number): Promise<Map<number, Map<string, unknown>>> {
  const reply = await c.query(id, ['RAFT', 'GROUPS']);
  const out = new Map<number, Map<string, unknown>>();
  if (reply.type !== 'array') throw new Error(`RAFT GROUPS: ${show(reply)}`);
  for (const g of reply.value) {
    const e = entries(g);
    out.set(
      num(e.get('id')),
      new Map([...e].map(([k, v]) => [k, k === 'slots' || k === 'role' ? text(v) : num(v)])),
    );
  }
  return out;
}

/** The node leading group 7, as every running node sees it (bounded poll). */
async function groupLeader(c: TestCluster): Promise<number> {
  return waitUntil(
    async () => {
      const seen = await Promise.all(
        c.running().map(async (n) => (await groups(c, n.id)).get(7)?.get('leader')),
      );
      const first = seen[0] as number | undefined;
      return first !== undefined && first !== 0 && seen.every((x) => x === first) ? first : 0;
    },
    { timeoutMs: 10_000, what: 'a leader of group 7 known to every node' },
  );
}

/** Bounded poll until every running node has the same RAFT DIGEST 7 at the same index. */
async function digestsAgree(c: TestCluster, atLeast: number): Promise<string> {
  return waitUntil(
    async () => {
      const ds = await Promise.all(c.running().map((n) => c.query(n.id, ['RAFT', 'DIGEST', GROUP])));
      const shown = ds.map(show);
      const idx = ds.map((d) => (d.type === 'array' ? num(d.value[0]!) : -1));
      return shown.every((s) => s === shown[0]) && idx[0]! >= atLeast ? shown[0] : '';
    },
    { timeoutMs: 15_000, what: 'equal digests of group 7' },
  );
}

t.test('created groups: create, replicate, survive kill -9, destroy', async (t) => {
  const c = await startCluster({ size: 3, t });
  const leader = (await c.waitForLeader({ writable: true, known: true })).id;
  const follower = [1, 2, 3].find((id) => id !== leader)!;
  const inGroup = keysIn(0, 999, 40, 'g7-');
  const ofGroup0 = keysIn(1000, 16383, 5, 'g0-');
  for (const k of ofGroup0) t.equal(show(await c.query(leader, ['SET', k, 'zero'])), '+OK');

  t.match(show(await c.query(follower, ['RAFT', 'CREATE-GROUP', GROUP, SLOTS, '1', '2', '3'])), /^-MOVED 0 /);
  t.equal(show(await c.query(leader, ['SET', inGroup[0]!, 'x'])), '+OK');
  t.match(
    show(await c.query(leader, ['RAFT', 'CREATE-GROUP', GROUP, SLOTS, '1', '2', '3'])),
    /^-ERR slots 0-999 hold keys/,
  );
  t.equal(show(await c.query(leader, ['DEL', inGroup[0]!])), ':1');
  t.match(
    show(await c.query(leader, ['RAFT', 'CREATE-GROUP', GROUP, SLOTS, '1', '9'])),
    /^-ERR node 9 is not a member/,
  );
  t.equal(show(await c.query(leader, ['RAFT', 'CREATE-GROUP', GROUP, SLOTS, '1', '2', '3'])), '+OK');
  t.equal(
    show(await c.query(leader, ['RAFT', 'CREATE-GROUP', GROUP, SLOTS, '1', '2', '3'])),
    '+OK',
    'again: a no-op',
  );

  for (const id of [1, 2, 3]) {
    const gs = await groups(c, id);
    t.same([...gs.keys()], [0, 7], `node ${id}: groups 0 and 7`);
    t.equal(gs.get(0)!.get('slots'), '1000-16383', `node ${id}: group 0 lent 0-999`);
    t.equal(gs.get(7)!.get('slots'), SLOTS);
    const info = await c.raftInfo(id);
    t.equal(info.raft_groups, '2', `node ${id}: INFO raft counts the groups`);
    t.match(info.raft_group_7, /^role=\w+,leader=\d+,term=\d+,commit=\d+,applied=\d+,slots=0-999$/);
  }
  const g7 = await groupLeader(c);
  const g7follower = [1, 2, 3].find((id) => id !== g7)!;

  t.equal(
    show(await c.query(leader, ['SET', inGroup[0]!, 'x'])),
    NOT_SERVED,
    'group 0 refuses the lent slots',
  );
  t.equal(show(await c.query(leader, ['GET', inGroup[0]!])), NOT_SERVED);
  t.equal(show(await c.query(leader, ['GET', ofGroup0[0]!])), '"zero"');
  t.match(
    show(await c.query(g7follower, ['RAFT', 'PROPOSE', GROUP, 'SET', inGroup[0]!, 'v'])),
    /^-MOVED \d+ /,
  );
  t.match(
    show(await c.query(g7, ['RAFT', 'PROPOSE', GROUP, 'SET', ofGroup0[0]!, 'v'])),
    /^-ERR slot \d+ is not served by raft group 7/,
  );
  t.match(
    show(await c.query(g7, ['RAFT', 'PROPOSE', GROUP, 'EVAL', 'return 1', '0'])),
    /^-ERR RAFT PROPOSE runs data/,
  );
  for (const k of inGroup.slice(0, 20))
    t.equal(show(await c.query(g7, ['RAFT', 'PROPOSE', GROUP, 'SET', k, k])), '+OK');
  t.equal(show(await c.query(g7, ['RAFT', 'PROPOSE', GROUP, 'RPUSH', inGroup[20]!, 'a', 'b'])), ':2');
  t.equal(show(await c.query(g7, ['RAFT', 'PROPOSE', GROUP, 'GET', inGroup[3]!])), `"${inGroup[3]}"`);
  t.equal(show(await c.query(g7, ['RAFT', 'PROPOSE', GROUP, 'DBSIZE'])), ':21');
  const before = await digestsAgree(c, 22);
  t.ok(before.length > 0, 'group 7 replicated to every node');

  // kill -9 a node, write more, restart it: it re-creates group 7 and catches up.
  const victim = g7follower;
  await c.kill9(victim);
  for (const k of inGroup.slice(21, 30))
    t.equal(show(await c.query(g7, ['RAFT', 'PROPOSE', GROUP, 'SET', k, 'later'])), '+OK');
  await c.restart(victim);
  t.same([...(await groups(c, victim)).keys()], [0, 7], 'the restarted node hosts group 7 again');
  const after = await digestsAgree(c, 32);
  t.not(after, before, 'and caught up with the writes made while it was down');

  // Destroy: every replica's rows go, group 0 serves the slots again and keeps its keys.
  // (The node killed above may have led group 0.)
  const leader0 = (await c.waitForLeader({ writable: true, known: true })).id;
  t.equal(show(await c.query(leader0, ['RAFT', 'DESTROY-GROUP', GROUP])), '+OK');
  for (const id of [1, 2, 3]) {
    const gs = await groups(c, id);
    t.same([...gs.keys()], [0], `node ${id}: group 7 is gone`);
    // Followers of group 0 apply the return of the slots a little after the leader.
    const slots = await waitUntil(async () => (await groups(c, id)).get(0)!.get('slots') === '0-16383', {
      what: `node ${id}: group 0 serving every slot`,
    });
    t.ok(slots, `node ${id}: group 0 serves every slot again`);
    t.equal(show(await c.query(id, ['RAFT', 'DIGEST', GROUP])), '-ERR unknown raft group 7');
  }
  t.equal(show(await c.query(leader0, ['GET', inGroup[3]!])), '$-1', "group 7's keys were range-deleted");
  t.equal(
    show(await c.query(leader0, ['DBSIZE'])),
    `:${ofGroup0.length + 1}`,
    "group 0's keys (and the leader probe) stay",
  );
  t.equal(show(await c.query(leader0, ['GET', ofGroup0[4]!])), '"zero"');
  t.equal(
    show(await c.query(leader0, ['SET', inGroup[0]!, 'back'])),
    '+OK',
    'group 0 takes writes there again',
  );
  t.equal(show(await c.query(leader0, ['RAFT', 'DESTROY-GROUP', GROUP])), '+OK', 'again: a no-op');
  await c.kill9(victim);
  await c.restart(victim);
  t.same([...(await groups(c, victim)).keys()], [0], 'a restart does not bring it back');

  // The same through `seshat cluster` over gRPC (AdminService) and over RESP.
  const leader1 = (await c.waitForLeader({ writable: true, known: true })).id;
  const grpc = ['--grpc', `127.0.0.1:${c.node(leader1).raftPort}`];
  const created = await runCli(['cluster', 'create-group', '8', '2000-2099,3000', '1', '2', ...grpc]);
  t.equal(created.code, 0, `create-group over gRPC: ${created.stderr}`);
  // Group 8 lives on nodes 1 and 2 only: ask a member (group 0's leader may be node 3).
  t.equal((await groups(c, 1)).get(8)?.get('slots'), '2000-2099,3000');
  const bad = await runCli(['cluster', 'create-group', '9', '2050-2060', '3', ...grpc]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /some of these slots are not served by this group/, 'overlapping slots are refused');
  const port = ['--port', String(c.node(leader1).clientPort)];
  const destroyed = await runCli(['cluster', 'destroy-group', '8', ...port]);
  t.equal(destroyed.code, 0, `destroy-group over RESP: ${destroyed.stderr}`);
  t.same([...(await groups(c, leader1)).keys()], [0]);
});
