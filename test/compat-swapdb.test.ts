// Redis 7.0 compatibility of SWAPDB and of WATCH across databases.
// What: SWAPDB's replies and errors; after a swap every client sees the other database's keys
// (values, TTLs, collections, DBSIZE, INFO keyspace, KEYS), MOVE/COPY ... DB and SELECT name the
// databases as clients see them, a swap inside MULTI applies to the commands after it, keyspace
// events name the client-visible database; WATCH remembers the database of a key (a write of
// the same name in another database, by this connection or another, does not abort EXEC; nor
// does FLUSHDB of another database), SWAPDB fails the transactions watching a key of either
// database that exists in either, and not those watching keys absent from both (Redis's
// touchAllWatchedKeysInDb); a client blocked on a key in one database is served when SWAPDB
// brings a list there (Redis's scanDatabaseForReadyKeys). Seshat only: a swap survives a restart.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts), exact
// replies; blocked state awaited through INFO clients.
import t, { type Test } from 'tap';
import { type RespClient, show } from './helpers/resp-client.ts';
import { startSeshat, type ServerHandle } from './helpers/server.ts';
import { type Case, checkCasesBothProtocols, connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const SWAPDB_CASES: Case[] = [
  [['SELECT', '0'], '+OK'],
  [['SET', 'a', 'zero'], '+OK'],
  [['RPUSH', 'l', 'x', 'y'], ':2'],
  [['SELECT', '1'], '+OK'],
  [['SET', 'a', 'one'], '+OK'],
  [['SET', 'b', 'one', 'EX', '100'], '+OK'],
  [['SWAPDB', '0', '1'], '+OK'],
  [['GET', 'a'], '"zero"'],
  [['LRANGE', 'l', '0', '-1'], '["x", "y"]'],
  [['EXISTS', 'b'], ':0'],
  [['DBSIZE'], ':2'],
  [['SELECT', '0'], '+OK'],
  [['GET', 'a'], '"one"'],
  [['TTL', 'b'], ':100'],
  [['DBSIZE'], ':2'],
  // MOVE and COPY name databases as clients see them.
  [['MOVE', 'b', '1'], ':1'],
  [['SELECT', '1'], '+OK'],
  [['TTL', 'b'], ':100'],
  [['COPY', 'l', 'l2', 'DB', '5'], ':1'],
  [['SWAPDB', '1', '5'], '+OK'],
  [['LRANGE', 'l2', '0', '-1'], '["x", "y"]'],
  [['SELECT', '5'], '+OK'],
  [['LRANGE', 'l2', '0', '-1'], '[]'],
  [['DBSIZE'], ':3'],
  // A swap inside MULTI applies to the commands after it.
  [['MULTI'], '+OK'],
  [['SET', 'm', 'before'], '+QUEUED'],
  [['SWAPDB', '5', '6'], '+QUEUED'],
  [['SET', 'm', 'after'], '+QUEUED'],
  [['EXEC'], '[+OK, +OK, +OK]'],
  [['GET', 'm'], '"after"'],
  [['SELECT', '6'], '+OK'],
  [['GET', 'm'], '"before"'],
  [['SWAPDB', '6', '5'], '+OK'],
  [['SWAPDB', '0', '0'], '+OK'],
  // Errors.
  [['SWAPDB', 'x', '1'], '-ERR invalid first DB index'],
  [['SWAPDB', '0', 'y'], '-ERR invalid second DB index'],
  [['SWAPDB', '0', '16'], '-ERR DB index is out of range'],
  [['SWAPDB', '-1', '0'], '-ERR DB index is out of range'],
  [['SWAPDB', '99999999999', '0'], '-ERR invalid first DB index'],
  [['SWAPDB', '0'], "-ERR wrong number of arguments for 'swapdb' command"],
  [['FLUSHALL'], '+OK'],
];

async function keyspace(c: RespClient): Promise<string> {
  const v = await c.send(['INFO', 'keyspace']);
  const text = v.type === 'bulk' || v.type === 'verbatim' ? v.value.toString() : '';
  return text
    .split('\r\n')
    .filter((l) => l.startsWith('db'))
    .join(' ');
}

async function infoAndKeys(t: Test, c: RespClient): Promise<void> {
  await c.q('FLUSHALL');
  await c.q('SELECT', '2');
  await c.q('MSET', 'p', '1', 'q', '2');
  await c.q('EXPIRE', 'p', '100');
  t.equal(await c.q('SWAPDB', '2', '7'), '+OK');
  t.match(await keyspace(c), /^db7:keys=2,expires=1,avg_ttl=\d+$/);
  await c.q('SELECT', '7');
  t.equal(await c.q('SCAN', '0', 'MATCH', 'p'), '["0", ["p"]]');
  t.match(await c.q('RANDOMKEY'), /^"[pq]"$/);
  await c.q('SELECT', '2');
  t.equal(await c.q('KEYS', '*'), '[]');
  t.equal(await c.q('RANDOMKEY'), '$-1');
}

/** Keyspace events name the database clients see. */
async function events(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const sub = await connect(t, server);
  await c.q('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  t.equal(await sub.q('PSUBSCRIBE', '__keyspace@*__:*'), '["psubscribe", "__keyspace@*__:*", :1]');
  await c.q('SWAPDB', '3', '4');
  await c.q('SELECT', '3');
  await c.q('SET', 'e', 'v');
  t.equal(show(await sub.readReply()), '["pmessage", "__keyspace@*__:*", "__keyspace@3__:e", "set"]');
  await c.q('MOVE', 'e', '4');
  t.equal(show(await sub.readReply()), '["pmessage", "__keyspace@*__:*", "__keyspace@3__:e", "move_from"]');
  t.equal(show(await sub.readReply()), '["pmessage", "__keyspace@*__:*", "__keyspace@4__:e", "move_to"]');
  await c.q('SWAPDB', '3', '4');
  await c.q('CONFIG', 'SET', 'notify-keyspace-events', '');
}

/** EXEC of a connection that WATCHes `key` in `db` after `writes` ran (on `other`). */
async function execAfter(
  c: RespClient,
  other: RespClient,
  db: string,
  key: string,
  writes: string[][],
): Promise<string> {
  await c.q('SELECT', db);
  await c.q('WATCH', key);
  for (const w of writes) await other.q(...w);
  await c.q('MULTI');
  await c.q('PING');
  return c.q('EXEC');
}

async function watchAcrossDbs(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const o = await connect(t, server);
  await c.q('FLUSHALL');
  // Redis's "WATCH is able to remember the DB a key belongs to": the watcher itself writes.
  await c.q('SELECT', '5');
  await c.q('SET', 'x', '30');
  await c.q('WATCH', 'x');
  await c.q('SELECT', '1');
  await c.q('SET', 'x', '10');
  await c.q('SELECT', '5');
  await c.q('MULTI');
  await c.q('PING');
  t.equal(await c.q('EXEC'), '[+PONG]', 'own write of the name in another db');
  // Another connection writes the name in other databases.
  await o.q('SELECT', '2');
  t.equal(await execAfter(c, o, '5', 'x', [['SET', 'x', '1'], ['DEL', 'x'], ['FLUSHDB']]), '[+PONG]');
  t.equal(
    await execAfter(c, o, '5', 'x', [
      ['SELECT', '5'],
      ['SET', 'x', '2'],
      ['SELECT', '2'],
    ]),
    '*-1',
  );
  t.equal(
    await execAfter(c, o, '5', 'x', [
      ['SET', 'y', '1'],
      ['MOVE', 'y', '3'],
    ]),
    '[+PONG]',
  );
  t.equal(
    await execAfter(c, o, '5', 'z', [
      ['SET', 'z', '1'],
      ['MOVE', 'z', '5'],
    ]),
    '*-1',
    'moved into db 5',
  );
}

/** Redis's multi.tcl SWAPDB cases, plus keys absent from both databases. */
async function swapdbWatch(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const o = await connect(t, server);
  await c.q('FLUSHALL');
  await c.q('SELECT', '0');
  await c.q('SET', 'x', '30');
  t.equal(await execAfter(c, o, '0', 'x', [['SWAPDB', '0', '1']]), '*-1', 'watched key that exists');
  await c.q('FLUSHALL');
  await c.q('SELECT', '1');
  await c.q('SET', 'x', '30');
  t.equal(await execAfter(c, o, '0', 'x', [['SWAPDB', '0', '1']]), '*-1', 'watched key that does not exist');
  await c.q('FLUSHALL');
  await c.q('SELECT', '0');
  await c.q('SET', 'other', '1');
  t.equal(await execAfter(c, o, '0', 'x', [['SWAPDB', '0', '1']]), '[+PONG]', 'absent from both');
  t.equal(await execAfter(c, o, '0', 'other', [['SWAPDB', '2', '3']]), '[+PONG]', 'other databases');
}

/** A client blocked on a key of database 0 is served when SWAPDB brings a list there. */
async function blockedServed(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const b = await connect(t, server);
  await c.q('FLUSHALL');
  await c.q('SELECT', '1');
  await c.q('RPUSH', 'bl', 'v');
  const reply = b.send(['BLPOP', 'bl', '0']).then(show);
  await waitUntil(async () => /blocked_clients:1/.test(show(await c.send(['INFO', 'clients']))), {
    what: 'blocked',
  });
  t.equal(await c.q('SWAPDB', '0', '1'), '+OK');
  t.equal(await reply, '["bl", "v"]');
  t.equal(await c.q('EXISTS', 'bl'), ':0', 'db 1 now holds what db 0 held');
  await c.q('SELECT', '0');
  t.equal(await c.q('EXISTS', 'bl'), ':0', 'popped from the swapped-in list');
}

forEachTarget(t, async (t, { server }) => {
  t.test('SWAPDB replies and what clients see', (t) => checkCasesBothProtocols(t, server, SWAPDB_CASES));
  t.test('INFO keyspace, SCAN, KEYS, RANDOMKEY after SWAPDB', async (t) =>
    infoAndKeys(t, await connect(t, server)),
  );
  t.test('keyspace events name the database clients see', (t) => events(t, server));
  t.test('WATCH remembers the database of a key', (t) => watchAcrossDbs(t, server));
  t.test('SWAPDB and WATCHed keys', (t) => swapdbWatch(t, server));
  t.test('SWAPDB serves a blocked client', (t) => blockedServed(t, server));
});

t.test('a swap survives a restart (Seshat)', async (t) => {
  const server = await startSeshat({ t });
  let c = await connect(t, server);
  await c.q('SELECT', '3');
  await c.q('SET', 'k', 'three');
  t.equal(await c.q('SWAPDB', '3', '9'), '+OK');
  await c.close();
  await server.restart();
  c = await connect(t, server);
  await c.q('SELECT', '9');
  t.equal(await c.q('GET', 'k'), '"three"');
  await c.q('SELECT', '3');
  t.equal(await c.q('EXISTS', 'k'), ':0');
  t.equal(await keyspace(c), 'db9:keys=1,expires=0,avg_ttl=0');
});
