/**
 * One client connection: parses requests, keeps per-connection order (a command that is not
 * a write waits for the connection's earlier writes), writes replies of one turn in one
 * socket write, and applies backpressure (pauses reading while unsent output is large).
 */
import type { Socket } from 'node:net';
import { assert, ErrorReply, PushReply, type Reply } from '@seshat/common';
import { ReplyWriter, RequestParser } from '@seshat/protocol-resp';
import type { TrackingState } from './tracking.js';
import type { WriteWaiter } from './write-path.js';
import type { UnknownWrite } from './write-retry.js';

/** Most parsed-but-unexecuted commands held per client before reading pauses. */
export const CLIENT_QUEUE_MAX_COMMANDS = 8192;

export type ReplyMode = 'on' | 'off' | 'skip';

/** What the dispatcher needs from the server to run a client's commands. */
export interface ClientHost {
  /** Executes argv; returns the reply, or PENDING when it was submitted to the write path. */
  execute(client: Client, argv: Buffer[]): Reply | typeof PENDING | typeof NO_REPLY | typeof POSTPONED;
  /** True if argv can be submitted while earlier commands are in flight (their replies
   * still come first). */
  isPipelinable(client: Client, argv: Buffer[]): boolean;
  /** True when the client's commands must wait (a script runs, script-busy.ts); the host
   * calls `process` again once they may run. */
  holds(client: Client): boolean;
  clientClosed(client: Client): void;
  readonly outputPauseBytes: number;
  readonly outputHardLimitBytes: number;
  readonly queryBufferLimitBytes: number;
  nowMs(): number;
  countInput(bytes: number): void;
  countOutput(bytes: number): void;
  logWarn(msg: string, fields: Record<string, unknown>): void;
  countError(message: string): void;
  /** Hint: these commands are about to run; load what they read in one storage call. */
  prefetch(client: Client, queue: Buffer[][], from: number): void;
}

export const PENDING = Symbol('pending');
/** The command was not run: it waits, with those behind it, for the end of a CLIENT PAUSE. */
export const POSTPONED = Symbol('postponed');

/** What a pending write's reply becomes: sent as is, dropped (internal work the connection
 * must wait for, like a lazy expiry deletion), or merged (EXEC: data replies into the array
 * that also holds the replies of connection commands run at EXEC time). */
export type PendingKind = PendingKind.Reply | PendingKind.Hidden | PendingHandler;

export const STILL_PENDING = Symbol('still-pending');

/** Custom handling of a pending write's reply. */
export interface PendingHandler {
  /** The reply to send, or STILL_PENDING if the command stays pending (a parked blocking
   * command, completed later through `completePending`). */
  settle(reply: Reply): Reply | typeof STILL_PENDING;
}
export namespace PendingKind {
  export const Reply = 0;
  export type Reply = 0;
  export const Hidden = 1;
  export type Hidden = 1;
}
/** Marker: the handler already wrote (or deliberately suppressed) its reply. */
export const NO_REPLY = Symbol('no-reply');

