// Busy scripts on a real 3-node cluster: every replica runs a logged EVAL/FCALL, so a script
// that runs past its time slice makes every node answer -BUSY; SCRIPT KILL on the leader stops
// a script that has not written, on every replica at the same point (the kill is a decision
// committed to the log, kv script-runner.ts), while a follower refuses to kill (-UNKILLABLE,
// as a Redis replica does); a script that wrote is unkillable; a long clean script that then
// writes completes everywhere. After each case every node answers PONG again and all of them
// hold the same state (RAFT DIGEST at the same applied index).
// How: helpers/cluster.ts processes on free ports, busy-reply-threshold 50 ms on every node,
// bounded polls instead of sleeps. Needs `npm run build` (runs dist/).
import t, { type Test } from 'tap';
import { startCluster, type TestCluster } from './helpers/cluster.ts';
import { RespClient, type RespValue, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

const ENDLESS = 'local a = 1 while true do a = a + 1 end';
const KILLED =
  /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/;
const UNKILLABLE_REPLICA =
  '-UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';
const UNKILLABLE_DIRTY =
  '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
const BUSY = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';

/** Polls `id` with PING until it answers `want` (BUSY while a script runs, PONG after). */
async function waitPing(c: TestCluster, id: number, want: string): Promise<void> {
  await waitUntil(async () => show(await c.query(id, ['PING'], { timeoutMs: 2000 })) === want, {
    timeoutMs: 15_000,
    intervalMs: 20,
    what: `node ${id} to answer ${want}`,
  });
}

async function sameState(t: Test, c: TestCluster): Promise<void> {
  await c.waitConverged();
  const digests = await Promise.all(c.nodes.map((n) => c.query(n.id, ['RAFT', 'DIGEST'])));
  t.equal(new Set(digests.map(show)).size, 1, `one state on every node: ${show(digests[0]!)}`);
}

/** Sends `argv` on a connection of its own to `id`; resolves with the reply. */
async function background(c: TestCluster, id: number, argv: string[]): Promise<RespValue> {
  const conn = await RespClient.connect(c.node(id).clientPort, { replyTimeoutMs: 30_000 });
  try {
    return await conn.send(argv);
  } finally {
    conn.socket.destroy();
  }
}

t.test('busy scripts on a cluster: BUSY everywhere, kills decided through the log', async (t) => {
  const c = await startCluster({ t, args: ['--busy-reply-threshold', '50'] });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const followers = c.nodes.map((n) => n.id).filter((id) => id !== leader);

  t.test('an endless clean script is killed by SCRIPT KILL on the leader', async (t) => {
    t.equal(show(await c.query(leader, ['SET', 'before', '1'])), '+OK');
    const script = background(c, leader, ['EVAL', ENDLESS, '0']);
    for (const n of c.nodes) await waitPing(c, n.id, BUSY);
    t.equal(
      show(await c.query(followers[0]!, ['SCRIPT', 'KILL'])),
      UNKILLABLE_REPLICA,
      'a follower cannot kill',
    );
    t.equal(show(await c.query(leader, ['FUNCTION', 'KILL'])), BUSY, 'FUNCTION KILL does not kill an EVAL');
    t.equal(show(await c.query(leader, ['SCRIPT', 'KILL'])), '+OK');
    t.match(show(await script), KILLED);
    for (const n of c.nodes) await waitPing(c, n.id, '+PONG');
    t.equal(show(await c.query(leader, ['SET', 'after', '1'])), '+OK');
    await sameState(t, c);
  });

  t.test('a kill through pcall, then the same script completes when not killed', async (t) => {
    const pcallLoop = 'local f = function() while 1 do redis.call("ping") end end while 1 do pcall(f) end';
    const script = background(c, leader, ['EVAL', pcallLoop, '0']);
    await waitPing(c, leader, BUSY);
    t.equal(show(await c.query(leader, ['SCRIPT', 'KILL'])), '+OK');
    t.match(show(await script), /^-ERR Script killed by user with SCRIPT KILL\.\.\./);
    for (const n of c.nodes) await waitPing(c, n.id, '+PONG');
    // Clean for ~1 s (past the decision checkpoint), then writes: the leader decides "run".
    const long = 'local a = 0 for i = 1, 5e7 do a = a + 1 end redis.call("set", KEYS[1], a) return a';
    t.equal(show(await background(c, leader, ['EVAL', long, '1', 'long'])), ':50000000');
    for (const n of c.nodes) await waitPing(c, n.id, '+PONG');
    await sameState(t, c);
    t.equal(show(await c.query(followers[1]!, ['GET', 'long'], { readonly: true })), '"50000000"');
  });

  t.test('a script that wrote cannot be killed and completes everywhere', async (t) => {
    const dirty = 'redis.call("incr", KEYS[1]) local a = 0 for i = 1, 5e7 do a = a + 1 end return a';
    const script = background(c, leader, ['EVAL', dirty, '1', 'counter']);
    await waitPing(c, leader, BUSY);
    t.equal(show(await c.query(leader, ['SCRIPT', 'KILL'])), UNKILLABLE_DIRTY);
    t.equal(show(await script), ':50000000');
    for (const n of c.nodes) await waitPing(c, n.id, '+PONG');
    await sameState(t, c);
    t.equal(show(await c.query(leader, ['GET', 'counter'])), '"1"');
  });
});
