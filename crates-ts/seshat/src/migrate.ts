/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password |
 * AUTH2 username password] [KEYS key ...] (Redis 7.0 cluster.c migrateCommand), to any server
 * that speaks the Redis protocol and has RESTORE.
 *
 * As in Redis: the keys that exist are dumped (DUMP payloads, rdb/), sent as one pipeline of
 * [AUTH] [SELECT db] RESTORE key ttl payload [REPLACE] over a cached connection
 * (migrate-connection.ts), and every key the target acknowledged is deleted here unless COPY.
 * A target error is answered as "Target instance replied with error: ..." (keys acknowledged
 * before and after it are still deleted); a connection that fails before the first reply
 * (a cached one the target closed, typically) is reopened and the whole exchange retried once;
 * timeouts and other I/O errors give Redis's IOERR texts.
 *
 * Where it differs: Redis blocks the whole server during MIGRATE; here only the calling
 * connection waits. So the deletion is a conditional log command (INTERNAL_MIGRATE_DELETE): a
 * key that another client changed while it was in flight is kept, and the target keeps the
 * copy that was sent. MIGRATE cannot be queued in MULTI here (its reply comes after I/O).
 * In cluster mode it runs on the leader (a follower answers -MOVED).
 */
import { ErrorReply, OK, type Reply, SeshatError, SimpleString } from '@seshat/common';
import { argIs, INTERNAL_MIGRATE_DELETE, lookupCommand, parseI64, payloadDigest } from '@seshat/kv';
import { type Client, NO_REPLY } from './client.js';
import { redirectReply } from './forward-server.js';
import { MigrateIoError, migrateSockets, type TargetConnection } from './migrate-connection.js';
import { def } from './server-commands.js';
import type { SeshatServer } from './server.js';
import type { WriteWaiter } from './write-path.js';

/** Redis replaces a timeout <= 0 by this (ms). */
const DEFAULT_TIMEOUT_MS = 1000;
/** Longest timer Node accepts (ms). */
const TIMEOUT_MAX_MS = 2 ** 31 - 1;

const NOKEY = new SimpleString('NOKEY');
const DUMP = Buffer.from('DUMP');
const PEXPIRETIME = Buffer.from('PEXPIRETIME');
const DUMP_SPEC = lookupCommand('dump')!;
const PEXPIRETIME_SPEC = lookupCommand('pexpiretime')!;

export interface MigrateRequest {
  host: string;
  /** The port argument as written (the connection cache is keyed by it, as in Redis). */
  portText: string;
  db: bigint;
  timeoutMs: number;
  copy: boolean;
  replace: boolean;
  username: Buffer | null;
  password: Buffer | null;
  keys: Buffer[];
}

/** One key to send: its payload, its deadline (0: none) and the payload's digest. */
interface MigrateItem {
  key: Buffer;
  payload: Buffer;
  expireAtMs: number;
  digest: Buffer;
}

/** Parses MIGRATE's arguments with Redis's errors, in Redis's order. */
export function parseMigrate(argv: Buffer[]): MigrateRequest {
  const req: MigrateRequest = {
    host: argv[1]!.toString('latin1'),
    portText: argv[2]!.toString('latin1'),
    db: 0n,
    timeoutMs: 0,
    copy: false,
    replace: false,
    username: null,
    password: null,
    keys: [argv[3]!],
  };
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const a = argv[j]!;
    if (argIs(a, 'copy')) req.copy = true;
    else if (argIs(a, 'replace')) req.replace = true;
    else if (argIs(a, 'auth') && more >= 1) req.password = argv[++j]!;
    else if (argIs(a, 'auth2') && more >= 2) {
      req.username = argv[++j]!;
      req.password = argv[++j]!;
    } else if (argIs(a, 'keys')) {
      if (argv[3]!.length !== 0) {
        throw new SeshatError(
          'ERR',
          'When using MIGRATE KEYS option, the key argument must be set to the empty string',
        );
      }
      req.keys = argv.slice(j + 1);
      break;
    } else throw new SeshatError('ERR', 'syntax error');
  }
  const timeout = parseI64(argv[5]!);
  req.db = parseI64(argv[4]!);
  req.timeoutMs =
    timeout <= 0n ? DEFAULT_TIMEOUT_MS : timeout > BigInt(TIMEOUT_MAX_MS) ? TIMEOUT_MAX_MS : Number(timeout);
  return req;
}

