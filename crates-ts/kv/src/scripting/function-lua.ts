/**
 * Lua libraries for FUNCTION LOAD (Redis 7.0 function_lua.c): the library's code runs once in
 * the functions' Lua state with only `redis.register_function` and `redis.log` reachable, and
 * each registered callback becomes a FunctionInfo. The same path rebuilds the libraries from
 * their stored records when the state machine loads.
 */
import {
  cstr,
  LUA_REGISTRYINDEX,
  LUA_TFUNCTION,
  LUA_TSTRING,
  LUA_TTABLE,
  lua,
  toText,
} from './lua/runtime.js';
import { type Compiled, ScriptVm } from './lua/vm.js';
import { assert } from '@seshat/common';
import type { StorageReader } from '@seshat/storage';
import { type FunctionInfo, FunctionRegistry, type LibraryInfo } from './function-registry.js';
import { readLibraries } from './library-store.js';
import { scriptFlagByName } from './script-flags.js';
import { parseLibraryMetadata, validName } from './shebang.js';

const NAME_RULE =
  'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

let vm: ScriptVm | null = null;

/** The Lua state of function libraries (created on first use). */
export function functionVm(): ScriptVm {
  vm ??= new ScriptVm();
  return vm;
}

interface Registration {
  name: string;
  description: string | null;
  flags: number;
  ref: number;
}

/** Reads redis.register_function's arguments (positional or a table of named ones). */
function readRegistration(L: number): Registration | string {
  const m = lua();
  const argc = m._lua_gettop(L);
  if (argc < 1 || argc > 2) return 'wrong number of arguments to redis.register_function';
  if (argc === 2) {
    if (m._lua_type(L, 1) !== LUA_TSTRING && m._lua_isstring(L, 1) === 0)
      return 'first argument to redis.register_function must be a string';
    if (m._lua_type(L, 2) !== LUA_TFUNCTION)
      return 'second argument to redis.register_function must be a function';
    const name = toText(L, 1)!;
    const ref = m._luaL_ref(L, LUA_REGISTRYINDEX);
    return { name, description: null, flags: 0, ref };
  }
  if (m._lua_type(L, 1) !== LUA_TTABLE) {
    return 'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).';
  }
  return readNamed(L);
}

function readNamed(L: number): Registration | string {
  const m = lua();
  let name: string | null = null;
  let description: string | null = null;
  let flags = 0;
  let ref = -1;
  const fail = (msg: string): string => {
    if (ref >= 0) m._luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return msg;
  };
  m._lua_pushnil(L);
  while (m._lua_next(L, 1) !== 0) {
    if (m._lua_type(L, -2) !== LUA_TSTRING)
      return fail('named argument key given to redis.register_function is not a string');
    const key = toText(L, -2)!.toLowerCase();
    if (key === 'function_name') {
      if (m._lua_isstring(L, -1) === 0)
        return fail('function_name argument given to redis.register_function must be a string');
      name = toText(L, -1);
    } else if (key === 'description') {
      if (m._lua_isstring(L, -1) === 0)
        return fail('description argument given to redis.register_function must be a string');
      description = toText(L, -1);
    } else if (key === 'callback') {
      if (m._lua_type(L, -1) !== LUA_TFUNCTION)
        return fail('callback argument given to redis.register_function must be a function');
      if (ref >= 0) m._luaL_unref(L, LUA_REGISTRYINDEX, ref);
      ref = m._luaL_ref(L, LUA_REGISTRYINDEX);
      continue;
    } else if (key === 'flags') {
      if (m._lua_type(L, -1) !== LUA_TTABLE)
        return fail('flags argument to redis.register_function must be a table representing function flags');
      const f = readFlags(L);
      if (f < 0) return fail('unknown flag given');
      flags = f;
    } else return fail('unknown argument given to redis.register_function');
    m._lua_settop(L, -2);
  }
  if (name === null) return fail('redis.register_function must get a function name argument');
  if (ref < 0) return 'redis.register_function must get a callback argument';
  return { name, description, flags, ref };
}

/** The flags table at the top: its string values as flag bits, -1 for an unknown one. */
function readFlags(L: number): number {
  const m = lua();
  let flags = 0;
  const n = m._lua_rawlen(L, -1);
  for (let j = 1; j <= n; j++) {
    m._lua_rawgeti(L, -1, BigInt(j));
    const bit = m._lua_type(L, -1) === LUA_TSTRING ? scriptFlagByName(toText(L, -1)!) : 0;
    m._lua_settop(L, -2);
    if (bit === 0) return -1;
    flags |= bit;
  }
  return flags;
}

class LuaLibrary implements LibraryInfo {
  readonly engine = 'LUA';
  readonly functions = new Map<string, FunctionInfo>();
  constructor(
    readonly name: string,
    readonly code: Buffer,
    private readonly chunk: Compiled,
  ) {}
  release(): void {
    const v = functionVm();
    v.release(this.chunk);
    for (const f of this.functions.values()) v.release(f.callable as Compiled);
  }
}

/**
 * Builds a library from FUNCTION LOAD's payload, checked against `registry` (a library of the
 * same name is an error unless `replace`). Redis's error text (without "ERR ") on failure.
 */
export function createLibrary(
  payload: Buffer,
  registry: FunctionRegistry,
  replace: boolean,
): LibraryInfo | string {
  const md = parseLibraryMetadata(payload);
  if (typeof md === 'string') return md;
  if (!validName(md.name)) return NAME_RULE;
  if (md.engine.toLowerCase() !== 'lua') return `Engine '${md.engine}' not found`;
  if (registry.libraries.has(md.name) && !replace) return `Library '${md.name}' already exists`;
  const v = functionVm();
  const chunk = v.compile(md.code, '@user_function');
  if (typeof chunk === 'string') return `Error compiling function: ${chunk}`;
  const lib = new LuaLibrary(md.name, Buffer.from(payload), chunk);
  const err = v.runLoader(chunk, (L) => register(L, lib));
  if (err !== null) {
    lib.release();
    return `Error registering functions: ${err}`;
  }
  if (lib.functions.size === 0) {
    lib.release();
    return 'No functions registered';
  }
  for (const f of lib.functions.keys()) {
    const other = registry.findFunction(f);
    if (other !== undefined && other.library.name !== md.name) {
      lib.release();
      return `Function ${f} already exists`;
    }
  }
  return lib;
}

function register(L: number, lib: LuaLibrary): string | null {
  const r = readRegistration(L);
  if (typeof r === 'string') return r;
  const drop = (msg: string): string => {
    lua()._luaL_unref(L, LUA_REGISTRYINDEX, r.ref);
    return msg;
  };
  if (!validName(r.name)) return drop(NAME_RULE);
  if (lib.functions.has(r.name)) return drop('Function already exists in the library');
  lib.functions.set(r.name, {
    name: r.name,
    description: r.description,
    flags: r.flags,
    library: lib,
    callable: { ref: r.ref } satisfies Compiled,
  });
  return null;
}

export { cstr };

/**
 * The registry of the libraries stored in `reader` (state machine load, snapshot install).
 * A stored library was valid when it was loaded, so failing to rebuild it is a bug.
 */
export function registryFromStorage(reader: StorageReader): FunctionRegistry {
  let registry = FunctionRegistry.EMPTY;
  for (const [name, code] of readLibraries(reader)) {
    const lib = createLibrary(code, registry, false);
    assert(typeof lib !== 'string', `stored library ${name} does not load: ${String(lib)}`);
    registry = registry.with(lib);
  }
  return registry;
}
