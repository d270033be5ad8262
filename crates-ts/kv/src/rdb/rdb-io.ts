/**
 * The primitives of the RDB object format (Redis 7.0 rdb.c), which DUMP payloads use:
 * lengths (6-bit, 14-bit, 32-bit and 64-bit forms), strings (verbatim, as 8/16/32-bit
 * integers, or LZF-compressed), and doubles (binary little endian, or the old text form).
 *
 * RdbReader throws `badFormat()` (RESTORE's "Bad data format") on anything it cannot read, so
 * a corrupt payload never reads past its end or allocates more than its own size implies.
 * RdbWriter produces what rdbSaveRawString would: integers up to 11 characters that fit 32 bits
 * become integer encodings, strings over 20 bytes are LZF-compressed when that saves at least
 * 4 bytes (Redis's rule), everything else is stored verbatim.
 */
import { SeshatError } from '@seshat/common';
import { tryParseI64 } from '../args.js';
import { LZF_EXPANSION_MAX, lzfCompress, lzfDecompress } from './lzf.js';

/** Length encodings: the top two bits of the first byte. */
const LEN_6BIT = 0;
const LEN_14BIT = 1;
const LEN_ENCVAL = 3;
const LEN_32BIT = 0x80;
const LEN_64BIT = 0x81;

/** Special string encodings (after a LEN_ENCVAL byte). */
export const ENC_INT8 = 0;
export const ENC_INT16 = 1;
export const ENC_INT32 = 2;
export const ENC_LZF = 3;

/** rdbSaveRawString: longest string tried as an integer, shortest tried with LZF. */
const INT_ENCODING_MAX_CHARS = 11;
const LZF_MIN_BYTES = 21;
/** rdbSaveLzfStringObject: compression must save at least this much to be used. */
const LZF_SAVING_MIN_BYTES = 4;

export const BAD_DATA_FORMAT = 'Bad data format';

/** RESTORE's error for a payload that cannot be decoded. */
export function badFormat(): SeshatError {
  return new SeshatError('ERR', BAD_DATA_FORMAT);
}

/** Reads RDB primitives from `buf[pos..end)`. */
export class RdbReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    readonly end: number = buf.length,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    if (this.pos >= this.end) throw badFormat();
    return this.buf[this.pos++]!;
  }

  /** `n` bytes as a view into the payload. */
  bytes(n: number): Buffer {
    if (n < 0 || n > this.end - this.pos) throw badFormat();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A length (not an encoded-string marker); must be a safe integer. */
  len(): number {
    const r = this.lenOrEncoding();
    if (r.encoded) throw badFormat();
    return r.value;
  }

  /** A length of up to 64 bits (stream IDs, counters: rdbLoadLen into a uint64_t). */
  lenBig(): bigint {
    const first = this.byte();
    if (first === LEN_64BIT) return this.bytes(8).readBigUInt64BE(0);
    this.pos--;
    return BigInt(this.len());
  }

  /** rdbLoadMillisecondTime: 8 bytes, little endian, signed. */
  millis(): number {
    return Number(this.bytes(8).readBigInt64LE(0));
  }

  /** A count of things that each take at least one more byte of the payload. */
  count(): number {
    const n = this.len();
    if (n > this.remaining) throw badFormat();
    return n;
  }

  private lenOrEncoding(): { value: number; encoded: boolean } {
    const first = this.byte();
    const kind = first >>> 6;
    if (kind === LEN_ENCVAL) return { value: first & 0x3f, encoded: true };
    if (kind === LEN_6BIT) return { value: first & 0x3f, encoded: false };
    if (kind === LEN_14BIT) return { value: ((first & 0x3f) << 8) | this.byte(), encoded: false };
    if (first === LEN_32BIT) return { value: this.bytes(4).readUInt32BE(0), encoded: false };
    if (first === LEN_64BIT) {
      const v = this.bytes(8).readBigUInt64BE(0);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw badFormat();
      return { value: Number(v), encoded: false };
    }
    throw badFormat();
  }

  /** rdbGenericLoadStringObject: the string's bytes (integer encodings as decimal text). */
  string(): Buffer {
    const { value, encoded } = this.lenOrEncoding();
    if (!encoded) return this.bytes(value);
    if (value === ENC_INT8) return decimal(this.bytes(1).readInt8(0));
    if (value === ENC_INT16) return decimal(this.bytes(2).readInt16LE(0));
    if (value === ENC_INT32) return decimal(this.bytes(4).readInt32LE(0));
    if (value === ENC_LZF) return this.lzfString();
    throw badFormat();
  }

  private lzfString(): Buffer {
    const compressed = this.len();
    const length = this.len();
    if (compressed > this.remaining || length > compressed * LZF_EXPANSION_MAX) throw badFormat();
    const out = lzfDecompress(this.bytes(compressed), length);
    if (out === null) throw badFormat();
    return out;
  }

  /** rdbLoadBinaryDoubleValue: 8 bytes, little endian. */
  binaryDouble(): number {
    return this.bytes(8).readDoubleLE(0);
  }

  /** rdbLoadDoubleValue: a length byte (253 nan, 254 inf, 255 -inf) and that much text. */
  textDouble(parse: (text: string) => number | undefined): number {
    const n = this.byte();
    if (n === 253) return Number.NaN;
    if (n === 254) return Number.POSITIVE_INFINITY;
    if (n === 255) return Number.NEGATIVE_INFINITY;
    const v = parse(this.bytes(n).toString('latin1'));
    if (v === undefined) throw badFormat();
    return v;
  }
}

