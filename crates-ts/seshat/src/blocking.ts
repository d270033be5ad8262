/**
 * Parked blocking commands (BLPOP and friends). See kv/blocking.ts for the model: a blocking
 * command that finds nothing returns WOULD_BLOCK at apply time; this registry parks the client
 * (FIFO per key), proposes the command again whenever an applied entry changes one of its keys,
 * and answers with the command's timeout reply when its timeout passes or on CLIENT UNBLOCK.
 * A retry in flight is never abandoned: if it pops something, the client gets it even if the
 * timeout fired meanwhile, so an element is never lost.
 */
import { ErrorReply, NULL_ARRAY, type Reply } from '@seshat/common';
import {
  argIs,
  BlockRequest,
  type CommandSpec,
  commandKeys,
  type Handler,
  isBlockReply,
  metaKey,
  parseBlockingTimeoutMs,
  WOULD_BLOCK,
} from '@seshat/kv';
import { type Client, type PendingHandler, STILL_PENDING } from './client.js';
import type { Proposer, WriteWaiter } from './write-path.js';

const UNBLOCKED_ERROR = new ErrorReply('UNBLOCKED client unblocked via CLIENT UNBLOCK');
/** setTimeout's largest delay (a signed 32-bit ms count); longer waits re-arm in steps. */
const TIMER_DELAY_MAX_MS = 2 ** 31 - 1;

/** Runs a parked read's retry against applied state (see BlockRequest.readRetry). */
export type BlockedReader = (run: Handler, db: number, argv: Buffer[]) => Reply;

/** Still waiting: nothing to serve, or (a list pop) the key became another type, which Redis
 * 7.0 ignores for a blocked client. */
function keepsWaiting(reply: Reply, argv: Buffer[]): boolean {
  return isBlockReply(reply) || (isWrongType(reply) && !isMove(argv));
}

/** A blocked command waiting for its keys (its retries are proposed as this waiter). */
export class Parked implements WriteWaiter {
  retrying = false;
  finalReply: Reply | undefined = undefined;
  timer: NodeJS.Timeout | null = null;
  /** Drops this parked command when the connection closes (see `park`). */
  onSocketClose: (() => void) | null = null;

  constructor(
    readonly registry: BlockingRegistry,
    readonly client: Client,
    readonly db: number,
    /** The command's name (its INFO commandstats entry). */
    readonly command: string,
    readonly argv: Buffer[],
    readonly keys: string[],
    /** The user keys, parallel to `keys`. */
    readonly userKeys: Buffer[],
    readonly timeoutReply: Reply,
    /** A stream command's own retry (kv BlockRequest); null for the list and zset pops. */
    readonly request: BlockRequest | null,
  ) {}

  onWriteReply(reply: Reply): void {
    this.retrying = false;
    // A key that became another type does not serve a blocked pop: Redis 7.0 leaves the client
    // blocked (only the first attempt answers WRONGTYPE). The moves still fail on a wrong-typed
    // destination, as in Redis, so they keep the error.
    if (keepsWaiting(reply, this.argv)) {
      if (this.finalReply !== undefined) this.registry.finish(this, this.finalReply);
      return;
    }
    this.registry.finish(this, reply);
  }

  flushOutput(): void {}
}

export class BlockingRegistry {
  private readonly byKey = new Map<string, Parked[]>();
  private readonly byClient = new Map<Client, Parked>();
  /** Called when the registry goes from empty to non-empty or back (touch tracking). */
  onActivityChange: (active: boolean) => void = () => {};

  constructor(
    private readonly writePath: Proposer,
    private readonly reader: BlockedReader,
    /** Counts a blocking command that ended in an error (INFO commandstats failed_calls). */
    private readonly countFailed: (command: string) => void = () => {},
  ) {}

  get size(): number {
    return this.byClient.size;
  }

  isBlocked(client: Client): boolean {
    return this.byClient.has(client);
  }

