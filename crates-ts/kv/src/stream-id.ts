/**
 * Stream entry IDs (`<ms>-<seq>`, two unsigned 64-bit integers) with Redis 7.0's parsing rules
 * (t_stream.c streamGenericParseIDOrReply, util.c string2ull) and its 16-byte big-endian key
 * form, whose byte order is ID order.
 */
import { assert, SeshatError } from '@seshat/common';

export interface StreamId {
  readonly ms: bigint;
  readonly seq: bigint;
}

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const STREAM_ID_BYTES = 16;
export const ZERO_ID: StreamId = { ms: 0n, seq: 0n };
export const MAX_ID: StreamId = { ms: U64_MAX, seq: U64_MAX };

/** Redis copies an ID argument into a 128-byte buffer; longer ones are invalid. */
const ID_ARG_BYTES_MAX = 127;
/** string2ll refuses anything of 21 bytes or more (LONG_STR_SIZE). */
const LL_STR_BYTES_MAX = 20;

export const ERR_INVALID_ID = 'Invalid stream ID specified as stream command argument';

export function invalidIdError(): SeshatError {
  return new SeshatError('ERR', ERR_INVALID_ID);
}

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms > b.ms ? 1 : -1;
  if (a.seq !== b.seq) return a.seq > b.seq ? 1 : -1;
  return 0;
}

export function idIsZero(id: StreamId): boolean {
  return id.ms === 0n && id.seq === 0n;
}

/** The next ID, or null past the last possible one (Redis's streamIncrID returning C_ERR). */
export function nextId(id: StreamId): StreamId | null {
  if (id.seq !== U64_MAX) return { ms: id.ms, seq: id.seq + 1n };
  if (id.ms !== U64_MAX) return { ms: id.ms + 1n, seq: 0n };
  return null;
}

/** The previous ID, or null before 0-0 (streamDecrID returning C_ERR). */
export function prevId(id: StreamId): StreamId | null {
  if (id.seq !== 0n) return { ms: id.ms, seq: id.seq - 1n };
  if (id.ms !== 0n) return { ms: id.ms - 1n, seq: U64_MAX };
  return null;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** The reply form of an ID: a bulk string. */
export function idReply(id: StreamId): Buffer {
  return Buffer.from(formatId(id), 'latin1');
}

export function writeId(buf: Buffer, offset: number, id: StreamId): void {
  buf.writeBigUInt64BE(id.ms, offset);
  buf.writeBigUInt64BE(id.seq, offset + 8);
}

export function readId(buf: Buffer, offset: number): StreamId {
  assert(buf.length >= offset + STREAM_ID_BYTES, 'stream id out of bounds');
  return { ms: buf.readBigUInt64BE(offset), seq: buf.readBigUInt64BE(offset + 8) };
}

export function encodeId(id: StreamId): Buffer {
  const out = Buffer.allocUnsafe(STREAM_ID_BYTES);
  writeId(out, 0, id);
  return out;
}

export function idsEqual(a: StreamId, b: StreamId): boolean {
  return a.ms === b.ms && a.seq === b.seq;
}

/** How an argument may spell an ID. */
export interface IdParseOptions {
  /** The sequence when only `<ms>` is given. */
  missingSeq: bigint;
  /** `-` and `+` are invalid (Redis's "strict" parse). */
  strict: boolean;
  /** `<ms>-*` is accepted (XADD): then `seqGiven` is false in the result. */
  allowAutoSeq: boolean;
}

export interface ParsedId {
  id: StreamId;
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply: `-`, `+`, `<ms>`, `<ms>-<seq>` and (XADD) `<ms>-*`. The argument
 * is a C string to Redis: bytes after a NUL are ignored. Throws Redis's invalid-ID error.
 */
export function parseId(arg: Buffer, o: IdParseOptions): ParsedId {
  if (arg.length > ID_ARG_BYTES_MAX) throw invalidIdError();
  const nul = arg.indexOf(0);
  const s = (nul >= 0 ? arg.subarray(0, nul) : arg).toString('latin1');
  const special = s === '-' || s === '+';
  if (o.strict && special) throw invalidIdError();
  if (s === '-') return { id: ZERO_ID, seqGiven: true };
  if (s === '+') return { id: MAX_ID, seqGiven: true };
  const dash = s.indexOf('-');
  const ms = parseU64(dash < 0 ? s : s.slice(0, dash));
  if (ms === undefined) throw invalidIdError();
  if (dash < 0) return { id: { ms, seq: o.missingSeq }, seqGiven: true };
  const rest = s.slice(dash + 1);
  if (o.allowAutoSeq && rest === '*') return { id: { ms, seq: 0n }, seqGiven: false };
  const seq = parseU64(rest);
  if (seq === undefined) throw invalidIdError();
  return { id: { ms, seq }, seqGiven: true };
}

/** A strict ID (no `-`/`+`), missing sequence 0: XADD trimming, XREAD, XACK, XDEL... */
export function parseStrictId(arg: Buffer): StreamId {
  return parseId(arg, { missingSeq: 0n, strict: true, allowAutoSeq: false }).id;
}

/**
 * A range bound: `(` before an ID makes it exclusive (then parsed strictly, as Redis does),
 * moved to the next (`start`) or previous (`end`) ID. Throws "invalid start/end ID for the
 * interval" when there is none.
 */
export function parseRangeBound(arg: Buffer, isStart: boolean): StreamId {
  const exclusive = arg.length > 1 && arg[0] === 0x28;
  const missingSeq = isStart ? 0n : U64_MAX;
  if (!exclusive) return parseId(arg, { missingSeq, strict: false, allowAutoSeq: false }).id;
  const id = parseId(arg.subarray(1), { missingSeq, strict: true, allowAutoSeq: false }).id;
  const moved = isStart ? nextId(id) : prevId(id);
  if (moved === null) {
    throw new SeshatError('ERR', `invalid ${isStart ? 'start' : 'end'} ID for the interval`);
  }
  return moved;
}

/**
 * util.c string2ull: string2ll (no sign, no spaces, no leading zeros) when it gives a
 * non-negative value; else strtoull (base 10): leading white space, an optional sign (a `-`
 * negates modulo 2^64), at least one digit, nothing after, no overflow.
 */
export function parseU64(s: string): bigint | undefined {
  const strict = parseStrictI64(s);
  if (strict !== undefined) return strict < 0n ? undefined : strict;
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  const start = i;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (i === start || i !== s.length) return undefined;
  const v = BigInt(s.slice(start, i));
  if (v > U64_MAX) return undefined;
  return negative ? (U64_MAX + 1n - v) & U64_MAX : v;
}

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** util.c string2ll on a string: the canonical decimal form of an int64. */
function parseStrictI64(s: string): bigint | undefined {
  if (s.length === 0 || s.length > LL_STR_BYTES_MAX) return undefined;
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > 0x7fff_ffff_ffff_ffffn || v < -0x8000_0000_0000_0000n) return undefined;
  return v;
}
