/**
 * Leader side of client-command forwarding (proto/node.proto, NodeService.Forward).
 *
 * A follower forwards its clients' data commands to the leader over one stream. For each
 * request, in arrival order, this node:
 *   - answers -MOVED <slot> <leader> (or -CLUSTERDOWN) when it is not the leader: the
 *     command was not executed here;
 *   - proposes a write (a command whose spec says `write`, or an internal command such as
 *     a transaction's INTERNAL_EXEC) through the group driver, exactly like a local client's;
 *   - serves a read after a ReadIndex round, like a local client's read;
 *   - answers a transaction carrying watched keys with a null array (EXEC aborted) when a
 *     write after its WATCH touched one of them (watch-pending.ts), or proposes it.
 * A request for a Raft group this node does not serve (its `group_id`) is answered
 * -ERR unknown raft group <n> and not executed.
 * Each reply is encoded in the requesting connection's RESP version and sent back as soon
 * as it is known (completion order; the follower matches replies by id and restores each
 * connection's order).
 *
 * `executeCommand` is also used by the follower side when this node itself became the
 * leader while commands were waiting to be forwarded.
 */
import { ErrorReply, keyHashSlot, type Reply } from '@seshat/common';
import type {
  ForwardCallHandler,
  ForwardRequest,
  ForwardSession,
  GroupDriver,
  WriteIdentity,
} from '@seshat/cluster';
import { commandKeys, isInternalName, type KvStateMachine, resolveCommand } from '@seshat/kv';
import { encodeReply } from '@seshat/protocol-resp';
import { deliverRead } from './script-busy.js';
import { guardCheck, type WatchGuard } from './watch-pending.js';

export const CLUSTERDOWN_NO_LEADER = new ErrorReply('CLUSTERDOWN The cluster is down');

export interface ForwardExecutorDeps {
  /** The Raft group this node serves (the one `driver` runs). */
  groupId: number;
  driver: GroupDriver;
  sm: KvStateMachine;
  nowMs(): number;
  /** The leader's client address (host:port), or null while none is known. */
  leaderClientAddress(): string | null;
}

/** The reply to a request (forwarded command or admin call) for a group this node does not serve. */
export function unknownGroupReply(groupId: number): ErrorReply {
  return new ErrorReply(`ERR unknown raft group ${groupId}`);
}

/** -MOVED <slot of the first key> <leader>, or -CLUSTERDOWN while no leader is known. */
export function redirectReply(leader: string | null, argv: Buffer[]): ErrorReply {
  if (leader === null) return CLUSTERDOWN_NO_LEADER;
  let slot = 0;
  if (!isInternalName(argv[0]!)) {
    const spec = resolveCommand(argv);
    if (!(spec instanceof ErrorReply)) {
      const keys = commandKeys(spec, argv);
      if (keys.length > 0) slot = keyHashSlot(keys[0]!);
    }
  }
  return new ErrorReply(`MOVED ${slot} ${leader}`);
}

/**
 * Runs one forwarded command on this node if it is the leader (else answers the redirect)
 * and calls `done` once with the RESP-encoded reply. `guard`: a transaction from a client
 * that used WATCH; answered with a null array (aborted) if a watched key was written since.
 */
export function executeCommand(
  deps: ForwardExecutorDeps,
  db: number,
  argv: Buffer[],
  read: boolean,
  resp: 2 | 3,
  done: (bytes: Buffer) => void,
  writeId?: WriteIdentity,
  guard?: WatchGuard,
): void {
  const finish = (reply: Reply): void => done(encodeReply(reply, resp));
  const waiter = { onWriteReply: finish, flushOutput: () => {} };
  if (argv.length === 0) finish(new ErrorReply('ERR empty command'));
  else if (!deps.driver.isLeader) finish(redirectReply(deps.leaderClientAddress(), argv));
  else if (isInternalName(argv[0]!)) {
    // Checked and proposed in one turn: no write can come between them in log order.
    const driver = deps.driver;
    const recheck = guardCheck(guard, (index) => driver.commandsAfter(index));
    // A retried EXEC (write-retry.ts): the guard is checked only if it is proposed again.
    if (writeId?.retry === true) driver.submitRetry(waiter, db, argv, writeId, recheck);
    else {
      const refused = recheck();
      if (refused !== null) finish(refused);
      else driver.submit(waiter, db, argv, writeId?.tag ?? 0);
    }
  } else {
    const spec = resolveCommand(argv);
    if (spec instanceof ErrorReply) finish(spec);
    else if (spec.exec === 'write' && !read) {
      if (writeId?.retry === true) deps.driver.submitRetry(waiter, db, argv, writeId);
      else deps.driver.submit(waiter, db, argv, writeId?.tag ?? 0);
    } else if (spec.exec !== 'read' || !read) {
      finish(new ErrorReply(`ERR command '${spec.name}' cannot be forwarded`));
    } else {
      deps.driver.read({
        run: () => {
          const reply = deps.sm.read(spec, db, argv, deps.nowMs());
          const expired = deps.sm.takeExpiredSeen();
          if (expired !== null) for (const cmd of expired) deps.driver.submit(null, db, cmd);
          deliverRead(deps.sm, reply, finish, () => deps.driver.run());
        },
        fail: finish,
      });
    }
  }
}

/** The per-call handler of serveForward (crates-ts/cluster/src/node-service.ts). */
export function forwardSession(deps: ForwardExecutorDeps, session: ForwardSession): ForwardCallHandler {
  return {
    request(req: ForwardRequest): void {
      const id = req.id;
      const resp = req.resp === 3 ? 3 : 2;
      const writeId: WriteIdentity | undefined =
        req.tag > 0 ? { tag: req.tag, sentAfterIndex: req.sentAfterIndex, retry: req.retry } : undefined;
      const guard: WatchGuard | undefined =
        req.watchKeys.length > 0 ? { keys: req.watchKeys, after: req.watchAfter } : undefined;
      const send = (reply: Buffer): void => session.send({ id, reply });
      if (req.groupId !== deps.groupId) {
        send(encodeReply(unknownGroupReply(req.groupId), resp));
        return;
      }
      executeCommand(deps, req.db, req.argv, req.read, resp, send, writeId, guard);
    },
    ended(): void {
      // Commands already proposed still run; their replies are dropped (send() ignores them).
    },
  };
}