/** The keys of `keys` that exist in `db`, dumped (duplicates kept, as Redis sends them). */
function readItems(server: SeshatServer, db: number, keys: Buffer[]): MigrateItem[] | ErrorReply {
  const now = server.clock.nowMs();
  const items: MigrateItem[] = [];
  for (const key of keys) {
    const payload = server.sm.read(DUMP_SPEC, db, [DUMP, key], now);
    if (payload instanceof ErrorReply) return payload;
    if (payload === null) continue;
    const exp = server.sm.read(PEXPIRETIME_SPEC, db, [PEXPIRETIME, key], now) as number;
    const p = payload as Buffer;
    items.push({ key, payload: p, expireAtMs: exp > 0 ? exp : 0, digest: payloadDigest(p) });
  }
  const expired = server.sm.takeExpiredSeen();
  if (expired !== null) for (const cmd of expired) server.writePath.submit(null, db, cmd);
  return items;
}

/** One RESP multibulk request. */
function encodeRequest(args: readonly (Buffer | string)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** The pipeline for `items` (TTLs relative to `nowMs`, at least 1 ms as Redis sends them). */
function requestBytes(
  req: MigrateRequest,
  items: readonly MigrateItem[],
  select: boolean,
  nowMs: number,
): Buffer {
  const parts: Buffer[] = [];
  if (req.password !== null) {
    parts.push(
      encodeRequest(req.username !== null ? ['AUTH', req.username, req.password] : ['AUTH', req.password]),
    );
  }
  if (select) parts.push(encodeRequest(['SELECT', req.db.toString()]));
  for (const item of items) {
    const ttl = item.expireAtMs === 0 ? 0 : Math.max(1, item.expireAtMs - nowMs);
    const args: (Buffer | string)[] = ['RESTORE', item.key, String(ttl), item.payload];
    if (req.replace) args.push('REPLACE');
    parts.push(encodeRequest(args));
  }
  return Buffer.concat(parts);
}

interface ExchangeResult {
  acked: MigrateItem[];
  /** The first error the target replied (without its '-'), or null. */
  targetError: string | null;
  io: MigrateIoError | null;
  /** RESTORE replies read before an I/O error. */
  restoresRead: number;
}

/** Sends the pipeline and reads its replies (the read loop of migrateCommand). */
async function exchange(
  conn: TargetConnection,
  req: MigrateRequest,
  items: MigrateItem[],
): Promise<ExchangeResult> {
  const out: ExchangeResult = { acked: [], targetError: null, io: null, restoresRead: 0 };
  const select = conn.lastDb !== req.db;
  try {
    await conn.write(requestBytes(req, items, select, Date.now()), req.timeoutMs);
    const authLine = req.password !== null ? await conn.readLine(req.timeoutMs) : '';
    const selectLine = select ? await conn.readLine(req.timeoutMs) : '';
    for (const item of items) {
      const line = await conn.readLine(req.timeoutMs);
      out.restoresRead++;
      const err = authLine.startsWith('-') ? authLine : selectLine.startsWith('-') ? selectLine : line;
      if (!err.startsWith('-')) out.acked.push(item);
      else if (out.targetError === null) {
        out.targetError = err.slice(1);
        conn.lastDb = null;
      }
    }
  } catch (e) {
    if (!(e instanceof MigrateIoError)) throw e;
    out.io = e;
  }
  return out;
}

/** Proposes the conditional deletion of each acknowledged key; the first error reply, or null. */
function deleteAcked(
  server: SeshatServer,
  db: number,
  acked: readonly MigrateItem[],
): Promise<ErrorReply | null> {
  if (acked.length === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    let left = acked.length;
    let firstError: ErrorReply | null = null;
    const waiter: WriteWaiter = {
      onWriteReply(reply: Reply): void {
        if (reply instanceof ErrorReply && firstError === null) firstError = reply;
        if (--left === 0) resolve(firstError);
      },
      flushOutput(): void {},
    };
    for (const item of acked) {
      const deadline = Buffer.from(String(item.expireAtMs), 'latin1');
      server.writePath.submit(waiter, db, [INTERNAL_MIGRATE_DELETE, item.key, item.digest, deadline]);
    }
  });
}

