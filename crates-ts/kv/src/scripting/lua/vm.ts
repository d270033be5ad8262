/**
 * A Lua state set up as Redis sets up its scripting engine (script_lua.c, eval.c,
 * function_lua.c): the `redis` API, the allowed libraries, the error handler that adds the
 * failing line, and protected globals (prelude.ts). `compile` loads a chunk into the state;
 * `call` runs one with a ScriptRun (the script's Ctx, flags and protocol) and returns its reply.
 *
 * The JS functions behind `redis.*` exist once per process (WASM function table entries are
 * never freed) and find the running script in `active`: scripts never nest (EVAL and FCALL are
 * `noscript`), and everything here is synchronous.
 */
import { createHash } from 'node:crypto';
import { assert, ErrorReply, type Reply } from '@seshat/common';
import { type ScriptRun, scriptCall } from '../script-call.js';
import { errorInfo, popReply, pushErrorTable, pushReply } from './convert.js';
import { checkInteger } from './lib-support.js';
import { LIBRARIES, resetLibraryState } from './libs.js';
import { Rand48 } from './rand48.js';
import { PRELUDE } from './prelude.js';
import {
  cfunction,
  cstr,
  LUA_MASKCOUNT,
  LUA_MASKLINE,
  LUA_OK,
  LUA_YIELD,
  LUA_REGISTRYINDEX,
  LUA_TNUMBER,
  LUA_TSTRING,
  LUA_TTABLE,
  loadChunk,
  lua,
  newState,
  pushText,
  toBytes,
  toText,
} from './runtime.js';
import { formatScore } from '../../score-codec.js';

/** The script running now, if any (see the header). */
let active: ScriptRun | null = null;
/** The library being loaded by FUNCTION LOAD, if any: receives redis.register_function. */
let loading: ((L: number) => string | null) | null = null;

/** Raises a Redis error table from JS (never returns: lua_error unwinds through this frame). */
function raise(L: number, text: string): number {
  pushErrorTable(L, text);
  return lua()._lua_error(L);
}

function argvFromStack(L: number): Buffer[] | string {
  const m = lua();
  const argc = m._lua_gettop(L);
  if (argc === 0) return 'Please specify at least one argument for this redis lib call';
  const argv: Buffer[] = new Array(argc);
  for (let j = 1; j <= argc; j++) {
    const t = m._lua_type(L, j);
    let b: Buffer | null;
    if (t === LUA_TNUMBER) b = Buffer.from(numberArg(L, j), 'latin1');
    else b = t === LUA_TSTRING ? toBytes(L, j) : null;
    if (b === null) return 'Lua redis lib command arguments must be strings or integers';
    argv[j - 1] = b;
  }
  m._lua_settop(L, 0);
  return argv;
}

/** A number argument as Redis formats it (%.17g; Lua's own formatting loses precision). */
function numberArg(L: number, idx: number): string {
  const m = lua();
  if (m._lua_isinteger(L, idx) !== 0) return m._lua_tointegerx(L, idx, 0).toString();
  return formatScore(m._lua_tonumberx(L, idx, 0));
}

function genericCall(L: number, raiseError: boolean): number {
  const run = active;
  if (run === null) return raise(L, 'redis.call/pcall can only be called inside a script invocation');
  const argv = argvFromStack(L);
  if (typeof argv === 'string') {
    lua()._lua_settop(L, 0);
    if (raiseError) return raise(L, argv);
    pushErrorTable(L, argv);
    return 1;
  }
  let reply: Reply;
  try {
    reply = scriptCall(run, argv);
  } catch (e) {
    if (e instanceof RangeError) reply = new ErrorReply('ERR reached lua stack limit');
    else throw e;
  }
  if (reply instanceof ErrorReply) {
    if (raiseError) return raise(L, `-${reply.message}`);
    pushErrorTable(L, `-${reply.message}`);
    return 1;
  }
  pushReply(L, reply, run.resp);
  return 1;
}

