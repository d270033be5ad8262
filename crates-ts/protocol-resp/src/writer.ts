/**
 * Reply encoder: turns the reply model of @seshat/common into RESP2 or RESP3 bytes the
 * way Redis 7.0 writes them. A ReplyWriter is a per-connection accumulator: replies are
 * written straight into one growing Buffer (no per-reply Buffer lists), and take() hands
 * everything pending to the socket in one write per event-loop turn.
 */
import {
  AttributeFreeRaw,
  assert,
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  OK,
  PairsReply,
  MapOrPairsReply,
  PONG,
  PushReply,
  QUEUED,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
} from '@seshat/common';
import {
  RESP_INTEGERS,
  RESP_OK,
  RESP_ONE,
  RESP_ZERO,
  RESP_PONG,
  RESP_QUEUED,
  RESP2_INF,
  RESP2_NEGATIVE_INF,
  RESP2_NULL,
  RESP2_NULL_ARRAY,
  RESP3_FALSE,
  RESP3_INF,
  RESP3_NEGATIVE_INF,
  RESP3_NULL,
  RESP3_TRUE,
  SHARED_INTEGERS_COUNT,
} from './constants.js';
import { formatDouble } from './double.js';

export type RespVersion = 2 | 3;

/** Replies that are instances of the reply classes. */
type ObjectReply = Exclude<Reply, Buffer | string | number | bigint | null | Reply[]>;

/** Initial capacity of a writer's buffer. */
export const REPLY_BUFFER_INITIAL_BYTES = 16 * 1024;
/** Nesting depth of aggregate replies; ours are built by command code and stay shallow. */
export const REPLY_DEPTH_MAX = 1000;
/**
 * Bytes at or below which copies are done byte by byte. Buffer#copy of a slice reads the
 * source's `buffer` and `byteOffset` (a runtime call and a generic property load, since
 * buffers from the RocksDB binding and from Node's pool have different shapes) and makes a
 * view: about 250 ns, the price of a loop over some 128 bytes. Measured with GET of 64-byte
 * values at -P 16, where 32 sent every value through the native copy.
 */
const SMALL_COPY_MAX_BYTES = 128;
/** Strings at or below this length are checked for ASCII and written char by char. */
const SMALL_STRING_MAX_CHARS = 64;
/** `$` / `*` header bytes at most: prefix, 20 digits, CRLF. */
const HEADER_MAX_BYTES = 23;

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

export class ReplyWriter {
  private buffer: Buffer;
  private position = 0;
  /** Most bytes one take() handed over (CLIENT LIST rbp). */
  private peakBytes = 0;

  constructor(private readonly initialBytes = REPLY_BUFFER_INITIAL_BYTES) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes pending. */
  get length(): number {
    return this.position;
  }

  /** Size of the buffer replies are written into (CLIENT LIST rbs). */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Most bytes pending at one take() so far (CLIENT LIST rbp). */
  get peak(): number {
    return this.peakBytes;
  }

  /** All pending bytes as one Buffer, owned by the caller; the writer starts empty. */
  take(): Buffer {
    const bytes = this.position;
    if (bytes === 0) return EMPTY;
    this.position = 0;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
    if (bytes <= this.buffer.length >>> 1) {
      // Mostly empty: copy out (small copies come from Node's pool) and keep the buffer.
      const out = Buffer.allocUnsafe(bytes);
      this.buffer.copy(out, 0, 0, bytes);
      return out;
    }
    // Mostly full: hand the buffer itself over and start a fresh one.
    const out = this.buffer.subarray(0, bytes);
    this.buffer = Buffer.allocUnsafe(this.initialBytes);
    return out;
  }

  /** Appends pre-encoded bytes. */
  writeRaw(bytes: Buffer): void {
    this.reserve(bytes.length);
    this.copyIn(bytes);
  }

  write(reply: Reply, resp: RespVersion): void {
    this.writeReply(reply, resp, 0);
  }