  /** The pending handler for a blocking command submitted by `client`. */
  handler(client: Client, spec: CommandSpec, argv: Buffer[], _timeoutReply: Reply): PendingHandler {
    return {
      settle: (reply: Reply): Reply | typeof STILL_PENDING => {
        // A blocked client that times out (or CLIENT UNBLOCK ... TIMEOUT) gets a null array for
        // every blocking command, BLMOVE/BRPOPLPUSH included (Redis's
        // replyToBlockedClientTimedOut); only their non-blocking form in MULTI answers a null
        // bulk, and the state machine gives that one.
        if (reply instanceof BlockRequest) {
          this.park(client, spec.name, argv, reply.keys, reply.timeoutMs, reply);
          return STILL_PENDING;
        }
        if (reply !== WOULD_BLOCK) {
          if (reply instanceof ErrorReply) this.countFailed(spec.name);
          return reply;
        }
        this.park(client, spec.name, argv, commandKeys(spec, argv), timeoutOf(spec, argv), null);
        return STILL_PENDING;
      },
    };
  }

  /** A read (XREAD) that answered `request` at once: parks the client like a blocked write. */
  blockRead(client: Client, spec: CommandSpec, argv: Buffer[], request: BlockRequest): void {
    client.expectWriteReply(this.handler(client, spec, argv, NULL_ARRAY));
    client.onWriteReply(request);
  }

  private park(
    client: Client,
    command: string,
    argv: Buffer[],
    userKeys: Buffer[],
    timeoutMs: number,
    request: BlockRequest | null,
  ): void {
    const keys = userKeys.map((k) => metaKey(client.db, k).toString('latin1'));
    const p = new Parked(this, client, client.db, command, argv, keys, userKeys, NULL_ARRAY, request);
    if (timeoutMs > 0) this.armTimer(p, timeoutMs);
    for (const k of keys) {
      let q = this.byKey.get(k);
      if (q === undefined) {
        q = [];
        this.byKey.set(k, q);
      }
      q.push(p);
    }
    this.byClient.set(client, p);
    // A client that disconnects while blocked must stop waiting at once: otherwise it still
    // counts in blocked_clients and a later push is retried for it and popped into the void
    // (the server's clientClosed does not tell this registry).
    p.onSocketClose = () => this.drop(client);
    client.socket.once('close', p.onSocketClose);
    if (this.byClient.size === 1) this.onActivityChange(true);
  }

  /** Times `p` out after `ms`, in steps setTimeout can take. */
  private armTimer(p: Parked, ms: number): void {
    const step = Math.min(ms, TIMER_DELAY_MAX_MS);
    p.timer = setTimeout(() => {
      if (ms > step) this.armTimer(p, ms - step);
      else this.expire(p, p.timeoutReply);
    }, step);
  }

  /**
   * An applied entry changed these meta keys: retry the parked commands waiting on them (FIFO
   * per key). Like Redis, which serves a blocked client from the key that became ready, the
   * retry only looks at the client's keys this entry touched (in the order they were touched).
   */
  touched(mks: Buffer[]): void {
    let hits: Map<Parked, string[]> | null = null;
    for (const mk of mks) {
      const k = mk.toString('latin1');
      const q = this.byKey.get(k);
      if (q === undefined) continue;
      for (const p of q) {
        if (p.retrying || p.finalReply !== undefined) continue;
        hits ??= new Map();
        const ks = hits.get(p);
        if (ks === undefined) hits.set(p, [k]);
        else if (!ks.includes(k)) ks.push(k);
      }
    }
    if (hits === null) return;
    for (const [p, ks] of hits) {
      const request = p.request;
      if (request?.readRetry) {
        // A read's retry runs here, on this node's applied state: nothing to propose.
        const reply = this.reader(
          request.readRetry,
          p.db,
          request.retryArgv(ks.map((k) => p.keys.indexOf(k))),
        );
        if (!keepsWaiting(reply, p.argv)) this.finish(p, reply);
        continue;
      }
      p.retrying = true;
      const argv = request === null ? retryArgv(p, ks) : request.retryArgv(ks.map((k) => p.keys.indexOf(k)));
      this.writePath.submit(p, p.db, argv);
    }
  }

