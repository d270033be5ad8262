/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH.
 *
 * Queued data commands become ONE log command (INTERNAL_EXEC), so a transaction is applied
 * atomically inside one entry on every replica. Connection commands queued in the
 * transaction (PING, SELECT, ...) run when EXEC runs, in order, so a queued SELECT changes the
 * database of the data commands after it; their replies are merged with the data replies.
 *
 * WATCH: the state machine reports every meta key an entry changed; a change to a watched key
 * (by any connection, including expiry deletions) marks the watcher dirty. EXEC first applies
 * every write queued before it (a barrier), so no earlier write can slip in unseen, then checks;
 * in cluster mode it also counts writes already in the log but not applied (watch-pending.ts).
 * A follower in forward mode checks its own state first, then forwards the transaction with
 * a WatchGuard that the leader checks against its log just before proposing it.
 */
import { ErrorReply, NULL_ARRAY, OK, QUEUED, type Reply, SeshatError } from '@seshat/common';
import {
  argIs,
  type CommandSpec,
  encodeEntry,
  type EntryCommand,
  INTERNAL_EXEC,
  metaExpireAt,
  metaKey,
} from '@seshat/kv';
import { type Client, NO_REPLY, type PendingHandler, PendingKind } from './client.js';
import { localReadSlot } from './forward-route.js';
import { captureConfirmations } from './pubsub.js';
import { def } from './server-commands.js';
import { touchesWatched, watchGuardOf } from './watch-pending.js';
import type { SeshatServer } from './server.js';

const T = 'transactions';
/** Commands that act on the transaction itself instead of being queued. */
export const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);
/** Most commands one transaction may queue (each is held in memory until EXEC). */
export const MULTI_QUEUE_MAX_COMMANDS = 1_000_000;

const EXECABORT = new ErrorReply('EXECABORT Transaction discarded because of previous errors.');

/** Called by the dispatcher for every command while the client is in MULTI. */
/** Server commands that answer after I/O (migrate.ts): EXEC cannot wait for them here. */
const ASYNC_COMMANDS = new Set(['migrate']);

export function queueInMulti(client: Client, spec: CommandSpec, argv: Buffer[]): Reply {
  if (spec.flags.includes('no_multi') || ASYNC_COMMANDS.has(spec.name)) {
    client.multiError = true;
    return new ErrorReply('ERR Command not allowed inside a transaction');
  }
  if (client.multi!.length >= MULTI_QUEUE_MAX_COMMANDS) {
    client.multiError = true;
    return new ErrorReply('ERR too many commands queued in this transaction');
  }
  client.multi!.push(argv);
  return QUEUED;
}

/**
 * Redis's rejectCommand: a command refused before it runs (unknown, wrong arity, NOAUTH,
 * subscribed mode) flags the open transaction; a refused EXEC instead discards the transaction
 * (and the watched keys), in or out of MULTI, answering EXECABORT with the reason.
 */
export function rejectCommand(
  server: SeshatServer,
  client: Client,
  argv: Buffer[],
  err: ErrorReply,
): ErrorReply {
  if (!argIs(argv[0]!, 'exec')) {
    if (client.multi !== null) client.multiError = true;
    return err;
  }
  discardMulti(client);
  unwatchAll(server, client);
  const reason = err.message.startsWith('ERR ') ? err.message.slice(4) : err.message;
  return new ErrorReply(`EXECABORT Transaction discarded because of: ${reason}`);
}

export function discardMulti(client: Client): void {
  client.multi = null;
  client.multiError = false;
}

export function unwatchAll(server: SeshatServer, client: Client): void {
  if (client.watched === null) return;
  for (const k of client.watched.keys()) server.unwatchKey(k, client);
  client.watched = null;
  client.watchDirty = false;
  client.watchAfter = null;
}

def(
  {
    name: 'multi',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    group: T,
    summary: 'Starts a transaction.',
    since: '1.2.0',
  },
  (_s, client) => {
    if (client.multi !== null) throw new SeshatError('ERR', 'MULTI calls can not be nested');
    client.multi = [];
    client.multiError = false;
    return OK;
  },
);

def(
  {
    name: 'discard',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    group: T,
    summary: 'Discards a transaction.',
    since: '2.0.0',
  },
  (server, client) => {
    if (client.multi === null) throw new SeshatError('ERR', 'DISCARD without MULTI');
    discardMulti(client);
    unwatchAll(server, client);
    return OK;
  },
);

def(
  {
    name: 'watch',
    arity: -2,
    flags: 'noscript loading stale fast allow_busy',
    keys: [1, -1, 1],
    group: T,
    summary: 'Monitors changes to keys to determine the execution of a transaction.',
    since: '2.2.0',
  },
  (server, client, argv) => {
    if (client.multi !== null) throw new SeshatError('ERR', 'WATCH inside MULTI is not allowed');
    const cluster = server.cluster;
    if (cluster === null) {
      watchKeys(server, client, argv);
      return OK;
    }
    // Cluster mode: the keys are watched from a linearizable read point (a ReadIndex round,
    // then this node's state applied up to it). A write acknowledged to anyone before WATCH
    // arrived is then already applied here, so neither this node's dirty tracking nor the
    // leader's check of a forwarded EXEC (after = the applied index) can take it for a
    // modification after WATCH. Watching from this node's own applied index instead aborted
    // compare-and-set transactions on a lagging follower (a restarted node catching up, or
    // one that had not yet applied the client's own previous write).
    const fill = localReadSlot(client);
    cluster.driver.read({
      run: () => {
        watchKeys(server, client, argv);
        fill(OK);
      },
      // No read point (no leader in time): the error is answered, and the transaction that
      // may follow is aborted (EXEC answers nil) rather than run unguarded.
      fail: (reply) => {
        client.watched ??= new Map();
        client.watchDirty = true;
        fill(reply);
      },
    });
    return NO_REPLY;
  },
);

