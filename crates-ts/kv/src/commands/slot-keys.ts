/**
 * The keys of one hash slot in the context's database (CLUSTER COUNTKEYSINSLOT and
 * GETKEYSINSLOT). Meta keys start with the slot, so a slot is one contiguous range: the walk
 * starts at the slot's first key and stops at the next slot. Keys past their deadline are left
 * out, as every read here treats them as absent (Redis counts them until they are reclaimed).
 */
import type { Ctx } from '../ctx.js';
import { metaKeySlot, metaKeyUserKey } from '../keys.js';
import { forEachKey } from './keys.js';

/** Just before the slot's first meta key: forEachKey starts after it. */
function slotStart(slot: number): Buffer | null {
  return slot === 0 ? null : Buffer.from([(slot - 1) >>> 8, (slot - 1) & 0xff, 0xff, 0xff]);
}

/** Up to `max` live keys of `slot` in the context's database, in key order. */
export function keysInSlot(ctx: Ctx, slot: number, max: number): Buffer[] {
  const out: Buffer[] = [];
  if (max === 0) return out;
  forEachKey(ctx, slotStart(slot), (mk) => {
    if (metaKeySlot(mk) !== slot) return false;
    out.push(Buffer.from(metaKeyUserKey(mk)));
    return out.length < max;
  });
  return out;
}

/** How many live keys of `slot` the context's database holds. */
export function countKeysInSlot(ctx: Ctx, slot: number): number {
  let n = 0;
  forEachKey(ctx, slotStart(slot), (mk) => {
    if (metaKeySlot(mk) !== slot) return false;
    n++;
    return true;
  });
  return n;
}
