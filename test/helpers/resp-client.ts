// A minimal raw RESP2/RESP3 client for tests. It keeps the exact wire type of every reply
// (simple string vs bulk string vs error vs RESP2 null bulk vs RESP2 null array vs RESP3 null,
// map vs array, double vs bulk, ...) so that tests can assert reply TYPES, not only values.
// It is deliberately independent from the server's own parser (packages/protocol-resp), so
// that a bug there cannot hide itself in the tests.
//
// Exports:
//   RespValue            tagged union of every RESP2/RESP3 reply type
//   decodeOne(buf, off)  decode one reply at `off`; undefined when the buffer is incomplete
//   RespDecoder          streaming decoder: push(chunk) -> complete replies
//   encodeCommand(argv)  argv (strings/Buffers/numbers) -> RESP array of bulk strings
//   show(v)              canonical one-line rendering, used by tests to compare type + value:
//                          +OK  -ERR x  :5  "bulk"  $-1 (RESP2 null bulk)  *-1 (RESP2 null array)
//                          _ (RESP3 null)  [a, b]  {k: v}  ~[a, b] (set)  >[a] (push)
//                          ,1.5 (double)  #t/#f  =txt:"..." (verbatim)  (123 (bignum)  !ERR x
//                          (blob error)  |{attrs} value
//                        bulk bytes outside printable ASCII render as \xNN, `"` and `\` escaped.
//   RespClient           connect(port, host?) -> client with send/pipeline/sendRaw/readReply/
//                        close and a `closed` promise that resolves when the server closes.
//                        For Pub/Sub: `write(argv)` sends without awaiting a reply; after
//                        `separatePushes()` RESP3 push frames (`>`) go to their own queue, read
//                        with `readPush()`, so unsolicited messages never take the place of a
//                        command's reply (RESP2 messages are plain arrays: read them in order
//                        with `readReply()`).
import net from 'node:net';

export type RespValue =
  | { type: 'simple'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: Buffer }
  | { type: 'nullBulk' }
  | { type: 'nullArray' }
  | { type: 'null' }
  | { type: 'array'; value: RespValue[] }
  | { type: 'map'; value: Array<[RespValue, RespValue]> }
  | { type: 'set'; value: RespValue[] }
  | { type: 'push'; value: RespValue[] }
  | { type: 'double'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'verbatim'; format: string; value: Buffer }
  | { type: 'bignum'; value: string }
  | { type: 'blobError'; value: string }
  | { type: 'attribute'; attrs: Array<[RespValue, RespValue]>; value: RespValue };

/** Thrown by the decoder on bytes that are not valid RESP (a server bug, never retried). */
export class RespDecodeError extends Error {
  override name = 'RespDecodeError';
}

const CR = 13;
const NESTING_MAX_DEPTH = 64;

interface Decoded {
  value: RespValue;
  next: number;
}

function findLineEnd(buf: Buffer, off: number): number {
  const i = buf.indexOf(CR, off);
  if (i === -1 || i + 1 >= buf.length) return -1;
  if (buf[i + 1] !== 10) throw new RespDecodeError(`CR not followed by LF at offset ${i}`);
  return i;
}

function parseLength(text: string, what: string): number {
  if (!/^-?\d+$/.test(text)) throw new RespDecodeError(`bad ${what} length ${JSON.stringify(text)}`);
  return Number(text);
}

