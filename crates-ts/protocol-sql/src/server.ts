/**
 * A PostgreSQL protocol server over a Backend: accepts TCP connections, hands each to a
 * PgConnection, keeps the process-id -> connection map that CancelRequests are matched
 * against (process id and secret key, compared in constant time), and bounds the number of
 * connections.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { DEFAULT_AUTH_RULES } from './auth/rules.js';
import type { Backend } from './backend.js';
import { LARGE_MESSAGE_MAX_BYTES_DEFAULT } from './constants.js';
import { PgConnection } from './connection.js';
import { SQLSTATE } from './errors.js';
import type { PgServerOptions, ServerContext } from './server-context.js';
import { BackendWriter } from './writer.js';

export const MAX_CONNECTIONS_DEFAULT = 100;
/** Process ids handed out start here and wrap before INT32_MAX. */
const PROCESS_ID_FIRST = 1000;
const PROCESS_ID_LAST = 0x7fffffff;

export type PgServerConfig = Partial<PgServerOptions> & { backend: Backend };

export class PgServer implements ServerContext {
  readonly options: PgServerOptions;
  readonly backend: Backend;
  readonly mockNonce = crypto.randomBytes(32);
  private readonly server: net.Server;
  private readonly byProcessId = new Map<number, PgConnection>();
  private readonly sockets = new Set<net.Socket>();
  private lastProcessId = PROCESS_ID_FIRST - 1;
  /** Called with unexpected errors (bugs, backend failures outside statements); logs by default. */
  onError: (e: unknown) => void = () => undefined;

  constructor(config: PgServerConfig) {
    this.backend = config.backend;
    this.options = {
      backend: config.backend,
      authRules: config.authRules ?? DEFAULT_AUTH_RULES,
      largeMessageMaxBytes: config.largeMessageMaxBytes ?? LARGE_MESSAGE_MAX_BYTES_DEFAULT,
      maxConnections: config.maxConnections ?? MAX_CONNECTIONS_DEFAULT,
    };
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** Listens; resolves to the bound port (pass 0 for a free one). */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Stops listening and closes every connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  connectionCount(): number {
    return this.sockets.size;
  }

  private accept(socket: net.Socket): void {
    if (this.sockets.size >= this.options.maxConnections) {
      const w = new BackendWriter();
      w.errorResponse({
        severity: 'FATAL',
        code: SQLSTATE.TOO_MANY_CONNECTIONS,
        message: 'sorry, too many clients already',
      });
      socket.on('error', () => undefined);
      socket.write(w.take());
      // destroySoon: closed once the error is written, whatever the client does (end() alone
      // would wait for the client's FIN on a socket nobody reads).
      socket.destroySoon();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    new PgConnection(socket, this);
  }

  nextProcessId(): number {
    do {
      this.lastProcessId = this.lastProcessId >= PROCESS_ID_LAST ? PROCESS_ID_FIRST : this.lastProcessId + 1;
    } while (this.byProcessId.has(this.lastProcessId));
    return this.lastProcessId;
  }

  register(c: PgConnection): void {
    this.byProcessId.set(c.processId, c);
  }

  unregister(c: PgConnection): void {
    if (this.byProcessId.get(c.processId) === c) this.byProcessId.delete(c.processId);
  }

  cancel(processId: number, secretKey: number): void {
    const c = this.byProcessId.get(processId);
    if (c === undefined) return;
    const a = Buffer.alloc(4);
    const b = Buffer.alloc(4);
    a.writeInt32BE(c.secretKey);
    b.writeInt32BE(secretKey);
    if (crypto.timingSafeEqual(a, b)) c.cancel();
  }

  onInternalError(e: unknown): void {
    this.onError(e);
  }
}
