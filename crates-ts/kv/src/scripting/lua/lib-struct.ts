/**
 * The `struct` library as Redis 7.0 bundles it (Roberto Ierusalimschy's struct, on x86-64
 * Linux), written here in TS over the Lua API: pack(fmt, ...), unpack(fmt, data [, pos]) and
 * size(fmt). Formats: `<` `>` byte order (native: little), `!n` alignment (default 8), `b B h
 * H l L T i[n] I[n]` integers (1, 2, 8, 8, 4 or n <= 32 bytes), `f d` floats, `c[n]` fixed
 * strings (`c0`: the whole string, or on unpack the length read just before), `s`
 * zero-terminated strings, `x` padding, spaces ignored. Numbers are Lua 5.1 doubles: unpacked
 * integers beyond 2^53 lose precision as in Redis.
 */
import {
  argError,
  checkBytes,
  checkNumber,
  fail,
  type LuaFunction,
  optInteger,
  setFunctions,
} from './lib-support.js';
import { pushLuaNumber } from './number-format.js';
import { lua, pushBytes } from './runtime.js';

const LITTLE = 1;
const BIG = 0;
/** sizeof(struct { char c; double d; }) - sizeof(double) on x86-64. */
const MAXALIGN = 8;
const MAXINTSIZE = 32;
const INT_MAX = 2147483647;

interface Format {
  readonly text: Buffer;
  at: number;
  endian: number;
  align: number;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/** getnum: the digits at the cursor, or `dflt` when there are none. */
function getNum(L: number, f: Format, dflt: number): number {
  if (!isDigit(f.text[f.at])) return dflt;
  let a = 0;
  do {
    const d = f.text[f.at]! - 48;
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - d) fail(L, 'integral size overflow');
    a = a * 10 + d;
    f.at++;
  } while (isDigit(f.text[f.at]));
  return a;
}

const FIXED_SIZES: { readonly [opt: string]: number } = {
  b: 1,
  B: 1,
  h: 2,
  H: 2,
  l: 8,
  L: 8,
  T: 8,
  f: 4,
  d: 8,
  x: 1,
};

