/**
 * Parked blocking commands (BLPOP and friends). See kv/blocking.ts for the model: a blocking
 * command that finds nothing returns WOULD_BLOCK at apply time; this registry parks the client
 * (FIFO per key), proposes the command again whenever an applied entry changes one of its keys,
 * and answers with the command's timeout reply when its timeout passes or on CLIENT UNBLOCK.
 * A retry in flight is never abandoned: if it pops something, the client gets it even if the
 * timeout fired meanwhile, so an element is never lost.
 */
import { ErrorReply, NULL_ARRAY, type Reply } from '@seshat/common';
import { type CommandSpec, commandKeys, metaKey, parseBlockingTimeoutMs, WOULD_BLOCK } from '@seshat/kv';
import { type Client, type PendingHandler, STILL_PENDING } from './client.js';
import type { Proposer, WriteWaiter } from './write-path.js';

const UNBLOCKED_ERROR = new ErrorReply('UNBLOCKED client unblocked via CLIENT UNBLOCK');

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
    readonly argv: Buffer[],
    readonly keys: string[],
    /** The user keys, parallel to `keys`. */
    readonly userKeys: Buffer[],
    readonly timeoutReply: Reply,
  ) {}

  onWriteReply(reply: Reply): void {
    this.retrying = false;
    // A key that became another type does not serve a blocked pop: Redis 7.0 leaves the client
    // blocked (only the first attempt answers WRONGTYPE). The moves still fail on a wrong-typed
    // destination, as in Redis, so they keep the error.
    if (reply === WOULD_BLOCK || (isWrongType(reply) && !isMove(this.argv))) {
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

  constructor(private readonly writePath: Proposer) {}

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
        if (reply !== WOULD_BLOCK) return reply;
        // A blocked client that times out (or CLIENT UNBLOCK ... TIMEOUT) gets a null array for
        // every blocking command, BLMOVE/BRPOPLPUSH included (Redis's
        // replyToBlockedClientTimedOut); only their non-blocking form in MULTI answers a null
        // bulk, and the state machine gives that one.
        this.park(client, spec, argv, NULL_ARRAY);
        return STILL_PENDING;
      },
    };
  }

  private park(client: Client, spec: CommandSpec, argv: Buffer[], timeoutReply: Reply): void {
    const userKeys = commandKeys(spec, argv);
    const keys = userKeys.map((k) => metaKey(client.db, k).toString('latin1'));
    const p = new Parked(this, client, client.db, argv, keys, userKeys, timeoutReply);
    const timeoutMs = timeoutOf(spec, argv);
    if (timeoutMs > 0) p.timer = setTimeout(() => this.expire(p, timeoutReply), timeoutMs);
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
      p.retrying = true;
      this.writePath.submit(p, p.db, retryArgv(p, ks));
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
