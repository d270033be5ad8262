// Differential wire test: the same frontend message sequences are sent byte for byte to
// PgServer (over PGlite) and to a real PostgreSQL 15 server, and the backend message
// sequences must be the same after normalising what legitimately differs (ParameterStatus
// values, BackendKeyData, table OIDs in RowDescription, the file/line/routine/where fields of
// errors). Covers simple query (several statements, empty, errors aborting the rest,
// transaction status), the extended protocol (Describe, row limits and PortalSuspended, skip
// to Sync after an error, named statement and portal errors, parameter count errors, binary
// results and parameters of every common type), COPY in and out, and malformed input both
// at startup and in session. Skipped when PostgreSQL 15 is not installed.
import { serialize } from 'pg-protocol';
import t from 'tap';
import { startPgServer } from './helpers/pg-server.js';
import { realPgUnavailable, startRealPg } from './helpers/real-pg.js';
import { type RawMessage, WireClient } from './helpers/wire-client.js';
import { normalise } from './helpers/wire-normalise.js';

type Scenario = (c: WireClient) => Promise<RawMessage[]>;
const q = (sql: string) => serialize.query(sql);
const sync = serialize.sync();

function int4(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

const BINARY_SQL = `SELECT 1::int2 AS a, 2::int4 AS b, 3::int8 AS c, 1.5::float4 AS d, 2.5::float8 AS e,
  12.340::numeric AS f, true AS g, 'x'::text AS h, '\\x0102'::bytea AS i, '2024-01-02'::date AS j,
  '2024-01-02 03:04:05.678'::timestamp AS k, '2024-01-02 03:04:05+00'::timestamptz AS l,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS m, '{"a": 1}'::jsonb AS n, '[1]'::json AS o,
  'ab'::varchar(5) AS p, 'ab'::char(3) AS r, '12:00:01'::time AS s, NULL::int AS t`;

const scenarios: Record<string, Scenario> = {
  'simple: several statements, empty, errors abort the rest': async (c) => {
    c.send(q('SELECT 1 AS a; SELECT 2'), q(''), q(';'), q('SELECT 1; SELEC 2; SELECT 3'), q('SELECT $1'));
    c.send(q('SELECT 1 AS a; SELECT 1/(a-1) FROM (SELECT 1 AS a) s; SELECT 3'));
    return c.until(6);
  },
  'simple: transaction status': async (c) => {
    c.send(q('BEGIN'), q('SELECT 1/0'), q('SELECT 1'), q('ROLLBACK'), q('BEGIN; SELECT 1'), q('COMMIT'));
    return c.until(6);
  },
  'simple: DDL, DML tags and notices': async (c) => {
    c.send(q('CREATE TABLE w (a int PRIMARY KEY, b text)'), q("INSERT INTO w VALUES (1, 'x'), (2, NULL)"));
    c.send(
      q("UPDATE w SET b = 'y' WHERE a = 2"),
      q('DELETE FROM w WHERE a = 1'),
      q('DROP TABLE IF EXISTS nothere'),
    );
    c.send(q('SELECT * FROM w'), q('DROP TABLE w'));
    return c.until(7);
  },
  'simple: SET reports ParameterStatus': async (c) => {
    c.send(
      q("SET application_name = 'wire test'"),
      q("SET DateStyle = 'ISO, DMY'"),
      q("SET TimeZone = 'Europe/Paris'"),
    );
    c.send(q("BEGIN; SET LOCAL application_name = 'inner'; COMMIT"));
    return c.until(4);
  },
  'extended: describe, bind, execute': async (c) => {
    c.send(
      serialize.parse({ text: 'SELECT $1::int + 1 AS n, $2::text AS t', types: [0, 25] }),
      serialize.describe({ type: 'S' }),
    );
    c.send(
      serialize.bind({ values: ['41', 'x'] }),
      serialize.describe({ type: 'P' }),
      serialize.execute(),
      sync,
    );
    c.send(
      serialize.parse({ text: 'CREATE TABLE IF NOT EXISTS e (a int)' }),
      serialize.describe({ type: 'S' }),
      serialize.bind(),
      serialize.execute(),
      sync,
    );
    c.send(
      serialize.parse({ text: '' }),
      serialize.bind(),
      serialize.describe({ type: 'P' }),
      serialize.execute(),
      sync,
    );
    return c.until(3);
  },
  'extended: row limits and PortalSuspended': async (c) => {
    c.send(serialize.parse({ text: 'SELECT g FROM generate_series(1, 5) g' }), serialize.bind());
    c.send(
      serialize.execute({ rows: 2 }),
      serialize.execute({ rows: 2 }),
      serialize.execute({ rows: 2 }),
      sync,
    );
    c.send(serialize.parse({ text: 'SELECT g FROM generate_series(1, 4) g' }), serialize.bind());
    c.send(serialize.execute({ rows: 2 }), serialize.execute({ rows: 2 }), sync, serialize.execute(), sync);
    return c.until(3);
  },
  'extended: named statements and portals, errors skip to Sync': async (c) => {
    c.send(
      serialize.parse({ name: 's1', text: 'SELECT 1' }),
      serialize.parse({ name: 's1', text: 'SELECT 2' }),
      serialize.bind({ statement: 's1' }),
      sync,
    );
    c.send(
      serialize.bind({ statement: 'nope' }),
      sync,
      serialize.describe({ type: 'S', name: 'nope' }),
      sync,
    );
    c.send(
      serialize.bind({ statement: 's1', portal: 'p1' }),
      serialize.bind({ statement: 's1', portal: 'p1' }),
      sync,
    );
    c.send(
      serialize.bind({ statement: 's1', portal: 'p2' }),
      serialize.execute({ portal: 'p2' }),
      serialize.execute({ portal: 'p3' }),
      sync,
    );
    c.send(
      serialize.close({ type: 'S', name: 's1' }),
      serialize.close({ type: 'S', name: 'nope' }),
      serialize.close({ type: 'P', name: 'x' }),
      sync,
    );
    c.send(serialize.bind({ statement: 's1' }), sync);
    c.send(
      serialize.parse({ text: 'SELECT 1/g FROM generate_series(0, 1) g' }),
      serialize.bind(),
      serialize.execute(),
      serialize.parse({ text: 'SELECT 1' }),
      serialize.bind(),
      serialize.execute(),
      sync,
      q('SELECT 2'),
    );
    return c.until(8);
  },
  'extended: parameter and format errors': async (c) => {
    c.send(serialize.parse({ text: 'SELECT $1::int AS v' }), serialize.bind({ values: [] }), sync);
    c.send(
      serialize.parse({ text: 'SELECT $1::int AS v' }),
      serialize.bind({ values: [Buffer.from([1, 2])] }),
      sync,
    );
    c.send(
      serialize.parse({ text: 'SELECT $1::int AS v' }),
      serialize.bind({ values: [Buffer.from([0, 0, 0, 1, 2])] }),
      sync,
    );
    c.send(
      serialize.parse({ text: 'SELECT $1::numeric AS v' }),
      serialize.bind({ values: [Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0])] }),
      sync,
    );
    return c.until(4);
  },
  'extended: binary results of every common type': async (c) => {
    c.send(
      q("SET TimeZone = 'UTC'"),
      serialize.parse({ text: BINARY_SQL }),
      serialize.bind({ binary: true }),
      serialize.describe({ type: 'P' }),
      serialize.execute(),
      sync,
    );
    c.send(serialize.parse({ text: BINARY_SQL }), serialize.bind(), serialize.execute(), sync);
    return c.until(3);
  },
  'extended: binary parameters': async (c) => {
    const numeric = Buffer.from([0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x0d, 0x48]); // 12.34
    c.send(
      serialize.parse({
        text: 'SELECT $1::int4 + 1 AS a, $2::text AS b, $3::numeric * 2 AS c, $4::bytea AS d, $5::int8 AS e, $6::bool AS f',
        types: [23, 25, 1700, 17, 20, 16],
      }),
      serialize.bind({
        values: [
          int4(41),
          Buffer.from('héllo'),
          numeric,
          Buffer.from([0, 255]),
          Buffer.from([0, 0, 0, 0, 0, 0, 1, 0]),
          Buffer.from([1]),
        ],
      }),
      serialize.execute(),
      sync,
    );
    return c.until(1);
  },
  'COPY out and in': async (c) => {
    c.send(q('CREATE TABLE cp (a int, b text)'), q("INSERT INTO cp VALUES (1, 'x'), (2, NULL), (3, 'a,b')"));
    c.send(
      q('COPY cp TO STDOUT'),
      q('COPY (SELECT * FROM cp ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)'),
    );
    c.send(
      q('COPY cp FROM STDIN'),
      serialize.copyData(Buffer.from('4\tfour\n5\t\\N\n')),
      serialize.copyDone(),
    );
    c.send(
      q('COPY cp FROM STDIN'),
      serialize.copyData(Buffer.from('6\tsix\n')),
      serialize.copyFail('client gave up'),
    );
    c.send(q('SELECT count(*) FROM cp'), q('DROP TABLE cp'));
    return c.until(8);
  },
  'in session: malformed Bind body': async (c) => {
    const bad = Buffer.from([0x42, 0, 0, 0, 9, 0, 0, 0, 1, 0]); // portal "", statement "", 1 format code cut short
    c.send(serialize.parse({ text: 'SELECT 1' }), bad, sync, q('SELECT 3'));
    return c.until(2);
  },
  'in session: unknown message type is FATAL': async (c) => {
    c.send(Buffer.from([0x78, 0, 0, 0, 4]));
    return c.closed();
  },
};

