// Redis 7.0 compatibility of CLIENT PAUSE / CLIENT UNPAUSE.
// What: WRITE mode holds writes and commands that may replicate (PUBLISH) and EXEC of a
// transaction holding a write, and lets reads, read-only transactions and refused commands
// (wrong arity) through; held clients count in INFO blocked_clients and are answered, in order,
// when the pause ends (UNPAUSE or its timeout); ALL mode holds reads too; a pause queued in
// MULTI starts after the transaction; no key is expired (actively or lazily) while writes are
// paused, and lazy expiry deletes again afterwards; the argument errors.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); a client
// is considered held once INFO clients counts it (waitUntil), never after a sleep.
import t, { type Test } from 'tap';
import { type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

async function infoField(c: RespClient, section: string, field: string): Promise<number> {
  const text = show(await c.send(['INFO', section]));
  return Number(new RegExp(`${field}:(\\d+)`).exec(text)?.[1] ?? -1);
}

async function waitHeld(c: RespClient, n: number): Promise<void> {
  await waitUntil(async () => (await infoField(c, 'clients', 'blocked_clients')) === n, {
    what: `blocked_clients:${n}`,
  });
}

async function writeMode(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const d = await connect(t, server);
  await c.q('SET', 'foo', 'old');
  t.equal(await c.q('CLIENT', 'PAUSE', '100000', 'WRITE'), '+OK');
  // Reads, read-only transactions and refused commands go on.
  t.equal(await d.q('GET', 'foo'), '"old"');
  t.same((await d.pipeline([['MULTI'], ['PING'], ['GET', 'foo'], ['EXEC']])).map(show), [
    '+OK',
    '+QUEUED',
    '+QUEUED',
    '[+PONG, "old"]',
  ]);
  t.equal(await d.q('SET', 'foo'), "-ERR wrong number of arguments for 'set' command");
  t.equal(await infoField(c, 'clients', 'blocked_clients'), 0);
  // A write waits, and so does everything behind it.
  const held = [d.send(['SET', 'foo', 'new']), d.send(['GET', 'foo'])].map((p) => p.then(show));
  await waitHeld(c, 1);
  t.equal(await c.q('GET', 'foo'), '"old"', 'the held SET has not run');
  const pub = await connect(t, server);
  const published = pub.send(['PUBLISH', 'ch', 'm']).then(show);
  await waitHeld(c, 2);
  t.equal(await c.q('CLIENT', 'UNPAUSE'), '+OK');
  t.same(await Promise.all(held), ['+OK', '"new"']);
  t.equal(await published, ':0');
  await waitHeld(c, 0);
}

async function transactions(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const d = await connect(t, server);
  t.equal(await d.q('MULTI'), '+OK');
  t.equal(await d.q('SET', 'tx', '1'), '+QUEUED');
  await c.q('CLIENT', 'PAUSE', '60000', 'WRITE');
  const exec = d.send(['EXEC']).then(show);
  await waitHeld(c, 1);
  await c.q('CLIENT', 'UNPAUSE');
  t.equal(await exec, '[+OK]');
  // A pause run by EXEC starts once the transaction is done.
  t.same(
    (
      await c.pipeline([
        ['MULTI'],
        ['SET', 'a1', 'x'],
        ['CLIENT', 'PAUSE', '60000', 'WRITE'],
        ['SET', 'a2', 'x'],
        ['EXEC'],
      ])
    ).map(show),
    ['+OK', '+QUEUED', '+QUEUED', '+QUEUED', '[+OK, +OK, +OK]'],
  );
  const later = d.send(['SET', 'a3', 'x']).then(show);
  await waitHeld(c, 1);
  t.equal(await c.q('MGET', 'a1', 'a2', 'a3'), '["x", "x", $-1]');
  await c.q('CLIENT', 'UNPAUSE');
  t.equal(await later, '+OK');
}

async function allModeAndTimeout(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const clients = [await connect(t, server), await connect(t, server), await connect(t, server)];
  t.equal(await c.q('CLIENT', 'PAUSE', '300', 'ALL'), '+OK');
  const t0 = performance.now();
  const replies = clients.map((x, i) => x.send(['INCR', 'order']).then((r) => [i, show(r)] as const));
  const ping = clients[0]!.send(['PING']).then(show);
  const got = await Promise.all(replies);
  const ms = performance.now() - t0;
  t.ok(ms >= 250, `held until the timeout (${Math.round(ms)} ms)`);
  t.same(got.map(([, r]) => r).sort(), [':1', ':2', ':3'], 'every held write ran once');
  t.equal(await ping, '+PONG');
  // Errors.
  t.equal(await c.q('CLIENT', 'PAUSE', 'x'), '-ERR timeout is not an integer or out of range');
  t.equal(await c.q('CLIENT', 'PAUSE', '-1'), '-ERR timeout is negative');
  t.equal(await c.q('CLIENT', 'PAUSE', '1', 'NONE'), '-ERR CLIENT PAUSE mode must be WRITE or ALL');
  t.equal(await c.q('CLIENT', 'PAUSE'), "-ERR wrong number of arguments for 'client|pause' command");
  t.equal(await c.q('CLIENT', 'UNPAUSE', 'x'), "-ERR wrong number of arguments for 'client|unpause' command");
  t.equal(await c.q('CLIENT', 'UNPAUSE'), '+OK', 'nothing paused: OK');
}

/** Redis's "both active and passive expires are skipped during client pause". */
async function expiry(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const before = await infoField(c, 'stats', 'expired_keys');
  t.same(
    (
      await c.pipeline([
        ['MULTI'],
        ['SET', 'e1', 'v', 'PX', '10'],
        ['SET', 'e2', 'v', 'PX', '10'],
        ['CLIENT', 'PAUSE', '50000', 'WRITE'],
        ['EXEC'],
      ])
    ).map(show),
    ['+OK', '+QUEUED', '+QUEUED', '+QUEUED', '[+OK, +OK, +OK]'],
  );
  await waitUntil(async () => (await c.q('GET', 'e1')) === '$-1' && (await c.q('GET', 'e2')) === '$-1', {
    what: 'keys read as expired',
  });
  // A few expiry cycles (hz 10) could have run by now.
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(await infoField(c, 'stats', 'expired_keys'), before, 'nothing deleted while paused');
  await c.q('CLIENT', 'UNPAUSE');
  await c.q('GET', 'e1');
  await c.q('GET', 'e2');
  t.equal(await infoField(c, 'stats', 'expired_keys'), before + 2, 'lazy expiry deletes again');
}

forEachTarget(t, async (t, { server }) => {
  t.test('WRITE mode', (t) => writeMode(t, server));
  t.test('transactions', (t) => transactions(t, server));
  t.test('ALL mode, timeout, errors', (t) => allModeAndTimeout(t, server));
  t.test('no expiry while paused', (t) => expiry(t, server));
});
