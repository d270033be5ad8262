/**
 * The `cmsgpack` library as Redis 7.0 bundles it (lua-cmsgpack 0.4.0, built for Lua 5.1),
 * written here in TS over the Lua API: pack(...), unpack(data), unpack_one(data [, offset])
 * and unpack_limit(data, limit [, offset]).
 *
 * Packing as Redis's build does: a number that is an integer in int64 range is packed as the
 * smallest integer type (its sign decides fixint / uint / int), any other number as a float32
 * when that is exact, else a float64; strings as fixstr / str8 / str16 / str32; a table whose
 * keys are exactly 1..n is an array (an empty table too), any other a map (members in this
 * Lua's table order); tables nested 16 deep, and every other type (nil, functions, cjson.null),
 * are nil. Unpacking returns every value (unpack) or the next offset (-1 at the end) and the
 * values (unpack_one, unpack_limit); ints come back as integers, floats and doubles as numbers
 * (integral ones as integers, so that they print as in Redis's Lua 5.1); str and bin types
 * are not told apart; ext types are "Bad data format in input.".
 */
import { unpack, unpackLimit, unpackOne } from './lib-cmsgpack-unpack.js';
import { argError, fail, type LuaFunction, setFunctions, setStringField } from './lib-support.js';
import { LUA_TBOOLEAN, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, lua, pushBytes, toBytes } from './runtime.js';

/** Tables nested deeper are packed as nil (survives circular references). */
const MAX_NESTING = 16;
const INT_MAX = 2147483647;
const TWO_63 = 2 ** 63;

class Packer {
  private readonly parts: Buffer[] = [];

  header(bytes: number[]): void {
    this.parts.push(Buffer.from(bytes));
  }

  take(): Buffer {
    const b = Buffer.concat(this.parts);
    this.parts.length = 0;
    return b;
  }