function singleStringArg(L: number): Buffer | null {
  const m = lua();
  if (m._lua_gettop(L) !== 1 || m._lua_type(L, -1) !== LUA_TSTRING) return null;
  return toBytes(L, -1);
}

const REDIS_FUNCTIONS: Record<string, (L: number) => number> = {
  call: (L) => genericCall(L, true),
  pcall: (L) => genericCall(L, false),
  sha1hex: (L) => {
    const m = lua();
    if (m._lua_gettop(L) !== 1) return raise(L, 'wrong number of arguments');
    const s = toBytes(L, 1) ?? Buffer.alloc(0);
    pushText(L, createHash('sha1').update(s).digest('hex'));
    return 1;
  },
  error_reply: (L) => {
    const s = singleStringArg(L);
    if (s === null) {
      pushErrorTable(L, 'wrong number or type of arguments');
      return 1;
    }
    const text = s.toString('latin1');
    pushErrorTable(L, text.startsWith('-') ? text : `-${text}`);
    return 1;
  },
  status_reply: (L) => {
    const s = singleStringArg(L);
    if (s === null) {
      pushErrorTable(L, 'wrong number or type of arguments');
      return 1;
    }
    const m = lua();
    m._lua_createtable(L, 0, 1);
    m._lua_pushvalue(L, -2);
    m._lua_setfield(L, -2, cstr('ok'));
    return 1;
  },
  log: (L) => {
    const m = lua();
    const argc = m._lua_gettop(L);
    if (argc < 2) return raise(L, 'redis.log() requires two arguments or more.');
    if (m._lua_type(L, 1) !== LUA_TNUMBER && m._lua_isstring(L, 1) === 0)
      return raise(L, 'First argument must be a number (log level).');
    const level = m._lua_tonumberx(L, 1, 0);
    if (!(level >= 0 && level <= 3)) return raise(L, 'Invalid debug level.');
    // The server's log is pino's; script log lines are not forwarded to it (yet).
    return 0;
  },
  setresp: (L) => {
    const m = lua();
    const run = active;
    if (run === null) return raise(L, 'redis.setresp can only be called inside a script invocation');
    if (m._lua_gettop(L) !== 1) return raise(L, 'redis.setresp() requires one argument.');
    const resp = Math.trunc(m._lua_tonumberx(L, -1, 0));
    if (resp !== 2 && resp !== 3) return raise(L, 'RESP version must be 2 or 3.');
    run.resp = resp;
    return 0;
  },
  set_repl: (L) => {
    const m = lua();
    if (active === null) return raise(L, 'redis.set_repl can only be called inside a script invocation');
    if (m._lua_gettop(L) !== 1) return raise(L, 'redis.set_repl() requires two arguments.');
    const flags = Math.trunc(m._lua_tonumberx(L, -1, 0));
    if ((flags & ~3) !== 0) {
      return raise(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    }
    // Replicas run the script itself (log of commands, not of effects): nothing to switch off.
    return 0;
  },
  replicate_commands: (L) => {
    lua()._lua_pushboolean(L, 1);
    return 1;
  },
  breakpoint: (L) => {
    lua()._lua_pushboolean(L, 0);
    return 1;
  },
  debug: () => 0,
  acl_check_cmd: (L) => {
    if (active === null) return raise(L, 'redis.acl_check_cmd can only be called inside a script invocation');
    const argv = argvFromStack(L);
    if (typeof argv === 'string') return raise(L, argv);
    const known = scriptCallable(argv);
    if (!known) return raise(L, 'Invalid command passed to redis.acl_check_cmd()');
    lua()._lua_pushboolean(L, 1);
    return 1;
  },
};

/** Set by the command layer: whether argv names a command (acl_check_cmd). */
let scriptCallable: (argv: Buffer[]) => boolean = () => true;
export function setCommandChecker(check: (argv: Buffer[]) => boolean): void {
  scriptCallable = check;
}

function random(L: number): number {
  const m = lua();
  const run = active;
  if (run === null) return raise(L, 'math.random can only be called inside a script invocation');
  const r = run.seeded !== undefined ? run.seeded.nextUnit() : run.random.nextU32() / 0x1_0000_0000;
  const argc = m._lua_gettop(L);
  if (argc === 0) m._lua_pushnumber(L, r);
  else if (argc <= 2) {
    const lo = argc === 1 ? 1 : Math.trunc(m._lua_tonumberx(L, 1, 0));
    const hi = Math.trunc(m._lua_tonumberx(L, argc, 0));
    if (lo > hi) return raise(L, `bad argument #${argc} to 'random' (interval is empty)`);
    m._lua_pushinteger(L, BigInt(Math.floor(r * (hi - lo + 1)) + lo));
  } else return raise(L, 'wrong number of arguments');
  return 1;
}

/** math.randomseed(n): the script's later math.random draws are Redis's for that seed (the
 * seed comes from the script, so every replica draws the same). */
function randomseed(L: number): number {
  const run = active;
  if (run === null) return raise(L, 'math.randomseed can only be called inside a script invocation');
  run.seeded = new Rand48(checkInteger(L, 1, 'randomseed'));
  return 0;
}

let functionsIndex: Map<string, number> | null = null;

/** WASM function table entries of every JS function, created once. */
function jsFunctions(): Map<string, number> {
  if (functionsIndex !== null) return functionsIndex;
  const out = new Map<string, number>();
  for (const [name, fn] of Object.entries(REDIS_FUNCTIONS)) out.set(`redis.${name}`, cfunction(fn));
  out.set('random', cfunction(random));
  out.set('randomseed', cfunction(randomseed));
  out.set(
    'register_function',
    cfunction((L) => {
      if (loading === null)
        return raise(L, 'redis.register_function can only be called on FUNCTION LOAD command');
      const err = loading(L);
      return err === null ? 0 : raise(L, err);
    }),
  );
  functionsIndex = out;
  return out;
}

function pushFunctionTable(L: number, prefix: string): void {
  const m = lua();
  m._lua_createtable(L, 0, 8);
  for (const [name, idx] of jsFunctions()) {
    if (!name.startsWith(`${prefix}.`)) continue;
    m._lua_pushcclosure(L, idx, 0);
    m._lua_setfield(L, -2, cstr(name.slice(prefix.length + 1)));
  }
}

export interface Compiled {
  readonly ref: number;
}

/** lua_resume reported a yield of the script's coroutine (see ScriptVm.resume). */
export const YIELDED = Symbol('yielded');

/** The coroutine a script runs in, and the registry reference that keeps it alive. */
export interface ScriptThread {
  readonly T: number;
  readonly ref: number;
}

/** Receives every count hook (script-runner.ts): `L` is the thread the hook ran on. */
let onCountHook: (L: number, ar: number) => void = () => {};
export function setCountHookHandler(handler: (L: number, ar: number) => void): void {
  onCountHook = handler;
}

/** Instructions between two count hooks: the granularity of time slices and kills. */
export const HOOK_INSTRUCTIONS = 10_000;

let hookIndex = 0;
let nresultsCell = 0;

/**
 * FUNCTION LOAD runs library code with this many checkpoints at most, then fails with
 * "FUNCTION LOAD timeout" (Redis: 500 ms of wall time, which replicas would not agree on;
 * 20M instructions take 250-400 ms here).
 */
export const LOAD_CHECKPOINTS_MAX = 2000;
let loadCheckpoints = 0;
let loadTimedOut = false;

/** Counts library code; past the budget raises on every line, so pcall cannot swallow it. */
function loaderHook(L: number): void {
  if (!loadTimedOut && ++loadCheckpoints < LOAD_CHECKPOINTS_MAX) return;
  if (!loadTimedOut) {
    loadTimedOut = true;
    lua()._lua_sethook(L, countHook(), LUA_MASKCOUNT | LUA_MASKLINE, HOOK_INSTRUCTIONS);
  }
  pushErrorTable(L, 'FUNCTION LOAD timeout');
  lua()._lua_error(L);
}

function countHook(): number {
  if (hookIndex === 0) {
    hookIndex = lua().addFunction((L: number, ar: number): undefined => {
      if (loading !== null) loaderHook(L);
      else onCountHook(L, ar);
    }, 'vii');
  }
  return hookIndex;
}

export class ScriptVm {
  readonly L: number;
  private readonly envRef: number;
  private readonly handlerRef: number;
  private readonly loadSwitchRef: number;
  private readonly runnerRef: number;
  /** A coroutine that finished normally, kept for the next script (most scripts never yield). */
  private idle: ScriptThread | null = null;

  constructor() {
    const m = lua();
    const L = newState();
    this.L = L;
    m._luaL_openlibs(L);
    this.pushSetup();
    m._lua_setglobal(L, cstr('__seshat_setup'));
    const status = loadChunk(L, Buffer.from(PRELUDE), '=prelude');
    assert(status === LUA_OK, `prelude: ${toText(L, -1)}`);
    const called = m._lua_pcallk(L, 0, 4, 0, 0, 0);
    assert(called === LUA_OK, `prelude: ${toText(L, -1)}`);
    this.runnerRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.loadSwitchRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.handlerRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    this.envRef = m._luaL_ref(L, LUA_REGISTRYINDEX);
    // Threads created from L inherit its hook: every script and library loader is counted.
    m._lua_sethook(L, countHook(), LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
  }

  private pushSetup(): void {
    const m = lua();
    const L = this.L;
    m._lua_createtable(L, 0, 8);
    pushFunctionTable(L, 'redis');
    m._lua_setfield(L, -2, cstr('redis'));
    for (const name of ['random', 'randomseed', 'register_function']) {
      m._lua_pushcclosure(L, jsFunctions().get(name)!, 0);
      m._lua_setfield(L, -2, cstr(name));
    }
    for (const [name, push] of Object.entries(LIBRARIES)) {
      push(L);
      m._lua_setfield(L, -2, cstr(name));
    }
  }

  /** Compiles `code` as chunk `name`; the chunk sees the protected globals. Error text on failure. */
  compile(code: Uint8Array, name: string): Compiled | string {
    const m = lua();
    const L = this.L;
    if (loadChunk(L, code, name) !== LUA_OK) {
      const msg = toText(L, -1) ?? 'unknown error';
      m._lua_settop(L, 0);
      return msg;
    }
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.envRef));
    m._lua_setupvalue(L, -2, 1);
    return { ref: m._luaL_ref(L, LUA_REGISTRYINDEX) };
  }

  release(c: Compiled): void {
    lua()._luaL_unref(this.L, LUA_REGISTRYINDEX, c.ref);
  }

  /** A coroutine to run a script in. */
  takeThread(): ScriptThread {
    const t = this.idle;
    if (t !== null) {
      this.idle = null;
      return t;
    }
    const m = lua();
    const T = m._lua_newthread(this.L);
    return { T, ref: m._luaL_ref(this.L, LUA_REGISTRYINDEX) };
  }

  /** Returns a coroutine after its script ended; `reusable` when it finished normally. */
  giveBack(t: ScriptThread, reusable: boolean): void {
    const m = lua();
    m._lua_settop(t.T, 0);
    if (reusable && this.idle === null) {
      this.idle = t;
      return;
    }
    // A coroutine left suspended (a killed script) or broken: close what it holds and drop it.
    m._lua_resetthread(t.T);
    m._luaL_unref(this.L, LUA_REGISTRYINDEX, t.ref);
  }

  /**
   * Pushes the runner (xpcall with the error handler) and an EVAL script (KEYS and ARGV as
   * globals) or a function (its two arguments) onto `T`; returns the argument count to resume
   * it with.
   */
  pushCall(
    T: number,
    c: Compiled,
    keys: readonly Buffer[],
    args: readonly Buffer[],
    evalMode: boolean,
  ): number {
    const m = lua();
    m._lua_settop(T, 0);
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(this.runnerRef));
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(this.handlerRef));
    m._lua_rawgeti(T, LUA_REGISTRYINDEX, BigInt(c.ref));
    pushStrings(T, keys);
    if (evalMode) m._lua_setglobal(T, cstr('KEYS'));
    pushStrings(T, args);
    if (evalMode) m._lua_setglobal(T, cstr('ARGV'));
    return evalMode ? 2 : 4;
  }

  /**
   * Starts (nargs: what pushCall returned) or resumes (nargs 0) the script in `T` with `run`
   * as the running script of redis.call. YIELDED when it yielded; otherwise its reply (an
   * error reply for a script error).
   */
  resume(T: number, nargs: number, run: ScriptRun): Reply | typeof YIELDED {
    const m = lua();
    if (nresultsCell === 0) nresultsCell = m._malloc(4);
    assert(active === null, 'nested script');
    active = run;
    let status: number;
    try {
      status = m._lua_resume(T, this.L, nargs, nresultsCell);
    } finally {
      active = null;
    }
    if (status === LUA_YIELD) return YIELDED;
    if (status !== LUA_OK) {
      // Errors are caught by the runner's xpcall: only one in the handler itself gets here.
      const msg = m._lua_isstring(T, -1) !== 0 ? (toText(T, -1) ?? '') : 'execution failure';
      return new ErrorReply(`ERR Error running script ${run.name}, ${msg.slice(0, 100)}`);
    }
    // The runner returned (ok, value).
    const ok = m._lua_toboolean(T, 1) !== 0;
    if (!ok) return errorReply(T, run);
    return popReply(T, run.resp);
  }

  /**
   * Runs a library's code so that it registers its functions (`register` receives each
   * redis.register_function call with its arguments on the stack). Error text on failure.
   */
  runLoader(c: Compiled, register: (L: number) => string | null): string | null {
    const m = lua();
    const L = this.L;
    m._lua_settop(L, 0);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.loadSwitchRef));
    m._lua_pushboolean(L, 1);
    m._lua_callk(L, 1, 0, 0, 0);
    loading = register;
    loadCheckpoints = 0;
    resetLibraryState();
    try {
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(c.ref));
      if (m._lua_pcallk(L, 0, 0, 0, 0, 0) === LUA_OK) return null;
      return errorInfo(L).msg;
    } finally {
      loading = null;
      if (loadTimedOut) {
        loadTimedOut = false;
        m._lua_sethook(L, countHook(), LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
      }
      m._lua_settop(L, 0);
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.loadSwitchRef));
      m._lua_pushboolean(L, 0);
      m._lua_callk(L, 1, 0, 0, 0);
    }
  }

  close(): void {
    lua()._lua_close(this.L);
  }
}

function errorReply(T: number, run: ScriptRun): ErrorReply {
  const m = lua();
  if (m._lua_type(T, -1) !== LUA_TTABLE) {
    const msg = m._lua_isstring(T, -1) !== 0 ? (toText(T, -1) ?? '') : 'execution failure';
    return new ErrorReply(`ERR Error running script ${run.name}, ${msg.slice(0, 100)}`);
  }
  const info = errorInfo(T);
  let text = info.msg.startsWith('-') ? info.msg.slice(1) : info.msg;
  if (info.line !== null && info.source !== null) {
    text += ` script: ${run.name}, on ${info.source}:${info.line}.`;
  }
  return new ErrorReply(text);
}

function pushStrings(L: number, items: readonly Buffer[]): void {
  const m = lua();
  m._lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    pushReply(L, items[i]!, 2);
    m._lua_rawseti(L, -2, BigInt(i + 1));
  }
}
