/**
 * Bitmap commands (Redis 7.0 bitops.c semantics) on string values: SETBIT, GETBIT, BITCOUNT,
 * BITPOS, BITOP, BITFIELD, BITFIELD_RO. Bit 0 is the most significant bit of byte 0.
 *
 * A bitmap is the string inline in the meta record, so a write rewrites the record: SETBIT
 * and BITFIELD cost O(string length) here where Redis is O(1); reads are O(range).
 */
import { type Reply, SeshatError } from '@seshat/common';
import { argIs, syntaxError, tryParseI64 } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { FLAG_RAW, KeyType, stringValue } from '../meta.js';
import { readString, writeString } from './string-ops.js';

const B = 'bitmap';
const EMPTY = Buffer.alloc(0);

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

function bitOffsetError(): SeshatError {
  return new SeshatError('ERR', 'bit offset is not an integer or out of range');
}

/** Redis getBitOffsetFromArgument: `N` or (BITFIELD) `#N` times the field width. */
function parseBitOffset(ctx: Ctx, arg: Buffer, hashBits = 0): number {
  const useHash = hashBits > 0 && arg.length > 0 && arg[0] === 0x23;
  let v = tryParseI64(useHash ? arg.subarray(1) : arg);
  if (v === undefined) throw bitOffsetError();
  if (useHash) v *= BigInt(hashBits);
  if (v < 0n || v >> 3n >= BigInt(ctx.limits.stringMaxBytes)) throw bitOffsetError();
  return Number(v);
}

function getBit(value: Buffer, bit: number): number {
  const byte = bit >>> 3;
  return byte < value.length ? (value[byte]! >> (7 - (bit & 7))) & 1 : 0;
}

function setbit(ctx: Ctx, argv: Buffer[]): Reply {
  const offset = parseBitOffset(ctx, argv[2]!);
  const on = tryParseI64(argv[3]!);
  if (on === undefined || (on !== 0n && on !== 1n))
    throw new SeshatError('ERR', 'bit is not an integer or out of range');
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookupTyped(mk, KeyType.String, false);
  const cur = old === undefined ? EMPTY : stringValue(old);
  const byte = Math.floor(offset / 8);
  const next = Buffer.alloc(Math.max(cur.length, byte + 1));
  cur.copy(next);
  const prev = getBit(cur, offset);
  const mask = 1 << (7 - (offset & 7));
  if (on === 1n) next[byte] = next[byte]! | mask;
  else next[byte] = next[byte]! & ~mask;
  const touched = ctx.touched?.length ?? 0;
  writeString(ctx, mk, next, old, -1, FLAG_RAW);
  // Redis: an event (and a modification, for WATCH) when the key was created or grew, or the
  // bit changed.
  if (old === undefined || next.length > cur.length || prev !== Number(on))
    ctx.notify('$', 'setbit', argv[1]!);
  else if (ctx.touched !== null) ctx.touched.length = touched;
  return prev;
}

function getbit(ctx: Ctx, argv: Buffer[]): Reply {
  const offset = parseBitOffset(ctx, argv[2]!);
  const value = readString(ctx, metaKey(ctx.db, argv[1]!));
  return value === undefined ? 0 : getBit(value, offset);
}

function parseLong(arg: Buffer): number {
  const v = tryParseI64(arg);
  if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
  // Offsets beyond 2^53 behave like any huge offset: clamped below.
  return Number(v);
}

/** BYTE|BIT unit argument. */
function isBitUnit(arg: Buffer): boolean {
  if (argIs(arg, 'bit')) return true;
  if (argIs(arg, 'byte')) return false;
  throw syntaxError();
}

/** Clamps a [start, end] range the way bitcount/bitpos do; returns inclusive bit bounds. */
function clampRange(start: number, end: number, len: number, isBit: boolean): [number, number] {
  const total = isBit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return isBit ? [start, end] : [start * 8, end * 8 + 7];
}

