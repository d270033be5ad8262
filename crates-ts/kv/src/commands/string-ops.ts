/** Shared string helpers: typed lookups, writes that keep or drop the TTL, expire options. */
import { ERR_NOT_INTEGER, SeshatError } from '@seshat/common';
import { argIs, I64_MAX, parseI64, syntaxError } from '../args.js';
import type { Ctx } from '../ctx.js';
import { encodeStringMeta, KeyType, metaExpireAt, stringValue } from '../meta.js';

/** The value of a string key, undefined if missing; WRONGTYPE for other types. */
export function readString(ctx: Ctx, mk: Buffer, countStats = true): Buffer | undefined {
  const raw = ctx.lookupTyped(mk, KeyType.String, countStats);
  return raw === undefined ? undefined : stringValue(raw);
}

/** Writes a string; `expireAtMs` -1 keeps the old deadline, 0 clears it. */
export function writeString(
  ctx: Ctx,
  mk: Buffer,
  value: Buffer,
  old: Buffer | undefined,
  expireAtMs: number,
  flags = 0,
): void {
  const exp = expireAtMs === -1 ? (old === undefined ? 0 : metaExpireAt(old)) : expireAtMs;
  ctx.putMeta(mk, encodeStringMeta(value, exp, flags), old);
}

export const OPT_NX = 1;
export const OPT_XX = 2;
export const OPT_GET = 4;
export const OPT_KEEPTTL = 8;
export const OPT_PERSIST = 16;
export const OPT_EX = 32;
export const OPT_PX = 64;
export const OPT_EXAT = 128;
export const OPT_PXAT = 256;
const ANY_EXPIRE = OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT;

export interface StringOptions {
  flags: number;
  expire: Buffer | null;
}

/** Redis parseExtendedStringArgumentsOrReply for SET (isSet) and GETEX (!isSet). */
export function parseStringOptions(argv: Buffer[], start: number, isSet: boolean): StringOptions {
  let flags = 0;
  let expire: Buffer | null = null;
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j]!;
    const hasNext = j < argv.length - 1;
    if (isSet && argIs(opt, 'nx') && !(flags & OPT_XX)) flags |= OPT_NX;
    else if (isSet && argIs(opt, 'xx') && !(flags & OPT_NX)) flags |= OPT_XX;
    else if (isSet && argIs(opt, 'get')) flags |= OPT_GET;
    else if (isSet && argIs(opt, 'keepttl') && !(flags & (OPT_PERSIST | ANY_EXPIRE))) flags |= OPT_KEEPTTL;
    else if (!isSet && argIs(opt, 'persist') && !(flags & (OPT_KEEPTTL | ANY_EXPIRE))) flags |= OPT_PERSIST;
    else {
      const unit = expireOption(opt);
      if (unit === 0 || !hasNext || flags & (OPT_KEEPTTL | OPT_PERSIST) || flags & (ANY_EXPIRE & ~unit)) {
        throw syntaxError();
      }
      flags |= unit;
      expire = argv[++j]!;
    }
  }
  return { flags, expire };
}

function expireOption(opt: Buffer): number {
  if (argIs(opt, 'ex')) return OPT_EX;
  if (argIs(opt, 'px')) return OPT_PX;
  if (argIs(opt, 'exat')) return OPT_EXAT;
  if (argIs(opt, 'pxat')) return OPT_PXAT;
  return 0;
}

/** Redis getExpireMillisecondsOrReply: absolute deadline in ms, with its exact errors. */
export function expireDeadline(ctx: Ctx, expire: Buffer, flags: number, command: string): number {
  const v = parseI64(expire);
  const seconds = (flags & (OPT_EX | OPT_EXAT)) !== 0;
  if (v <= 0n || (seconds && v > I64_MAX / 1000n)) throw invalidExpire(command);
  let ms = seconds ? v * 1000n : v;
  if (flags & (OPT_EX | OPT_PX)) ms += BigInt(ctx.nowMs);
  if (ms <= 0n || ms > I64_MAX) throw invalidExpire(command);
  // Deadlines beyond 2^53 ms (year 287,000) are clamped: they never fire either way.
  return ms > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ms);
}

export function invalidExpire(command: string): SeshatError {
  return new SeshatError('ERR', `invalid expire time in '${command}' command`);
}

export function notInteger(): SeshatError {
  return new SeshatError('ERR', ERR_NOT_INTEGER);
}

export function checkStringLength(ctx: Ctx, total: number): void {
  if (total > ctx.limits.stringMaxBytes) {
    throw new SeshatError('ERR', 'string exceeds maximum allowed size (proto-max-bulk-len)');
  }
}
