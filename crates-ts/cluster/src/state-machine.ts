/**
 * What a Raft group's driver needs from the state machine it replicates, and nothing more:
 * the group driver (group-driver.ts) batches commands into entries, persists and replicates
 * them, and hands each committed entry to `apply` without knowing what the commands are.
 * `kv` implements it for Redis commands (KvStateMachine); SQL will implement it for tables.
 *
 * Entry kinds: the first byte of every normal entry's data names the state machine that
 * reads it, so that one group can carry several kinds (kv and sql commands in one log).
 * Kinds 1 and 2 are kv's entry formats as written since the first release, so existing logs
 * stay readable.
 */
import type { Reply, SlotRange } from '@seshat/common';
import type { WriteBatch } from '@seshat/storage';

export const EntryKind = {
  /** kv commands without write tags (kv/entry.ts format 1). */
  Kv: 1,
  /** kv commands with write tags (kv/entry.ts format 2). */
  KvTagged: 2,
  /** SQL statements (reserved for the sql package). */
  Sql: 16,
} as const;

/** The kind byte of an entry's data (0 for an empty entry: a leader's no-op). */
export function entryKind(data: Uint8Array): number {
  return data.length === 0 ? 0 : data[0]!;
}

/**
 * One client command as the driver batches it: a database number (or another namespace
 * byte), the arguments, and an optional write tag (retry detection, retry-table.ts). kv's
 * EntryCommand has this shape; a SQL statement will travel as its argv.
 */
export interface LogCommand {
  db: number;
  argv: Buffer[];
  tag?: number;
}

export interface StateMachineApplyOptions {
  /** Adds the driver's own records (membership, log state) to the entry's batch. */
  addToBatch?: (batch: WriteBatch) => void;
  /** Called after the batch is written for each command that carries a write tag. */
  onTagged?: (tag: number, reply: Reply) => void;
}

/**
 * What `applyYielding` / `resumeApply` return while an entry waits in a command that runs
 * across event-loop turns (a string, so that implementations need not import this package).
 */
export const APPLY_SUSPENDED = 'suspended';

/**
 * A replicated state machine over one group's log. `C` is one client command as the
 * proposer hands it in (kv: `{db, argv, tag}`).
 *
 * Contract: `apply` and `applyNoop` are called with consecutive indexes above
 * `appliedIndex`, each makes the entry's effects and the new applied index durable in ONE
 * storage batch (so state and applied index never diverge), and every replica applying the
 * same entries reaches the same bytes (time and chance come from the entry, never from the
 * local clock).
 */
export interface StateMachine<C> {
  /** The index of the last entry applied. */
  readonly appliedIndex: number;
  /** The highest leader stamp applied (ms); a leader stamps new entries at least this. */
  readonly lastStampMs: number;
  /** The data of one entry carrying `commands`, stamped by the leader. */
  encodeEntry(stampMs: number, seed: number, commands: readonly C[]): Buffer;
  /** The commands of an entry's data (WATCH looks at entries not applied yet). */
  commandsOf(data: Buffer): readonly C[];
  /** Applies an entry; one reply per command, or null if the entry was not ours to answer. */
  apply(index: number, data: Buffer, options?: StateMachineApplyOptions): Reply[] | null;
  /** Records `index` as applied for an entry without commands (no-op, membership change). */
  applyNoop(index: number, options?: StateMachineApplyOptions): void;
  /** Tells listeners which keys the last applied entries changed (WATCH, blocked clients). */
  reportTouched(): void;
  /** Reloads everything from storage (after a snapshot install replaced it). */
  reload(): void;
  /**
   * The slots whose rows make up this state machine's snapshot images (and that an install
   * replaces); default every slot. Several state machines share one storage over disjoint
   * ranges.
   */
  readonly slotRanges?: readonly SlotRange[];

  // Optional: commands that run across event-loop turns (kv's scripts past their time slice).
  /**
   * Like `apply`, but may return APPLY_SUSPENDED: nothing of the entry is written yet; the
   * driver calls `resumeApply` on later turns (same results), applies nothing else and serves
   * no read meanwhile, and shows the state machine every entry committed behind it
   * (`noteCommitted`, once each, in log order: kv reads kill decisions there).
   */
  applyYielding?(
    index: number,
    data: Buffer,
    options?: StateMachineApplyOptions,
  ): Reply[] | null | typeof APPLY_SUSPENDED;
  resumeApply?(): Reply[] | null | typeof APPLY_SUSPENDED;
  /** Drops the suspended entry unapplied (a snapshot install replaces the state). */
  abandonApply?(): void;
  noteCommitted?(index: number, data: Buffer): void;
  /** True while no entry may apply and no read may run (a command is suspended, a read's too). */
  readonly quiesced?: boolean;
  /** True while the suspended entry can only wait for later entries to commit. */
  readonly waitingForCommit?: boolean;
}