function bitcount(ctx: Ctx, argv: Buffer[]): Reply {
  const value = readString(ctx, metaKey(ctx.db, argv[1]!));
  if (value === undefined) return 0;
  let lo = 0;
  let hi = value.length * 8 - 1;
  if (argv.length === 4 || argv.length === 5) {
    const start = parseLong(argv[2]!);
    const end = parseLong(argv[3]!);
    // Redis answers an inverted negative range before it looks at the unit argument.
    if (start < 0 && end < 0 && start > end) return 0;
    const isBit = argv.length === 5 && isBitUnit(argv[4]!);
    [lo, hi] = clampRange(start, end, value.length, isBit);
  } else if (argv.length !== 2) throw syntaxError();
  return countBits(value, lo, hi);
}

function countBits(value: Buffer, lo: number, hi: number): number {
  let n = 0;
  for (let bit = lo; bit <= hi; ) {
    if ((bit & 7) === 0 && bit + 7 <= hi) {
      n += POPCOUNT[value[bit >>> 3]!]!;
      bit += 8;
    } else {
      n += getBit(value, bit);
      bit++;
    }
  }
  return n;
}

function bitpos(ctx: Ctx, argv: Buffer[]): Reply {
  const b = tryParseI64(argv[2]!);
  if (b === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
  if (b !== 0n && b !== 1n) throw new SeshatError('ERR', 'The bit argument must be 1 or 0.');
  const bit = Number(b);
  const value = readString(ctx, metaKey(ctx.db, argv[1]!));
  if (value === undefined) return bit ? -1 : 0;
  let lo = 0;
  let hi = value.length * 8 - 1;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = parseLong(argv[3]!);
    const isBit = argv.length === 6 && isBitUnit(argv[5]!);
    let end: number;
    if (argv.length >= 5) {
      end = parseLong(argv[4]!);
      endGiven = true;
    } else end = isBit ? value.length * 8 + 7 : value.length - 1;
    [lo, hi] = clampRange(start, end, value.length, isBit);
  } else if (argv.length !== 3) throw syntaxError();
  if (lo > hi) return -1;
  const skip = bit ? 0x00 : 0xff;
  for (let pos = lo; pos <= hi; ) {
    if ((pos & 7) === 0 && pos + 7 <= hi && value[pos >>> 3] === skip) {
      pos += 8;
      continue;
    }
    if (getBit(value, pos) === bit) return pos;
    pos++;
  }
  // No clear bit in the string: past its end the bits are zero, unless an end was given.
  return bit === 1 || endGiven ? -1 : hi + 1;
}

function bitop(ctx: Ctx, argv: Buffer[]): Reply {
  const op = argv[1]!;
  let kind: 'and' | 'or' | 'xor' | 'not';
  if (argIs(op, 'and')) kind = 'and';
  else if (argIs(op, 'or')) kind = 'or';
  else if (argIs(op, 'xor')) kind = 'xor';
  else if (argIs(op, 'not')) kind = 'not';
  else throw syntaxError();
  if (kind === 'not' && argv.length !== 4) {
    throw new SeshatError('ERR', 'BITOP NOT must be called with a single source key.');
  }
  const sources: Buffer[] = [];
  let maxLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const v = readString(ctx, metaKey(ctx.db, argv[i]!), false) ?? EMPTY;
    sources.push(v);
    if (v.length > maxLen) maxLen = v.length;
  }
  const dst = metaKey(ctx.db, argv[2]!);
  const old = ctx.lookup(dst);
  if (maxLen === 0) {
    if (old !== undefined) {
      ctx.deleteKey(dst, old);
      ctx.notify('g', 'del', argv[2]!);
    }
    return 0;
  }
  const res = Buffer.alloc(maxLen);
  for (let j = 0; j < maxLen; j++) {
    let out = j < sources[0]!.length ? sources[0]![j]! : 0;
    if (kind === 'not') out = ~out & 0xff;
    for (let s = 1; s < sources.length; s++) {
      const x = j < sources[s]!.length ? sources[s]![j]! : 0;
      if (kind === 'and') out &= x;
      else if (kind === 'or') out |= x;
      else out ^= x;
    }
    res[j] = out;
  }
  // Overwrites in place (Redis's setKey: `new` only when the key did not exist).
  writeString(ctx, dst, res, old, 0, FLAG_RAW);
  ctx.notify('$', 'set', argv[2]!);
  return maxLen;
}

