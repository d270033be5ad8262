// Redis 7.0 compatibility of MONITOR.
// What: the monitoring connection gets +OK, then one status line per command run by any client:
// `+<seconds>.<microseconds> [<db> <ip:port>] "arg" ...`, arguments quoted like Redis's
// sdscatrepr (\n, \", bytes as \xHH), passwords shown as "(redacted)"; MULTI, the commands EXEC
// ran, then EXEC; an aborted EXEC alone; commands refused before running and administrative
// ones (CONFIG) not shown; SELECT shown with the database it selected; CLIENT LIST flags O.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); lines are
// compared with the time and address replaced.
import t, { type Test } from 'tap';
import { show, text } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';

async function monitor(t: Test, server: ServerHandle): Promise<void> {
  const m = await connect(t, server);
  const c = await connect(t, server);
  t.equal(await m.q('MONITOR'), '+OK');
  const addr = `127.0.0.1:${c.socket.localPort}`;
  await c.q('SET', 'foo', Buffer.from('bar\n"x\xff', 'latin1'));
  await c.q('GET', 'foo');
  await c.q('MULTI');
  await c.q('SET', 'foo', 'bar');
  await c.q('EXEC');
  await c.q('MULTI');
  await c.q('syntax', 'error');
  await c.q('EXEC');
  await c.q('CONFIG', 'GET', 'maxclients');
  await c.q('GET');
  await c.q('AUTH', 'x');
  await c.q('HELLO', '2', 'AUTH', 'default', 'pw');
  await c.q('SELECT', '3');
  await c.q('INCR', 'n');
  const want = [
    '"SET" "foo" "bar\\\\n\\\\"x\\\\xff"',
    '"GET" "foo"',
    '"MULTI"',
    '"SET" "foo" "bar"',
    '"EXEC"',
    '"MULTI"',
    '"EXEC"',
    '"AUTH" "(redacted)"',
    '"HELLO" "2" "AUTH" "(redacted)" "(redacted)"',
    '"SELECT" "3"',
    '"INCR" "n"',
  ];
  const got: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const line = show(await m.readReply());
    const match = /^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)$/.exec(line);
    t.ok(match !== null && match[4] === addr, `line ${i}: ${line}`);
    got.push(match === null ? line : `${match[3]} ${match[5]}`);
  }
  t.same(
    got,
    want.map(
      (w, i) => `${i === want.length - 1 || i === want.length - 2 ? 3 : 0} ${w.replaceAll('\\\\', '\\')}`,
    ),
  );
  const f = text(await c.send(['CLIENT', 'LIST']));
  t.match(f, / flags=O /, 'the monitor is flagged O');
}

forEachTarget(t, async (t, { server }) => {
  t.test('MONITOR', (t) => monitor(t, server));
});