function decimal(v: number): Buffer {
  return Buffer.from(String(v), 'latin1');
}

/** Initial capacity of a writer's buffer; it doubles as needed. */
const WRITER_INITIAL_BYTES = 256;

/** Appends RDB primitives to a growing buffer. */
export class RdbWriter {
  private buf = Buffer.allocUnsafe(WRITER_INITIAL_BYTES);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** rdbSaveLen. */
  len(n: number): void {
    if (n < 1 << 6) this.byte((LEN_6BIT << 6) | n);
    else if (n < 1 << 14) {
      this.byte((LEN_14BIT << 6) | (n >>> 8));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.ensure(5);
      this.buf[this.length] = LEN_32BIT;
      this.buf.writeUInt32BE(n, this.length + 1);
      this.length += 5;
    } else {
      this.ensure(9);
      this.buf[this.length] = LEN_64BIT;
      this.buf.writeBigUInt64BE(BigInt(n), this.length + 1);
      this.length += 9;
    }
  }

  /** rdbSaveLen of a uint64_t (stream IDs and counters). */
  lenBig(n: bigint): void {
    if (n <= 0xffffffffn) {
      this.len(Number(n));
      return;
    }
    this.ensure(9);
    this.buf[this.length] = LEN_64BIT;
    this.buf.writeBigUInt64BE(n, this.length + 1);
    this.length += 9;
  }

  /** rdbSaveMillisecondTime: 8 bytes, little endian. */
  millis(ms: number): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(ms), this.length);
    this.length += 8;
  }

  /** rdbSaveRawString. */
  string(s: Uint8Array): void {
    if (s.length <= INT_ENCODING_MAX_CHARS && this.tryInteger(s)) return;
    if (s.length >= LZF_MIN_BYTES) {
      const packed = lzfCompress(s, s.length - LZF_SAVING_MIN_BYTES);
      if (packed !== null) {
        this.byte((LEN_ENCVAL << 6) | ENC_LZF);
        this.len(packed.length);
        this.len(s.length);
        this.raw(packed);
        return;
      }
    }
    this.len(s.length);
    this.raw(s);
  }

  /** rdbTryIntegerEncoding: canonical decimal text of a value that fits 32 bits. */
  private tryInteger(s: Uint8Array): boolean {
    const v = tryParseI64(Buffer.from(s.buffer, s.byteOffset, s.length));
    if (v === undefined || v < -(2n ** 31n) || v >= 2n ** 31n) return false;
    const n = Number(v);
    if (n >= -128 && n <= 127) {
      this.byte((LEN_ENCVAL << 6) | ENC_INT8);
      this.byte(n & 0xff);
    } else if (n >= -32768 && n <= 32767) {
      this.ensure(3);
      this.buf[this.length] = (LEN_ENCVAL << 6) | ENC_INT16;
      this.buf.writeInt16LE(n, this.length + 1);
      this.length += 3;
    } else {
      this.ensure(5);
      this.buf[this.length] = (LEN_ENCVAL << 6) | ENC_INT32;
      this.buf.writeInt32LE(n, this.length + 1);
      this.length += 5;
    }
    return true;
  }

  /** rdbSaveBinaryDoubleValue. */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.length);
    this.length += 8;
  }

  /** The bytes written so far (a view; the writer must not be used afterwards). */
  bytesView(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
