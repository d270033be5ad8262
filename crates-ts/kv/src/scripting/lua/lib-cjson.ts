/**
 * The `cjson` library as Redis 7.0 bundles it (lua-cjson 2.1.0), written here in TS over the
 * Lua API: encode / decode, the configuration functions, cjson.null and cjson.new().
 *
 * Encoding (Redis's quirks kept): numbers with `%.14g` (encode_number_precision 1..14); NaN and
 * Inf refused unless encode_invalid_numbers ("on": `inf`/`nan` written, "null"); `/` escaped
 * as `\/`, control characters and DEL as `\u00XX` (`\b \t \n \f \r` short), other bytes
 * as they are; a table is an array when every key is a positive integer, holes as `null`,
 * unless it is excessively sparse (encode_sparse_array: by default an error when the largest
 * index is over 10 and over twice the element count); an empty table is `{}`; object keys
 * are strings or numbers (`"1"`); nesting beyond encode_max_depth (1000) is an error.
 * Object members come in this Lua's table order (Lua 5.4's, which may differ from Redis's
 * Lua 5.1 for tables with several keys).
 * Decoding follows cjson's tokenizer: strtod numbers (so `+1`, `0x10`, `inf`, `nan`, `01`
 * pass while decode_invalid_numbers is on, the default), JSON null as cjson.null, a NUL byte
 * ends the text, nesting beyond decode_max_depth is an error, and cjson's error texts
 * ("Expected value but found invalid token at character 1").
 *
 * The configuration is per module table (cjson.new() makes another), and is reset to the
 * defaults before every script (Redis keeps it in its Lua state until SCRIPT FLUSH; here
 * replicas must not depend on what node-local scripts changed).
 */
import {
  cstr,
  LUA_TBOOLEAN,
  LUA_TLIGHTUSERDATA,
  LUA_TNIL,
  LUA_TNUMBER,
  LUA_TSTRING,
  LUA_TTABLE,
  lua,
  pushBytes,
  toBytes,
} from './runtime.js';
import {
  argError,
  checkBytes,
  checkInteger,
  fail,
  type LuaFunction,
  setFunctions,
  setStringField,
  typeNameAt,
  UPVALUE_1,
} from './lib-support.js';
import { decodeJson } from './lib-cjson-decode.js';
import { formatG } from './number-format.js';

interface JsonConfig {
  sparseConvert: boolean;
  sparseRatio: number;
  sparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  /** 0 off (error), 1 on (inf/nan), 2 null. */
  encodeInvalid: number;
  decodeInvalid: boolean;
  precision: number;
  keepBuffer: boolean;
}

const DEFAULTS: JsonConfig = {
  sparseConvert: false,
  sparseRatio: 2,
  sparseSafe: 10,
  encodeMaxDepth: 1000,
  decodeMaxDepth: 1000,
  encodeInvalid: 0,
  decodeInvalid: true,
  precision: 14,
  keepBuffer: true,
};

const INT_MAX = 2147483647;

/** Changed configurations by the address of their module's config table (the upvalue). */
const configs = new Map<number, JsonConfig>();

/** Back to the defaults for every cjson table (before each script: see the header). */
export function resetJsonConfigs(): void {
  if (configs.size > 0) configs.clear();
}

function configOf(L: number): JsonConfig {
  return configs.get(lua()._lua_topointer(L, UPVALUE_1)) ?? DEFAULTS;
}

function writableConfig(L: number): JsonConfig {
  const p = lua()._lua_topointer(L, UPVALUE_1);
  let c = configs.get(p);
  if (c === undefined) {
    c = { ...DEFAULTS };
    configs.set(p, c);
  }
  return c;
}

// ---- encoding --------------------------------------------------------------------------

/** cjson's escapes for the bytes that need one (char2escape). */
const ESCAPES: (string | null)[] = new Array(256).fill(null);
for (let c = 0; c < 0x20; c++) ESCAPES[c] = `\\u${c.toString(16).padStart(4, '0')}`;
ESCAPES[8] = '\\b';
ESCAPES[9] = '\\t';
ESCAPES[10] = '\\n';
ESCAPES[12] = '\\f';
ESCAPES[13] = '\\r';
ESCAPES[0x22] = '\\"';
ESCAPES[0x2f] = '\\/';
ESCAPES[0x5c] = '\\\\';
ESCAPES[0x7f] = '\\u007f';

class Out {
  readonly parts: Buffer[] = [];
  text(s: string): void {
    this.parts.push(Buffer.from(s, 'latin1'));
  }
  bytes(b: Buffer): void {
    this.parts.push(b);
  }
}

function encodeError(L: number, idx: number, reason: string): never {
  return fail(L, `Cannot serialise ${typeNameAt(L, lua()._lua_gettop(L) + 1 + idx)}: ${reason}`);
}

function appendString(out: Out, s: Buffer): void {
  out.text('"');
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const esc = ESCAPES[s[i]!];
    if (esc === null) continue;
    if (i > start) out.bytes(s.subarray(start, i));
    out.text(esc!);
    start = i + 1;
  }
  if (start < s.length) out.bytes(s.subarray(start));
  out.text('"');
}

