/**
 * Seshat's SQL face: the SQL state machine over the node's `sql_*` column families, the
 * engine whose write sets go through the node's log, and the PostgreSQL listener on
 * `pg-port`.
 *
 * Standalone: write sets are proposed to the WritePath, which writes them as EntryKind.Sql
 * entries of the same log as kv's commands (one fsync policy, one replay on restart). Cluster
 * mode is not joined yet (next step of issue 24): a cluster node refuses a non-zero pg-port.
 */
import { ErrorReply, SeshatError } from '@seshat/common';
import { PgServer } from '@seshat/protocol-sql';
import { type Committer, loadParser, SqlEngine, SqlStateMachine, type WriteSet } from '@seshat/sql';
import type { Storage } from '@seshat/storage';
import type { Logger } from 'pino';
import { SqlBackend } from './sql-backend.js';
import type { WritePath } from './write-path.js';

/** Commits a write set through the standalone write path; true once applied and durable. */
class WritePathCommitter implements Committer {
  constructor(private readonly path: WritePath) {}

  commit(ws: WriteSet): Promise<boolean> {
    return new Promise((resolve) => {
      this.path.submitSql({ onWriteReply: (r) => resolve(!(r instanceof ErrorReply)), flushOutput() {} }, ws);
    });
  }
}

export class SqlService {
  readonly sm: SqlStateMachine;
  private pg: PgServer | null = null;
  /** The bound PostgreSQL port (0: not listening). */
  port = 0;

  constructor(storage: Storage) {
    this.sm = new SqlStateMachine(storage, { groupId: 0 });
  }

  /** Attaches the state machine to the standalone write path (before its recover()). */
  attachStandalone(path: WritePath): SqlEngine {
    path.sql = this.sm;
    this.engine = new SqlEngine(this.sm, new WritePathCommitter(path));
    return this.engine;
  }

  private engine: SqlEngine | null = null;

  /** Starts the PostgreSQL listener (pgPort 0: none). */
  async listen(pgPort: number, host: string, password: () => string, logger: Logger): Promise<void> {
    if (pgPort === 0) return;
    if (this.engine === null)
      throw new SeshatError(
        'CONFIG_INVALID',
        'pg-port: SQL is served by standalone nodes only for now (node-id 0)',
      );
    await loadParser();
    this.pg = new PgServer({ backend: new SqlBackend(this.engine, password) });
    this.pg.onError = (e) => logger.error({ err: e }, 'pg protocol internal error');
    this.port = await this.pg.listen(pgPort, host);
  }

  async close(): Promise<void> {
    await this.pg?.close();
    this.pg = null;
  }
}
