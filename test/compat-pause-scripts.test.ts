// Redis 7.0 compatibility of CLIENT PAUSE WRITE with scripts (Redis's getCommandFlags).
// What: a script call goes by the flags its script declares: EVAL of a `no-writes` shebang
// script (new or cached), EVALSHA of one, FCALL of a `no-writes` function, EVAL_RO of a script
// without a shebang, and a MULTI of `no-writes` EVALs run through the pause; EVAL without a
// shebang, EVAL of `#!lua` (flags, but no no-writes), EVAL_RO of such a script (it then fails
// as Redis's does) and FCALL of a writing function wait, in order, until UNPAUSE. Read-only
// scripts refuse PUBLISH and PFCOUNT (hidden MAY_REPLICATE) with Redis's error, and a script
// may PUBLISH (0 receivers here).
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); a client
// counts as held once INFO blocked_clients says so (waitUntil), never after a sleep.
import t, { type Test } from 'tap';
import { type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const LIB = `#!lua name=lib
redis.register_function{function_name='ro', callback=function() return 'ro' end, flags={'no-writes'}}
redis.register_function('rw', function() return redis.call('set', 'fk', 'fv') end)`;
const NO_WRITES = '#!lua flags=no-writes\nreturn redis.call("get", "x")';

async function blockedClients(c: RespClient): Promise<number> {
  const text = show(await c.send(['INFO', 'clients']));
  return Number(/blocked_clients:(\d+)/.exec(text)?.[1] ?? -1);
}

async function waitHeld(c: RespClient, n: number): Promise<void> {
  await waitUntil(async () => (await blockedClients(c)) === n, { what: `blocked_clients:${n}` });
}

async function readOnlyScriptsRun(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const d = await connect(t, server);
  await c.q('SET', 'x', 'y');
  t.equal(await c.q('FUNCTION', 'LOAD', 'REPLACE', LIB), '"lib"');
  const sha = (await c.q('SCRIPT', 'LOAD', '#!lua flags=no-writes\nreturn 2')).slice(1, -1);
  t.equal(await c.q('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK');
  t.equal(await d.q('EVAL', NO_WRITES, '0'), '"y"', 'new no-writes script');
  t.equal(await d.q('EVAL', NO_WRITES, '0'), '"y"', 'cached no-writes script');
  t.equal(await d.q('EVAL_RO', 'return redis.call("get", KEYS[1])', '1', 'x'), '"y"');
  t.equal(await d.q('EVALSHA', sha, '0'), ':2');
  t.equal(await d.q('FCALL', 'ro', '0'), '"ro"');
  t.equal(await d.q('FCALL_RO', 'ro', '0'), '"ro"');
  t.same(
    (
      await d.pipeline([
        ['MULTI'],
        ['EVAL', '#!lua flags=no-writes\nreturn 12', '0'],
        ['EVAL', '#!lua flags=no-writes\nreturn 13', '0'],
        ['EXEC'],
      ])
    ).map(show),
    ['+OK', '+QUEUED', '+QUEUED', '[:12, :13]'],
  );
  t.equal(await blockedClients(c), 0);
  t.equal(await c.q('CLIENT', 'UNPAUSE'), '+OK');
}

async function writingScriptsWait(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  t.equal(await c.q('FUNCTION', 'LOAD', 'REPLACE', LIB), '"lib"');
  t.equal(await c.q('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK');
  const calls: [string, ...string[]][] = [
    ['EVAL', 'return 1', '0'],
    ['EVAL', '#!lua\nreturn 2', '0'],
    ['EVAL_RO', '#!lua\nreturn 3', '0'],
    ['FCALL', 'rw', '0'],
  ];
  const held: Promise<string>[] = [];
  for (let i = 0; i < calls.length; i++) {
    const d = await connect(t, server);
    held.push(d.send(calls[i]!).then(show));
    await waitHeld(c, i + 1);
  }
  t.equal(await c.q('GET', 'fk'), '$-1', 'the held FCALL has not run');
  t.equal(await c.q('CLIENT', 'UNPAUSE'), '+OK');
  const replies = await Promise.all(held);
  t.same(replies.slice(0, 2), [':1', ':2']);
  t.match(replies[2], /^-ERR Can not execute a script with write flag using \*_ro command\./);
  t.equal(replies[3], '+OK');
}

async function mayReplicateInScripts(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const refused = /^-ERR Write commands are not allowed from read-only scripts\. script: /;
  t.match(await c.q('EVAL_RO', "return redis.call('publish', 'ch', 'msg')", '0'), refused);
  t.match(
    await c.q('EVAL', "#!lua flags=no-writes\nreturn redis.call('publish', 'ch', 'msg')", '0'),
    refused,
  );
  t.match(await c.q('EVAL_RO', "return redis.call('pfcount', KEYS[1])", '1', 'h'), refused);
  t.equal(await c.q('EVAL', "return redis.call('publish', 'ch', 'msg')", '0'), ':0');
}

forEachTarget(t, async (t, { server }) => {
  t.test('read-only scripts run through a WRITE pause', (t) => readOnlyScriptsRun(t, server));
  t.test('writing scripts wait for the pause', (t) => writingScriptsWait(t, server));
  t.test('may-replicate commands in read-only scripts', (t) => mayReplicateInScripts(t, server));
});
