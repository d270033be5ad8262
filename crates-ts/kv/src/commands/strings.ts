/** String commands (Redis 7.0 t_string.c semantics). */
import { ERR_NOT_FLOAT, OK, type Reply, SeshatError, MapReply } from '@seshat/common';
import {
  addI64Checked,
  argIs,
  I64_MIN,
  parseI64,
  parseInt64AsNumber,
  syntaxError,
  tryParseI64,
} from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { FLAG_RAW, KeyType, metaExpireAt, metaType, stringValue } from '../meta.js';
import {
  addLongDouble,
  formatLongDoubleHuman,
  isFiniteLongDouble,
  LONG_DOUBLE_ZERO,
  type LongDouble,
  parseLongDouble,
} from '../long-double.js';
import {
  checkStringLength,
  expireDeadline,
  OPT_EXAT,
  OPT_GET,
  OPT_KEEPTTL,
  OPT_NX,
  OPT_PERSIST,
  OPT_PXAT,
  OPT_XX,
  parseStringOptions,
  readString,
  writeString,
} from './string-ops.js';

const S = 'string';
const W = 'write';

function get(ctx: Ctx, argv: Buffer[]): Reply {
  return readString(ctx, metaKey(ctx.db, argv[1]!)) ?? null;
}

/** SET and its relatives share Redis's setGenericCommand. */
function setGeneric(
  ctx: Ctx,
  key: Buffer,
  value: Buffer,
  flags: number,
  expire: Buffer | null,
  command: string,
  okReply: Reply,
  abortReply: Reply,
): Reply {
  const deadline = expire === null ? 0 : expireDeadline(ctx, expire, flags, command);
  const mk = metaKey(ctx.db, key);
  let getReply: Reply = null;
  if (flags & OPT_GET) getReply = readString(ctx, mk, false) ?? null;
  const old = ctx.lookupHead(mk);
  if ((flags & OPT_NX && old !== undefined) || (flags & OPT_XX && old === undefined)) {
    return flags & OPT_GET ? getReply : abortReply;
  }
  writeString(ctx, mk, value, old, flags & OPT_KEEPTTL ? -1 : deadline);
  ctx.notify('$', 'set', key);
  if (expire !== null) ctx.notify('g', 'expire', key);
  return flags & OPT_GET ? getReply : okReply;
}

function set(ctx: Ctx, argv: Buffer[]): Reply {
  const o = parseStringOptions(argv, 3, true);
  return setGeneric(ctx, argv[1]!, argv[2]!, o.flags, o.expire, 'set', OK, null);
}

const ONE = 1;
const ZERO = 0;

function setnx(ctx: Ctx, argv: Buffer[]): Reply {
  return setGeneric(ctx, argv[1]!, argv[2]!, OPT_NX, null, 'setnx', ONE, ZERO);
}

function setex(ctx: Ctx, argv: Buffer[]): Reply {
  return setGeneric(ctx, argv[1]!, argv[3]!, 32 /* EX */, argv[2]!, 'setex', OK, null);
}

function psetex(ctx: Ctx, argv: Buffer[]): Reply {
  return setGeneric(ctx, argv[1]!, argv[3]!, 64 /* PX */, argv[2]!, 'psetex', OK, null);
}

function getset(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookupTyped(mk, KeyType.String, false);
  writeString(ctx, mk, argv[2]!, old, 0);
  ctx.notify('$', 'set', argv[1]!);
  return old === undefined ? null : stringValue(old);
}

function getdel(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookupTyped(mk, KeyType.String);
  if (old === undefined) return null;
  ctx.deleteKey(mk, old);
  ctx.notify('g', 'del', argv[1]!);
  return stringValue(old);
}

function getex(ctx: Ctx, argv: Buffer[]): Reply {
  const o = parseStringOptions(argv, 2, false);
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookupTyped(mk, KeyType.String);
  if (old === undefined) return null;
  const value = stringValue(old);
  if (o.expire !== null) {
    const deadline = expireDeadline(ctx, o.expire, o.flags, 'getex');
    if (o.flags & (OPT_PXAT | OPT_EXAT) && deadline <= ctx.nowMs) {
      ctx.deleteKey(mk, old);
      ctx.notify('g', 'del', argv[1]!);
    } else {
      writeString(ctx, mk, value, old, deadline, old[1]!);
      ctx.notify('g', 'expire', argv[1]!);
    }
  } else if (o.flags & OPT_PERSIST && metaExpireAt(old) !== 0) {
    // Like Redis: only a TTL actually removed is a change (event, WATCH).
    writeString(ctx, mk, value, old, 0, old[1]!);
    ctx.notify('g', 'persist', argv[1]!);
  }
  return value;
}

