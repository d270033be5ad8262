/**
 * Conversions between the reply model and Lua values, with Redis 7.0's rules (script_lua.c):
 * a command's reply becomes a Lua value as its RESP2 or RESP3 form would (the script chooses
 * with redis.setresp), and a script's return value becomes a reply.
 */
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  PairsReply,
  PushReply,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
} from '@seshat/common';
import { formatScore } from '../../score-codec.js';
import {
  cstr,
  LUA_TBOOLEAN,
  LUA_TNIL,
  LUA_TNUMBER,
  LUA_TSTRING,
  LUA_TTABLE,
  lua,
  pushBytes,
  pushText,
  toBytes,
  toText,
} from './runtime.js';

/** Nesting beyond which a returned table is refused (Redis: the Lua C stack limit). */
export const LUA_REPLY_DEPTH_MAX = 1000;

export type Resp = 2 | 3;

function setField(L: number, name: string): void {
  lua()._lua_setfield(L, -2, cstr(name));
}

/** Pushes Redis's error table {err = "CODE message"} for an error text ("-CODE msg" or "msg"). */
export function pushErrorTable(L: number, text: string): void {
  let code = 'ERR';
  let msg = text;
  if (text.startsWith('-')) {
    const sp = text.indexOf(' ');
    if (sp < 0) msg = text.slice(1);
    else {
      code = text.slice(1, sp);
      msg = text.slice(sp + 1);
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  lua()._lua_createtable(L, 0, 1);
  pushText(L, `${code} ${msg}`);
  setField(L, 'err');
}

function pushArray(L: number, items: readonly Reply[], resp: Resp): void {
  const m = lua();
  m._lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    pushReply(L, items[i]!, resp);
    m._lua_rawseti(L, -2, BigInt(i + 1));
  }
}

function pushWrapped(L: number, field: string, push: () => void): void {
  lua()._lua_createtable(L, 0, 1);
  push();
  setField(L, field);
}

function pushMap(L: number, items: readonly Reply[], resp: Resp): void {
  const m = lua();
  pushWrapped(L, 'map', () => {
    m._lua_createtable(L, 0, items.length / 2);
    for (let i = 0; i < items.length; i += 2) {
      pushReply(L, items[i]!, resp);
      pushReply(L, items[i + 1]!, resp);
      m._lua_rawset(L, -3);
    }
  });
}

function pushSet(L: number, items: readonly Reply[], resp: Resp): void {
  const m = lua();
  pushWrapped(L, 'set', () => {
    m._lua_createtable(L, 0, items.length);
    for (const item of items) {
      pushReply(L, item, resp);
      m._lua_pushboolean(L, 1);
      m._lua_rawset(L, -3);
    }
  });
}

function pushPairs(L: number, items: readonly Reply[], resp: Resp): void {
  if (resp === 2) {
    pushArray(L, items, resp);
    return;
  }
  const pairs: Reply[] = [];
  for (let i = 0; i < items.length; i += 2) pairs.push([items[i]!, items[i + 1]!]);
  pushArray(L, pairs, resp);
}

/** Pushes one command reply as the Lua value Redis gives a script. */
export function pushReply(L: number, r: Reply, resp: Resp): void {
  const m = lua();
  if (m._lua_checkstack(L, 4) === 0) throw new RangeError('lua stack exhausted');
  if (Buffer.isBuffer(r)) pushBytes(L, r);
  else if (typeof r === 'string') pushBytes(L, Buffer.from(r));
  else if (typeof r === 'number') {
    if (Number.isInteger(r)) m._lua_pushinteger(L, BigInt(r));
    else m._lua_pushnumber(L, r);
  } else if (typeof r === 'bigint') m._lua_pushinteger(L, r);
  else if (r === null || r instanceof NullArray) {
    if (resp === 2) m._lua_pushboolean(L, 0);
    else m._lua_pushnil(L);
  } else if (Array.isArray(r)) pushArray(L, r, resp);
  else if (r instanceof SimpleString) pushWrapped(L, 'ok', () => pushText(L, r.value));
  else if (r instanceof ErrorReply) pushErrorTable(L, `-${r.message}`);
  else if (r instanceof MapReply) {
    if (resp === 2) pushArray(L, r.items, resp);
    else pushMap(L, r.items, resp);
  } else if (r instanceof SetReply) {
    if (resp === 2) pushArray(L, r.items, resp);
    else pushSet(L, r.items, resp);
  } else if (r instanceof PairsReply) pushPairs(L, r.items, resp);
  else if (r instanceof DoubleReply) {
    if (resp === 2) pushText(L, formatScore(r.value));
    else pushWrapped(L, 'double', () => m._lua_pushnumber(L, r.value));
  } else if (r instanceof BoolReply) {
    if (resp === 2) m._lua_pushinteger(L, r.value ? 1n : 0n);
    else m._lua_pushboolean(L, r.value ? 1 : 0);
  } else if (r instanceof VerbatimReply) {
    if (resp === 2) pushBytes(L, Buffer.from(r.text));
    else
      pushWrapped(L, 'verbatim_string', () => {
        m._lua_createtable(L, 0, 2);
        pushBytes(L, Buffer.from(r.text));
        setField(L, 'string');
        pushText(L, r.format);
        setField(L, 'format');
      });
  } else if (r instanceof PushReply) pushArray(L, r.items, resp);
  else m._lua_pushnil(L);
}

/** The string field `name` of the table at `idx` (raw access), or null. */
function rawStringField(L: number, idx: number, name: string): Buffer | null {
  const m = lua();
  pushText(L, name);
  m._lua_rawget(L, idx < 0 ? idx - 1 : idx);
  const out = m._lua_type(L, -1) === LUA_TSTRING ? toBytes(L, -1) : null;
  m._lua_settop(L, -2);
  return out;
}

/** Reads the Lua value at the top as a reply and pops it (Redis's luaReplyToRedisReply). */
export function popReply(L: number, resp: Resp, depth = 0): Reply {
  const m = lua();
  const t = m._lua_type(L, -1);
  let out: Reply;
  if (t === LUA_TSTRING) out = toBytes(L, -1)!;
  else if (t === LUA_TBOOLEAN) {
    const b = m._lua_toboolean(L, -1) !== 0;
    if (resp === 2) out = b ? 1 : null;
    else out = b ? BoolReply.TRUE : BoolReply.FALSE;
  } else if (t === LUA_TNUMBER) out = luaNumberToInteger(L);
  else if (t === LUA_TTABLE) out = tableReply(L, resp, depth);
  else out = null;
  m._lua_settop(L, -2);
  return out;
}

/** (long long) of the number at the top, as Redis converts a Lua number (truncation). */
function luaNumberToInteger(L: number): Reply {
  const m = lua();
  if (m._lua_isinteger(L, -1) !== 0) return m._lua_tointegerx(L, -1, 0);
  const n = m._lua_tonumberx(L, -1, 0);
  if (!Number.isFinite(n)) return -(2n ** 63n);
  const tr = Math.trunc(n);
  return Number.isSafeInteger(tr) ? tr : BigInt(tr);
}

function tableReply(L: number, resp: Resp, depth: number): Reply {
  // The Lua API does not check stack room: without this, deep nesting writes past the stack.
  if (depth >= LUA_REPLY_DEPTH_MAX || lua()._lua_checkstack(L, 8) === 0) {
    return new ErrorReply('ERR reached lua stack limit');
  }
  const err = rawStringField(L, -1, 'err');
  if (err !== null) return errorFromTable(L);
  const ok = rawStringField(L, -1, 'ok');
  if (ok !== null) return new SimpleString(ok.toString('latin1').replace(/[\r\n]/g, ' '));
  const special = specialReply(L, resp, depth);
  if (special !== undefined) return special;
  const m = lua();
  const items: Reply[] = [];
  for (let j = 1; ; j++) {
    m._lua_rawgeti(L, -1, BigInt(j));
    if (m._lua_type(L, -1) === LUA_TNIL) {
      m._lua_settop(L, -2);
      break;
    }
    items.push(popReply(L, resp, depth + 1));
  }
  return items;
}

/** The table's double / big_number / verbatim_string / map / set form, if it has one. */
function specialReply(L: number, resp: Resp, depth: number): Reply | undefined {
  const m = lua();
  pushText(L, 'double');
  m._lua_rawget(L, -2);
  if (m._lua_type(L, -1) === LUA_TNUMBER) {
    const d = m._lua_tonumberx(L, -1, 0);
    m._lua_settop(L, -2);
    return new DoubleReply(d);
  }
  m._lua_settop(L, -2);
  const big = rawStringField(L, -1, 'big_number');
  if (big !== null) return big.toString('latin1').replace(/[\r\n]/g, ' ');
  const verbatim = verbatimReply(L);
  if (verbatim !== undefined) return verbatim;
  for (const kind of ['map', 'set'] as const) {
    pushText(L, kind);
    m._lua_rawget(L, -2);
    if (m._lua_type(L, -1) === LUA_TTABLE) {
      const items = collectPairs(L, resp, depth, kind === 'map');
      m._lua_settop(L, -2);
      return kind === 'map' ? new MapReply(items) : new SetReply(items);
    }
    m._lua_settop(L, -2);
  }
  return undefined;
}

function verbatimReply(L: number): Reply | undefined {
  const m = lua();
  pushText(L, 'verbatim_string');
  m._lua_rawget(L, -2);
  let out: Reply | undefined;
  if (m._lua_type(L, -1) === LUA_TTABLE) {
    const format = rawStringField(L, -1, 'format');
    const text = rawStringField(L, -1, 'string');
    if (format !== null && text !== null) out = new VerbatimReply(format.toString('latin1'), text.toString());
  }
  m._lua_settop(L, -2);
  return out;
}

/** Keys (and values, for a map) of the table at the top, in `next` order. */
function collectPairs(L: number, resp: Resp, depth: number, withValues: boolean): Reply[] {
  const m = lua();
  const items: Reply[] = [];
  m._lua_pushnil(L);
  while (m._lua_next(L, -2) !== 0) {
    if (withValues) {
      m._lua_pushvalue(L, -2);
      items.push(popReply(L, resp, depth + 1));
      items.push(popReply(L, resp, depth + 1));
    } else {
      m._lua_settop(L, -2);
      m._lua_pushvalue(L, -1);
      items.push(popReply(L, resp, depth + 1));
    }
  }
  return items;
}

/** Error information of an error object at the top (a table {err, source, line} or a string). */
export interface ErrorInfo {
  msg: string;
  source: string | null;
  line: string | null;
}

export function errorInfo(L: number): ErrorInfo {
  const m = lua();
  if (m._lua_type(L, -1) !== LUA_TTABLE) {
    return { msg: `ERR ${toText(L, -1) ?? ''}`, source: null, line: null };
  }
  const field = (name: string): string | null => {
    m._lua_getfield(L, -1, cstr(name));
    const v = m._lua_isstring(L, -1) !== 0 ? toText(L, -1) : null;
    m._lua_settop(L, -2);
    return v;
  };
  return { msg: field('err') ?? '', source: field('source'), line: field('line') };
}

function errorFromTable(L: number): ErrorReply {
  const info = errorInfo(L);
  return new ErrorReply(info.msg.startsWith('-') ? info.msg.slice(1) : info.msg);
}
