// What: seshat serving PostgreSQL on pg-port (standalone node): real clients against the real
// binary, statements going through the node's log.
//  - psql runs test/fixtures/sql-server/tour.sql (DDL, DML, joins, aggregates, constraint and
//    syntax errors); its stdout and stderr equal tour.out / tour.err, which PostgreSQL 15 wrote
//    for the same script;
//  - node-postgres: simple and extended protocol, parameters, a named prepared statement
//    reused, errors with SQLSTATE / detail / position, the connection usable after them;
//  - FLUSHALL (RESP) leaves SQL tables alone, and kv and SQL writes interleave in one log;
//  - kill -9 right after an acknowledged INSERT: after restart the row (and a kv key written
//    before it) is there, replayed from the shared log.
// How: startSeshat with --pg-port on a free port; pg's Client and Debian's psql (skipped when
// psql is absent; .ci/run installs postgresql-client).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import t, { type Test } from 'tap';
import { freePort, REPO_ROOT, type ServerHandle, startSeshat } from './helpers/server.ts';
import { text } from './helpers/resp-client.ts';
import { connect } from './helpers/targets.ts';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'sql-server');
const havePsql = spawnSync('psql', ['--version']).status === 0;

async function startWithPg(t: Test, extra: string[] = []): Promise<{ server: ServerHandle; pgPort: number }> {
  const pgPort = await freePort();
  const server = await startSeshat({ t, args: ['--pg-port', String(pgPort), ...extra] });
  return { server, pgPort };
}

async function pgClient(t: Test, port: number, password?: string): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password });
  // A server killed under it (kill -9 tests) must not surface as an unhandled 'error' event.
  c.on('error', () => undefined);
  await c.connect();
  t.teardown(() => c.end().catch(() => undefined));
  return c;
}

/** The error a query raises (fails the test if it succeeds). */
async function errorOf(t: Test, p: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await p;
  } catch (e) {
    return e as pg.DatabaseError;
  }
  t.fail('query should have failed');
  throw new Error('unreachable');
}

t.test(
  'psql runs a script and prints what PostgreSQL 15 printed',
  { skip: havePsql ? false : 'psql not installed' },
  async (t) => {
    const { pgPort } = await startWithPg(t);
    const r = spawnSync(
      'psql',
      ['-X', '-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', '-d', 'postgres', '-f', 'tour.sql'],
      { cwd: FIXTURES, encoding: 'utf8', timeout: 60_000 },
    );
    t.equal(r.status, 0);
    t.equal(r.stdout, fs.readFileSync(path.join(FIXTURES, 'tour.out'), 'utf8'));
    t.equal(r.stderr, fs.readFileSync(path.join(FIXTURES, 'tour.err'), 'utf8'));
  },
);

t.test('node-postgres: simple and extended protocol, parameters, SQLSTATE errors', async (t) => {
  const { pgPort } = await startWithPg(t);
  const c = await pgClient(t, pgPort);
  await c.query('create table kv (k text primary key, v integer not null, at timestamp)');
  const ins = await c.query('insert into kv values ($1, $2, $3), ($4, $5, null) returning k, v', [
    'a',
    1,
    '2024-05-06 07:08:09',
    'b',
    2,
  ]);
  t.equal(ins.command, 'INSERT');
  t.equal(ins.rowCount, 2);
  t.same(ins.rows, [
    { k: 'a', v: 1 },
    { k: 'b', v: 2 },
  ]);
  const named = { name: 'by-key', text: 'select v, at from kv where k = $1' };
  const a = await c.query({ ...named, values: ['a'] });
  t.same(
    a.rows.map((r) => r.v),
    [1],
  );
  t.equal((a.rows[0].at as Date).getFullYear(), 2024);
  const b = await c.query({ ...named, values: ['b'] });
  t.same(b.rows, [{ v: 2, at: null }]);
  const simple = await c.query('update kv set v = v + 10; select k, v from kv order by k');
  t.same(
    (simple as unknown as pg.QueryResult[]).map((r) => r.command),
    ['UPDATE', 'SELECT'],
  );
  t.same((simple as unknown as pg.QueryResult[])[1]!.rows, [
    { k: 'a', v: 11 },
    { k: 'b', v: 12 },
  ]);

  const dup = await errorOf(t, c.query('insert into kv values ($1, $2, null)', ['a', 5]));
  t.equal(dup.code, '23505');
  t.equal(dup.detail, 'Key (k)=(a) already exists.');
  t.equal(dup.constraint ?? 'kv_pkey', 'kv_pkey');
  const nn = await errorOf(t, c.query('insert into kv (k) values ($1)', ['z']));
  t.equal(nn.code, '23502');
  const syntax = await errorOf(t, c.query('select * form kv'));
  t.equal(syntax.code, '42601');
  t.equal(syntax.position, '10');
  const missing = await errorOf(t, c.query('select * from nope'));
  t.equal(missing.code, '42P01');
  const badParam = await errorOf(t, c.query('select v from kv where v = $1', ['x']));
  t.equal(badParam.code, '22P02');
  // The connection still works, and nothing of the failed statements was written.
  const after = await c.query('select count(*)::int as n, sum(v)::int as s from kv');
  t.same(after.rows, [{ n: 2, s: 23 }]);
});

t.test('FLUSHALL leaves SQL tables; kv and SQL writes share the log', async (t) => {
  const { server, pgPort } = await startWithPg(t);
  const c = await pgClient(t, pgPort);
  const r = await connect(t, server);
  await c.query('create table t (id int primary key)');
  for (let i = 0; i < 20; i++) {
    // Interleaved: kv entries and SQL entries alternate in the log.
    t.equal(await r.q('SET', `k${i}`, String(i)), '+OK');
    await c.query('insert into t values ($1)', [i]);
  }
  t.equal(await r.q('DBSIZE'), ':20');
  t.equal(await r.q('FLUSHALL'), '+OK');
  t.equal(await r.q('DBSIZE'), ':0');
  const n = await c.query('select count(*) as n from t');
  t.equal(n.rows[0].n, '20');
});

t.test('kill -9 after an acknowledged INSERT: the row is there after restart', async (t) => {
  const { server, pgPort } = await startWithPg(t);
  const r = await connect(t, server);
  const c = await pgClient(t, pgPort);
  await c.query('create table acked (id serial primary key, note text)');
  t.equal(await r.q('SET', 'before', 'sql'), '+OK');
  const ins = await c.query("insert into acked (note) values ('one'), ('two') returning id");
  t.equal(ins.rowCount, 2);
  await server.kill9();
  await c.end().catch(() => undefined);
  await server.restart();
  const c2 = await pgClient(t, pgPort);
  const rows = await c2.query('select id, note from acked order by id');
  t.same(rows.rows, [
    { id: 1, note: 'one' },
    { id: 2, note: 'two' },
  ]);
  // The sequence continues after the values handed out before the crash.
  const next = await c2.query("insert into acked (note) values ('three') returning id");
  t.same(next.rows, [{ id: 3 }]);
  const r2 = await connect(t, server);
  t.equal(text(await r2.send(['GET', 'before'])), 'sql');
});
