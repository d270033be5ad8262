// Protocol overhead under pgbench traffic: PgServer over a constant backend (every statement
// answers one int4 row, no SQL engine) against a real PostgreSQL 15 running `SELECT 1`, with
// pgbench's simple and prepared protocols, same clients and duration, run one after the other.
// What it measures: framing, parsing, encoding and the per-message async hop of this package;
// what it does not: any SQL execution. Run: npx tsx --conditions=seshat-src bench/pgbench-protocol.ts
// (env SECONDS=5 CLIENTS=4). Needs Debian's postgresql-15 (pgbench; the real server is optional).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Backend, Column, PreparedStatement, Session, StatementResult } from '@seshat/protocol-sql';
import { OID, PgServer } from '@seshat/protocol-sql';
import { realPgUnavailable, startRealPg } from '../test/helpers/real-pg.js';

const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 5);
const CLIENTS = Number(process.env.CLIENTS ?? 4);

const COLUMN: Column = { name: '?column?', typeOid: OID.int4, typmod: -1, typeSize: 4 };
const ROW_RESULT: StatementResult = { command: 'SELECT 1', columns: [COLUMN], rows: [['1']] };

/** Answers every statement with one int4 row: what remains is the protocol's cost. */
class ConstantBackend implements Backend {
  async lookupRole() {
    return { canLogin: true, superuser: true };
  }
  async databaseExists() {
    return true;
  }
  async openSession(): Promise<Session> {
    return {
      prepare: async (_sql: string, types: number[]): Promise<PreparedStatement> => ({
        paramTypes: types.map((t) => t || OID.text),
        columns: [COLUMN],
      }),
      execute: async () => ROW_RESULT,
      simple: async () => [ROW_RESULT],
      transactionStatus: () => 'I',
      close: async () => undefined,
    };
  }
}

/** Async: the server under test runs in this process. */
async function pgbench(port: number, mode: 'simple' | 'prepared', script: string): Promise<number> {
  const { stdout: out } = await promisify(execFile)(
    PGBENCH,
    [
      '-n',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      '-M',
      mode,
      '-c',
      String(CLIENTS),
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-f',
      script,
      'postgres',
    ],
    { encoding: 'utf8' },
  );
  const m = /tps = ([\d.]+)/.exec(out);
  if (m === null) throw new Error(out);
  return Number(m[1]);
}

const teardowns: (() => unknown)[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgbench-protocol-'));
const script = path.join(dir, 'select1.sql');
fs.writeFileSync(script, 'SELECT 1;\n');
fs.chmodSync(dir, 0o755);
const server = new PgServer({ backend: new ConstantBackend() });
const port = await server.listen(0);
const real = realPgUnavailable() === null ? await startRealPg({ teardown: (f) => teardowns.push(f) }) : null;
console.log(
  `pgbench -c ${CLIENTS} -j 2 -T ${SECONDS}, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
);
try {
  for (const mode of ['simple', 'prepared'] as const) {
    const ours = await pgbench(port, mode, script);
    const theirs = real === null ? null : await pgbench(real.port, mode, script);
    const ratio =
      theirs === null ? '' : `  PostgreSQL 15: ${theirs.toFixed(0)} tps  ratio ${(ours / theirs).toFixed(2)}`;
    console.log(`${mode.padEnd(8)} protocol-sql: ${ours.toFixed(0)} tps${ratio}`);
  }
} finally {
  for (const f of teardowns) await f();
  fs.rmSync(dir, { recursive: true, force: true });
  await server.close();
}
