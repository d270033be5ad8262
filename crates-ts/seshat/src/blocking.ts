/**
 * Parked blocking commands (BLPOP and friends). See kv/blocking.ts for the model: a blocking
 * command that finds nothing returns WOULD_BLOCK at apply time; this registry parks the client
 * (FIFO per key), proposes the command again whenever an applied entry changes one of its keys,
 * and answers with the command's timeout reply when its timeout passes or on CLIENT UNBLOCK.
 * A retry in flight is never abandoned: if it pops something, the client gets it even if the
 * timeout fired meanwhile, so an element is never lost.
 */
import { ErrorReply, type Reply } from '@seshat/common';
import { type CommandSpec, commandKeys, metaKey, parseBlockingTimeoutMs, WOULD_BLOCK } from '@seshat/kv';
import { type Client, type PendingHandler, STILL_PENDING } from './client.js';
import type { Proposer, WriteWaiter } from './write-path.js';

const UNBLOCKED_ERROR = new ErrorReply('UNBLOCKED client unblocked via CLIENT UNBLOCK');

class Parked implements WriteWaiter {
  retrying = false;
  finalReply: Reply | undefined = undefined;
  timer: NodeJS.Timeout | null = null;

  constructor(
    readonly registry: BlockingRegistry,
    readonly client: Client,
    readonly db: number,
    readonly argv: Buffer[],
    readonly keys: string[],
    readonly timeoutReply: Reply,
  ) {}

  onWriteReply(reply: Reply): void {
    this.retrying = false;
    if (reply === WOULD_BLOCK) {
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
  handler(client: Client, spec: CommandSpec, argv: Buffer[], timeoutReply: Reply): PendingHandler {
    return {
      settle: (reply: Reply): Reply | typeof STILL_PENDING => {
        if (reply !== WOULD_BLOCK) return reply;
        this.park(client, spec, argv, timeoutReply);
        return STILL_PENDING;
      },
    };
  }

  private park(client: Client, spec: CommandSpec, argv: Buffer[], timeoutReply: Reply): void {
    const keys = commandKeys(spec, argv).map((k) => metaKey(client.db, k).toString('latin1'));
    const p = new Parked(this, client, client.db, argv, keys, timeoutReply);
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
    if (this.byClient.size === 1) this.onActivityChange(true);
  }

  /** Applied entries changed these meta keys: retry the parked commands waiting on them. */
  touched(mks: Buffer[]): void {
    for (const mk of mks) {
      const q = this.byKey.get(mk.toString('latin1'));
      if (q === undefined) continue;
      for (const p of q) {
        if (p.retrying || p.finalReply !== undefined) continue;
        p.retrying = true;
        this.writePath.submit(p, p.db, p.argv);
      }
    }
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

/** The timeout argument: last for most blocking commands, the second argument for BLMPOP/BZMPOP
 * (`BLMPOP timeout numkeys ...`). */
function timeoutOf(spec: CommandSpec, argv: Buffer[]): number {
  const name = spec.name;
  const arg = name === 'blmpop' || name === 'bzmpop' ? argv[1]! : argv[argv.length - 1]!;
  return parseBlockingTimeoutMs(arg);
}
