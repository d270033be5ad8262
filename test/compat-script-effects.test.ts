// What scripts' commands show outside the script, as Redis 7.0 shows them.
// What: MONITOR prints the EVAL / FCALL / EVAL_RO line, then each command the script ran as
// `[<db> lua] "cmd" ...` (a SELECT in the script shows the database it selected, and the
// commands after it that database); a script's PUBLISH reaches a subscriber and returns the
// number of receivers. Seshat only: a write after PUBLISH in the same script is refused (the
// receiver count is the serving node's, and no replica's state may depend on it).
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); MONITOR
// lines are compared with their time stamp dropped.
import t, { type Test } from 'tap';
import { type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';

async function monitorLine(m: RespClient, addr: string): Promise<string> {
  const line = show(await m.readReply());
  const match = /^\+\d+\.\d{6} \[(\d+) ([^\]]+)\] (.*)$/.exec(line);
  if (match === null) return line;
  return `[${match[1]} ${match[2] === addr ? 'client' : match[2]}] ${match[3]}`;
}

async function monitorScripts(t: Test, server: ServerHandle): Promise<void> {
  const m = await connect(t, server);
  const c = await connect(t, server);
  const addr = `127.0.0.1:${c.socket.localPort}`;
  await c.q(
    'FUNCTION',
    'LOAD',
    'REPLACE',
    "#!lua name=t\nredis.register_function('t', function() return redis.call('set', 'foo', 'bar') end)",
  );
  t.equal(await m.q('MONITOR'), '+OK');
  const body = "redis.call('set', KEYS[1], ARGV[1]) redis.call('select', 3) return redis.call('get', 'x')";
  t.equal(await c.q('EVAL', body, '1', 'foo', 'bar'), '$-1');
  t.equal(await c.q('FCALL', 't', '0'), '+OK');
  t.equal(await c.q('EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'foo'), '"bar"');
  const want = [
    `[0 client] "EVAL" "${body}" "1" "foo" "bar"`,
    '[0 lua] "set" "foo" "bar"',
    '[3 lua] "select" "3"',
    '[3 lua] "get" "x"',
    '[0 client] "FCALL" "t" "0"',
    '[0 lua] "set" "foo" "bar"',
    `[0 client] "EVAL_RO" "return redis.call('get', KEYS[1])" "1" "foo"`,
    '[0 lua] "get" "foo"',
  ];
  const got: string[] = [];
  for (let i = 0; i < want.length; i++) got.push(await monitorLine(m, addr));
  t.same(got, want);
}

async function publishFromScript(t: Test, server: ServerHandle): Promise<void> {
  const s = await connect(t, server);
  const c = await connect(t, server);
  t.equal(await s.q('SUBSCRIBE', 'ch'), '["subscribe", "ch", :1]');
  t.equal(await c.q('EVAL', "return redis.call('publish', 'ch', ARGV[1])", '0', 'hello'), ':1');
  t.equal(show(await s.readReply()), '["message", "ch", "hello"]');
  t.equal(await c.q('EVAL', "return redis.call('publish', 'nobody', 'x')", '0'), ':0');
}

async function writeAfterPublish(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const body =
    "redis.call('set', 'before', '1') redis.call('publish', 'ch', 'm') return redis.call('set', 'after', '1')";
  t.match(
    await c.q('EVAL', body, '0'),
    /^-ERR Write commands are not allowed after PUBLISH in a script: .* script: /,
  );
  t.equal(await c.q('MGET', 'before', 'after'), '["1", $-1]', 'writes before PUBLISH stay');
  t.equal(
    await c.q('EVAL', "redis.call('publish', 'ch', 'm') return redis.call('get', 'before')", '0'),
    '"1"',
  );
}

forEachTarget(t, async (t, { server }) => {
  t.test('MONITOR shows the commands scripts run', (t) => monitorScripts(t, server));
  t.test('PUBLISH from a script', (t) => publishFromScript(t, server));
});

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('no write after PUBLISH in a script', (t) => writeAfterPublish(t, server));
  },
  { only: ['seshat'], name: 'publish determinism' },
);
