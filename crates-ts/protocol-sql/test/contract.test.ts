// Checks how the protocol uses the Backend contract in cases a real engine rarely produces,
// with a scripted backend (each SQL text maps to a canned outcome) and a raw wire client:
// notices given as plain strings, an empty result list answered with EmptyQueryResponse,
// columns without typeSize described with the type's length;
// results completed before a simple-query error are sent before it (copy-out included);
// notices come before their statement's rows; takeParameterChanges is reported before
// ReadyForQuery; a backend throwing a non-SqlError gives XX000 and the connection goes on;
// COPY FROM STDIN through the extended protocol and binary COPY answer 0A000 and call fail();
// COPY data with the wrong column count fails the copy through fail() with 22P04; a fail()
// that itself rejects is reported as an internal error while the client gets the copy's own
// error, and the server goes on.
import type { Backend, Column, CopyInResult, Row, Session, StatementResult } from '@seshat/protocol-sql';
import { OID, SqlError } from '@seshat/protocol-sql';
import { serialize } from 'pg-protocol';
import t from 'tap';
import { startPgServer } from './helpers/pg-server.js';
import { WireClient } from './helpers/wire-client.js';
import { normalise } from './helpers/wire-normalise.js';

// No typeSize: the protocol fills in int4's 4 (the engine's columns carry none).
const INT: Column = { name: 'n', typeOid: OID.int4, typmod: -1 };
const rows = (...values: string[]): StatementResult => ({
  command: `SELECT ${values.length}`,
  columns: [INT],
  rows: values.map((v) => [v]),
});

class ScriptedBackend implements Backend {
  failed: string[] = [];
  stored: Row[][] = [];
  changes: [string, string][] = [];

  async lookupRole() {
    return { canLogin: true };
  }
  async databaseExists() {
    return true;
  }
  copyIn(format: 'text' | 'binary', failRejects = false): CopyInResult {
    return {
      kind: 'copy-in',
      options: { format },
      columnNames: ['a', 'b'],
      finish: async (r) => {
        this.stored.push(r);
        return [{ command: `COPY ${r.length}`, columns: null, rows: [] }];
      },
      fail: async (e) => {
        this.failed.push(e.code);
        if (failRejects) throw new Error('fail() broke');
      },
    };
  }
  outcome(sql: string): StatementResult[] {
    switch (sql) {
      case 'partial':
        throw Object.assign(new SqlError({ severity: 'ERROR', code: '22012', message: 'division by zero' }), {
          completed: [
            rows('1'),
            { kind: 'copy-out', options: { format: 'csv' }, columns: [INT], rows: [['7']] },
          ],
        });
      case 'noisy':
        return [{ ...rows('2'), notices: [{ severity: 'NOTICE', code: '00000', message: 'hello' }] }];
      case 'plain notice':
        return [
          { command: 'DROP TABLE', columns: null, rows: [], notices: ['table "x" does not exist, skipping'] },
        ];
      case ' -- only a comment':
        return [];
      case 'set':
        this.changes.push(['application_name', 'scripted']);
        return [{ command: 'SET', columns: null, rows: [] }];
      case 'bug':
        throw new TypeError('engine bug');
      case 'copy in':
        return [this.copyIn('text')];
      case 'copy in, fail rejects':
        return [this.copyIn('text', true)];
      case 'copy binary':
        return [this.copyIn('binary')];
      default:
        return [rows('0')];
    }
  }
  async openSession(): Promise<Session> {
    return {
      prepare: async (sql) =>
        ({ paramTypes: [], columns: sql.startsWith('copy') ? null : [INT], sql }) as never,
      execute: async (p) => this.outcome((p as unknown as { sql: string }).sql)[0]!,
      simple: async (sql) => this.outcome(sql),
      transactionStatus: () => 'I',
      takeParameterChanges: () => this.changes.splice(0),
      close: async () => undefined,
    };
  }
}

t.test('backend contract edge cases', async (t) => {
  const backend = new ScriptedBackend();
  const { port, errors } = await startPgServer(t, { backend });
  const c = await WireClient.connect(port);
  await c.startup();
  const q = (sql: string) => serialize.query(sql);

  c.send(q('plain notice'), q(' -- only a comment'));
  t.same(normalise(await c.until(2)), [
    'N NOTICE/NOTICE 00000 table "x" does not exist, skipping',
    'C DROP TABLE',
    'Z I',
    'I ',
    'Z I',
  ]);
  c.send(q('partial'), q('noisy'), q('set'), q('bug'), q('after'));
  t.same(normalise(await c.until(5)), [
    'T n:23/4/-1/0',
    'D 00010000000131',
    'C SELECT 1',
    'H 0000010000',
    'd "7\\n"',
    'c ',
    'C COPY 1',
    'E ERROR/ERROR 22012 division by zero',
    'Z I',
    'N NOTICE/NOTICE 00000 hello',
    'T n:23/4/-1/0',
    'D 00010000000132',
    'C SELECT 1',
    'Z I',
    'C SET',
    'S application_name=scripted',
    'Z I',
    'E ERROR/ERROR XX000 engine bug',
    'Z I',
    'T n:23/4/-1/0',
    'D 00010000000130',
    'C SELECT 1',
    'Z I',
  ]);
  t.equal(errors.length, 0, 'a backend error is not an internal error');

  c.send(serialize.parse({ text: 'copy in' }), serialize.bind(), serialize.execute(), serialize.sync());
  c.send(q('copy binary'));
  c.send(q('copy in'), serialize.copyData(Buffer.from('1\t2\n3\n')), serialize.copyDone());
  c.send(q('copy in, fail rejects'), serialize.copyFail('stop'));
  c.send(
    q('copy in'),
    serialize.copyData(Buffer.from('1\t')),
    serialize.copyData(Buffer.from('x\n\\.\n')),
    serialize.copyDone(),
  );
  t.same(normalise(await c.until(5)), [
    '1 ',
    '2 ',
    'E ERROR/ERROR 0A000 COPY FROM STDIN is not supported in the extended query protocol',
    'Z I',
    'E ERROR/ERROR 0A000 COPY with FORMAT binary is not supported',
    'Z I',
    'G 00000200000000',
    'E ERROR/ERROR 22P04 missing data for column "b"',
    'Z I',
    'G 00000200000000',
    'E ERROR/ERROR 57014 COPY from stdin failed: stop',
    'Z I',
    'G 00000200000000',
    'C COPY 1',
    'Z I',
  ]);
  t.same(backend.failed, ['0A000', '0A000', '22P04', '57014']);
  t.match(
    errors,
    [{ message: 'fail() broke' }],
    'a failing fail() is reported as internal, the client gets the copy error',
  );
  t.same(backend.stored, [[['1', 'x']]], 'CopyData split mid-row is joined');
  c.end();
});
