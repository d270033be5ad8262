/**
 * SWAPDB's indirection: the database number a client SELECTs (logical) and the one folded into
 * its meta keys (physical) are related by a permutation of the 16 databases, identity until
 * the first SWAPDB. SWAPDB exchanges two entries of it, so it is O(1) whatever the databases
 * hold: records never move (a collection's elements are keyed by its meta key, so moving keys
 * between databases would copy every element). The permutation is replicated state: only
 * applying a SWAPDB entry changes it, and it is stored in the applied record, written in the
 * same batch as the applied index (and carried by Raft snapshots with it).
 *
 * Translation happens where database numbers cross the state machine's boundary: a command's
 * database (and MOVE/COPY's DB argument) becomes physical before it runs; keyspace events and
 * the changed-key lists that WATCH and blocked clients follow are reported with logical
 * numbers; INFO keyspace counts are looked up through it.
 */
import { assert, DATABASE_COUNT } from '@seshat/common';

/** Byte of a meta key holding its database number (after the 2-byte slot). */
const META_KEY_DB_OFFSET = 2;

export class DbMap {
  private readonly toPhysical = new Uint8Array(DATABASE_COUNT);
  private readonly toLogical = new Uint8Array(DATABASE_COUNT);
  /** True while no SWAPDB has taken effect: translation is skipped. */
  identity = true;

  constructor() {
    this.reset();
  }

  reset(): void {
    for (let i = 0; i < DATABASE_COUNT; i++) {
      this.toPhysical[i] = i;
      this.toLogical[i] = i;
    }
    this.identity = true;
  }

  /** The physical database of logical `db` (a number out of range is returned as is). */
  physical(db: number): number {
    return db >= 0 && db < DATABASE_COUNT ? this.toPhysical[db]! : db;
  }

  logical(db: number): number {
    return db >= 0 && db < DATABASE_COUNT ? this.toLogical[db]! : db;
  }

  /** A meta key with its physical database replaced by the logical one (a copy), or itself. */
  logicalKey(mk: Buffer): Buffer {
    if (this.identity) return mk;
    const db = this.toLogical[mk[META_KEY_DB_OFFSET]!]!;
    if (db === mk[META_KEY_DB_OFFSET]) return mk;
    const out = Buffer.from(mk);
    out[META_KEY_DB_OFFSET] = db;
    return out;
  }

  /** SWAPDB a b: the logical databases exchange their contents. */
  swap(a: number, b: number): void {
    assert(a >= 0 && a < DATABASE_COUNT && b >= 0 && b < DATABASE_COUNT, `swap of ${a} and ${b}`);
    const pa = this.toPhysical[a]!;
    const pb = this.toPhysical[b]!;
    this.toPhysical[a] = pb;
    this.toPhysical[b] = pa;
    this.toLogical[pb] = a;
    this.toLogical[pa] = b;
    this.identity = this.toPhysical.every((p, i) => p === i);
  }

  /** The stored form: the physical database of each logical one, one byte each. */
  encode(): Buffer {
    return Buffer.from(this.toPhysical);
  }

  /** Restores the stored form (absent: identity, as before any SWAPDB). */
  load(stored: Buffer | undefined): void {
    this.reset();
    if (stored === undefined) return;
    assert(stored.length === DATABASE_COUNT, `db map of ${stored.length} bytes`);
    const seen = new Set<number>();
    for (let i = 0; i < DATABASE_COUNT; i++) {
      const p = stored[i]!;
      assert(p < DATABASE_COUNT && !seen.has(p), 'db map is not a permutation');
      seen.add(p);
      this.toPhysical[i] = p;
      this.toLogical[p] = i;
    }
    this.identity = this.toPhysical.every((p, i) => p === i);
  }
}
