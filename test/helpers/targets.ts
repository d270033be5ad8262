// Which servers the compatibility suites run against, and a helper that runs the same test body
// once per target, so every expectation is checked against Seshat AND a real redis-server.
//
// Selection (env SESHAT_TARGETS, comma separated):
//   unset            -> seshat, plus redis when redis-server is installed
//   "redis"          -> only the reference redis-server (to validate expectations)
//   "seshat"         -> only Seshat
//   "seshat,redis"   -> both; a missing redis-server is then a test failure, not a skip
//
// Exports:
//   targets()                            list of ServerKind to run
//   forEachTarget(t, body, opts?)        one subtest per target; starts a server with opts.config
//                                        (same flags for both kinds), passes {kind, server, client()}
//   TargetContext                        what body receives
//   connect(t, server)                   raw RespClient closed at t's teardown
//   ioredis(t, server, opts?)            ioredis client (RESP3 by default; {protocol: 2} for RESP2),
//                                        ready, no reconnects, disconnected at t's teardown
//   checkCases(t, client, cases)         send [argv, expected] cases in order, compare `show(reply)`
//   checkCasesBothProtocols(t, server, cases)
//                                        the same sequence on a fresh RESP2 connection and on a
//                                        fresh HELLO 3 connection (FLUSHALL before each); RESP2
//                                        null bulk/array in expectations become `_` for RESP3
//                                        unless the case gives a third, RESP3-specific expectation
import { Redis, type RedisOptions } from 'ioredis';
import type { Test } from 'tap';
import { type Arg, RespClient, show } from './resp-client.ts';
import { configArgs, redisAvailable, type ServerHandle, type ServerKind, startServer } from './server.ts';

const KNOWN_TARGETS: readonly ServerKind[] = ['seshat', 'redis'];

/** The targets to run against (see the header comment). */
export function targets(): ServerKind[] {
  const env = process.env.SESHAT_TARGETS?.trim();
  if (!env) return redisAvailable() ? ['seshat', 'redis'] : ['seshat'];
  const out: ServerKind[] = [];
  for (const name of env.split(',').map((s) => s.trim().toLowerCase())) {
    if (!(KNOWN_TARGETS as readonly string[]).includes(name)) {
      throw new Error(`SESHAT_TARGETS: unknown target ${JSON.stringify(name)} (use seshat, redis)`);
    }
    if (!out.includes(name as ServerKind)) out.push(name as ServerKind);
  }
  return out;
}

export interface TargetContext {
  kind: ServerKind;
  server: ServerHandle;
  /** A new raw RESP client to this server, closed at teardown of `t`. */
  client(t: Test): Promise<RespClient>;
}

export interface TargetOptions {
  /** Config parameters passed as --<name> <value> to both servers. */
  config?: Record<string, string | number>;
  /** Only these kinds (for cases that cannot be validated against Redis 7.0). */
  only?: ServerKind[];
  /** Subtest name suffix, when a file starts servers with different configs. */
  name?: string;
}

/** Opens a raw client that is closed when `t` ends. */
export async function connect(t: Test, server: ServerHandle): Promise<RespClient> {
  const c = await RespClient.connect(server.port, { host: server.host });
  t.teardown(() => c.close());
  return c;
}

/** Runs `body` in one subtest per target, each with its own freshly started server. */
export function forEachTarget(
  t: Test,
  body: (t: Test, ctx: TargetContext) => Promise<void>,
  opts: TargetOptions = {},
): void {
  for (const kind of targets()) {
    if (opts.only && !opts.only.includes(kind)) continue;
    t.test(opts.name ? `${kind} (${opts.name})` : kind, async (t) => {
      const server = await startServer(kind, { t, args: configArgs(opts.config ?? {}) });
      await body(t, { kind, server, client: (tt) => connect(tt, server) });
    });
  }
}

/** An ioredis client that is ready (handshake done) and never reconnects. */
export async function ioredis(t: Test, server: ServerHandle, opts: RedisOptions = {}): Promise<Redis> {
  const r = new Redis({
    host: server.host,
    port: server.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    ...opts,
  });
  r.on('error', () => {}); // surfaced through the failing command instead
  t.teardown(() => r.disconnect());
  await r.connect();
  return r;
}

/**
 * A command and the canonical rendering (resp-client `show`) of the expected reply; an optional
 * third element is the RESP3 expectation when it differs by more than the null type.
 */
export type Case =
  | readonly [argv: readonly Arg[], expected: string | RegExp]
  | readonly [argv: readonly Arg[], expected: string | RegExp, resp3: string | RegExp];

function label(argv: readonly Arg[]): string {
  return argv.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : String(a))).join(' ');
}

/** RESP2 expectation -> RESP3: null bulk ($-1) and null array (*-1) become the RESP3 null. */
export function resp3Of(want: string): string {
  return want.replace(/(^|[[ ])[$*]-1(?=$|[,\]}])/g, '$1_');
}

/** Sends each case in order on one connection and checks the rendered reply. */
export async function checkCases(
  t: Test,
  c: RespClient,
  cases: readonly Case[],
  proto: 2 | 3 = 2,
): Promise<void> {
  for (const cs of cases) {
    const argv = cs[0];
    let want = cs[1];
    if (proto === 3) want = cs.length === 3 ? cs[2] : typeof want === 'string' ? resp3Of(want) : want;
    const got = show(await c.send(argv));
    const name = proto === 3 ? `[RESP3] ${label(argv)}` : label(argv);
    if (typeof want === 'string') t.equal(got, want, name);
    else t.match(got, want, name);
  }
}

/** Runs the same case sequence on RESP2 and on RESP3 (fresh connection, FLUSHALL before each). */
export async function checkCasesBothProtocols(
  t: Test,
  server: ServerHandle,
  cases: readonly Case[],
): Promise<void> {
  for (const proto of [2, 3] as const) {
    const c = await connect(t, server);
    if (proto === 3) t.equal((await c.send(['HELLO', '3'])).type, 'map', 'HELLO 3 replies with a map');
    t.equal(await c.q('FLUSHALL'), '+OK');
    await checkCases(t, c, cases, proto);
    await c.close();
  }
}