function mget(ctx: Ctx, argv: Buffer[]): Reply {
  const out: Reply[] = new Array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const raw = ctx.lookupRead(metaKey(ctx.db, argv[i]!));
    out[i - 1] = raw !== undefined && metaType(raw) === KeyType.String ? stringValue(raw) : null;
  }
  return out;
}

function checkPairs(argv: Buffer[], name: string): void {
  if (argv.length % 2 === 0) throw new SeshatError('ERR', `wrong number of arguments for '${name}' command`);
}

function mset(ctx: Ctx, argv: Buffer[]): Reply {
  checkPairs(argv, 'mset');
  for (let i = 1; i < argv.length; i += 2) {
    const mk = metaKey(ctx.db, argv[i]!);
    writeString(ctx, mk, argv[i + 1]!, ctx.lookupHead(mk), 0);
    ctx.notify('$', 'set', argv[i]!);
  }
  return OK;
}

function msetnx(ctx: Ctx, argv: Buffer[]): Reply {
  checkPairs(argv, 'msetnx');
  for (let i = 1; i < argv.length; i += 2)
    if (ctx.lookupHead(metaKey(ctx.db, argv[i]!)) !== undefined) return 0;
  for (let i = 1; i < argv.length; i += 2) {
    const mk = metaKey(ctx.db, argv[i]!);
    writeString(ctx, mk, argv[i + 1]!, ctx.lookupHead(mk), 0);
    ctx.notify('$', 'set', argv[i]!);
  }
  return 1;
}

function append(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookupTyped(mk, KeyType.String, false);
  if (old === undefined) {
    writeString(ctx, mk, argv[2]!, undefined, 0);
    ctx.notify('$', 'append', argv[1]!);
    return argv[2]!.length;
  }
  const cur = stringValue(old);
  checkStringLength(ctx, cur.length + argv[2]!.length);
  const next = Buffer.concat([cur, argv[2]!]);
  writeString(ctx, mk, next, old, -1, FLAG_RAW);
  ctx.notify('$', 'append', argv[1]!);
  return next.length;
}

function strlen(ctx: Ctx, argv: Buffer[]): Reply {
  return readString(ctx, metaKey(ctx.db, argv[1]!))?.length ?? 0;
}

function getrange(ctx: Ctx, argv: Buffer[]): Reply {
  let start = parseInt64AsNumber(argv[2]!);
  let end = parseInt64AsNumber(argv[3]!);
  const value = readString(ctx, metaKey(ctx.db, argv[1]!));
  if (value === undefined) return EMPTY;
  const len = value.length;
  if (start < 0 && end < 0 && start > end) return EMPTY;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) return EMPTY;
  return value.subarray(start, end + 1);
}

const EMPTY = Buffer.alloc(0);

function setrange(ctx: Ctx, argv: Buffer[]): Reply {
  const offset = parseInt64AsNumber(argv[2]!);
  const value = argv[3]!;
  if (offset < 0) throw new SeshatError('ERR', 'offset is out of range');
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookupTyped(mk, KeyType.String, false);
  const cur = old === undefined ? EMPTY : stringValue(old);
  if (value.length === 0) return cur.length;
  checkStringLength(ctx, offset + value.length);
  const next = Buffer.alloc(Math.max(cur.length, offset + value.length));
  cur.copy(next);
  value.copy(next, offset);
  writeString(ctx, mk, next, old, -1, FLAG_RAW);
  ctx.notify('$', 'setrange', argv[1]!);
  return next.length;
}

