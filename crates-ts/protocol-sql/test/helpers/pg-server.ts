// Starts a PgServer on a free loopback port over a PgliteBackend (or a given backend) for a tap
// test and stops both at teardown.
//
// Exports:
//   startPgServer(t, {backend?, roles?, authRules?, largeMessageMaxBytes?, maxConnections?})
//     -> {server, backend, port, errors}   errors: internal errors the server reported
//   connectPg(t, port, config?)  a connected node-postgres Client, ended at teardown
import type { AuthRule, Backend, PgServerConfig, RoleInfo } from '@seshat/protocol-sql';
import { PgServer } from '@seshat/protocol-sql';
import pg from 'pg';
import { PgliteBackend } from './pglite-backend.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface StartOptions {
  backend?: Backend;
  roles?: Record<string, RoleInfo>;
  authRules?: AuthRule[];
  largeMessageMaxBytes?: number;
  maxConnections?: number;
}

export interface RunningServer<B extends Backend> {
  server: PgServer;
  backend: B;
  port: number;
  errors: unknown[];
}

export async function startPgServer(
  t: Teardown,
  opts: StartOptions & { backend: Backend },
): Promise<RunningServer<Backend>>;
export async function startPgServer(t: Teardown, opts?: StartOptions): Promise<RunningServer<PgliteBackend>>;
export async function startPgServer(t: Teardown, opts: StartOptions = {}): Promise<RunningServer<Backend>> {
  const backend = opts.backend ?? (await PgliteBackend.create({ roles: opts.roles }));
  const config: PgServerConfig = { backend };
  if (opts.authRules) config.authRules = opts.authRules;
  if (opts.largeMessageMaxBytes) config.largeMessageMaxBytes = opts.largeMessageMaxBytes;
  if (opts.maxConnections) config.maxConnections = opts.maxConnections;
  const server = new PgServer(config);
  const errors: unknown[] = [];
  server.onError = (e) => errors.push(e);
  const port = await server.listen(0);
  t.teardown(async () => {
    await server.close();
    if (backend instanceof PgliteBackend) await backend.close();
  });
  return { server, backend, port, errors };
}

export async function connectPg(t: Teardown, port: number, config: pg.ClientConfig = {}): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', ...config });
  c.on('error', () => undefined);
  await c.connect();
  t.teardown(() => c.end().catch(() => undefined));
  return c;
}
