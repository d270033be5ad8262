// Redis 7.0 compatibility of SLOWLOG (GET / LEN / RESET / HELP) and its parameters.
// What: slowlog-log-slower-than (0: every command, -1: none) and slowlog-max-len; entry shape
// (id, unix time, microseconds, arguments, client address, client name), newest first; GET's
// count (default 10, -1 all, errors); commands logged as they were sent (SPOP, GETSET,
// INCRBYFLOAT, a blocked BLPOP served by a push inside MULTI), EXEC not logged but the commands it
// ran are; arguments cut at 32 and at 128 bytes as Redis cuts them; passwords redacted.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); entries
// are compared by their arguments (ids and times differ between servers).
import t, { type Test } from 'tap';
import { type RespClient, type RespValue, show, text } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

/** SLOWLOG GET's entries as [arguments joined by spaces, client name]. */
async function entries(c: RespClient, count?: string): Promise<[string, string][]> {
  const r = await c.send(count === undefined ? ['SLOWLOG', 'GET'] : ['SLOWLOG', 'GET', count]);
  if (r.type !== 'array') throw new Error(`SLOWLOG GET: ${show(r)}`);
  return r.value.map((e: RespValue) => {
    if (e.type !== 'array' || e.value.length !== 6) throw new Error(`entry: ${show(e)}`);
    const args = e.value[3]!;
    return [args.type === 'array' ? args.value.map(text).join(' ') : '?', text(e.value[5]!)];
  });
}

async function basics(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.q('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '10');
  for (let i = 0; i < 100; i++) await c.q('PING');
  t.equal(await c.q('SLOWLOG', 'LEN'), ':10');
  t.equal((await entries(c, '5')).length, 5);
  const r = await c.send(['SLOWLOG', 'GET', '1']);
  t.match(show(r), /^\[\[:\d+, :\d+, :\d+, \["SLOWLOG", "GET", "5"\], "127\.0\.0\.1:\d+", ""\]\]$/);
  await c.q('CONFIG', 'SET', 'slowlog-log-slower-than', '100000');
  t.equal(await c.q('SLOWLOG', 'RESET'), '+OK');
  t.equal(await c.q('SLOWLOG', 'LEN'), ':0');
  t.equal(await c.q('SLOWLOG', 'GET', '-2'), '-ERR count should be greater than or equal to -1');
  t.equal(await c.q('SLOWLOG', 'GET', 'x'), '-ERR count should be greater than or equal to -1');
  t.equal(
    await c.q('SLOWLOG', 'GET', '1', '2'),
    "-ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.",
  );
  t.equal(await c.q('SLOWLOG', 'LEN', 'x'), "-ERR wrong number of arguments for 'slowlog|len' command");
  // Every command, then the newest three.
  await c.q('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '3');
  await c.q('SLOWLOG', 'RESET');
  await c.q('CLIENT', 'SETNAME', 'named');
  await c.q('SET', 'key', 'test');
  await c.q('SADD', 'set', 'a', 'b', 'c');
  await c.q('INCR', 'num');
  t.same(await entries(c, '-1'), [
    ['INCR num', 'named'],
    ['SADD set a b c', 'named'],
    ['SET key test', 'named'],
  ]);
  t.equal((await entries(c, '0')).length, 0);
  await c.q('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
  await c.q('SLOWLOG', 'RESET');
  await c.q('PING');
  t.equal(await c.q('SLOWLOG', 'LEN'), ':0', '-1 logs nothing');
}

async function asSent(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.q('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '128');
  await c.q('SADD', 'set', 'a', 'b', 'c', 'd', 'e');
  await c.q('SET', 'A', '5');
  await c.q('SLOWLOG', 'RESET');
  await c.q('SPOP', 'set', '10');
  await c.q('GETSET', 'a', '5');
  await c.q('INCRBYFLOAT', 'A', '1.0');
  t.same(
    (await entries(c, '3')).map(([a]) => a),
    ['INCRBYFLOAT A 1.0', 'GETSET a 5', 'SPOP set 10'],
  );
  // A blocked BLPOP is logged once served, with its own arguments.
  const b = await connect(t, server);
  const served = b.send(['BLPOP', 'l', '0']);
  await waitUntil(async () => /blocked_clients:1/.test(show(await c.send(['INFO', 'clients']))), {
    what: 'blocked',
  });
  await c.q('MULTI');
  await c.q('LPUSH', 'l', 'foo');
  await c.q('SLOWLOG', 'RESET');
  await c.q('EXEC');
  t.equal(show(await served), '["l", "foo"]');
  await waitUntil(async () => (await entries(c, '1'))[0]?.[0] === 'BLPOP l 0', { what: 'BLPOP logged' });
  // EXEC is not logged, the commands it ran are.
  await c.q('SLOWLOG', 'RESET');
  t.same((await c.pipeline([['MULTI'], ['SET', 'tx', '1'], ['INCR', 'tx'], ['EXEC']])).map(show), [
    '+OK',
    '+QUEUED',
    '+QUEUED',
    '[+OK, :2]',
  ]);
  t.same(
    (await entries(c, '-1')).map(([a]) => a),
    ['INCR tx', 'SET tx 1', 'MULTI', 'SLOWLOG RESET'],
  );
}

async function trimmed(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.q('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '128');
  await c.q('SLOWLOG', 'RESET');
  const many = Array.from({ length: 31 }, (_, i) => String(i + 3));
  await c.q('SADD', 'set', ...many);
  const long = 'A'.repeat(129);
  await c.q('SADD', 'set', 'foo', long);
  await c.q('AUTH', 'nosuchpass');
  await c.q('CONFIG', 'SET', 'masterauth', '');
  await c.q('HELLO', '2', 'AUTH', 'default', 'pw');
  const got = (await entries(c, '-1')).map(([a]) => a).reverse();
  t.equal(got[1], `SADD set ${many.slice(0, 29).join(' ')} ... (2 more arguments)`);
  t.equal(got[2], `SADD set foo ${'A'.repeat(128)}... (1 more bytes)`);
  t.equal(got[3], 'AUTH (redacted)');
  t.equal(got[4], 'CONFIG SET masterauth (redacted)');
  t.equal(got[5], 'HELLO 2 AUTH (redacted) (redacted)');
  t.equal(await c.q('CONFIG', 'SET', 'slowlog-log-slower-than', '10000'), '+OK');
  const help = await c.send(['SLOWLOG', 'HELP']);
  t.same(help.type === 'array' ? help.value.map(text) : [], [
    'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
    'HELP',
    '    Prints this help.',
  ]);
}

forEachTarget(t, async (t, { server }) => {
  t.test('thresholds, length, GET, RESET', (t) => basics(t, server));
  t.test('commands logged as sent', (t) => asSent(t, server));
  t.test('trimmed and redacted arguments', (t) => trimmed(t, server));
});