// ---- BITFIELD ------------------------------------------------------------------------------

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const OW_WRAP = 0;
const OW_SAT = 1;
const OW_FAIL = 2;

interface FieldOp {
  op: number;
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: number;
}

function typeError(): SeshatError {
  return new SeshatError(
    'ERR',
    'Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
  );
}

function parseType(arg: Buffer): { signed: boolean; bits: number } {
  const c = arg[0];
  const signed = c === 0x69;
  if (!signed && c !== 0x75) throw typeError();
  const bits = tryParseI64(arg.subarray(1));
  if (bits === undefined || bits < 1n || (signed && bits > 64n) || (!signed && bits > 63n)) throw typeError();
  return { signed, bits: Number(bits) };
}

/** Parses every subcommand first (Redis reports any error before doing anything). */
function parseFieldOps(ctx: Ctx, argv: Buffer[], readonly: boolean): FieldOp[] {
  const ops: FieldOp[] = [];
  let overflow = OW_WRAP;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j]!;
    let op: number;
    if (argIs(sub, 'get') && remaining >= 2) op = OP_GET;
    else if (argIs(sub, 'set') && remaining >= 3) op = OP_SET;
    else if (argIs(sub, 'incrby') && remaining >= 3) op = OP_INCRBY;
    else if (argIs(sub, 'overflow') && remaining >= 1) {
      const w = argv[++j]!;
      if (argIs(w, 'wrap')) overflow = OW_WRAP;
      else if (argIs(w, 'sat')) overflow = OW_SAT;
      else if (argIs(w, 'fail')) overflow = OW_FAIL;
      else throw new SeshatError('ERR', 'Invalid OVERFLOW type specified');
      continue;
    } else throw syntaxError();
    const { signed, bits } = parseType(argv[j + 1]!);
    const offset = parseBitOffset(ctx, argv[j + 2]!, bits);
    let value = 0n;
    if (op !== OP_GET) {
      const v = tryParseI64(argv[j + 3]!);
      if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
      value = v;
    }
    j += op === OP_GET ? 2 : 3;
    ops.push({ op, signed, bits, offset, value, overflow });
  }
  if (readonly && ops.some((f) => f.op !== OP_GET)) {
    throw new SeshatError('ERR', 'BITFIELD_RO only supports the GET subcommand');
  }
  return ops;
}

function readField(buf: Buffer, offset: number, bits: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) v = (v << 1n) | BigInt(getBit(buf, offset + i));
  if (signed && bits > 0 && v >> BigInt(bits - 1) === 1n) v -= 1n << BigInt(bits);
  return v;
}

function writeField(buf: Buffer, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const bit = offset + i;
    const mask = 1 << (7 - (bit & 7));
    if ((u >> BigInt(bits - 1 - i)) & 1n) buf[bit >>> 3] = buf[bit >>> 3]! | mask;
    else buf[bit >>> 3] = buf[bit >>> 3]! & ~mask;
  }
}

/** The value to store for an exact result `v`, or null when OVERFLOW FAIL refuses it. */
function applyOverflow(v: bigint, f: FieldOp): bigint | null {
  const bits = BigInt(f.bits);
  const max = f.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  const min = f.signed ? -(1n << (bits - 1n)) : 0n;
  if (v >= min && v <= max) return v;
  if (f.overflow === OW_FAIL) return null;
  if (f.overflow === OW_SAT) return v > max ? max : min;
  return f.signed ? BigInt.asIntN(f.bits, v) : BigInt.asUintN(f.bits, v);
}