function incrDecr(ctx: Ctx, key: Buffer, incr: bigint): Reply {
  const mk = metaKey(ctx.db, key);
  const old = ctx.lookupTyped(mk, KeyType.String, false);
  let value = 0n;
  if (old !== undefined) {
    const parsed = tryParseI64(stringValue(old));
    if (parsed === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
    value = parsed;
  }
  value = addI64Checked(value, incr);
  writeString(ctx, mk, Buffer.from(value.toString()), old, -1);
  ctx.notify('$', 'incrby', key);
  return value;
}

/**
 * Redis computes in 80-bit long double: both operands parsed with strtold (string2ld), added,
 * printed with "%.17Lf" minus trailing zeros; see long-double.ts for the exact emulation.
 */
function incrbyfloat(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookupTyped(mk, KeyType.String, false);
  let value: LongDouble = LONG_DOUBLE_ZERO;
  if (old !== undefined) {
    const parsed = parseLongDouble(stringValue(old));
    if (parsed === undefined) throw new SeshatError('ERR', ERR_NOT_FLOAT);
    value = parsed;
  }
  const incr = parseLongDouble(argv[2]!);
  if (incr === undefined) throw new SeshatError('ERR', ERR_NOT_FLOAT);
  value = addLongDouble(value, incr);
  if (!isFiniteLongDouble(value)) throw new SeshatError('ERR', 'increment would produce NaN or Infinity');
  const text = Buffer.from(formatLongDoubleHuman(value), 'latin1');
  writeString(ctx, mk, text, old, -1);
  ctx.notify('$', 'incrbyfloat', argv[1]!);
  return text;
}

function lcs(ctx: Ctx, argv: Buffer[]): Reply {
  const ra = ctx.lookupRead(metaKey(ctx.db, argv[1]!));
  const rb = ctx.lookupRead(metaKey(ctx.db, argv[2]!));
  if ((ra && metaType(ra) !== KeyType.String) || (rb && metaType(rb) !== KeyType.String)) {
    throw new SeshatError('ERR', 'The specified keys must contain string values');
  }
  const a = ra ? stringValue(ra) : EMPTY;
  const b = rb ? stringValue(rb) : EMPTY;
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    if (argIs(opt, 'idx')) getIdx = true;
    else if (argIs(opt, 'len')) getLen = true;
    else if (argIs(opt, 'withmatchlen')) withMatchLen = true;
    else if (argIs(opt, 'minmatchlen') && j < argv.length - 1) {
      minMatchLen = Math.max(0, parseInt64AsNumber(argv[++j]!));
    } else throw syntaxError();
  }
  if (getIdx && getLen)
    throw new SeshatError('ERR', 'If you want both the length and indexes, please just use IDX.');
  const tableBytes = (a.length + 1) * (b.length + 1) * 4;
  if (tableBytes > ctx.limits.stringMaxBytes) {
    throw new SeshatError('ERR', 'Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  return lcsReply(a, b, getIdx, getLen, withMatchLen, minMatchLen);
}

/** Classic dynamic-programming LCS, walked back from the end as Redis does to emit ranges. */
function lcsReply(
  a: Buffer,
  b: Buffer,
  getIdx: boolean,
  getLen: boolean,
  withLen: boolean,
  minLen: number,
): Reply {
  const w = b.length + 1;
  const t = new Uint32Array((a.length + 1) * w);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      t[i * w + j] =
        a[i - 1] === b[j - 1]
          ? t[(i - 1) * w + j - 1]! + 1
          : Math.max(t[(i - 1) * w + j]!, t[i * w + j - 1]!);
    }
  }
  const total = t[a.length * w + b.length]!;
  if (getLen && !getIdx) return total;
  const result = Buffer.alloc(total);
  const matches: Reply[] = [];
  let idx = total;
  let i = a.length;
  let j = b.length;
  let aStart = a.length; // a.length means "no range open"
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1]!;
      if (aStart === a.length) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (t[(i - 1) * w + j]! > t[i * w + j - 1]!) i--;
      else j--;
      if (aStart !== a.length) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minLen === 0 || matchLen >= minLen) {
        const m: Reply[] = [
          [aStart, aEnd],
          [bStart, bEnd],
        ];
        if (withLen) m.push(matchLen);
        matches.push(m);
      }
      aStart = a.length;
    }
  }
  if (getIdx) return new MapReply(['matches', matches, 'len', total]);
  return result;
}