/** WATCH's effect: registers the keys (with their deadlines) from this node's applied state. */
function watchKeys(server: SeshatServer, client: Client, argv: Buffer[]): void {
  client.watched ??= new Map();
  // Committed, so a leader checking a forwarded EXEC holds every later write (watch-pending.ts).
  client.watchAfter ??= server.sm.appliedIndex;
  const now = server.clock.nowMs();
  for (let i = 1; i < argv.length; i++) {
    const mk = metaKey(client.db, argv[i]!);
    const k = mk.toString('latin1');
    if (client.watched.has(k)) continue;
    const raw = server.sm.peekKey(client.db, argv[i]!);
    const exp = raw === undefined ? 0 : metaExpireAt(raw);
    client.watched.set(k, exp > now ? exp : 0);
    server.watchKey(k, client);
  }
}

def(
  {
    name: 'unwatch',
    arity: 1,
    flags: 'noscript loading stale fast allow_busy',
    group: T,
    summary: 'Forgets about watched keys of a transaction.',
    since: '2.2.0',
  },
  (server, client) => {
    unwatchAll(server, client);
    return OK;
  },
);

def(
  {
    name: 'exec',
    arity: 1,
    flags: 'noscript loading stale skip_slowlog',
    group: T,
    summary: 'Executes all commands in a transaction.',
    since: '1.2.0',
  },
  (server, client, argv) => {
    try {
      return execCommand(server, client);
    } finally {
      // MONITOR shows EXEC after the commands it ran (or alone, when it ran none).
      server.monitors.feed(client, null, client.db, argv, server.clock.nowMs());
    }
  },
);

function watchedKeyExpired(server: SeshatServer, client: Client): boolean {
  if (client.watched === null) return false;
  const now = server.clock.nowMs();
  for (const deadline of client.watched.values()) if (deadline !== 0 && deadline <= now) return true;
  return false;
}

/** A write queued or in the log ahead of this EXEC but not applied yet touches a watched key. */
function unappliedTouch(server: SeshatServer, client: Client): boolean {
  const pending = server.writePath.unappliedCommands();
  return pending === null || touchesWatched(pending, client.watched!);
}

function execCommand(server: SeshatServer, client: Client): Reply | typeof NO_REPLY {
  if (client.multi === null) throw new SeshatError('ERR', 'EXEC without MULTI');
  const queued = client.multi;
  const aborted = client.multiError;
  discardMulti(client);
  if (aborted) {
    unwatchAll(server, client);
    return EXECABORT;
  }
  // Taken before unwatchAll: a forwarded EXEC's leader checks the watched keys again.
  const guard = server.cluster === null ? undefined : watchGuardOf(client);
  if (client.watched !== null) {
    server.writePath.flush();
    const dirty = client.watchDirty || watchedKeyExpired(server, client) || unappliedTouch(server, client);
    unwatchAll(server, client);
    if (dirty) return NULL_ARRAY;
  }
  const replies: (Reply | undefined)[] = new Array(queued.length);
  const data: EntryCommand[] = [];
  for (let i = 0; i < queued.length; i++) {
    const argv = queued[i]!;
    server.monitors.feed(client, null, client.db, argv, server.clock.nowMs());
    client.execRunning = true;
    let run: ReturnType<typeof captureConfirmations<Reply | undefined>>;
    try {
      run = captureConfirmations(client, () => server.runQueued(client, argv));
    } finally {
      client.execRunning = false;
    }
    const { result: r, frames } = run;
    // A queued (P)(UN)SUBSCRIBE answers with its confirmation frame(s) inside the EXEC array.
    if (frames.length > 0) {
      replies[i] = frames.length === 1 ? frames[0]! : frames;
      continue;
    }
    if (r === undefined) data.push({ db: client.db, argv });
    replies[i] = r;
  }
  if (data.length === 0) return replies as Reply[];
  // Proposed here, or forwarded to the leader by a follower (cluster mode).
  const handler: PendingHandler = {
    settle(reply: Reply): Reply {
      // The whole transaction failed (cluster mode: not applied, outcome unknown, no leader)
      // or a forwarded one was aborted by the leader's WATCH check (nil).
      if (!Array.isArray(reply)) return reply;
      const dataReplies = reply;
      let j = 0;
      for (let i = 0; i < replies.length; i++) if (replies[i] === undefined) replies[i] = dataReplies[j++]!;
      return replies as Reply[];
    },
  };
  server.submitTransaction(client, [INTERNAL_EXEC, encodeEntry(0, 0, data)], handler, guard);
  return NO_REPLY;
}

export { PendingKind };
