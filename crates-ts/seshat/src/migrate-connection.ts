/**
 * Connections from MIGRATE to target servers, and their cache (Redis 7.0 cluster.c
 * migrateGetSocket / migrateCloseTimedoutSockets): one TCP connection per "host:port", reused
 * by later MIGRATEs, closed after MIGRATE_SOCKET_IDLE_MS without use, at most
 * MIGRATE_SOCKETS_MAX of them (a random one is dropped to make room, as Redis does).
 *
 * A connection reads replies as lines (Redis's connSyncReadLine): the replies MIGRATE reads
 * (AUTH, SELECT, RESTORE) are single-line status or error replies. Every write and every line
 * read has the MIGRATE timeout. One MIGRATE uses a connection at a time (`exclusive`).
 */
import net from 'node:net';
import { assert } from '@seshat/common';

/** Redis's MIGRATE_SOCKET_CACHE_ITEMS. */
export const MIGRATE_SOCKETS_MAX = 64;
/** Redis closes a cached socket once unused for more than 10 s (checked once a second). */
export const MIGRATE_SOCKET_IDLE_MS = 10_000;
const SWEEP_INTERVAL_MS = 1000;
/** A reply line longer than this is a protocol error from the target (Redis reads 1 KB). */
const REPLY_LINE_MAX_BYTES = 64 * 1024;

/** A connect, write or read that failed or timed out. */
export class MigrateIoError extends Error {
  constructor(
    readonly phase: 'connect' | 'write' | 'read',
    readonly timedOut: boolean,
  ) {
    super(`${phase} ${timedOut ? 'timed out' : 'failed'}`);
  }
}

export class TargetConnection {
  /** The database the last successful MIGRATE selected, or null (SELECT needed). */
  lastDb: bigint | null = null;
  lastUseMs = Date.now();
  private input: Buffer = Buffer.alloc(0);
  private waiter: ((line: string | null) => void) | null = null;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    // A cached connection must not keep the process alive after the server stops.
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<TargetConnection> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      try {
        socket = net.connect({ host, port });
      } catch {
        reject(new MigrateIoError('connect', false));
        return;
      }
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new MigrateIoError('connect', true));
      }, timeoutMs);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new MigrateIoError(connectFailurePhase(err), false));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new TargetConnection(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `use` when no other MIGRATE is using this connection. */
  exclusive<T>(use: () => Promise<T>): Promise<T> {
    const run = this.queue.then(use);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  write(bytes: Buffer, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new MigrateIoError('write', false));
        return;
      }
      const timer = setTimeout(() => {
        this.close();
        reject(new MigrateIoError('write', true));
      }, timeoutMs);
      this.socket.write(bytes, (err) => {
        clearTimeout(timer);
        if (err) reject(new MigrateIoError('write', false));
        else resolve();
      });
    });
  }

  /** The next reply line, without its CRLF. */
  readLine(timeoutMs: number): Promise<string> {
    assert(this.waiter === null, 'one reader at a time');
    const ready = this.takeLine();
    if (ready !== null) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new MigrateIoError('read', false));
        return;
      }
      const timer = setTimeout(() => {
        this.waiter = null;
        this.close();
        reject(new MigrateIoError('read', true));
      }, timeoutMs);
      this.waiter = (line) => {
        clearTimeout(timer);
        this.waiter = null;
        if (line === null) reject(new MigrateIoError('read', false));
        else resolve(line);
      };
    });
  }

  private takeLine(): string | null {
    const nl = this.input.indexOf(0x0a);
    if (nl < 0) return null;
    const end = nl > 0 && this.input[nl - 1] === 0x0d ? nl - 1 : nl;
    const line = this.input.subarray(0, end).toString('latin1');
    this.input = this.input.subarray(nl + 1);
    return line;
  }

  private onData(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    if (this.waiter === null) {
      if (this.input.length > REPLY_LINE_MAX_BYTES) this.close();
      return;
    }
    const line = this.takeLine();
    if (line !== null) this.waiter(line);
    else if (this.input.length > REPLY_LINE_MAX_BYTES) this.close();
  }

  private onClose(): void {
    this.closed = true;
    this.waiter?.(null);
  }

  close(): void {
    if (!this.closed) this.socket.destroy();
    this.closed = true;
  }
}

/**
 * Redis connects without blocking and waits until the socket is writable: a refused connection
 * is writable too, so Redis only notices it when writing (and reports "writing"). Only a name
 * that does not resolve, or the timeout, fail the connect itself.
 */
function connectFailurePhase(err: NodeJS.ErrnoException): 'connect' | 'write' {
  const code = err.code ?? '';
  return code === 'ENOTFOUND' || code.startsWith('EAI_') ? 'connect' : 'write';
}

/** The cache of connections, by "host:port" as the client wrote them. */
export class MigrateSockets {
  private readonly conns = new Map<string, TargetConnection>();
  private sweeper: NodeJS.Timeout | null = null;

  get size(): number {
    return this.conns.size;
  }

  /** A cached connection to `host:port`, or a new one (which is cached). */
  async get(host: string, portText: string, timeoutMs: number): Promise<TargetConnection> {
    const name = `${host}:${portText}`;
    const cached = this.conns.get(name);
    if (cached !== undefined && !cached.isClosed) {
      cached.lastUseMs = Date.now();
      return cached;
    }
    if (cached !== undefined) this.conns.delete(name);
    if (this.conns.size >= MIGRATE_SOCKETS_MAX) this.dropRandom();
    const conn = await TargetConnection.connect(host, atoi(portText), timeoutMs);
    this.conns.get(name)?.close(); // another MIGRATE connected meanwhile: keep the newest
    this.conns.set(name, conn);
    this.startSweeper();
    return conn;
  }

  /** Closes and forgets the connection to `host:port` (after an I/O error). */
  close(host: string, portText: string): void {
    const name = `${host}:${portText}`;
    this.conns.get(name)?.close();
    this.conns.delete(name);
  }

  private dropRandom(): void {
    const names = [...this.conns.keys()];
    const name = names[Math.floor(Math.random() * names.length)]!;
    this.conns.get(name)!.close();
    this.conns.delete(name);
  }

  private startSweeper(): void {
    if (this.sweeper !== null) return;
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Closes connections unused for more than MIGRATE_SOCKET_IDLE_MS. */
  sweep(nowMs: number): void {
    for (const [name, conn] of this.conns) {
      if (conn.isClosed || nowMs - conn.lastUseMs > MIGRATE_SOCKET_IDLE_MS) {
        conn.close();
        this.conns.delete(name);
      }
    }
    if (this.conns.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  closeAll(): void {
    for (const conn of this.conns.values()) conn.close();
    this.conns.clear();
  }
}

/** C's atoi: leading decimal digits (after an optional sign), 0 if none. */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m === null ? 0 : Number.parseInt(m[1]!, 10);
}

const socketsByOwner = new WeakMap<object, MigrateSockets>();

/** The MIGRATE connection cache of a server (INFO's migrate_cached_sockets counts it). */
export function migrateSockets(server: object): MigrateSockets {
  let s = socketsByOwner.get(server);
  if (s === undefined) {
    s = new MigrateSockets();
    socketsByOwner.set(server, s);
  }
  return s;
}