function runFieldOp(buf: Buffer, f: FieldOp): Reply {
  const old = readField(buf, f.offset, f.bits, f.signed);
  if (f.op === OP_GET) return old;
  // An unsigned SET takes the value as an unsigned 64-bit integer, as Redis does.
  const target = f.op === OP_SET ? (f.signed ? f.value : BigInt.asUintN(64, f.value)) : old + f.value;
  const stored = applyOverflow(target, f);
  if (stored === null) return null;
  writeField(buf, f.offset, f.bits, stored);
  return f.op === OP_SET ? old : stored;
}

function bitfieldGeneric(ctx: Ctx, argv: Buffer[], readonly: boolean): Reply {
  const ops = parseFieldOps(ctx, argv, readonly);
  const mk = metaKey(ctx.db, argv[1]!);
  let highest = -1;
  for (const f of ops) if (f.op !== OP_GET) highest = Math.max(highest, f.offset + f.bits - 1);
  if (highest < 0) {
    const value = readString(ctx, mk) ?? EMPTY;
    return ops.map((f) => readField(value, f.offset, f.bits, f.signed));
  }
  const old = ctx.lookupTyped(mk, KeyType.String, false);
  const cur = old === undefined ? EMPTY : stringValue(old);
  const buf = Buffer.alloc(Math.max(cur.length, (highest >>> 3) + 1));
  cur.copy(buf);
  if (ctx.events === null && ctx.touched === null) {
    const replies = ops.map((f) => runFieldOp(buf, f));
    writeString(ctx, mk, buf, old, -1, FLAG_RAW);
    return replies;
  }
  // Redis's `setbit` event and modification (WATCH): some write stored a value and created/grew
  // the string or changed it. Otherwise the key is still written (created) but not signalled.
  const dirty = old === undefined || buf.length > cur.length;
  let changed = false;
  const replies = ops.map((f) => {
    if (f.op === OP_GET) return runFieldOp(buf, f);
    const before = readField(buf, f.offset, f.bits, f.signed);
    const r = runFieldOp(buf, f);
    if (r !== null && (dirty || readField(buf, f.offset, f.bits, f.signed) !== before)) changed = true;
    return r;
  });
  const touched = ctx.touched?.length ?? 0;
  writeString(ctx, mk, buf, old, -1, FLAG_RAW);
  if (changed) ctx.notify('$', 'setbit', argv[1]!);
  else if (ctx.touched !== null) ctx.touched.length = touched;
  return replies;
}

defineCommand(
  {
    name: 'setbit',
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: B,
    summary: 'Sets or clears the bit at offset in the string value stored at key',
    since: '2.2.0',
    exec: 'write',
  },
  setbit,
);
defineCommand(
  {
    name: 'getbit',
    arity: 3,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: B,
    summary: 'Returns the bit value at offset in the string value stored at key',
    since: '2.2.0',
    exec: 'read',
  },
  getbit,
);
defineCommand(
  {
    name: 'bitcount',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: B,
    summary: 'Count set bits in a string',
    since: '2.6.0',
    complexity: 'O(N)',
    exec: 'read',
  },
  bitcount,
);
defineCommand(
  {
    name: 'bitpos',
    arity: -3,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: B,
    summary: 'Find first bit set or clear in a string',
    since: '2.8.7',
    complexity: 'O(N)',
    exec: 'read',
  },
  bitpos,
);
defineCommand(
  {
    name: 'bitop',
    arity: -4,
    flags: 'write denyoom',
    keys: [2, -1, 1],
    group: B,
    summary: 'Perform bitwise operations between strings',
    since: '2.6.0',
    complexity: 'O(N)',
    exec: 'write',
  },
  bitop,
);
defineCommand(
  {
    name: 'bitfield',
    arity: -2,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: B,
    summary: 'Perform arbitrary bitfield integer operations on strings',
    since: '3.2.0',
    complexity: 'O(1) for each subcommand specified',
    exec: 'write',
  },
  (c, a) => bitfieldGeneric(c, a, false),
);
defineCommand(
  {
    name: 'bitfield_ro',
    arity: -2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: B,
    summary: 'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD',
    since: '6.0.0',
    complexity: 'O(1) for each subcommand specified',
    exec: 'read',
  },
  (c, a) => bitfieldGeneric(c, a, true),
);