  private writeReply(reply: Reply, resp: RespVersion, depth: number): void {
    if (reply instanceof Buffer) this.writeBulkBuffer(reply);
    else if (typeof reply === 'string') this.writeBulkString(reply);
    else if (typeof reply === 'number') this.writeInteger(reply);
    else if (reply === null) this.writeRaw(resp === 2 ? RESP2_NULL : RESP3_NULL);
    else if (Array.isArray(reply)) this.writeAggregate(0x2a, reply.length, reply, resp, depth);
    else if (typeof reply === 'bigint') this.writeBigInteger(reply);
    else this.writeObject(reply, resp, depth);
  }

  /** The class-based reply types. */
  private writeObject(reply: ObjectReply, resp: RespVersion, depth: number): void {
    if (reply instanceof SimpleString) this.writeSimpleString(reply);
    else if (reply instanceof ErrorReply) this.writeByteLine(0x2d, sanitizeErrorMessage(reply.message));
    else if (reply instanceof NullArray) this.writeRaw(resp === 2 ? RESP2_NULL_ARRAY : RESP3_NULL);
    else if (reply instanceof MapReply) this.writeMap(reply, resp, depth);
    else if (reply instanceof SetReply)
      this.writeAggregate(resp === 2 ? 0x2a : 0x7e, reply.items.length, reply.items, resp, depth);
    else if (reply instanceof PushReply)
      this.writeAggregate(resp === 2 ? 0x2a : 0x3e, reply.items.length, reply.items, resp, depth);
    else if (reply instanceof PairsReply) this.writePairs(reply, resp, depth);
    else if (reply instanceof MapOrPairsReply) this.writeMapOrPairs(reply, resp, depth);
    else if (reply instanceof DoubleReply) {
      if (reply.text === null) this.writeDouble(reply.value, resp);
      else if (resp === 2) this.writeBulkString(reply.text);
      else this.writeLine(0x2c, reply.text);
    } else if (reply instanceof BoolReply) this.writeBool(reply.value, resp);
    else if (reply instanceof VerbatimReply) this.writeVerbatim(reply, resp);
    else if (reply instanceof AttributeFreeRaw) this.writeRaw(reply.bytes);
    else assert(false, `unknown reply type: ${String(reply)}`);
  }

  /** RESP3 `%` with pairs; RESP2 a flat array of keys and values. */
  private writeMap(reply: MapReply, resp: RespVersion, depth: number): void {
    const items = reply.items;
    assert(items.length % 2 === 0, 'MapReply needs an even number of items');
    if (resp === 2) this.writeAggregate(0x2a, items.length, items, resp, depth);
    else this.writeAggregate(0x25, items.length / 2, items, resp, depth);
  }

  /** RESP3 `*n/2` of `*2` pairs; RESP2 a flat array. */
  private writePairs(reply: PairsReply, resp: RespVersion, depth: number): void {
    const items = reply.items;
    assert(items.length % 2 === 0, 'PairsReply needs an even number of items');
    if (resp === 2) {
      this.writeAggregate(0x2a, items.length, items, resp, depth);
      return;
    }
    assert(depth + 1 < REPLY_DEPTH_MAX, 'reply nested too deeply');
    this.writeHeader(0x2a, items.length / 2);
    for (let i = 0; i < items.length; i += 2) {
      this.writeHeader(0x2a, 2);
      this.writeReply(items[i]!, resp, depth + 2);
      this.writeReply(items[i + 1]!, resp, depth + 2);
    }
  }

  /** RESP3 `%` with pairs; RESP2 `*n/2` of `*2` pairs. */
  private writeMapOrPairs(reply: MapOrPairsReply, resp: RespVersion, depth: number): void {
    const items = reply.items;
    assert(items.length % 2 === 0, 'MapOrPairsReply needs an even number of items');
    if (resp === 3) {
      this.writeAggregate(0x25, items.length / 2, items, resp, depth);
      return;
    }
    assert(depth + 1 < REPLY_DEPTH_MAX, 'reply nested too deeply');
    this.writeHeader(0x2a, items.length / 2);
    for (let i = 0; i < items.length; i += 2) {
      this.writeHeader(0x2a, 2);
      this.writeReply(items[i]!, resp, depth + 2);
      this.writeReply(items[i + 1]!, resp, depth + 2);
    }
  }