/** Decodes one reply starting at `off`. Returns undefined when more bytes are needed. */
export function decodeOne(buf: Buffer, off: number, depth = 0): Decoded | undefined {
  if (depth > NESTING_MAX_DEPTH) throw new RespDecodeError('nesting too deep');
  if (off >= buf.length) return undefined;
  const lineEnd = findLineEnd(buf, off + 1);
  if (lineEnd === -1) return undefined;
  const prefix = String.fromCharCode(buf[off]!);
  const line = buf.toString('latin1', off + 1, lineEnd);
  const after = lineEnd + 2;
  switch (prefix) {
    case '+':
      return { value: { type: 'simple', value: buf.toString('utf8', off + 1, lineEnd) }, next: after };
    case '-':
      return { value: { type: 'error', value: buf.toString('utf8', off + 1, lineEnd) }, next: after };
    case ':':
      if (!/^[-+]?\d+$/.test(line)) throw new RespDecodeError(`bad integer ${JSON.stringify(line)}`);
      return { value: { type: 'integer', value: BigInt(line) }, next: after };
    case ',':
      return { value: { type: 'double', value: line }, next: after };
    case '#':
      if (line !== 't' && line !== 'f') throw new RespDecodeError(`bad boolean ${JSON.stringify(line)}`);
      return { value: { type: 'bool', value: line === 't' }, next: after };
    case '_':
      if (line !== '') throw new RespDecodeError('bad null');
      return { value: { type: 'null' }, next: after };
    case '(':
      return { value: { type: 'bignum', value: line }, next: after };
    case '$':
    case '=':
    case '!':
      return decodeBlob(buf, prefix, parseLength(line, 'blob'), after);
    case '*':
    case '~':
    case '>':
      return decodeAggregate(buf, prefix, parseLength(line, 'aggregate'), after, depth);
    case '%':
    case '|':
      return decodeMapLike(buf, prefix, parseLength(line, 'map'), after, depth);
    default:
      throw new RespDecodeError(`unknown type byte ${JSON.stringify(prefix)} at offset ${off}`);
  }
}

function decodeBlob(buf: Buffer, prefix: string, len: number, start: number): Decoded | undefined {
  if (len === -1 && prefix === '$') return { value: { type: 'nullBulk' }, next: start };
  if (len < 0) throw new RespDecodeError(`negative blob length ${len}`);
  if (buf.length < start + len + 2) return undefined;
  if (buf[start + len] !== CR || buf[start + len + 1] !== 10) {
    throw new RespDecodeError('blob not terminated by CRLF');
  }
  const bytes = Buffer.from(buf.subarray(start, start + len));
  const next = start + len + 2;
  if (prefix === '$') return { value: { type: 'bulk', value: bytes }, next };
  if (prefix === '!') return { value: { type: 'blobError', value: bytes.toString('utf8') }, next };
  if (len < 4 || bytes[3] !== 0x3a) throw new RespDecodeError('verbatim string without format');
  return {
    value: { type: 'verbatim', format: bytes.toString('latin1', 0, 3), value: bytes.subarray(4) },
    next,
  };
}

function decodeAggregate(
  buf: Buffer,
  prefix: string,
  len: number,
  start: number,
  depth: number,
): Decoded | undefined {
  if (len === -1 && prefix === '*') return { value: { type: 'nullArray' }, next: start };
  if (len < 0) throw new RespDecodeError(`negative aggregate length ${len}`);
  const items: RespValue[] = [];
  let off = start;
  for (let i = 0; i < len; i++) {
    const d = decodeOne(buf, off, depth + 1);
    if (d === undefined) return undefined;
    items.push(d.value);
    off = d.next;
  }
  const type = prefix === '*' ? 'array' : prefix === '~' ? 'set' : 'push';
  return { value: { type, value: items }, next: off };
}

function decodeMapLike(
  buf: Buffer,
  prefix: string,
  len: number,
  start: number,
  depth: number,
): Decoded | undefined {
  if (len < 0) throw new RespDecodeError(`negative map length ${len}`);
  const pairs: Array<[RespValue, RespValue]> = [];
  let off = start;
  for (let i = 0; i < len; i++) {
    const k = decodeOne(buf, off, depth + 1);
    if (k === undefined) return undefined;
    const v = decodeOne(buf, k.next, depth + 1);
    if (v === undefined) return undefined;
    pairs.push([k.value, v.value]);
    off = v.next;
  }
  if (prefix === '%') return { value: { type: 'map', value: pairs }, next: off };
  // An attribute decorates the reply that follows it.
  const inner = decodeOne(buf, off, depth + 1);
  if (inner === undefined) return undefined;
  return { value: { type: 'attribute', attrs: pairs, value: inner.value }, next: inner.next };
}

