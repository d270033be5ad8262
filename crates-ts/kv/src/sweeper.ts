/**
 * Background reclamation of stale collection elements.
 *
 * Deleting or overwriting a collection only removes or replaces its meta record, so its
 * elements stay in `sub`/`zscore`/`stream` under the old version (see collection.ts). The sweeper walks
 * those column families from a remembered cursor on the node that proposes (reading applied
 * state), finds element keys whose collection is gone or has another version, and turns them
 * into INTERNAL_SWEEP log commands. At apply time every replica re-checks the prefix against
 * its applied meta record and deletes the keys only if they are still stale, so the decision
 * is deterministic (applied state, never a replica's clock or its own scan).
 *
 *   argv = [INTERNAL_SWEEP, cf ("sub" | "zscore" | "stream"), elementPrefix(mk, version), subkey...]
 *
 * A stale version can never become live again: versions are never reused (ctx.newVersion).
 */
import type { Reply, SlotRange } from '@seshat/common';
import type { ColumnFamily, Storage, StorageIterator } from '@seshat/storage';
import { elementKey, metaVersion, prefixEnd } from './collection.js';
import type { Ctx } from './ctx.js';
import { META_HEADER_BYTES } from './meta.js';
import { scopedIterator } from './slot-scope.js';

export const INTERNAL_SWEEP = Buffer.from('\x00sweep');

type SweptCf = 'sub' | 'zscore' | 'stream';
/** Column families holding collection elements, swept in this order. */
const SWEPT_CFS: readonly SweptCf[] = ['sub', 'zscore', 'stream'];
const CF_NAMES = SWEPT_CFS.map((cf) => Buffer.from(cf));
/** Rows read per iterator batch. */
const SWEEP_BATCH_ROWS = 256;
/** Bound on rows examined per call, as a multiple of the requested key count. */
const SWEEP_ROWS_PER_KEY = 8;
/** Bound on live collections skipped (one iterator seek each) per call. */
const SWEEP_SEEKS_MAX = 256;

/** Length of the element prefix (slot, keylen, key, version) at the start of `ek`. */
function prefixLength(ek: Buffer): number {
  return 6 + ek.readUInt32BE(2) + 8;
}

/** Splits an element prefix into its meta key and version. */
function parsePrefix(prefix: Buffer): { mk: Buffer; version: bigint } {
  const keyLen = prefix.readUInt32BE(2);
  const mk = Buffer.allocUnsafe(2 + keyLen);
  mk[0] = prefix[0]!;
  mk[1] = prefix[1]!;
  prefix.copy(mk, 2, 6, 6 + keyLen);
  return { mk, version: prefix.readBigUInt64BE(6 + keyLen) };
}

/** True if a meta record (or its absence) makes elements of `version` stale. Strings carry
 * version 0, which no collection ever has. */
function isStale(raw: Buffer | undefined, version: bigint): boolean {
  return raw === undefined || raw.length < META_HEADER_BYTES || metaVersion(raw) !== version;
}

/** Apply-time handler of INTERNAL_SWEEP: deletes the listed keys if still stale. */
export function sweepCommand(ctx: Ctx, argv: Buffer[]): Reply {
  const named = CF_NAMES.findIndex((n) => n.equals(argv[1]!));
  const cf: ColumnFamily = SWEPT_CFS[named < 0 ? 0 : named]!;
  const prefix = argv[2]!;
  const { mk, version } = parsePrefix(prefix);
  if (!isStale(ctx.store.get('meta', mk), version)) return 0;
  for (let i = 3; i < argv.length; i++) ctx.store.del(cf, elementKey(prefix, argv[i]!));
  return argv.length - 3;
}

export function internalSweepHandler(name: Buffer): ((ctx: Ctx, argv: Buffer[]) => Reply) | undefined {
  return name.length > 0 && name[0] === 0 && name.equals(INTERNAL_SWEEP) ? sweepCommand : undefined;
}

/** Finds stale elements in bounded steps, resuming where the previous call stopped. */
export class StaleElementSweeper {
  private cfIndex = 0;
  /** Resume strictly after this element key of SWEPT_CFS[cfIndex] (null: from the start). */
  private after: Buffer | null = null;
  /** Applied index when a full pass last found nothing; no new entries, no new garbage. */
  private cleanAtIndex = -1;
  private foundThisPass = false;

  constructor(
    private readonly storage: Storage,
    private readonly readMeta: (mk: Buffer) => Buffer | undefined,
    /** The slots to sweep (the state machine's, which loans may change between calls). */
    private readonly ranges: () => readonly SlotRange[],
  ) {}

  /** Up to `max` stale keys as INTERNAL_SWEEP commands (grouped by collection). */
  commands(max: number, appliedIndex: number): Buffer[][] {
    const out: Buffer[][] = [];
    if (max <= 0 || appliedIndex === this.cleanAtIndex) return out;
    const budget = { rows: max * SWEEP_ROWS_PER_KEY, seeks: SWEEP_SEEKS_MAX, keys: max };
    for (let cfsVisited = 0; cfsVisited <= SWEPT_CFS.length; cfsVisited++) {
      const finished = this.sweepCf(SWEPT_CFS[this.cfIndex]!, budget, out);
      if (!finished) return out;
      this.after = null;
      this.cfIndex = (this.cfIndex + 1) % SWEPT_CFS.length;
      if (this.cfIndex === 0) {
        if (!this.foundThisPass) this.cleanAtIndex = appliedIndex;
        this.foundThisPass = false;
        return out;
      }
    }
    return out;
  }

  /** Scans one column family from the cursor; true when it reached the end. */
  private sweepCf(
    cf: SweptCf,
    budget: { rows: number; seeks: number; keys: number },
    out: Buffer[][],
  ): boolean {
    const cfName = CF_NAMES[SWEPT_CFS.indexOf(cf)]!;
    const ranges = this.ranges();
    let it: StorageIterator = scopedIterator(this.storage, cf, ranges, this.after);
    let group: Buffer[] | null = null;
    let groupPrefix: Buffer | null = null;
    let live = false;
    try {
      for (;;) {
        const rows = it.nextBatch(SWEEP_BATCH_ROWS);
        if (rows.length === 0) return true;
        let reseek: Buffer | null = null;
        for (let i = 0; i < rows.length && reseek === null; i += 2) {
          const ek = rows[i]!;
          if (budget.rows-- <= 0 || budget.keys <= 0) return false;
          const plen = prefixLength(ek);
          if (
            groupPrefix === null ||
            groupPrefix.length !== plen ||
            ek.compare(groupPrefix, 0, plen, 0, plen) !== 0
          ) {
            groupPrefix = Buffer.from(ek.subarray(0, plen));
            const { mk, version } = parsePrefix(groupPrefix);
            live = !isStale(this.readMeta(mk), version);
            group = null;
          }
          if (live) {
            // Skip the rest of a live collection with one seek instead of reading it.
            if (budget.seeks-- <= 0) return false;
            reseek = prefixEnd(groupPrefix);
            if (reseek.length === 0) return true;
            this.after = ek;
            continue;
          }
          if (group === null) {
            group = [INTERNAL_SWEEP, cfName, groupPrefix];
            out.push(group);
            this.foundThisPass = true;
          }
          group.push(Buffer.from(ek.subarray(plen)));
          budget.keys--;
          this.after = ek;
        }
        if (reseek !== null) {
          it.close();
          it = scopedIterator(this.storage, cf, ranges, reseek, true);
          groupPrefix = null;
        }
      }
    } finally {
      it.close();
    }
  }
}
