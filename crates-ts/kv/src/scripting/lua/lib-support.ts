/**
 * What the JS libraries exposed to scripts (lib-cjson, lib-cmsgpack, lib-struct) share:
 * raising errors as Lua 5.1's C libraries word them, argument checks (luaL_check*), and
 * building their module tables from JS functions.
 */
import {
  cfunction,
  cstr,
  LUA_REGISTRYINDEX,
  LUA_TNUMBER,
  LUA_TSTRING,
  lua,
  pushText,
  toBytes,
} from './runtime.js';

export type LuaFunction = (L: number) => number;

/** Pseudo-index of a C closure's first upvalue (lua_upvalueindex(1)). */
export const UPVALUE_1 = LUA_REGISTRYINDEX - 1;

const TYPE_NAMES = [
  'nil',
  'boolean',
  'userdata',
  'number',
  'string',
  'table',
  'function',
  'userdata',
  'thread',
];

/** Raises `msg` as luaL_error does: prefixed with the calling Lua code's `chunk:line: `. */
export function fail(L: number, msg: string): never {
  const m = lua();
  m._luaL_where(L, 1);
  pushText(L, msg);
  m._lua_concat(L, 2);
  m._lua_error(L);
  throw new Error('unreachable: lua_error returned');
}

/** luaL_argerror: "bad argument #n to 'fname' (msg)". */
export function argError(L: number, n: number, fname: string, msg: string): never {
  return fail(L, `bad argument #${n} to '${fname}' (${msg})`);
}

/** Lua's name of the type at `idx` ("no value" past the top, as luaL_typename). */
export function typeNameAt(L: number, idx: number): string {
  const m = lua();
  if (idx > m._lua_gettop(L)) return 'no value';
  return TYPE_NAMES[m._lua_type(L, idx)] ?? 'no value';
}

let isnumCell = 0;

/** The number at `idx` (a number or numeric string), or null. */
export function toNumber(L: number, idx: number): number | null {
  const m = lua();
  if (isnumCell === 0) isnumCell = m._malloc(4);
  const t = m._lua_type(L, idx);
  if (t !== LUA_TNUMBER && t !== LUA_TSTRING) return null;
  const n = m._lua_tonumberx(L, idx, isnumCell);
  return m.HEAPU32[isnumCell >>> 2] === 0 ? null : n;
}

/** luaL_checknumber. */
export function checkNumber(L: number, idx: number, fname: string): number {
  const n = toNumber(L, idx);
  if (n === null) return argError(L, idx, fname, `number expected, got ${typeNameAt(L, idx)}`);
  return n;
}

/** luaL_checkinteger as Lua 5.1 does it: any number, truncated. */
export function checkInteger(L: number, idx: number, fname: string): number {
  return Math.trunc(checkNumber(L, idx, fname));
}

/** luaL_optinteger (5.1): the default when the argument is absent or nil. */
export function optInteger(L: number, idx: number, fname: string, dflt: number): number {
  const t = lua()._lua_type(L, idx);
  return t <= 0 ? dflt : checkInteger(L, idx, fname);
}

/** luaL_checklstring: a string, or a number converted to one. */
export function checkBytes(L: number, idx: number, fname: string): Buffer {
  const t = lua()._lua_type(L, idx);
  const b = t === LUA_TSTRING || t === LUA_TNUMBER ? toBytes(L, idx) : null;
  if (b === null) return argError(L, idx, fname, `string expected, got ${typeNameAt(L, idx)}`);
  return b;
}

const indexes = new Map<LuaFunction, number>();

/** The WASM function table entry of `fn` (created once per function). */
function indexOf(fn: LuaFunction): number {
  let i = indexes.get(fn);
  if (i === undefined) {
    i = cfunction(fn);
    indexes.set(fn, i);
  }
  return i;
}

/**
 * Sets the functions of `fns` into the table at the top. With `upvalue` (a stack index),
 * each becomes a closure over that value (cjson's configuration).
 */
export function setFunctions(L: number, fns: Record<string, LuaFunction>, upvalue = 0): void {
  const m = lua();
  for (const [name, fn] of Object.entries(fns)) {
    if (upvalue !== 0) m._lua_pushvalue(L, upvalue);
    m._lua_pushcclosure(L, indexOf(fn), upvalue !== 0 ? 1 : 0);
    m._lua_setfield(L, -2, cstr(name));
  }
}

/** Sets string field `name` of the table at the top. */
export function setStringField(L: number, name: string, value: string): void {
  pushText(L, value);
  lua()._lua_setfield(L, -2, cstr(name));
}