  private writeBool(value: boolean, resp: RespVersion): void {
    if (resp === 2) this.writeRaw(value ? RESP_ONE : RESP_ZERO);
    else this.writeRaw(value ? RESP3_TRUE : RESP3_FALSE);
  }

  private writeAggregate(
    prefix: number,
    count: number,
    items: Reply[],
    resp: RespVersion,
    depth: number,
  ): void {
    assert(depth < REPLY_DEPTH_MAX, 'reply nested too deeply');
    this.writeHeader(prefix, count);
    for (let i = 0; i < items.length; i++) this.writeReply(items[i]!, resp, depth + 1);
  }

  private writeBulkBuffer(bytes: Buffer): void {
    this.reserve(HEADER_MAX_BYTES + bytes.length + 2);
    this.putHeader(0x24, bytes.length);
    this.copyIn(bytes);
    this.putCrlf();
  }

  /** Bytes `start` to `end` of `buf` as a bulk string (GET's cached value, copied now). */
  writeBulkRange(buf: Buffer, start: number, end: number): void {
    const length = end - start;
    this.reserve(HEADER_MAX_BYTES + length + 2);
    this.putHeader(0x24, length);
    if (length <= SMALL_COPY_MAX_BYTES) {
      const out = this.buffer;
      let at = this.position;
      for (let i = start; i < end; i++) out[at++] = buf[i]!;
    } else {
      buf.copy(this.buffer, this.position, start, end);
    }
    this.position += length;
    this.putCrlf();
  }

  /** A string as a bulk string of its UTF-8 bytes. */
  private writeBulkString(text: string): void {
    const chars = text.length;
    if (chars <= SMALL_STRING_MAX_CHARS && isAscii(text)) {
      this.reserve(HEADER_MAX_BYTES + chars + 2);
      this.putHeader(0x24, chars);
      this.putAscii(text);
    } else {
      const bytes = Buffer.byteLength(text, 'utf8');
      this.reserve(HEADER_MAX_BYTES + bytes + 2);
      this.putHeader(0x24, bytes);
      this.position += this.buffer.write(text, this.position, bytes, 'utf8');
    }
    this.putCrlf();
  }

  private writeInteger(value: number): void {
    assert(Number.isInteger(value), `integer reply is not an integer: ${value}`);
    if (value >= 0 && value < SHARED_INTEGERS_COUNT) {
      this.writeRaw(RESP_INTEGERS[value]!);
    } else if (Number.isSafeInteger(value)) {
      this.reserve(HEADER_MAX_BYTES);
      this.putHeader(0x3a, value);
    } else {
      this.writeBigInteger(BigInt(value));
    }
  }

  private writeBigInteger(value: bigint): void {
    this.writeLine(0x3a, value.toString());
  }

  private writeSimpleString(reply: SimpleString): void {
    if (reply === OK) this.writeRaw(RESP_OK);
    else if (reply === PONG) this.writeRaw(RESP_PONG);
    else if (reply === QUEUED) this.writeRaw(RESP_QUEUED);
    else this.writeLine(0x2b, replaceNewlines(reply.value));
  }

  private writeDouble(value: number, resp: RespVersion): void {
    if (value === Number.POSITIVE_INFINITY) this.writeRaw(resp === 2 ? RESP2_INF : RESP3_INF);
    else if (value === Number.NEGATIVE_INFINITY)
      this.writeRaw(resp === 2 ? RESP2_NEGATIVE_INF : RESP3_NEGATIVE_INF);
    else if (resp === 2) this.writeBulkString(formatDouble(value));
    else this.writeLine(0x2c, formatDouble(value));
  }