defineCommand(
  {
    name: 'get',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns the string value of a key.',
    since: '1.0.0',
    exec: 'read',
  },
  get,
);
defineCommand(
  {
    name: 'set',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: S,
    summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.",
    since: '1.0.0',
    exec: W,
  },
  set,
);
defineCommand(
  {
    name: 'setnx',
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary: "Set the string value of a key only when the key doesn't exist.",
    since: '1.0.0',
    exec: W,
  },
  setnx,
);
defineCommand(
  {
    name: 'setex',
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: S,
    summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.",
    since: '2.0.0',
    exec: W,
  },
  setex,
);
defineCommand(
  {
    name: 'psetex',
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: S,
    summary:
      "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.",
    since: '2.6.0',
    exec: W,
  },
  psetex,
);
defineCommand(
  {
    name: 'getset',
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns the previous string value of a key after setting it to a new value.',
    since: '1.0.0',
    exec: W,
  },
  getset,
);
defineCommand(
  {
    name: 'getdel',
    arity: 2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns the string value of a key after deleting the key.',
    since: '6.2.0',
    exec: W,
  },
  getdel,
);
defineCommand(
  {
    name: 'getex',
    arity: -2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns the string value of a key after setting its expiration time.',
    since: '6.2.0',
    exec: W,
  },
  getex,
);
defineCommand(
  {
    name: 'mget',
    arity: -2,
    flags: 'readonly fast',
    keys: [1, -1, 1],
    group: S,
    summary: 'Atomically returns the string values of one or more keys.',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys to retrieve.',
    exec: 'read',
  },
  mget,
);
defineCommand(
  {
    name: 'mset',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 2],
    group: S,
    summary: 'Atomically creates or modifies the string values of one or more keys.',
    since: '1.0.1',
    complexity: 'O(N) where N is the number of keys to set.',
    exec: W,
  },
  mset,
);
defineCommand(
  {
    name: 'msetnx',
    arity: -3,
    flags: 'write denyoom',
    keys: [1, -1, 2],
    group: S,
    summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.",
    since: '1.0.1',
    complexity: 'O(N) where N is the number of keys to set.',
    exec: W,
  },
  msetnx,
);
defineCommand(
  {
    name: 'append',
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.",
    since: '2.0.0',
    exec: W,
  },
  append,
);
defineCommand(
  {
    name: 'strlen',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns the length of a string value.',
    since: '2.2.0',
    exec: 'read',
  },
  strlen,
);
defineCommand(
  {
    name: 'getrange',
    arity: 4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns a substring of the string stored at a key.',
    since: '2.4.0',
    complexity: 'O(N) where N is the length of the returned string.',
    exec: 'read',
  },
  getrange,
);
defineCommand(
  {
    name: 'substr',
    arity: 4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: S,
    summary: 'Returns a substring from a string value.',
    since: '1.0.0',
    complexity: 'O(N) where N is the length of the returned string.',
    exec: 'read',
  },
  getrange,
);
defineCommand(
  {
    name: 'setrange',
    arity: 4,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: S,
    summary:
      "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
    since: '2.2.0',
    exec: W,
  },
  setrange,
);
defineCommand(
  {
    name: 'incr',
    arity: 2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary:
      "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
    since: '1.0.0',
    exec: W,
  },
  (ctx, argv) => incrDecr(ctx, argv[1]!, 1n),
);
defineCommand(
  {
    name: 'decr',
    arity: 2,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary:
      "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.",
    since: '1.0.0',
    exec: W,
  },
  (ctx, argv) => incrDecr(ctx, argv[1]!, -1n),
);
defineCommand(
  {
    name: 'incrby',
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary:
      "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    since: '1.0.0',
    exec: W,
  },
  (ctx, argv) => incrDecr(ctx, argv[1]!, parseI64(argv[2]!)),
);
defineCommand(
  {
    name: 'decrby',
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary:
      "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.",
    since: '1.0.0',
    exec: W,
  },
  (ctx, argv) => {
    const by = parseI64(argv[2]!);
    if (by === I64_MIN) throw new SeshatError('ERR', 'decrement would overflow');
    return incrDecr(ctx, argv[1]!, -by);
  },
);
defineCommand(
  {
    name: 'incrbyfloat',
    arity: 3,
    flags: 'write denyoom fast',
    keys: [1, 1, 1],
    group: S,
    summary:
      "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
    since: '2.6.0',
    exec: W,
  },
  incrbyfloat,
);
defineCommand(
  {
    name: 'lcs',
    arity: -3,
    flags: 'readonly',
    keys: [1, 2, 1],
    group: S,
    summary: 'Finds the longest common substring.',
    since: '7.0.0',
    complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
    exec: 'read',
  },
  lcs,
);