export class Client implements WriteWaiter {
  readonly parser: RequestParser;
  readonly writer = new ReplyWriter();
  resp: 2 | 3 = 2;
  db = 0;
  name = '';
  libName = '';
  libVer = '';
  authenticated: boolean;
  readonly createdMs: number;
  lastInteractionMs: number;
  replyMode: ReplyMode = 'on';
  noEvict = false;
  /** READONLY (cluster mode): reads may be served by this node's possibly stale state. */
  readonlyMode = false;
  /** Cluster mode: the last write whose outcome was unknown, until the next command (write-retry.ts). */
  unknownWrite: UnknownWrite | null = null;
  /** Cluster mode, while EXEC runs: the remembered write this EXEC may be the retry of. */
  execRetryOf: UnknownWrite | null = null;
  lastCommand = 'NULL';
  /** Set when the connection must close once pending replies are written (QUIT, errors). */
  closing = false;
  closed = false;
  /** Set while EXEC runs this connection's queued commands (WAIT answers at once there). */
  execRunning = false;
  private queue: Buffer[][] = [];
  /** Request bytes of each queued command (parallel to `queue`): CLIENT LIST's qbuf. */
  private queueBytes: number[] = [];
  private queueHead = 0;
  /** Parser position after the last command taken from it. */
  private parsedBytes = 0;
  /** The command being executed and its request bytes (CLIENT LIST qbuf and argv-mem). */
  executing: Buffer[] | null = null;
  executingBytes = 0;
  private inflight = 0;
  /** For each in-flight write, in order, what to do with its reply (see PendingKind). */
  private pendingKinds: PendingKind[] = [];
  private pendingHead = 0;
  /** A blocking command is in flight: nothing queued behind it runs until every in-flight
   * command is answered. Redis stops processing a blocked client's input, so a SET pipelined
   * behind a waiting BLPOP runs (and is answered) only after it; clients match replies by
   * position. */
  private blockingBarrier = false;
  /** MULTI state: queued commands (null outside MULTI) and whether queueing failed. */
  multi: Buffer[][] | null = null;
  multiError = false;
  /** WATCHed keys (meta key latin1 -> deadline seen at WATCH, 0 if none) and their state. */
  watched: Map<string, number> | null = null;
  watchDirty = false;
  /** Applied index at the first WATCH: a forwarded EXEC's leader checks writes after it. */
  watchAfter: number | null = null;
  /** CLIENT TRACKING state (tracking.ts); null until the client first enables it. */
  tracking: TrackingState | null = null;
  /** Pushes held until the replies in flight when they were made are written (a tracking
   * invalidation caused by the client's own command follows that command's reply, as in
   * Redis): each with the number of those replies still to come. FIFO; counts never fall
   * below an earlier entry's. */
  private heldPushes: { left: number; items: Reply[] }[] | null = null;
  /** Pub/Sub channels and patterns this client is subscribed to (latin1 names). */
  readonly subscriptions = new Set<string>();
  readonly psubscriptions = new Set<string>();
  /** Shard channels (SSUBSCRIBE, pubsub-shard.ts). */
  readonly ssubscriptions = new Set<string>();
  private flushScheduled = false;
  private pausedForOutput = false;
  private pausedForQueue = false;
  private readonly host: ClientHost;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    host: ClientHost,
    parserLimits: { bulkMaxBytes: number; queryBufferMaxBytes: number },
    requirePass: boolean,
  ) {
    this.host = host;
    this.parser = new RequestParser(parserLimits);
    this.authenticated = !requirePass;
    this.parser.authenticated = this.authenticated;
    this.createdMs = host.nowMs();
    this.lastInteractionMs = this.createdMs;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  get addr(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  get laddr(): string {
    return `${this.socket.localAddress}:${this.socket.localPort}`;
  }

  get queuedCommands(): number {
    return this.queue.length - this.queueHead;
  }

  /** Argument bytes of the command being executed and of the commands queued behind it. */
  argvBytes(): number {
    let n = 0;
    const count = (argv: Buffer[]) => {
      for (const a of argv) n += a.length;
    };
    if (this.executing !== null) count(this.executing);
    for (let i = this.queueHead; i < this.queue.length; i++) count(this.queue[i]!);
    return n;
  }

  /** Whether reading from the socket is paused (backpressure). */
  get readPaused(): boolean {
    return this.pausedForOutput || this.pausedForQueue;
  }

  /** Submitted commands whose replies are still pending. */
  get inflightCount(): number {
    return this.inflight;
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.host.countInput(chunk.length);
    this.lastInteractionMs = this.host.nowMs();
    this.parser.push(chunk);
    if (this.parser.bufferedBytes() > this.host.queryBufferLimitBytes) {
      this.host.logWarn('closing client that reached max query buffer length', {
        client: this.id,
        addr: this.addr,
      });
      this.close();
      return;
    }
    const before = this.queue.length;
    for (let argv = this.parser.next(); argv !== null; argv = this.parser.next()) {
      this.queue.push(argv);
      const parsed = this.parser.consumedBytes();
      this.queueBytes.push(parsed - this.parsedBytes);
      this.parsedBytes = parsed;
    }
    if (this.queue.length - before > 1) this.host.prefetch(this, this.queue, before);
    this.process();
    this.flushOutput();
  }

  /** Runs queued commands in order until one must wait for in-flight writes. */
  process(): void {
    while (this.queueHead < this.queue.length && !this.closing) {
      const argv = this.queue[this.queueHead]!;
      if (
        this.inflight > 0 &&
        (this.deferredReplies > 0 || this.blockingBarrier || !this.host.isPipelinable(this, argv))
      )
        break;
      if (this.host.holds(this)) break;
      this.executing = argv;
      this.executingBytes = this.queueBytes[this.queueHead]!;
      this.queueHead++;
      const reply = this.host.execute(this, argv);
      this.executing = null;
      this.executingBytes = 0;
      if (reply === POSTPONED) {
        // Run again (and checked again) once the pause ends: see resume().
        this.queueHead--;
        break;
      }
      if (reply === PENDING) this.expectWriteReply(PendingKind.Reply);
      else if (reply !== NO_REPLY) this.reply(reply);
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueBytes.length = 0;
      this.queueHead = 0;
      if (this.parser.error !== null && !this.closing) this.protocolError(this.parser.error);
    }
    this.updateQueuePause();
  }

  private protocolError(message: string): void {
    this.reply(new ErrorReply(`ERR ${message}`));
    this.closing = true;
  }

  private updateQueuePause(): void {
    const over = this.queuedCommands > CLIENT_QUEUE_MAX_COMMANDS;
    if (over && !this.pausedForQueue) {
      this.pausedForQueue = true;
      this.socket.pause();
    } else if (!over && this.pausedForQueue) {
      this.pausedForQueue = false;
      if (!this.pausedForOutput) this.socket.resume();
    }
  }

  /** Queues a reply, honouring CLIENT REPLY OFF/SKIP. */
  reply(reply: Reply): void {
    if (reply instanceof ErrorReply) this.host.countError(reply.message);
    if (this.replyMode === 'on') this.writer.write(reply, this.resp);
    else if (this.replyMode === 'skip') this.replyMode = 'on';
  }

  /** Queues a bulk-string reply of bytes `start` to `end` of `buf` (copied now). */
  replyBulkRange(buf: Buffer, start: number, end: number): void {
    if (this.replyMode === 'on') this.writer.writeBulkRange(buf, start, end);
    else if (this.replyMode === 'skip') this.replyMode = 'on';
  }

  /** Every subscription, shard channels included: non-zero is Redis's CLIENT_PUBSUB mode. */
  subscriptionCount(): number {
    return this.subscriptions.size + this.psubscriptions.size + this.ssubscriptions.size;
  }

  /** A Pub/Sub frame: RESP3 push, RESP2 array. */
  pushReply(items: Reply[]): void {
    this.writer.write(this.resp === 3 ? new PushReply(items) : items, this.resp);
  }

  /** A message for this subscriber, produced by another client's PUBLISH: sent this turn. */
  push(items: Reply[]): void {
    if (this.closed) return;
    this.pushReply(items);
    this.flushSoon();
  }

  /** Like push, but after the replies now in flight (see `heldPushes`). */
  pushAfterReplies(items: Reply[]): void {
    if (this.closed) return;
    if (this.inflight === 0) {
      this.push(items);
      return;
    }
    (this.heldPushes ??= []).push({ left: this.inflight, items });
  }

  /** One reply in flight was settled: the held pushes now due follow it. */
  private releaseHeldPushes(): void {
    const held = this.heldPushes;
    if (held === null) return;
    let due = 0;
    for (const h of held) if (--h.left <= 0) due++;
    for (let i = 0; i < due; i++) this.pushReply(held[i]!.items);
    if (due === held.length) this.heldPushes = null;
    else if (due > 0) held.splice(0, due);
  }

  /** Writes the pending output at the end of this event-loop turn (one write for all the
   * replies produced in the turn). */
  flushSoon(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.scheduledFlush);
    }
  }

  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false;
    this.flushOutput();
  };

  /** Bypasses CLIENT REPLY (used for the reply to CLIENT REPLY ON itself). */
  forceReply(reply: Reply): void {
    this.writer.write(reply, this.resp);
  }

  /** Registers a submitted write and what to do with its reply when it comes. */
  expectWriteReply(kind: PendingKind): void {
    this.inflight++;
    this.pendingKinds.push(kind);
  }

  /** Like expectWriteReply, for a blocking command: later commands wait for its reply. */
  expectBlockingReply(kind: PendingKind): void {
    this.blockingBarrier = true;
    this.expectWriteReply(kind);
  }

  onWriteReply(reply: Reply): void {
    const kind = this.pendingKinds[this.pendingHead++]!;
    if (this.pendingHead === this.pendingKinds.length) {
      this.pendingKinds.length = 0;
      this.pendingHead = 0;
    }
    if (kind === PendingKind.Reply) this.settled(reply, true);
    else if (kind === PendingKind.Hidden) this.settled(null, false);
    else {
      if (this.closed) this.settled(null, false);
      else {
        const r = kind.settle(reply);
        if (r !== STILL_PENDING) this.settled(r, true);
      }
    }
  }

  /** Server commands answering later (deferReply) whose reply has not come yet. */
  private deferredReplies = 0;

  /**
   * For a server command that answers after some I/O (MIGRATE): the connection runs none of
   * its later commands until the returned function is called, once, with the reply.
   */
  deferReply(): (reply: Reply) => void {
    this.inflight++;
    this.deferredReplies++;
    let done = false;
    return (reply) => {
      assert(!done, 'deferred reply sent twice');
      done = true;
      this.deferredReplies--;
      this.settled(reply, true);
      this.flushOutput();
    };
  }

  /** Goes on with queued commands after a CLIENT PAUSE ended. */
  resume(): void {
    if (this.closed) return;
    this.process();
    this.flushOutput();
  }

  /** Completes a write that stayed pending (a blocking command served or timed out). */
  completePending(reply: Reply): void {
    this.settled(reply, true);
    this.flushOutput();
  }

  /** `send` is false for a hidden write: `null` is also a real reply (the null bulk string). */
  private settled(reply: Reply, send: boolean): void {
    this.inflight--;
    if (this.inflight === 0) this.blockingBarrier = false;
    if (this.closed) return;
    if (send) this.reply(reply);
    if (this.heldPushes !== null) this.releaseHeldPushes();
    if (this.inflight === 0 && this.queueHead < this.queue.length) this.process();
    else if (this.inflight === 0 && this.parser.error !== null && !this.closing)
      this.protocolError(this.parser.error);
  }

  flushOutput(): void {
    if (this.closed || this.socket.destroyed) return;
    if (this.writer.length > 0) {
      const bytes = this.writer.take();
      this.host.countOutput(bytes.length);
      this.socket.write(bytes);
    }
    if (this.closing) {
      // Closed for good once the output is written, as Redis closes the descriptor: a client
      // that keeps writing after a protocol error or QUIT gets a reset instead of being read
      // (and ignored) forever through a half-closed connection.
      this.socket.destroySoon();
      return;
    }
    const pending = this.socket.writableLength;
    if (this.host.outputHardLimitBytes > 0 && pending > this.host.outputHardLimitBytes) {
      this.host.logWarn('client scheduled to be closed ASAP for overcoming of output buffer limits', {
        client: this.id,
        addr: this.addr,
        pending,
      });
      this.close();
      return;
    }
    if (pending > this.host.outputPauseBytes && !this.pausedForOutput) {
      this.pausedForOutput = true;
      this.socket.pause();
    }
  }

  private onDrain(): void {
    if (this.pausedForOutput) {
      this.pausedForOutput = false;
      if (!this.pausedForQueue) this.socket.resume();
    }
  }

  /** Closes now, dropping unsent output. */
  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.host.clientClosed(this);
  }
}
