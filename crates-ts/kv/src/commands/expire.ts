/** Expiry commands (Redis 7.0 expire.c semantics). Deadlines are absolute ms since the epoch. */
import { type Reply, SeshatError } from '@seshat/common';
import { argIs, I64_MAX, I64_MIN, parseI64 } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { metaExpireAt, withExpireAt } from '../meta.js';

const G = 'generic';
const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

function parseExpireFlags(argv: Buffer[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const a = argv[j]!;
    if (argIs(a, 'nx')) flags |= NX;
    else if (argIs(a, 'xx')) flags |= XX;
    else if (argIs(a, 'gt')) flags |= GT;
    else if (argIs(a, 'lt')) flags |= LT;
    else throw new SeshatError('ERR', `Unsupported option ${a.toString('latin1')}`);
  }
  if (flags & NX && flags & (XX | GT | LT)) {
    throw new SeshatError('ERR', 'NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & GT && flags & LT)
    throw new SeshatError('ERR', 'GT and LT options at the same time are not compatible');
  return flags;
}

function expireGeneric(ctx: Ctx, argv: Buffer[], baseMs: number, seconds: boolean, name: string): Reply {
  const flags = parseExpireFlags(argv);
  let when = parseI64(argv[2]!);
  const invalid = () => new SeshatError('ERR', `invalid expire time in '${name}' command`);
  if (seconds) {
    if (when > I64_MAX / 1000n || when < I64_MIN / 1000n) throw invalid();
    when *= 1000n;
  }
  if (when > I64_MAX - BigInt(baseMs)) throw invalid();
  when += BigInt(baseMs);
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookup(mk);
  if (old === undefined) return 0;
  const cur = metaExpireAt(old); // 0 = no expiry (Redis: -1)
  const whenMs = when > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(when);
  if (flags & NX && cur !== 0) return 0;
  if (flags & XX && cur === 0) return 0;
  if (flags & GT && (cur === 0 || whenMs <= cur)) return 0;
  if (flags & LT && cur !== 0 && whenMs >= cur) return 0;
  if (whenMs <= ctx.nowMs) {
    ctx.deleteKey(mk, old);
    ctx.notify('g', 'del', argv[1]!);
    return 1;
  }
  ctx.putMeta(mk, withExpireAt(old, whenMs), old);
  ctx.notify('g', 'expire', argv[1]!);
  return 1;
}

function ttlGeneric(ctx: Ctx, argv: Buffer[], ms: boolean, absolute: boolean): Reply {
  const raw = ctx.lookup(metaKey(ctx.db, argv[1]!));
  if (raw === undefined) return -2;
  const exp = metaExpireAt(raw);
  if (exp === 0) return -1;
  let ttl = absolute ? exp : exp - ctx.nowMs;
  if (ttl < 0) ttl = 0;
  return ms ? ttl : Math.floor((ttl + 500) / 1000);
}

function persist(ctx: Ctx, argv: Buffer[]): Reply {
  const mk = metaKey(ctx.db, argv[1]!);
  const old = ctx.lookup(mk);
  if (old === undefined || metaExpireAt(old) === 0) return 0;
  ctx.putMeta(mk, withExpireAt(old, 0), old);
  ctx.notify('g', 'persist', argv[1]!);
  return 1;
}

const opts = 'O(1)';
defineCommand(
  {
    name: 'expire',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Sets the expiration time of a key in seconds.',
    since: '1.0.0',
    complexity: opts,
    exec: 'write',
  },
  (c, a) => expireGeneric(c, a, c.nowMs, true, 'expire'),
);
defineCommand(
  {
    name: 'pexpire',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Sets the expiration time of a key in milliseconds.',
    since: '2.6.0',
    complexity: opts,
    exec: 'write',
  },
  (c, a) => expireGeneric(c, a, c.nowMs, false, 'pexpire'),
);
defineCommand(
  {
    name: 'expireat',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Sets the expiration time of a key to a Unix timestamp.',
    since: '1.2.0',
    complexity: opts,
    exec: 'write',
  },
  (c, a) => expireGeneric(c, a, 0, true, 'expireat'),
);
defineCommand(
  {
    name: 'pexpireat',
    arity: -3,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Sets the expiration time of a key to a Unix milliseconds timestamp.',
    since: '2.6.0',
    complexity: opts,
    exec: 'write',
  },
  (c, a) => expireGeneric(c, a, 0, false, 'pexpireat'),
);
defineCommand(
  {
    name: 'ttl',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Returns the expiration time in seconds of a key.',
    since: '1.0.0',
    exec: 'read',
  },
  (c, a) => ttlGeneric(c, a, false, false),
);
defineCommand(
  {
    name: 'pttl',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Returns the expiration time in milliseconds of a key.',
    since: '2.6.0',
    exec: 'read',
  },
  (c, a) => ttlGeneric(c, a, true, false),
);
defineCommand(
  {
    name: 'expiretime',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Returns the expiration time of a key as a Unix timestamp.',
    since: '7.0.0',
    exec: 'read',
  },
  (c, a) => {
    const r = ttlGeneric(c, a, true, true) as number;
    return r < 0 ? r : Math.floor(r / 1000);
  },
);
defineCommand(
  {
    name: 'pexpiretime',
    arity: 2,
    flags: 'readonly fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Returns the expiration time of a key as a Unix milliseconds timestamp.',
    since: '7.0.0',
    exec: 'read',
  },
  (c, a) => ttlGeneric(c, a, true, true),
);
defineCommand(
  {
    name: 'persist',
    arity: 2,
    flags: 'write fast',
    keys: [1, 1, 1],
    group: G,
    summary: 'Removes the expiration time of a key.',
    since: '2.2.0',
    exec: 'write',
  },
  persist,
);
