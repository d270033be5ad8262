// Redis 7.0 compatibility of WAIT on a node without replicas (standalone).
// What: argument errors in Redis's order and words; WAIT answers 0 at once when it asks for no
// more replicas than there are, and otherwise after its timeout (never before it); inside MULTI
// it answers at once; a waiting WAIT holds the connection's later commands back (replies in
// request order), counts in INFO blocked_clients, and CLIENT UNBLOCK answers it (0, or the
// UNBLOCKED error); a script may not call it (noscript).
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts), exact
// replies; the blocked state is awaited through INFO clients, elapsed times are lower bounds.
import t, { type Test } from 'tap';
import { type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { type Case, checkCasesBothProtocols, connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const CASES: Case[] = [
  [['WAIT', '0', '0'], ':0'],
  [['WAIT', '-5', '100'], ':0'],
  [['SET', 'k', 'v'], '+OK'],
  [['WAIT', '0', '0'], ':0'],
  [['WAIT', 'x', '0'], '-ERR value is not an integer or out of range'],
  [['WAIT', '99999999999999999999', '0'], '-ERR value is not an integer or out of range'],
  [['WAIT', '1', 'x'], '-ERR timeout is not an integer or out of range'],
  [['WAIT', '1', '1.5'], '-ERR timeout is not an integer or out of range'],
  [['WAIT', '1', '-1'], '-ERR timeout is negative'],
  [['WAIT', 'x', '-1'], '-ERR value is not an integer or out of range'],
  [['WAIT', '1'], "-ERR wrong number of arguments for 'wait' command"],
  [['MULTI'], '+OK'],
  [['SET', 'k', 'w'], '+QUEUED'],
  [['WAIT', '3', '0'], '+QUEUED'],
  [['EXEC'], '[+OK, :0]'],
  [
    ['EVAL', "return redis.call('wait', '0', '0')", '0'],
    /^-ERR This Redis command is not allowed from script/,
  ],
];

async function blockedClients(c: RespClient): Promise<number> {
  const v = await c.send(['INFO', 'clients']);
  const text = v.type === 'bulk' || v.type === 'verbatim' ? v.value.toString() : '';
  return Number(/blocked_clients:(\d+)/.exec(text)?.[1] ?? -1);
}

async function waitBlocked(c: RespClient, n: number): Promise<void> {
  await waitUntil(async () => (await blockedClients(c)) === n, { what: `blocked_clients:${n}` });
}

async function timeoutAndOrder(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const started = Date.now();
  const replies = await c.pipeline([['WAIT', '1', '150'], ['SET', 'after', '1'], ['PING']]);
  t.ok(Date.now() - started >= 140, 'WAIT 1 150 answers after its timeout');
  t.same(replies.map(show), [':0', '+OK', '+PONG'], 'replies in request order');
}

async function unblock(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const b = await connect(t, server);
  const id = (await b.q('CLIENT', 'ID')).slice(1);
  let reply = b.send(['WAIT', '1', '0']).then(show);
  await waitBlocked(c, 1);
  t.equal(await c.q('CLIENT', 'UNBLOCK', id), ':1', 'a waiting WAIT is unblocked');
  t.equal(await reply, ':0', 'as a timeout: the count');
  await waitBlocked(c, 0);
  reply = b.send(['WAIT', '2', '100000']).then(show);
  await waitBlocked(c, 1);
  t.equal(await c.q('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1');
  t.equal(await reply, '-UNBLOCKED client unblocked via CLIENT UNBLOCK');
  t.equal(await c.q('CLIENT', 'UNBLOCK', id), ':0', 'no longer blocked');
  t.equal(await b.q('PING'), '+PONG', 'the connection goes on');
  // A waiting client that disconnects is no longer counted.
  const d = await connect(t, server);
  d.write(['WAIT', '1', '0']);
  await waitBlocked(c, 1);
  await d.close();
  await waitBlocked(c, 0);
}

forEachTarget(t, async (t, { server }) => {
  t.test('replies and errors', (t) => checkCasesBothProtocols(t, server, CASES));
  t.test('timeout and request order', (t) => timeoutAndOrder(t, server));
  t.test('blocked_clients and CLIENT UNBLOCK', (t) => unblock(t, server));
});