function appendNumber(L: number, cfg: JsonConfig, out: Out, idx: number): void {
  const n = lua()._lua_tonumberx(L, idx, 0);
  if (!Number.isFinite(n)) {
    if (cfg.encodeInvalid === 0) encodeError(L, idx, 'must not be NaN or Inf');
    if (cfg.encodeInvalid === 2 || Number.isNaN(n)) {
      out.text(cfg.encodeInvalid === 2 ? 'null' : 'nan');
      return;
    }
  }
  out.text(formatG(n, cfg.precision));
}

/** The array length of the table at the top, or -1 for an object (lua_array_length). */
function arrayLength(L: number, cfg: JsonConfig): number {
  const m = lua();
  let max = 0;
  let items = 0;
  m._lua_pushnil(L);
  while (m._lua_next(L, -2) !== 0) {
    const k = m._lua_type(L, -2) === LUA_TNUMBER ? m._lua_tonumberx(L, -2, 0) : 0;
    if (k !== 0 && Math.floor(k) === k && k >= 1) {
      if (k > max) max = k;
      items++;
      m._lua_settop(L, -2);
      continue;
    }
    m._lua_settop(L, -3);
    return -1;
  }
  if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
    if (!cfg.sparseConvert) encodeError(L, -1, 'excessively sparse array');
    return -1;
  }
  return max;
}

function appendTable(L: number, cfg: JsonConfig, depth: number, out: Out): void {
  const m = lua();
  if (depth > cfg.encodeMaxDepth || m._lua_checkstack(L, 3) === 0) {
    fail(L, `Cannot serialise, excessive nesting (${depth})`);
  }
  const len = arrayLength(L, cfg);
  if (len > 0) {
    out.text('[');
    for (let i = 1; i <= len; i++) {
      if (i > 1) out.text(',');
      m._lua_rawgeti(L, -1, BigInt(i));
      appendData(L, cfg, depth, out);
      m._lua_settop(L, -2);
    }
    out.text(']');
    return;
  }
  out.text('{');
  let comma = false;
  m._lua_pushnil(L);
  while (m._lua_next(L, -2) !== 0) {
    if (comma) out.text(',');
    comma = true;
    const kt = m._lua_type(L, -2);
    if (kt === LUA_TNUMBER) {
      out.text('"');
      appendNumber(L, cfg, out, -2);
      out.text('":');
    } else if (kt === LUA_TSTRING) {
      appendString(out, toBytes(L, -2)!);
      out.text(':');
    } else encodeError(L, -2, 'table key must be a number or string');
    appendData(L, cfg, depth, out);
    m._lua_settop(L, -2);
  }
  out.text('}');
}

/** Appends the value at the top (json_append_data). */
function appendData(L: number, cfg: JsonConfig, depth: number, out: Out): void {
  const m = lua();
  const t = m._lua_type(L, -1);
  if (t === LUA_TSTRING) appendString(out, toBytes(L, -1)!);
  else if (t === LUA_TNUMBER) appendNumber(L, cfg, out, -1);
  else if (t === LUA_TBOOLEAN) out.text(m._lua_toboolean(L, -1) !== 0 ? 'true' : 'false');
  else if (t === LUA_TTABLE) appendTable(L, cfg, depth + 1, out);
  else if (t === LUA_TNIL || (t === LUA_TLIGHTUSERDATA && m._lua_touserdata(L, -1) === 0)) out.text('null');
  else encodeError(L, -1, 'type not supported');
}

function decode(L: number): number {
  const cfg = configOf(L);
  if (lua()._lua_gettop(L) !== 1) argError(L, 1, 'decode', 'expected 1 argument');
  decodeJson(L, checkBytes(L, 1, 'decode'), cfg.decodeMaxDepth, cfg.decodeInvalid);
  return 1;
}

function encode(L: number): number {
  const cfg = configOf(L);
  if (lua()._lua_gettop(L) !== 1) argError(L, 1, 'encode', 'expected 1 argument');
  const out = new Out();
  appendData(L, cfg, 0, out);
  pushBytes(L, Buffer.concat(out.parts));
  return 1;
}

// ---- configuration ---------------------------------------------------------------------

/** json_arg_init: at most `args` arguments, padded with nils (results go above them). */
function argsAtMost(L: number, args: number, fname: string): void {
  const m = lua();
  if (m._lua_gettop(L) > args) argError(L, args + 1, fname, 'found too many arguments');
  while (m._lua_gettop(L) < args) m._lua_pushnil(L);
}

/** json_integer_option: sets from argument `idx` unless nil; pushes the current value. */
function integerOption(
  L: number,
  idx: number,
  fname: string,
  min: number,
  max: number,
  get: () => number,
  set: (v: number) => void,
): void {
  if (lua()._lua_type(L, idx) > LUA_TNIL) {
    const v = checkInteger(L, idx, fname);
    // cjson checks the range against argument #1 whatever the option's position.
    if (v < min || v > max) argError(L, 1, fname, `expected integer between ${min} and ${max}`);
    set(v);
  }
  lua()._lua_pushinteger(L, BigInt(get()));
}

