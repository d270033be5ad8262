/**
 * Frames the frontend byte stream into messages without knowing about sockets
 * (`push(chunk)`, then `next()` until null), over one reused buffer with offsets, like
 * pg-protocol's parser on the client side. Before startup completes, messages have no type
 * byte (startup packet, SSLRequest, CancelRequest); after it they are `type int32 body`.
 * A bad length throws a FATAL SqlError (08P01) with PostgreSQL's text; the server answers it
 * and closes the connection. The result does not depend on how the stream is chunked.
 */
import { assert } from '@seshat/common';
import { isKnownFrontendType, messageMaxBytes, STARTUP_PACKET_MAX_BYTES } from './constants.js';
import { protocolViolation } from './errors.js';

/** Type byte of untyped startup-phase packets. */
export const STARTUP_TYPE = 0;

export interface Frame {
  /** Message type byte, or STARTUP_TYPE for startup-phase packets. */
  type: number;
  /**
   * The body (after the length word). It aliases the reader's buffer and stays valid only
   * until the next `push`: decode it before awaiting anything.
   */
  body: Buffer;
}

const INITIAL_BUFFER_BYTES = 16 * 1024;
const HEADER_BYTES_TYPED = 5;
const HEADER_BYTES_STARTUP = 4;
/** The length word counts itself. */
const LENGTH_WORD_BYTES = 4;

export class FrameReader {
  private buffer = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  private start = 0;
  private end = 0;
  /** True until the startup packet has been read; set by the connection. */
  startupPhase = true;
  largeMessageMaxBytes: number;

  constructor(largeMessageMaxBytes: number) {
    this.largeMessageMaxBytes = largeMessageMaxBytes;
  }

  bufferedBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): void {
    const needed = this.end - this.start + chunk.length;
    if (this.end + chunk.length > this.buffer.length) {
      if (needed <= this.buffer.length) {
        this.buffer.copy(this.buffer, 0, this.start, this.end);
      } else {
        let size = this.buffer.length * 2;
        while (size < needed) size *= 2;
        const grown = Buffer.allocUnsafe(size);
        this.buffer.copy(grown, 0, this.start, this.end);
        this.buffer = grown;
      }
      this.end -= this.start;
      this.start = 0;
    }
    chunk.copy(this.buffer, this.end);
    this.end += chunk.length;
  }

  /** The next complete message, or null when more bytes are needed. Throws on a bad frame. */
  next(): Frame | null {
    return this.startupPhase ? this.nextStartup() : this.nextTyped();
  }

  private nextStartup(): Frame | null {
    const available = this.end - this.start;
    if (available < HEADER_BYTES_STARTUP) return null;
    const length = this.buffer.readInt32BE(this.start);
    // PostgreSQL: len < 4 + 4 (version word) or above MAX_STARTUP_PACKET_LENGTH.
    if (length < LENGTH_WORD_BYTES + 4 || length > STARTUP_PACKET_MAX_BYTES) {
      throw protocolViolation('invalid length of startup packet');
    }
    if (available < length) return null;
    const body = this.buffer.subarray(this.start + HEADER_BYTES_STARTUP, this.start + length);
    this.consume(length);
    return { type: STARTUP_TYPE, body };
  }

  private nextTyped(): Frame | null {
    const available = this.end - this.start;
    if (available < 1) return null;
    const type = this.buffer[this.start]!;
    // Checked before the length, as PostgreSQL's SocketBackend does.
    if (!isKnownFrontendType(type)) throw protocolViolation(`invalid frontend message type ${type}`);
    if (available < HEADER_BYTES_TYPED) return null;
    const length = this.buffer.readInt32BE(this.start + 1);
    if (
      length < LENGTH_WORD_BYTES ||
      length - LENGTH_WORD_BYTES > messageMaxBytes(type, this.largeMessageMaxBytes)
    ) {
      throw protocolViolation('invalid message length');
    }
    if (available < 1 + length) return null;
    const body = this.buffer.subarray(this.start + HEADER_BYTES_TYPED, this.start + 1 + length);
    this.consume(1 + length);
    return { type, body };
  }

  private consume(bytes: number): void {
    this.start += bytes;
    assert(this.start <= this.end, 'frame reader consumed past its data');
    if (this.start === this.end) this.start = this.end = 0;
  }
}