const startupScenarios: Record<string, (c: WireClient) => Promise<RawMessage[]>> = {
  'no user': async (c) => {
    c.send(serialize.startup({ database: 'postgres' }));
    return c.closed();
  },
  'unknown database': async (c) => {
    c.send(serialize.startup({ user: 'postgres', database: 'nodb' }));
    return c.closed();
  },
  'unknown role': async (c) => {
    c.send(serialize.startup({ user: 'nobody', database: 'postgres' }));
    return c.closed();
  },
  'SSLRequest answered N, then startup': async (c) => {
    c.expectLooseByte = true;
    c.send(serialize.requestSsl());
    await c.looseByte();
    c.send(serialize.startup({ user: 'postgres', database: 'postgres' }));
    const msgs = await c.until(1);
    return [{ type: '!', body: Buffer.concat(c.loose) }, ...msgs];
  },
  'startup pipelined behind SSLRequest is refused': async (c) => {
    c.expectLooseByte = true;
    c.send(serialize.requestSsl(), serialize.startup({ user: 'postgres', database: 'postgres' }));
    const msgs = await c.closed();
    return [{ type: '!', body: Buffer.concat(c.loose) }, ...msgs];
  },
};

const skip = realPgUnavailable();

t.test('same backend messages as PostgreSQL 15', { skip: skip ?? false }, async (t) => {
  const ours = await startPgServer(t);
  const real = await startRealPg(t);
  for (const [name, run] of Object.entries(scenarios)) {
    const got: string[][] = [];
    for (const port of [ours.port, real.port]) {
      const c = await WireClient.connect(port);
      await c.startup();
      got.push(normalise(await run(c)));
      c.end();
    }
    t.same(got[0], got[1], name);
  }
  for (const [name, run] of Object.entries(startupScenarios)) {
    const got: string[][] = [];
    for (const port of [ours.port, real.port]) {
      const c = await WireClient.connect(port);
      got.push(normalise(await run(c)));
      c.end();
    }
    t.same(got[0], got[1], `startup: ${name}`);
  }
  t.same(ours.errors, []);
});