  private writeVerbatim(reply: VerbatimReply, resp: RespVersion): void {
    if (resp === 2) {
      this.writeBulkString(reply.text);
      return;
    }
    assert(reply.format.length === 3, 'verbatim format must be 3 characters');
    const bytes = Buffer.byteLength(reply.text, 'utf8');
    this.reserve(HEADER_MAX_BYTES + 4 + bytes + 2);
    this.putHeader(0x3d, bytes + 4);
    this.putAscii(reply.format);
    this.buffer[this.position++] = 0x3a;
    this.position += this.buffer.write(reply.text, this.position, bytes, 'utf8');
    this.putCrlf();
  }

  /** `<prefix><text>\r\n` for simple strings, errors, doubles, big integers (text has no CR/LF). */
  private writeLine(prefix: number, text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.reserve(bytes + 3);
    this.buffer[this.position++] = prefix;
    this.position += this.buffer.write(text, this.position, bytes, 'utf8');
    this.putCrlf();
  }

  /**
   * A line whose text holds bytes, one per character (latin1): error texts quote the client's
   * arguments, decoded that way, and Redis echoes those bytes unchanged. Text with a character
   * above U+00FF was never bytes: it goes out as UTF-8.
   */
  private writeByteLine(prefix: number, text: string): void {
    if (!isByteString(text)) {
      this.writeLine(prefix, text);
      return;
    }
    this.reserve(text.length + 3);
    this.buffer[this.position++] = prefix;
    this.position += this.buffer.write(text, this.position, text.length, 'latin1');
    this.putCrlf();
  }

  private writeHeader(prefix: number, count: number): void {
    this.reserve(HEADER_MAX_BYTES);
    this.putHeader(prefix, count);
  }

  /** Makes room for `bytes` more bytes. */
  private reserve(bytes: number): void {
    const needed = this.position + bytes;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, needed));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  // The put* helpers assume reserve() was called.

  /** `<prefix><n>\r\n` for a safe integer n. */
  private putHeader(prefix: number, n: number): void {
    const buffer = this.buffer;
    buffer[this.position++] = prefix;
    if (n < 0) {
      buffer[this.position++] = 0x2d;
      n = -n;
    }
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.position + digits;
    this.position = at;
    do {
      buffer[--at] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    buffer[this.position++] = CR;
    buffer[this.position++] = LF;
  }

  private putAscii(text: string): void {
    const buffer = this.buffer;
    let at = this.position;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.position = at;
  }

  private copyIn(bytes: Buffer): void {
    const length = bytes.length;
    if (length <= SMALL_COPY_MAX_BYTES) {
      const buffer = this.buffer;
      let at = this.position;
      for (let i = 0; i < length; i++) buffer[at++] = bytes[i]!;
    } else {
      bytes.copy(this.buffer, this.position);
    }
    this.position += length;
  }

  private putCrlf(): void {
    this.buffer[this.position++] = CR;
    this.buffer[this.position++] = LF;
  }
}

/** Encodes one reply into a new Buffer. */
export function encodeReply(reply: Reply, resp: RespVersion): Buffer {
  const writer = new ReplyWriter(256);
  writer.write(reply, resp);
  return writer.take();
}

function isByteString(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

const NEWLINES = /[\r\n]/g;
const EDGE_NEWLINES = /^[\r\n]+|[\r\n]+$/g;

/** Redis maps CR and LF inside status replies to spaces so the protocol stays valid. */
function replaceNewlines(text: string): string {
  return text.indexOf('\r') < 0 && text.indexOf('\n') < 0 ? text : text.replace(NEWLINES, ' ');
}

/** Redis trims CR/LF from both ends of an error message, then maps the rest to spaces. */
export function sanitizeErrorMessage(message: string): string {
  if (message.indexOf('\r') < 0 && message.indexOf('\n') < 0) return message;
  return message.replace(EDGE_NEWLINES, '').replace(NEWLINES, ' ');
}
