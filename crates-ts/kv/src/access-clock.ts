/**
 * Per-key access times and access frequencies, for OBJECT IDLETIME / OBJECT FREQ and RESTORE's
 * IDLETIME / FREQ options (Redis 7.0 evict.c: the LRU clock and the LFU counter).
 *
 * Like Redis, this is each node's own bookkeeping, not replicated state: the node that serves a
 * read records it; every node records the writes it applies (at the entry's stamp). Which one
 * is kept depends on maxmemory-policy, as in Redis: an LFU policy keeps frequencies (OBJECT
 * IDLETIME then refuses), any other keeps access times (OBJECT FREQ refuses).
 *
 * Storage: a fixed table of ACCESS_SLOTS entries indexed by a hash of (db, key), not one entry
 * per key, so the cost is constant in memory (7 MB) and one hash and one store per access. Keys
 * that share a slot share their record: a key may then look more recently (or more frequently)
 * used than it was, never less; Redis's own figures are approximations as well. A slot never
 * written reads as "last accessed when this process started" (Redis sets the clock of objects
 * it loads at start).
 */
import { assert, type Random } from '@seshat/common';

/** Slots of the table (a power of two). */
export const ACCESS_SLOTS = 1 << 20;
/** Redis's LFU_INIT_VAL: the counter of a new key. */
export const LFU_INIT_VAL = 5;
/** lfu-log-factor and lfu-decay-time (minutes) at Redis's defaults. */
const LFU_LOG_FACTOR = 10;
const LFU_DECAY_MINUTES = 1;
const LFU_COUNTER_MAX = 255;
const MINUTES_MASK = 0xffff;

export class AccessClock {
  /** Last access, in seconds since the epoch (0: never recorded). */
  private readonly lastSeconds: Uint32Array;
  private readonly counter: Uint8Array;
  /** Minutes (mod 2^16) when the counter was last decremented, as Redis keeps them. */
  private readonly counterMinutes: Uint16Array;
  private readonly mask: number;
  /** True under an LFU maxmemory-policy (allkeys-lfu, volatile-lfu). */
  lfu = false;

  /**
   * `startMs`: when this process started (the access time of keys never accessed since).
   * `slots`: a power of two; fewer only where many state machines live in one process (the
   * cluster simulator: allocating 7 MB per instance dominated its run time).
   */
  constructor(
    private readonly startMs: number,
    slots = ACCESS_SLOTS,
  ) {
    assert(slots > 0 && (slots & (slots - 1)) === 0, 'access clock: slots must be a power of two');
    this.mask = slots - 1;
    this.lastSeconds = new Uint32Array(slots);
    this.counter = new Uint8Array(slots);
    this.counterMinutes = new Uint16Array(slots);
  }

  /** Records an access to `key` of `db` at `nowMs` (a read, or a write to an existing key). */
  touch(db: number, key: Buffer, nowMs: number, random: Random): void {
    this.touchSlot(this.slotOf(db, key), nowMs, random);
  }

  /** touch, for a meta key (slot, db, user key). */
  touchMeta(mk: Buffer, nowMs: number, random: Random): void {
    this.touchSlot(this.slotOfMetaKey(mk), nowMs, random);
  }

  private touchSlot(slot: number, nowMs: number, random: Random): void {
    if (!this.lfu) {
      this.lastSeconds[slot] = this.secondsOf(nowMs);
      return;
    }
    const minutes = minutesOf(nowMs);
    let c = this.decayed(slot, minutes);
    if (c < LFU_COUNTER_MAX) {
      // LFULogIncr: the more accesses, the less likely one more increments the counter.
      const base = Math.max(0, c - LFU_INIT_VAL);
      if (random.nextFloat() < 1 / (base * LFU_LOG_FACTOR + 1)) c++;
    }
    this.counter[slot] = c;
    this.counterMinutes[slot] = minutes;
  }

  /** Records the creation of the key `mk` (meta key): access time now, LFU counter at its start. */
  createdMeta(mk: Buffer, nowMs: number): void {
    const slot = this.slotOfMetaKey(mk);
    this.lastSeconds[slot] = this.secondsOf(nowMs);
    this.counter[slot] = LFU_INIT_VAL;
    this.counterMinutes[slot] = minutesOf(nowMs);
  }

  /** RESTORE ... IDLETIME: last accessed `idleSeconds` before `nowMs`. */
  setIdle(db: number, key: Buffer, nowMs: number, idleSeconds: number): void {
    this.lastSeconds[this.slotOf(db, key)] = this.secondsOf(nowMs - idleSeconds * 1000);
  }

  /** RESTORE ... FREQ: the counter set to `freq` now. */
  setFrequency(db: number, key: Buffer, nowMs: number, freq: number): void {
    const slot = this.slotOf(db, key);
    this.counter[slot] = freq;
    this.counterMinutes[slot] = minutesOf(nowMs);
  }

  /** OBJECT IDLETIME: whole seconds since the last recorded access. */
  idleSeconds(db: number, key: Buffer, nowMs: number): number {
    const s = this.lastSeconds[this.slotOf(db, key)]!;
    const last = s === 0 ? Math.floor(this.startMs / 1000) : s;
    return Math.max(0, Math.floor(nowMs / 1000) - last);
  }

  /** OBJECT FREQ: the counter after decay (LFUDecrAndReturn), without recording an access. */
  frequency(db: number, key: Buffer, nowMs: number): number {
    return this.decayed(this.slotOf(db, key), minutesOf(nowMs));
  }

  private decayed(slot: number, minutes: number): number {
    const elapsed = (minutes - this.counterMinutes[slot]! + MINUTES_MASK + 1) & MINUTES_MASK;
    const periods = Math.floor(elapsed / LFU_DECAY_MINUTES);
    return Math.max(0, this.counter[slot]! - periods);
  }

  private slotOf(db: number, key: Buffer): number {
    return slotFrom(db, key, 0) & this.mask;
  }

  /** The slot of a meta key (slot, db, user key), without slicing it. */
  private slotOfMetaKey(mk: Buffer): number {
    return slotFrom(mk[META_KEY_PREFIX_BYTES - 1]!, mk, META_KEY_PREFIX_BYTES) & this.mask;
  }

  /** Seconds since the epoch, at least 1 (0 means "never"), at most what 32 bits hold. */
  private secondsOf(ms: number): number {
    return Math.min(0xffffffff, Math.max(1, Math.floor(ms / 1000)));
  }
}

function minutesOf(ms: number): number {
  return Math.floor(ms / 60_000) & MINUTES_MASK;
}

/** Bytes before the user key in a meta key: slot(2) db(1). */
const META_KEY_PREFIX_BYTES = 3;

/** FNV-1a over the db byte and `bytes[start..]`, with murmur3's finalizer (slot: hash & mask). */
function slotFrom(db: number, bytes: Buffer, start: number): number {
  let h = Math.imul(0x811c9dc5 ^ db, 0x01000193);
  for (let i = start; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
