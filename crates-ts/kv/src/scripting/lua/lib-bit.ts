/**
 * The `bit` library (LuaBitOp 1.0, as bundled with Redis): 32-bit operations on Lua numbers.
 * Arguments are numbers reduced modulo 2^32 to a signed 32-bit integer, results are signed.
 */
import { fail } from './lib-support.js';
import { cstr, LUA_TNUMBER, LUA_TSTRING, lua, pushText } from './runtime.js';

const TWO_32 = 4294967296;

function raise(L: number, msg: string): number {
  return fail(L, msg);
}

/** The argument `idx` as a signed 32-bit integer, or an error text. */
function bitArg(L: number, idx: number, fname: string): number | string {
  const m = lua();
  const t = m._lua_type(L, idx);
  if (t !== LUA_TNUMBER && !(t === LUA_TSTRING && m._lua_isstring(L, idx) !== 0)) {
    const got = t === 0 ? (idx > m._lua_gettop(L) ? 'no value' : 'nil') : typeName(t);
    return `bad argument #${idx} to '${fname}' (number expected, got ${got})`;
  }
  const isnum = cellForIsnum();
  const n = m._lua_tonumberx(L, idx, isnum);
  if (m.HEAPU32[isnum >>> 2] === 0) return `bad argument #${idx} to '${fname}' (number expected, got string)`;
  return toInt32(n);
}

let isnumCell = 0;
function cellForIsnum(): number {
  if (isnumCell === 0) isnumCell = lua()._malloc(4);
  return isnumCell;
}

function typeName(t: number): string {
  return (
    ['nil', 'boolean', 'userdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'][t] ??
    'value'
  );
}

/** Modular reduction of a double to int32, like LuaBitOp's 2^52+2^51 addition. */
export function toInt32(n: number): number {
  if (!Number.isFinite(n)) return 0;
  let r = Math.round(n) % TWO_32;
  if (r < 0) r += TWO_32;
  return r | 0;
}

function unary(fname: string, op: (x: number) => number): (L: number) => number {
  return (L) => {
    const x = bitArg(L, 1, fname);
    if (typeof x === 'string') return raise(L, x);
    lua()._lua_pushinteger(L, BigInt(op(x)));
    return 1;
  };
}

function variadic(fname: string, op: (a: number, b: number) => number): (L: number) => number {
  return (L) => {
    const m = lua();
    let acc = bitArg(L, 1, fname);
    if (typeof acc === 'string') return raise(L, acc);
    for (let i = 2; i <= m._lua_gettop(L); i++) {
      const v = bitArg(L, i, fname);
      if (typeof v === 'string') return raise(L, v);
      acc = op(acc, v);
    }
    m._lua_pushinteger(L, BigInt(acc | 0));
    return 1;
  };
}

function shift(fname: string, op: (x: number, n: number) => number): (L: number) => number {
  return (L) => {
    const x = bitArg(L, 1, fname);
    if (typeof x === 'string') return raise(L, x);
    const n = bitArg(L, 2, fname);
    if (typeof n === 'string') return raise(L, n);
    lua()._lua_pushinteger(L, BigInt(op(x, n & 31) | 0));
    return 1;
  };
}

function tohex(L: number): number {
  const m = lua();
  const x = bitArg(L, 1, 'tohex');
  if (typeof x === 'string') return raise(L, x);
  let n = 8;
  if (m._lua_gettop(L) >= 2 && m._lua_type(L, 2) !== 0) {
    const v = bitArg(L, 2, 'tohex');
    if (typeof v === 'string') return raise(L, v);
    n = v;
  }
  const upper = n < 0;
  if (upper) n = -n;
  if (n > 8) n = 8;
  let s = (x >>> 0)
    .toString(16)
    .padStart(8, '0')
    .slice(8 - n);
  if (upper) s = s.toUpperCase();
  pushText(L, s);
  return 1;
}

export const BIT_LIBRARY: Record<string, (L: number) => number> = {
  tobit: unary('tobit', (x) => x),
  bnot: unary('bnot', (x) => ~x),
  bswap: unary('bswap', (x) => (x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24) | 0),
  band: variadic('band', (a, b) => a & b),
  bor: variadic('bor', (a, b) => a | b),
  bxor: variadic('bxor', (a, b) => a ^ b),
  lshift: shift('lshift', (x, n) => x << n),
  rshift: shift('rshift', (x, n) => x >>> n),
  arshift: shift('arshift', (x, n) => x >> n),
  rol: shift('rol', (x, n) => (x << n) | (x >>> (32 - n))),
  ror: shift('ror', (x, n) => (x >>> n) | (x << (32 - n))),
  tohex,
};

export { cstr };