/** Streaming decoder: accumulates chunks and returns every complete reply. */
export class RespDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private off = 0;

  push(chunk: Buffer): RespValue[] {
    this.buf = this.off < this.buf.length ? Buffer.concat([this.buf.subarray(this.off), chunk]) : chunk;
    this.off = 0;
    const out: RespValue[] = [];
    for (;;) {
      const d = decodeOne(this.buf, this.off);
      if (d === undefined) break;
      out.push(d.value);
      this.off = d.next;
    }
    return out;
  }

  /** Bytes received but not yet part of a complete reply. */
  pendingBytes(): number {
    return this.buf.length - this.off;
  }
}

export type Arg = string | Buffer | number | bigint;

/** Encodes argv as a RESP array of bulk strings (what every real client sends). */
export function encodeCommand(argv: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function quoteBytes(b: Buffer): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${s}"`;
}

/** Canonical one-line rendering of a reply (see the header comment for the notation). */
export function show(v: RespValue): string {
  switch (v.type) {
    case 'simple':
      return `+${v.value}`;
    case 'error':
      return `-${v.value}`;
    case 'integer':
      return `:${v.value}`;
    case 'bulk':
      return quoteBytes(v.value);
    case 'nullBulk':
      return '$-1';
    case 'nullArray':
      return '*-1';
    case 'null':
      return '_';
    case 'array':
      return `[${v.value.map(show).join(', ')}]`;
    case 'set':
      return `~[${v.value.map(show).join(', ')}]`;
    case 'push':
      return `>[${v.value.map(show).join(', ')}]`;
    case 'map':
      return `{${v.value.map(([k, x]) => `${show(k)}: ${show(x)}`).join(', ')}}`;
    case 'double':
      return `,${v.value}`;
    case 'bool':
      return v.value ? '#t' : '#f';
    case 'verbatim':
      return `=${v.format}:${quoteBytes(v.value)}`;
    case 'bignum':
      return `(${v.value}`;
    case 'blobError':
      return `!${v.value}`;
    case 'attribute':
      return `|${show({ type: 'map', value: v.attrs })} ${show(v.value)}`;
  }
}

/** Text of a bulk/simple/verbatim reply, or throws (for tests that then parse the text). */
export function text(v: RespValue): string {
  if (v.type === 'bulk' || v.type === 'verbatim') return v.value.toString('utf8');
  if (v.type === 'simple') return v.value;
  throw new Error(`expected a string reply, got ${show(v)}`);
}

/** Map entries of a RESP3 map, or of a RESP2 flat [k, v, k, v] array, keyed by string. */
export function entries(v: RespValue): Map<string, RespValue> {
  const out = new Map<string, RespValue>();
  if (v.type === 'map') {
    for (const [k, x] of v.value) out.set(text(k), x);
    return out;
  }
  if (v.type === 'array' && v.value.length % 2 === 0) {
    for (let i = 0; i < v.value.length; i += 2) out.set(text(v.value[i]!), v.value[i + 1]!);
    return out;
  }
  throw new Error(`expected a map-like reply, got ${show(v)}`);
}

export interface RespClientOptions {
  host?: string;
  /** Bound on each awaited reply, so that a silent server fails the test instead of hanging it. */
  replyTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const REPLY_TIMEOUT_MS_DEFAULT = 10_000;
const CONNECT_TIMEOUT_MS_DEFAULT = 5_000;

interface Waiter {
  resolve: (v: RespValue) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Raw RESP client. Replies are matched to requests strictly in arrival order (RESP3 push
 * frames included: this client does not subscribe/track). `readReply()` awaits the next reply
 * that no earlier call has claimed, so `sendRaw` + `readReply` test arbitrary byte streams.
 */
export class RespClient {
  readonly socket: net.Socket;
  /** Resolves when the server (or `close()`) ends the connection. Never rejects. */
  readonly closed: Promise<void>;
  /** True once the connection has ended. */
  isClosed = false;
  private readonly decoder = new RespDecoder();
  private readonly unclaimed: RespValue[] = [];
  private readonly waiters: Waiter[] = [];
  private pushesSeparate = false;
  private readonly pushes: RespValue[] = [];
  private readonly pushWaiters: Waiter[] = [];
  private readonly replyTimeoutMs: number;
  private failure: Error | undefined;