function ioErrorReply(e: MigrateIoError): ErrorReply {
  return new ErrorReply(
    `IOERR error or timeout ${e.phase === 'write' ? 'writing' : 'reading'} to target instance`,
  );
}

/** One attempt: connect (or reuse), exchange, delete what was acknowledged. */
async function attempt(
  server: SeshatServer,
  db: number,
  req: MigrateRequest,
  items: readonly MigrateItem[],
): Promise<{ result: ExchangeResult; deleteError: ErrorReply | null } | ErrorReply> {
  const sockets = migrateSockets(server);
  let conn: TargetConnection;
  try {
    conn = await sockets.get(req.host, req.portText, req.timeoutMs);
  } catch (e) {
    if (!(e instanceof MigrateIoError)) throw e;
    if (e.phase === 'connect') return new ErrorReply('IOERR error or timeout connecting to the client');
    return { result: { acked: [], targetError: null, io: e, restoresRead: 0 }, deleteError: null };
  }
  const now = Date.now();
  // A key whose deadline passed since it was read is left out, as Redis skips it.
  const live = items.filter((i) => i.expireAtMs === 0 || i.expireAtMs >= now);
  const result = await conn.exclusive(() => exchange(conn, req, live));
  if (result.io !== null) sockets.close(req.host, req.portText);
  else if (result.targetError === null) conn.lastDb = req.db;
  const deleteError = req.copy ? null : await deleteAcked(server, db, result.acked);
  return { result, deleteError };
}

/** MIGRATE's work after the keys were read; resolves to the reply. */
async function runMigrate(
  server: SeshatServer,
  db: number,
  req: MigrateRequest,
  items: MigrateItem[],
): Promise<Reply> {
  for (let retry = true; ; retry = false) {
    const r = await attempt(server, db, req, items);
    if (r instanceof ErrorReply) return r;
    const { result, deleteError } = r;
    const retriable =
      result.io !== null && !result.io.timedOut && result.targetError === null && result.restoresRead === 0;
    if (retriable && retry) continue;
    if (result.targetError !== null) {
      return new ErrorReply(`ERR Target instance replied with error: ${result.targetError}`);
    }
    if (result.io !== null) return ioErrorReply(result.io);
    return deleteError ?? OK;
  }
}

/** The server handler: reads the keys now, answers later. */
export function migrateCommand(
  server: SeshatServer,
  client: Client,
  argv: Buffer[],
): Reply | typeof NO_REPLY {
  const cluster = server.cluster;
  if (cluster !== null && !cluster.isLeader) return redirectReply(cluster.leaderClientAddress(), argv);
  const req = parseMigrate(argv);
  const db = client.db;
  const items = readItems(server, db, req.keys);
  if (items instanceof ErrorReply) return items;
  if (items.length === 0) return NOKEY;
  const finish = client.deferReply();
  runMigrate(server, db, req, items).then(finish, (e: unknown) => {
    server.logger.error({ err: e }, 'MIGRATE failed');
    finish(new ErrorReply(`ERR MIGRATE failed: ${e instanceof Error ? e.message : String(e)}`));
  });
  return NO_REPLY;
}

def(
  {
    name: 'migrate',
    arity: -6,
    flags: 'write movablekeys',
    keys: [3, 3, 1],
    group: 'generic',
    summary: 'Atomically transfer a key from a Redis instance to another one.',
    since: '2.6.0',
  },
  migrateCommand,
);