/** json_enum_option: a boolean or one of `options` (index = setting); pushes the setting. */
function enumOption(
  L: number,
  idx: number,
  fname: string,
  options: readonly string[],
  get: () => number,
  set: (v: number) => void,
): void {
  const m = lua();
  const t = m._lua_type(L, idx);
  if (t > LUA_TNIL) {
    if (t === LUA_TBOOLEAN) set(m._lua_toboolean(L, idx));
    else {
      const name = checkBytes(L, idx, fname).toString('latin1');
      const i = options.indexOf(name);
      if (i < 0) argError(L, idx, fname, `invalid option '${name}'`);
      set(i);
    }
  }
  const v = get();
  if (v === 0 || v === 1) m._lua_pushboolean(L, v);
  else pushBytes(L, Buffer.from(options[v]!, 'latin1'));
}

const ON_OFF = ['off', 'on'] as const;

function configFunction(name: string, args: number, body: (L: number, c: JsonConfig) => number): LuaFunction {
  return (L) => {
    argsAtMost(L, args, name);
    return body(L, writableConfig(L));
  };
}

const CONFIG_FUNCTIONS: Record<string, LuaFunction> = {
  encode_sparse_array: configFunction('encode_sparse_array', 3, (L, c) => {
    const f = 'encode_sparse_array';
    enumOption(
      L,
      1,
      f,
      ON_OFF,
      () => Number(c.sparseConvert),
      (v) => (c.sparseConvert = v !== 0),
    );
    integerOption(
      L,
      2,
      f,
      0,
      INT_MAX,
      () => c.sparseRatio,
      (v) => (c.sparseRatio = v),
    );
    integerOption(
      L,
      3,
      f,
      0,
      INT_MAX,
      () => c.sparseSafe,
      (v) => (c.sparseSafe = v),
    );
    return 3;
  }),
  encode_max_depth: configFunction('encode_max_depth', 1, (L, c) => {
    integerOption(
      L,
      1,
      'encode_max_depth',
      1,
      INT_MAX,
      () => c.encodeMaxDepth,
      (v) => (c.encodeMaxDepth = v),
    );
    return 1;
  }),
  decode_max_depth: configFunction('decode_max_depth', 1, (L, c) => {
    integerOption(
      L,
      1,
      'decode_max_depth',
      1,
      INT_MAX,
      () => c.decodeMaxDepth,
      (v) => (c.decodeMaxDepth = v),
    );
    return 1;
  }),
  encode_number_precision: configFunction('encode_number_precision', 1, (L, c) => {
    integerOption(
      L,
      1,
      'encode_number_precision',
      1,
      14,
      () => c.precision,
      (v) => (c.precision = v),
    );
    return 1;
  }),
  // The buffer is an allocation detail of the C library: only the setting is kept.
  encode_keep_buffer: configFunction('encode_keep_buffer', 1, (L, c) => {
    enumOption(
      L,
      1,
      'encode_keep_buffer',
      ON_OFF,
      () => Number(c.keepBuffer),
      (v) => (c.keepBuffer = v !== 0),
    );
    return 1;
  }),
  encode_invalid_numbers: configFunction('encode_invalid_numbers', 1, (L, c) => {
    const options = ['off', 'on', 'null'];
    enumOption(
      L,
      1,
      'encode_invalid_numbers',
      options,
      () => c.encodeInvalid,
      (v) => (c.encodeInvalid = v),
    );
    return 1;
  }),
  decode_invalid_numbers: configFunction('decode_invalid_numbers', 1, (L, c) => {
    enumOption(
      L,
      1,
      'decode_invalid_numbers',
      ON_OFF,
      () => Number(c.decodeInvalid),
      (v) => (c.decodeInvalid = v !== 0),
    );
    return 1;
  }),
};

// ---- the module ------------------------------------------------------------------------

function newModule(L: number): number {
  pushCjsonModule(L);
  return 1;
}

/** Pushes a cjson module table with a configuration of its own (luaopen_cjson, cjson.new). */
export function pushCjsonModule(L: number): void {
  const m = lua();
  m._lua_createtable(L, 0, 16);
  m._lua_createtable(L, 0, 0); // the configuration's identity: the closures' upvalue
  const config = m._lua_gettop(L);
  m._lua_pushvalue(L, config - 1);
  setFunctions(L, { encode, decode, new: newModule, ...CONFIG_FUNCTIONS }, config);
  m._lua_pushlightuserdata(L, 0);
  m._lua_setfield(L, -2, cstr('null'));
  setStringField(L, '_NAME', 'cjson');
  setStringField(L, '_VERSION', '2.1.0');
  m._lua_settop(L, -3); // the module's copy and the configuration: the module stays
}
