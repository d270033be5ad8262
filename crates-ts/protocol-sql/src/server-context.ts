/** What a connection needs from its server (kept apart so connection.ts does not import server.ts). */
import type { AuthRule } from './auth/rules.js';
import type { Backend } from './backend.js';
import type { PgConnection } from './connection.js';

export interface PgServerOptions {
  backend: Backend;
  /** First matching rule decides trust / md5 / scram-sha-256 / password / reject. */
  authRules: readonly AuthRule[];
  /** Bound on Query / Parse / Bind / CopyData message bodies, bytes. */
  largeMessageMaxBytes: number;
  /** Further connections get FATAL 53300. */
  maxConnections: number;
}

export interface ServerContext {
  readonly backend: Backend;
  readonly options: PgServerOptions;
  /** Secret mixed into mock SCRAM salts (stable for the server's life). */
  readonly mockNonce: Buffer;
  nextProcessId(): number;
  register(c: PgConnection): void;
  unregister(c: PgConnection): void;
  /** A CancelRequest: cancels the matching connection's statement, if the key matches. */
  cancel(processId: number, secretKey: number): void;
  onInternalError(e: unknown): void;
}
