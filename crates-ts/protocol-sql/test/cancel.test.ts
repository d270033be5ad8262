// Checks CancelRequest routing: a statement blocked in the engine (a session whose simple()
// waits until cancel() is called: PGlite runs statements synchronously in WASM and cannot be
// interrupted, so the blocking statement is this test's) is cancelled only by a CancelRequest
// carrying the connection's process id and secret key from BackendKeyData; a wrong key or an
// unknown process id changes nothing; the cancel connection is closed without a reply, as in
// PostgreSQL; the cancelled statement fails with 57014 and the connection goes on.
import net from 'node:net';
import type { Backend, Session, StatementResult } from '@seshat/protocol-sql';
import { SqlError } from '@seshat/protocol-sql';
import type pg from 'pg';
import t from 'tap';
import { PgliteBackend } from './helpers/pglite-backend.js';
import { connectPg, startPgServer } from './helpers/pg-server.js';

const BLOCKING_SQL = 'SELECT pg_sleep(3600)';

class BlockingBackend implements Backend {
  blocked = 0;
  constructor(private readonly inner: PgliteBackend) {}
  lookupRole = (u: string) => this.inner.lookupRole(u);
  databaseExists = (d: string) => this.inner.databaseExists(d);
  async openSession(start: Parameters<Backend['openSession']>[0]): Promise<Session> {
    const session = await this.inner.openSession(start);
    let cancel: (() => void) | null = null;
    const owner = this;
    return Object.assign(Object.create(session) as Session, {
      simple(sql: string): Promise<StatementResult[]> {
        if (sql !== BLOCKING_SQL) return Promise.resolve(session.simple(sql));
        owner.blocked++;
        return new Promise<StatementResult[]>((_, reject) => {
          cancel = () => {
            owner.blocked--;
            reject(
              new SqlError({
                severity: 'ERROR',
                code: '57014',
                message: 'canceling statement due to user request',
              }),
            );
          };
        });
      },
      cancel: () => cancel?.(),
    });
  }
}

/** Sends a CancelRequest and resolves with what the server sent back when it closed. */
function sendCancel(port: number, processId: number, secretKey: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got)));
    const b = Buffer.alloc(16);
    b.writeInt32BE(16, 0);
    b.writeInt32BE(80877102, 4);
    b.writeInt32BE(processId, 8);
    b.writeInt32BE(secretKey, 12);
    s.write(b);
  });
}

t.test('cancel', async (t) => {
  const inner = await PgliteBackend.create();
  t.teardown(() => inner.close());
  const backend = new BlockingBackend(inner);
  const { port } = await startPgServer(t, { backend });
  const c = await connectPg(t, port);
  const keys = c as unknown as { processID: number; secretKey: number };
  t.ok(keys.processID > 0, 'BackendKeyData received');
  const pending = c.query(BLOCKING_SQL).then(
    () => null,
    (e: pg.DatabaseError) => e,
  );
  while (backend.blocked === 0) await new Promise((r) => setImmediate(r));

  t.equal((await sendCancel(port, keys.processID, keys.secretKey ^ 1)).length, 0, 'closed without reply');
  t.equal((await sendCancel(port, keys.processID + 1000, keys.secretKey)).length, 0);
  t.equal(backend.blocked, 1, 'wrong key or process id: still running');

  await sendCancel(port, keys.processID, keys.secretKey);
  t.match(await pending, { code: '57014', message: 'canceling statement due to user request' });
  t.equal(backend.blocked, 0);
  t.equal((await c.query('SELECT 5 AS five')).rows[0].five, 5, 'the connection goes on');
});
