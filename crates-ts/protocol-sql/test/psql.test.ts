// Checks psql (Debian postgresql-client, libpq) through PgServer over PGlite: a script of
// DDL, DML, COPY FROM STDIN (text and CSV, data inline in the script), COPY TO STDOUT,
// a rolled-back transaction, expanded output and an error under ON_ERROR_STOP must give
// exactly the stdout, stderr and exit code that a real PostgreSQL 15 gives
// (fixtures/psql-script.expected, recorded from PostgreSQL 15.18; when PostgreSQL 15 is
// installed the same script is also run against it live and compared). Also `psql -c` with
// a syntax error (psql draws the caret from the error's position) and a multi-statement -c.
// Skipped when psql is not installed.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startPgServer } from './helpers/pg-server.js';
import { realPgUnavailable, startRealPg } from './helpers/real-pg.js';

const PSQL = '/usr/bin/psql';
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const SCRIPT = path.join(FIXTURES, 'psql-script.sql');
const EXPECTED = path.join(FIXTURES, 'psql-script.expected');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function psql(port: number, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const env = { ...process.env, PGCONNECT_TIMEOUT: '10', PGTZ: 'UTC', LC_ALL: 'C.UTF-8', PAGER: '' };
    const all = ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', ...args];
    execFile(PSQL, all, { env, cwd: FIXTURES }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function render(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

const RUNS: [name: string, args: string[]][] = [
  ['script', ['-f', 'psql-script.sql']],
  ['syntax error with -c', ['-c', 'SELECT 1,\n  2 FORM fruit']],
  ['several statements in -c', ['-c', 'SELECT 1 AS a; SELECT 2 AS b']],
];

async function runAll(port: number): Promise<string> {
  let out = '';
  for (const [name, args] of RUNS) out += `=== ${name}\n${render(await psql(port, args))}`;
  return out;
}

t.test('psql', { skip: fs.existsSync(PSQL) ? false : 'psql not installed' }, async (t) => {
  const { port, errors } = await startPgServer(t);
  const ours = await runAll(port);
  if (process.env.UPDATE_PSQL_EXPECTED === '1') fs.writeFileSync(EXPECTED, ours);
  t.equal(ours, fs.readFileSync(EXPECTED, 'utf8'), 'same output as the recorded PostgreSQL 15 run');
  t.same(errors, []);
  t.ok(fs.existsSync(SCRIPT));

  await t.test('live PostgreSQL 15 gives the same', { skip: realPgUnavailable() ?? false }, async (t) => {
    const real = await startRealPg(t);
    t.equal(await runAll(real.port), ours);
  });
});
