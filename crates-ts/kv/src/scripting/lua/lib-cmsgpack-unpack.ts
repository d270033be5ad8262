/**
 * cmsgpack's unpack, unpack_one and unpack_limit (lib-cmsgpack.ts): MessagePack bytes to Lua
 * values, with lua-cmsgpack 0.4.0's arguments, offsets and error texts.
 */
import { checkBytes, checkInteger, fail, optInteger } from './lib-support.js';
import { pushLuaNumber } from './number-format.js';
import { lua, pushBytes } from './runtime.js';

const INT_MAX = 2147483647;
/** Nesting decoded at most (the C library recursed on its own stack; here JS's is bounded). */
const DECODE_DEPTH_MAX = 1000;

const OK = 0;
const EOF = 1;
const BADFMT = 2;

class Cursor {
  err = OK;
  constructor(
    readonly b: Buffer,
    public pos: number,
  ) {}

  get left(): number {
    return this.b.length - this.pos;
  }

  /** True when `n` more bytes are there; otherwise sets EOF. */
  need(n: number): boolean {
    if (this.left >= n) return true;
    this.err = EOF;
    return false;
  }
}

function pushString(L: number, c: Cursor, header: number, len: number): void {
  if (!c.need(header + len)) return;
  pushBytes(L, c.b.subarray(c.pos + header, c.pos + header + len));
  c.pos += header + len;
}

/** Fixed-size scalars: [bytes after the type byte, reader] by type byte. */
const SCALARS: { readonly [type: number]: readonly [number, (b: Buffer, at: number) => number | bigint] } = {
  204: [1, (b, at) => b.readUInt8(at)],
  205: [2, (b, at) => b.readUInt16BE(at)],
  206: [4, (b, at) => b.readUInt32BE(at)],
  207: [8, (b, at) => b.readBigUInt64BE(at)],
  208: [1, (b, at) => b.readInt8(at)],
  209: [2, (b, at) => b.readInt16BE(at)],
  210: [4, (b, at) => b.readInt32BE(at)],
  211: [8, (b, at) => b.readBigInt64BE(at)],
  202: [4, (b, at) => b.readFloatBE(at)],
  203: [8, (b, at) => b.readDoubleBE(at)],
};

/** A decoded scalar as Redis's 64-bit Lua 5.1 build holds it: 64-bit ints (uint64 too) as
 * a signed int64, then a double. */
function pushScalar(L: number, v: number | bigint): void {
  pushLuaNumber(L, typeof v === 'number' ? v : Number(BigInt.asIntN(64, v)));
}

/** Decodes one value at the cursor and pushes it (mp_decode_to_lua_type). */
function decodeValue(L: number, c: Cursor, depth: number): void {
  const m = lua();
  if (!c.need(1)) return;
  if (m._lua_checkstack(L, 1) === 0) {
    fail(L, 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)');
  }
  const type = c.b[c.pos]!;
  const scalar = SCALARS[type];
  if (scalar !== undefined) {
    if (!c.need(1 + scalar[0])) return;
    pushScalar(L, scalar[1](c.b, c.pos + 1));
    c.pos += 1 + scalar[0];
    return;
  }
  if (type === 0xc0 || type === 0xc2 || type === 0xc3) {
    if (type === 0xc0) m._lua_pushnil(L);
    else m._lua_pushboolean(L, type === 0xc3 ? 1 : 0);
    c.pos++;
    return;
  }
  decodeSized(L, c, type, depth);
}

/** Strings, arrays, maps and fixints (types that carry a length or a value in them). */
function decodeSized(L: number, c: Cursor, type: number, depth: number): void {
  const m = lua();
  const b = c.b;
  const header = type === 0xd9 ? 2 : type === 0xda ? 3 : type === 0xdb ? 5 : 0;
  if (header > 0) {
    if (!c.need(header)) return;
    const len =
      header === 2 ? b[c.pos + 1]! : header === 3 ? b.readUInt16BE(c.pos + 1) : b.readUInt32BE(c.pos + 1);
    pushString(L, c, header, len);
    return;
  }
  const counted = type === 0xdc || type === 0xde ? 3 : type === 0xdd || type === 0xdf ? 5 : 0;
  if (counted > 0) {
    if (!c.need(counted)) return;
    const n = counted === 3 ? b.readUInt16BE(c.pos + 1) : b.readUInt32BE(c.pos + 1);
    c.pos += counted;
    collection(L, c, n, type === 0xde || type === 0xdf, depth);
    return;
  }
  if ((type & 0x80) === 0 || (type & 0xe0) === 0xe0) {
    m._lua_pushinteger(L, BigInt(type < 0x80 ? type : type - 256));
    c.pos++;
  } else if ((type & 0xe0) === 0xa0) pushString(L, c, 1, type & 0x1f);
  else if ((type & 0xf0) === 0x90 || (type & 0xf0) === 0x80) {
    c.pos++;
    collection(L, c, type & 0xf, (type & 0xf0) === 0x80, depth);
  } else c.err = BADFMT;
}

/** An array (keys 1..n) or a map of `n` entries. */
function collection(L: number, c: Cursor, n: number, map: boolean, depth: number): void {
  const m = lua();
  if (depth >= DECODE_DEPTH_MAX) {
    c.err = BADFMT;
    return;
  }
  m._lua_createtable(L, 0, 0);
  for (let i = 1; i <= n; i++) {
    if (map) decodeValue(L, c, depth + 1);
    if (c.err !== OK) return;
    decodeValue(L, c, depth + 1);
    if (c.err !== OK) return;
    if (map) m._lua_rawset(L, -3);
    else m._lua_rawseti(L, -2, BigInt(i));
  }
}

/** mp_unpack_full: decodes up to `limit` values from `offset` (0, 0: all, no offset). */
function unpackFull(L: number, fname: string, limit: number, offset: number): number {
  const m = lua();
  const s = checkBytes(L, 1, fname);
  if (offset < 0 || limit < 0) {
    // (the C library prints the input length where it means the limit)
    fail(L, `Invalid request to unpack with offset of ${offset | 0} and limit of ${s.length | 0}.`);
  } else if (offset > s.length) {
    fail(L, `Start offset ${offset | 0} greater than input length ${s.length | 0}.`);
  }
  const all = limit === 0 && offset === 0;
  const max = all ? INT_MAX : limit;
  const c = new Cursor(s, offset);
  let count = 0;
  for (; c.left > 0 && count < max; count++) {
    decodeValue(L, c, 0);
    if (c.err === EOF) fail(L, 'Missing bytes in input.');
    if (c.err === BADFMT) fail(L, 'Bad data format in input.');
  }
  if (all) return count;
  m._lua_pushinteger(L, BigInt(c.left === 0 ? -1 : c.pos));
  m._lua_rotate(L, 2, 1); // the offset goes first, right after the data argument
  return count + 1;
}

/** Drops the arguments after the data (lua_pop(L, lua_gettop(L) - 1)). */
function keepFirstArgument(L: number): void {
  if (lua()._lua_gettop(L) > 1) lua()._lua_settop(L, 1);
}

export function unpack(L: number): number {
  return unpackFull(L, 'unpack', 0, 0);
}

export function unpackOne(L: number): number {
  const offset = optInteger(L, 2, 'unpack_one', 0);
  keepFirstArgument(L);
  return unpackFull(L, 'unpack_one', 1, offset);
}

export function unpackLimit(L: number): number {
  const limit = checkInteger(L, 2, 'unpack_limit');
  const offset = optInteger(L, 3, 'unpack_limit', 0);
  keepFirstArgument(L);
  return unpackFull(L, 'unpack_limit', limit, offset);
}
