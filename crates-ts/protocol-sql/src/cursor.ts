/**
 * Reads the fields of one message body (int16/int32/cstring/bytes) with PostgreSQL's
 * pq_getmsg* errors for short or malformed bodies (08P01, severity ERROR as in PostgreSQL:
 * the connection survives). One cursor is reused per
 * connection: `reset(body)` then read.
 */
import { protocolViolation } from './errors.js';

export class MessageCursor {
  private body: Buffer = Buffer.alloc(0);
  private pos = 0;

  reset(body: Buffer): this {
    this.body = body;
    this.pos = 0;
    return this;
  }

  remaining(): number {
    return this.body.length - this.pos;
  }

  int16(): number {
    this.need(2);
    const v = this.body.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.body.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.body.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.body[this.pos++]!;
  }

  /** A NUL-terminated UTF-8 string (pq_getmsgstring). */
  cstring(): string {
    const nul = this.body.indexOf(0, this.pos);
    if (nul < 0) throw protocolViolation('invalid string in message', 'ERROR');
    const s = this.body.toString('utf8', this.pos, nul);
    this.pos = nul + 1;
    return s;
  }

  /** `n` bytes copied out of the body (the body is only valid until the next read). */
  bytes(n: number): Buffer {
    if (n < 0) throw protocolViolation('insufficient data left in message', 'ERROR');
    this.need(n);
    const out = Buffer.from(this.body.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** The rest of the body, copied. */
  rest(): Buffer {
    return this.bytes(this.remaining());
  }

  /** pq_getmsgend: a body longer than its fields is malformed. */
  end(): void {
    if (this.pos !== this.body.length) throw protocolViolation('invalid message format', 'ERROR');
  }

  private need(n: number): void {
    if (this.pos + n > this.body.length)
      throw protocolViolation('insufficient data left in message', 'ERROR');
  }
}