  /** The meta keys clients are blocked on in logical databases `a` and `b` (SWAPDB). */
  keysInDbs(a: number, b: number): Buffer[] {
    const out: Buffer[] = [];
    for (const k of this.byKey.keys()) {
      const db = k.charCodeAt(2);
      if (db === a || db === b) out.push(Buffer.from(k, 'latin1'));
    }
    return out;
  }

  /** CLIENT UNBLOCK: true if the client was blocked. */
  unblock(client: Client, withError: boolean): boolean {
    const p = this.byClient.get(client);
    if (p === undefined) return false;
    this.expire(p, withError ? UNBLOCKED_ERROR : p.timeoutReply);
    return true;
  }

  /** The client closed: forget it (a retry in flight completes into the void). */
  drop(client: Client): void {
    const p = this.byClient.get(client);
    if (p !== undefined) this.remove(p);
  }

  private expire(p: Parked, reply: Reply): void {
    if (p.retrying) {
      p.finalReply = reply;
      return;
    }
    this.finish(p, reply);
  }

  finish(p: Parked, reply: Reply): void {
    if (!this.byClient.has(p.client)) return;
    this.remove(p);
    if (reply instanceof ErrorReply) this.countFailed(p.command);
    p.client.completePending(reply);
  }

  private remove(p: Parked): void {
    if (p.timer !== null) clearTimeout(p.timer);
    if (p.onSocketClose !== null) p.client.socket.off('close', p.onSocketClose);
    for (const k of p.keys) {
      const q = this.byKey.get(k);
      if (q === undefined) continue;
      const i = q.indexOf(p);
      if (i >= 0) q.splice(i, 1);
      if (q.length === 0) this.byKey.delete(k);
    }
    this.byClient.delete(p.client);
    if (this.byClient.size === 0) this.onActivityChange(false);
  }
}

function isWrongType(reply: Reply): boolean {
  return reply instanceof ErrorReply && reply.message.startsWith('WRONGTYPE');
}

function isMove(argv: Buffer[]): boolean {
  const name = argv[0]!.toString('latin1').toLowerCase();
  return name === 'blmove' || name === 'brpoplpush';
}

/** The parked command narrowed to its keys in `touched` (meta keys, latin1). BLMOVE and
 * BRPOPLPUSH have one source key and are retried as they are. */
function retryArgv(p: Parked, touched: string[]): Buffer[] {
  const argv = p.argv;
  if (isMove(argv)) return argv;
  const uks = touched.map((k) => p.userKeys[p.keys.indexOf(k)]!);
  const name = argv[0]!.toString('latin1').toLowerCase();
  if (name === 'blmpop' || name === 'bzmpop') {
    // name timeout numkeys key... where [COUNT n]
    const numkeys = Number(argv[2]!.toString('latin1'));
    return [argv[0]!, argv[1]!, Buffer.from(String(uks.length)), ...uks, ...argv.slice(3 + numkeys)];
  }
  return [argv[0]!, ...uks, argv[argv.length - 1]!];
}

/** The timeout argument: last for most blocking commands, the second argument for BLMPOP/BZMPOP
 * (`BLMPOP timeout numkeys ...`). */
function timeoutOf(spec: CommandSpec, argv: Buffer[]): number {
  const name = spec.name;
  const arg = name === 'blmpop' || name === 'bzmpop' ? argv[1]! : argv[argv.length - 1]!;
  return parseBlockingTimeoutMs(arg);
}

/**
 * Whether this invocation may block. The list and zset pops always may; XREAD and XREADGROUP
 * (flagged `blocking` like them) only with a BLOCK option among their options, before STREAMS
 * (GROUP takes two arguments, COUNT and BLOCK one, NOACK none, so a group or consumer named
 * "block" is not taken for the option). A cluster follower relays what cannot block and
 * redirects the rest to the leader, where a blocked client can be parked.
 */
export function mayBlock(spec: CommandSpec, argv: Buffer[]): boolean {
  if (!spec.flags.includes('blocking')) return false;
  if (spec.name !== 'xread' && spec.name !== 'xreadgroup') return true;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (argIs(a, 'streams')) return false;
    if (argIs(a, 'block')) return true;
    if (argIs(a, 'group')) i += 2;
    else if (argIs(a, 'count')) i += 1;
  }
  return false;
}
