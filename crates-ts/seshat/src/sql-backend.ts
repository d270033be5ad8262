/**
 * The PostgreSQL wire protocol's Backend (protocol-sql/backend.ts) over the SQL engine's
 * sessions (crates-ts/sql): roles and databases for the login, and per connection a session
 * that runs statements against the applied state and commits write sets through the log.
 *
 * Roles: a node has exactly what `initdb` leaves, the superuser `postgres` and the database
 * `postgres`. Its password is the config parameter `sql-password` (empty: none, so only
 * `trust` logins work, which the default rules give loopback clients). Why not replicated
 * roles yet: CREATE ROLE / ALTER ROLE need catalog records the engine does not have; a config
 * password works the same in standalone and cluster mode today, and the replicated pg_authid
 * replaces it without changing this interface (lookupRole reads the catalog instead).
 */
import type {
  Backend,
  PreparedStatement,
  RoleInfo,
  Session,
  SessionStart,
  StatementResult,
} from '@seshat/protocol-sql';
import { makeScramVerifier } from '@seshat/protocol-sql';
import type { SqlEngine, PreparedStatement as SqlPrepared, SqlResult, SqlSession } from '@seshat/sql';

export const SUPERUSER = 'postgres';
export const DEFAULT_DATABASE = 'postgres';

/** An engine statement result as the protocol takes it (the empty statement has its own kind). */
function toResult(r: SqlResult): StatementResult {
  if (r.command === 'EMPTY' && r.columns === null) return { kind: 'empty' };
  return r;
}

/** One connection's session: the engine's, plus what the protocol asks that it lacks. */
class PgSession implements Session {
  constructor(private readonly inner: SqlSession) {}

  prepare(sql: string, paramTypeOids: number[]): PreparedStatement {
    return this.inner.prepare(sql, paramTypeOids);
  }

  async execute(prepared: PreparedStatement, params: (string | null)[]): Promise<StatementResult> {
    return toResult(await this.inner.execute(prepared as SqlPrepared, params));
  }

  async simple(sql: string): Promise<StatementResult[]> {
    return (await this.inner.simple(sql)).map(toResult);
  }

  /** Every statement is its own transaction in the engine today (no BEGIN yet). */
  transactionStatus(): 'I' {
    return 'I';
  }

  async close(): Promise<void> {}
}

export class SqlBackend implements Backend {
  /**
   * SCRAM verifier of the last password seen (4096 PBKDF2 rounds: not per login). md5 logins
   * are upgraded to SCRAM for it, as PostgreSQL does for a SCRAM secret.
   */
  private secrets: { password: string; scram: string } | null = null;

  constructor(
    private readonly engine: SqlEngine,
    private readonly password: () => string,
  ) {}

  async lookupRole(user: string): Promise<RoleInfo | null> {
    if (user !== SUPERUSER) return null;
    const password = this.password();
    if (password === '') return { canLogin: true, superuser: true };
    if (this.secrets?.password !== password) {
      this.secrets = { password, scram: makeScramVerifier(password) };
    }
    return { canLogin: true, superuser: true, scramVerifier: this.secrets.scram };
  }

  async databaseExists(name: string): Promise<boolean> {
    return name === DEFAULT_DATABASE;
  }

  async openSession(_start: SessionStart): Promise<Session> {
    return new PgSession(this.engine.session());
  }
}