  private constructor(socket: net.Socket, replyTimeoutMs: number) {
    this.socket = socket;
    this.replyTimeoutMs = replyTimeoutMs;
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        this.failAll(new Error('connection closed by server'));
        resolve();
      });
    });
    socket.on('error', (e) => this.failAll(e));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static connect(port: number, opts: RespClientOptions = {}): Promise<RespClient> {
    const host = opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RespClient(socket, opts.replyTimeoutMs ?? REPLY_TIMEOUT_MS_DEFAULT));
      });
    });
  }

  private onData(chunk: Buffer): void {
    let replies: RespValue[];
    try {
      replies = this.decoder.push(chunk);
    } catch (e) {
      this.failAll(e as Error);
      this.socket.destroy();
      return;
    }
    for (const r of replies) {
      if (this.pushesSeparate && r.type === 'push') {
        const pw = this.pushWaiters.shift();
        if (pw) {
          clearTimeout(pw.timer);
          pw.resolve(r);
        } else {
          this.pushes.push(r);
        }
        continue;
      }
      const w = this.waiters.shift();
      if (w) {
        clearTimeout(w.timer);
        w.resolve(r);
      } else {
        this.unclaimed.push(r);
      }
    }
  }

  private failAll(e: Error): void {
    this.failure ??= e;
    for (const w of [...this.waiters.splice(0), ...this.pushWaiters.splice(0)]) {
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  /**
   * From now on, RESP3 push frames (`>`: Pub/Sub confirmations and messages) are kept apart
   * from command replies and read with `readPush()`. Returns this client.
   */
  separatePushes(): this {
    this.pushesSeparate = true;
    for (let i = 0; i < this.unclaimed.length; ) {
      if (this.unclaimed[i]!.type === 'push') this.pushes.push(...this.unclaimed.splice(i, 1));
      else i++;
    }
    return this;
  }

  /** Push frames received and not yet read with `readPush()` (after `separatePushes()`). */
  get pendingPushes(): number {
    return this.pushes.length;
  }

  /** Awaits the next push frame (after `separatePushes()`). Rejects on timeout or close. */
  readPush(timeoutMs = this.replyTimeoutMs): Promise<RespValue> {
    const ready = this.pushes.shift();
    if (ready) return Promise.resolve(ready);
    if (this.isClosed || this.failure) {
      return Promise.reject(this.failure ?? new Error('connection closed by server'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.pushWaiters.findIndex((w) => w.timer === timer);
        if (i !== -1) this.pushWaiters.splice(i, 1);
        reject(new Error(`no push frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pushWaiters.push({ resolve, reject, timer });
    });
  }

  /** Sends a command without awaiting a reply (SUBSCRIBE: its frames are read separately). */
  write(argv: readonly Arg[]): void {
    this.socket.write(encodeCommand(argv));
  }

  /** Awaits the next reply not yet claimed. Rejects on timeout or when the connection ends. */
  readReply(timeoutMs = this.replyTimeoutMs): Promise<RespValue> {
    const ready = this.unclaimed.shift();
    if (ready) return Promise.resolve(ready);
    if (this.isClosed || this.failure) {
      return Promise.reject(this.failure ?? new Error('connection closed by server'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ resolve, reject, timer });
    });
  }

  /** Writes bytes as they are (inline commands, malformed frames, partial frames). */
  sendRaw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Sends one command and awaits its reply. */
  send(argv: readonly Arg[]): Promise<RespValue> {
    const p = this.readReply();
    this.socket.write(encodeCommand(argv));
    return p;
  }

  /** Sends one command and returns the canonical rendering of its reply (see `show`). */
  async q(...argv: Arg[]): Promise<string> {
    return show(await this.send(argv));
  }

  /** Sends all commands in one write and awaits all replies, in order. */
  pipeline(cmds: readonly (readonly Arg[])[]): Promise<RespValue[]> {
    const ps = cmds.map(() => this.readReply());
    this.socket.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
    return Promise.all(ps);
  }

  /** Closes our side and waits for the socket to close. */
  async close(): Promise<void> {
    if (!this.isClosed) this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    await this.closed;
    clearTimeout(timer);
  }
}