  bytes(s: Buffer): void {
    const n = s.length;
    if (n < 32) this.header([0xa0 | n]);
    else if (n <= 0xff) this.header([0xd9, n]);
    else if (n <= 0xffff) this.header([0xda, n >> 8, n & 0xff]);
    else this.header([0xdb, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
    this.parts.push(s);
  }

  int(n: bigint): void {
    if (n >= 0n) {
      if (n <= 127n) this.header([Number(n)]);
      else if (n <= 0xffn) this.header([0xcc, Number(n)]);
      else if (n <= 0xffffn) this.fixed(0xcd, 2, n);
      else if (n <= 0xffffffffn) this.fixed(0xce, 4, n);
      else this.fixed(0xcf, 8, n);
    } else if (n >= -32n) this.header([Number(n) & 0xff]);
    else if (n >= -128n) this.header([0xd0, Number(n) & 0xff]);
    else if (n >= -32768n) this.fixed(0xd1, 2, n);
    else if (n >= -2147483648n) this.fixed(0xd2, 4, n);
    else this.fixed(0xd3, 8, n);
  }

  /** A type byte, then `size` big-endian bytes of n (two's complement). */
  private fixed(type: number, size: number, n: bigint): void {
    const b = Buffer.alloc(1 + size);
    b[0] = type;
    let v = BigInt.asUintN(size * 8, n);
    for (let i = size; i >= 1; i--) {
      b[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.parts.push(b);
  }

  double(d: number): void {
    // C: `float f = d; if (d == (double)f)`: NaN is never equal, so it goes as a double.
    if (Math.fround(d) === d) {
      const b = Buffer.alloc(5);
      b[0] = 0xca;
      b.writeFloatBE(d, 1);
      this.parts.push(b);
      return;
    }
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeDoubleBE(d, 1);
    this.parts.push(b);
  }

  count(n: number, fix: number, c16: number, c32: number): void {
    if (n <= 15) this.header([fix | n]);
    else if (n <= 0xffff) this.header([c16, n >> 8, n & 0xff]);
    else this.header([c32, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  }

  nil(): void {
    this.header([0xc0]);
  }
}

/** Packs the number at the top (Redis's Lua 5.1 build: doubles that are int64s as integers). */
function packNumber(L: number, p: Packer): void {
  const m = lua();
  const d = m._lua_tonumberx(L, -1, 0);
  if (m._lua_isinteger(L, -1) !== 0) p.int(m._lua_tointegerx(L, -1, 0));
  else if (Number.isFinite(d) && Number.isInteger(d) && d >= -TWO_63 && d < TWO_63) p.int(BigInt(d));
  else p.double(d);
}

/** Keys exactly 1..count (table_is_an_array, the Lua 5.1 variant: int-sized keys). */
function isArray(L: number): number {
  const m = lua();
  let count = 0;
  let max = 0;
  m._lua_pushnil(L);
  while (m._lua_next(L, -2) !== 0) {
    m._lua_settop(L, -2);
    const k = m._lua_type(L, -1) === LUA_TNUMBER ? m._lua_tonumberx(L, -1, 0) : 0;
    if (!(k > 0 && Number.isInteger(k) && k <= INT_MAX)) {
      m._lua_settop(L, -2);
      return -1;
    }
    if (k > max) max = k;
    count++;
  }
  return max === count ? count : -1;
}

function packTable(L: number, p: Packer, level: number): void {
  const m = lua();
  if (m._lua_checkstack(L, 3) === 0) fail(L, 'stack overflow (in function mp_encode_lua_table)');
  const len = isArray(L);
  if (len >= 0) {
    p.count(len, 0x90, 0xdc, 0xdd);
    for (let j = 1; j <= len; j++) {
      m._lua_rawgeti(L, -1, BigInt(j));
      packValue(L, p, level + 1);
    }
    return;
  }
  let n = 0;
  m._lua_pushnil(L);
  while (m._lua_next(L, -2) !== 0) {
    m._lua_settop(L, -2);
    n++;
  }
  p.count(n, 0x80, 0xde, 0xdf);
  m._lua_pushnil(L);
  while (m._lua_next(L, -2) !== 0) {
    m._lua_pushvalue(L, -2);
    packValue(L, p, level + 1); // the key
    packValue(L, p, level + 1); // the value
  }
}

/** Packs the value at the top and pops it (mp_encode_lua_type). */
function packValue(L: number, p: Packer, level: number): void {
  const m = lua();
  let t = m._lua_type(L, -1);
  if (t === LUA_TTABLE && level === MAX_NESTING) t = -1;
  if (t === LUA_TSTRING) p.bytes(toBytes(L, -1)!);
  else if (t === LUA_TBOOLEAN) p.header([m._lua_toboolean(L, -1) !== 0 ? 0xc3 : 0xc2]);
  else if (t === LUA_TNUMBER) packNumber(L, p);
  else if (t === LUA_TTABLE) packTable(L, p, level);
  else p.nil();
  m._lua_settop(L, -2);
}

function pack(L: number): number {
  const m = lua();
  const nargs = m._lua_gettop(L);
  if (nargs === 0) argError(L, 0, 'pack', 'MessagePack pack needs input.');
  const p = new Packer();
  for (let i = 1; i <= nargs; i++) {
    m._lua_pushvalue(L, i);
    packValue(L, p, 0);
  }
  pushBytes(L, p.take());
  return 1;
}

const FUNCTIONS: Record<string, LuaFunction> = {
  pack,
  unpack,
  unpack_one: unpackOne,
  unpack_limit: unpackLimit,
};

/** Pushes the cmsgpack module table (luaopen_cmsgpack). */
export function pushCmsgpackModule(L: number): void {
  lua()._lua_createtable(L, 0, 8);
  setFunctions(L, FUNCTIONS);
  setStringField(L, '_NAME', 'cmsgpack');
  setStringField(L, '_VERSION', 'lua-cmsgpack 0.4.0');
  setStringField(L, '_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  setStringField(L, '_DESCRIPTION', 'MessagePack C implementation for Lua');
}
