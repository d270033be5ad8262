/**
 * OBJECT IDLETIME and OBJECT FREQ (Redis 7.0 object.c), answered from this node's access clock
 * (access-clock.ts). Like Redis, an LFU maxmemory-policy keeps frequencies and refuses IDLETIME;
 * any other policy keeps access times and refuses FREQ. Neither subcommand is an access itself.
 */
import { type Reply, SeshatError } from '@seshat/common';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';

const SWITCHING_NOTE =
  'Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

export function objectIdletime(ctx: Ctx, argv: Buffer[]): Reply {
  const raw = ctx.lookup(metaKey(ctx.db, argv[2]!));
  if (raw === undefined) return null;
  const access = ctx.access;
  if (access === null) return 0;
  if (access.lfu) {
    throw new SeshatError(
      'ERR',
      `An LFU maxmemory policy is selected, idle time not tracked. ${SWITCHING_NOTE}`,
    );
  }
  return access.idleSeconds(ctx.db, argv[2]!, ctx.nowMs);
}

export function objectFreq(ctx: Ctx, argv: Buffer[]): Reply {
  const raw = ctx.lookup(metaKey(ctx.db, argv[2]!));
  if (raw === undefined) return null;
  const access = ctx.access;
  if (access === null || !access.lfu) {
    throw new SeshatError(
      'ERR',
      `An LFU maxmemory policy is not selected, access frequency not tracked. ${SWITCHING_NOTE}`,
    );
  }
  return access.frequency(ctx.db, argv[2]!, ctx.nowMs);
}

/** RESTORE's IDLETIME / FREQ (objectSetLRUOrLFU): whichever the policy keeps is set. */
export function restoreAccess(ctx: Ctx, key: Buffer, idleSeconds: bigint, freq: bigint): void {
  const access = ctx.access;
  if (access === null) return;
  if (access.lfu && freq >= 0n) access.setFrequency(ctx.db, key, ctx.nowMs, Number(freq));
  else if (!access.lfu && idleSeconds >= 0n) {
    const idle =
      idleSeconds > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(idleSeconds);
    access.setIdle(ctx.db, key, ctx.nowMs, idle);
  }
}