function optSize(L: number, opt: string, f: Format): number {
  const fixed = FIXED_SIZES[opt];
  if (fixed !== undefined) return fixed;
  if (opt === 'c') return getNum(L, f, 1);
  if (opt === 'i' || opt === 'I') {
    const sz = getNum(L, f, 4);
    if (sz > MAXINTSIZE) fail(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
    return sz;
  }
  return 0;
}

/** Padding before an item of `size` at offset `len` (gettoalign, with its bit arithmetic). */
function toAlign(len: number, f: Format, opt: string, size: number): number {
  if (size === 0 || opt === 'c') return 0;
  const s = Math.min(size, f.align);
  return (s - (len & (s - 1))) & (s - 1);
}

/** `<`, `>`, `!n` and spaces; anything else is an invalid option (argument 1). */
function controlOption(L: number, opt: string, f: Format, fname: string): void {
  if (opt === ' ') return;
  if (opt === '>') f.endian = BIG;
  else if (opt === '<') f.endian = LITTLE;
  else if (opt === '!') {
    const a = getNum(L, f, MAXALIGN);
    if (a <= 0 || (a & (a - 1)) !== 0) fail(L, `alignment ${a} is not a power of 2`);
    f.align = a;
  } else argError(L, 1, fname, `invalid format option '${opt}'`);
}

const INTEGER_OPTIONS = 'bBhHlLTiI';
const TWO_64 = 2n ** 64n;

/** (Uinttype) of a Lua number as the C cast does it on x86-64 (in-range values exact). */
function toUint64(n: number): bigint {
  if (!Number.isFinite(n)) return 1n << 63n;
  const t = BigInt(Math.trunc(n));
  return ((t % TWO_64) + TWO_64) % TWO_64;
}

function integerBytes(value: bigint, size: number, endian: number): Buffer {
  const out = Buffer.alloc(size);
  let v = value;
  for (let i = 0; i < size; i++) {
    out[endian === LITTLE ? i : size - 1 - i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function floatBytes(n: number, size: number, endian: number): Buffer {
  const out = Buffer.alloc(size);
  if (size === 4) endian === LITTLE ? out.writeFloatLE(n) : out.writeFloatBE(n);
  else endian === LITTLE ? out.writeDoubleLE(n) : out.writeDoubleBE(n);
  return out;
}

function pack(L: number): number {
  const f: Format = { text: checkBytes(L, 1, 'pack'), at: 0, endian: LITTLE, align: 1 };
  // The C library pushes a nil after the arguments: a missing one reads as "got nil".
  lua()._lua_pushnil(L);
  const parts: Buffer[] = [];
  let arg = 2;
  let total = 0;
  while (f.at < f.text.length && f.text[f.at] !== 0) {
    const opt = String.fromCharCode(f.text[f.at++]!);
    let size = optSize(L, opt, f);
    const pad = toAlign(total, f, opt, size);
    total += pad;
    if (pad > 0) parts.push(Buffer.alloc(pad));
    if (INTEGER_OPTIONS.includes(opt))
      parts.push(integerBytes(toUint64(checkNumber(L, arg++, 'pack')), size, f.endian));
    else if (opt === 'x') parts.push(Buffer.alloc(1));
    else if (opt === 'f' || opt === 'd')
      parts.push(floatBytes(checkNumber(L, arg++, 'pack'), size, f.endian));
    else if (opt === 'c' || opt === 's') {
      const s = checkBytes(L, arg++, 'pack');
      if (size === 0) size = s.length;
      if (s.length < size) argError(L, arg, 'pack', 'string too short');
      parts.push(s.subarray(0, size));
      if (opt === 's') {
        parts.push(Buffer.alloc(1));
        size++;
      }
    } else controlOption(L, opt, f, 'pack');
    total += size;
  }
  pushBytes(L, Buffer.concat(parts));
  return 1;
}

/** getinteger: `size` bytes as an unsigned or sign-extended 64-bit value (wrapping beyond). */
function readInteger(data: Buffer, at: number, size: number, endian: number, signed: boolean): number {
  let l = 0n;
  for (let i = 0; i < size; i++) {
    const byte = data[endian === BIG ? at + i : at + size - 1 - i]!;
    l = BigInt.asUintN(64, (l << 8n) | BigInt(byte));
  }
  if (!signed) return Number(l);
  const mask = BigInt.asUintN(64, ~0n << BigInt((size * 8 - 1) % 64));
  if ((l & mask) !== 0n) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

function unpack(L: number): number {
  const m = lua();
  const f: Format = { text: checkBytes(L, 1, 'unpack'), at: 0, endian: LITTLE, align: 1 };
  const data = checkBytes(L, 2, 'unpack');
  let pos = optInteger(L, 3, 'unpack', 1);
  if (pos <= 0) argError(L, 3, 'unpack', 'offset must be 1 or greater');
  pos--;
  let n = 0;
  const tooShort = (size: number): void => {
    if (!(size <= data.length && pos <= data.length - size))
      argError(L, 2, 'unpack', 'data string too short');
  };
  while (f.at < f.text.length && f.text[f.at] !== 0) {
    const opt = String.fromCharCode(f.text[f.at++]!);
    let size = optSize(L, opt, f);
    pos += toAlign(pos, f, opt, size);
    tooShort(size);
    if (m._lua_checkstack(L, 2) === 0) fail(L, 'stack overflow (too many results)');
    if (INTEGER_OPTIONS.includes(opt)) {
      pushLuaNumber(L, readInteger(data, pos, size, f.endian, opt === opt.toLowerCase()));
      n++;
    } else if (opt === 'f' || opt === 'd') {
      const v =
        size === 4
          ? f.endian === LITTLE
            ? data.readFloatLE(pos)
            : data.readFloatBE(pos)
          : f.endian === LITTLE
            ? data.readDoubleLE(pos)
            : data.readDoubleBE(pos);
      pushLuaNumber(L, v);
      n++;
    } else if (opt === 'c') {
      if (size === 0) {
        if (n === 0 || m._lua_isnumber(L, -1) === 0) fail(L, "format 'c0' needs a previous size");
        size = Math.trunc(m._lua_tonumberx(L, -1, 0));
        m._lua_settop(L, -2);
        n--;
        tooShort(size);
      }
      pushBytes(L, data.subarray(pos, pos + size));
      n++;
    } else if (opt === 's') {
      const e = data.indexOf(0, pos);
      if (e < 0) fail(L, 'unfinished string in data');
      size = e - pos + 1;
      pushBytes(L, data.subarray(pos, e));
      n++;
    } else if (opt !== 'x') controlOption(L, opt, f, 'unpack');
    pos += size;
  }
  m._lua_pushinteger(L, BigInt(pos + 1));
  return n + 1;
}

function size(L: number): number {
  const f: Format = { text: checkBytes(L, 1, 'size'), at: 0, endian: LITTLE, align: 1 };
  let pos = 0;
  while (f.at < f.text.length && f.text[f.at] !== 0) {
    const opt = String.fromCharCode(f.text[f.at++]!);
    const sz = optSize(L, opt, f);
    pos += toAlign(pos, f, opt, sz);
    if (opt === 's') argError(L, 1, 'size', "option 's' has no fixed size");
    else if (opt === 'c' && sz === 0) argError(L, 1, 'size', "option 'c0' has no fixed size");
    if (!/^[A-Za-z0-9]$/.test(opt)) controlOption(L, opt, f, 'size');
    pos += sz;
  }
  lua()._lua_pushinteger(L, BigInt(pos));
  return 1;
}

const FUNCTIONS: Record<string, LuaFunction> = { pack, unpack, size };

/** Pushes the struct module table (luaopen_struct). */
export function pushStructModule(L: number): void {
  lua()._lua_createtable(L, 0, 3);
  setFunctions(L, FUNCTIONS);
}
