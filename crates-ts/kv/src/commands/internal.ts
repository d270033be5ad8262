/**
 * Internal write commands, proposed by the server itself and never accepted from clients
 * (their names contain a character the RESP parser never produces at the start of a client
 * command: they are only created here and only travel inside log entries).
 */
import type { Reply } from '@seshat/common';
import type { Ctx } from '../ctx.js';
import { metaKeyDb, metaKeyUserKey, parseExpireKey } from '../keys.js';
import { metaExpireAt } from '../meta.js';

/** Active expiry: argv = [INTERNAL_EXPIRE, expireIndexKey]. Deletes the key only if it still
 * carries that deadline and the deadline has passed at the entry's stamp. */
export const INTERNAL_EXPIRE = Buffer.from('\x00expire');

function expireKeyCommand(ctx: Ctx, argv: Buffer[]): Reply {
  const { expireAtMs, metaKey } = parseExpireKey(argv[1]!);
  const raw = ctx.store.get('meta', metaKey);
  if (raw === undefined || metaExpireAt(raw) !== expireAtMs || expireAtMs > ctx.nowMs) return 0;
  ctx.deleteKey(metaKey, raw);
  ctx.stats.expiredKeys++;
  ctx.notify('x', 'expired', metaKeyUserKey(metaKey), metaKeyDb(metaKey));
  return 1;
}

type InternalHandler = (ctx: Ctx, argv: Buffer[]) => Reply;

/** Internal commands defined by other modules (defineInternalCommand), by latin1 name. */
const registered = new Map<string, InternalHandler>();

/** Registers an internal command; its name must start with a zero byte (isInternalName). */
export function defineInternalCommand(name: Buffer, handler: InternalHandler): void {
  if (!isInternalName(name)) throw new Error('internal command names start with a zero byte');
  registered.set(name.toString('latin1'), handler);
}

export function internalCommand(name: Buffer): InternalHandler | undefined {
  if (name.length === 0 || name[0] !== 0) return undefined;
  if (name.equals(INTERNAL_EXPIRE)) return expireKeyCommand;
  return registered.get(name.toString('latin1'));
}

/** MULTI/EXEC: argv = [INTERNAL_EXEC, encodedCommands] (the command list codec of entry.ts).
 * Executed by the state machine as one unit inside one entry; replies form one array. */
export const INTERNAL_EXEC = Buffer.from('\x00exec');

/** True for a command name only the server may put in the log. */
export function isInternalName(name: Buffer): boolean {
  return name.length > 0 && name[0] === 0;
}
