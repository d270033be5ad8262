/**
 * WATCH against writes not applied yet. In cluster mode the leader proposes a write long
 * before it applies it, so a watched key can be modified by an entry that is already in the
 * log (ahead of the transaction EXEC would propose) but not yet applied: the watcher is not
 * dirty yet, and the transaction would run after a modification it never saw. EXEC therefore
 * also looks at the commands that will apply before it (Proposer.unappliedCommands) and treats
 * a write to a watched key among them as a modification, as Redis would: in log order it comes
 * after WATCH and before EXEC. The database counts: FLUSHDB touches the keys of its own database
 * only, SWAPDB those of its two, MOVE and COPY ... DB the key they name in each database they
 * write; FLUSHALL, and a write whose keys cannot be told from its arguments, touch every key.
 *
 * EXEC on a forwarding follower (WatchGuard): the follower's own state lags the leader, so
 * its transaction carries the watched meta keys and the applied index at the first WATCH.
 * That index was committed, so every write committed after WATCH has a higher index in the
 * log of any leader; the leader aborts the transaction when one of its commands after that
 * index (applied or not, queued included) touches a watched key, and proposes it otherwise
 * in the same turn, so nothing can come between the check and the transaction in log order.
 */
import {
  argIs,
  commandKeys,
  decodeEntry,
  type EntryCommand,
  INTERNAL_EXEC,
  INTERNAL_EXPIRE,
  INTERNAL_MIGRATE_DELETE,
  isInternalName,
  metaKey,
  parseExpireKey,
  resolveCommand,
  tryParseI64,
} from '@seshat/kv';
import { DATABASE_COUNT, ErrorReply, NULL_ARRAY, type Reply } from '@seshat/common';

/** Writes that change keys their key specs do not name in the command's database. */
type DbWideTouch = (c: EntryCommand, watched: ReadonlyMap<string, unknown>) => boolean;
const DB_WIDE = new Map<string, DbWideTouch>([
  ['flushall', (_c, watched) => watched.size > 0],
  ['flushdb', (c, watched) => watchesInDbs(watched, [c.db])],
  [
    'swapdb',
    (c, watched) => {
      const a = dbNumber(c.argv[1]!);
      const b = dbNumber(c.argv[2]!);
      return a === undefined || b === undefined || watchesInDbs(watched, [a, b]);
    },
  ],
  [
    'move',
    (c, watched) => {
      const to = dbNumber(c.argv[2]!);
      return to === undefined || watchesKey(watched, c.db, c.argv[1]!) || watchesKey(watched, to, c.argv[1]!);
    },
  ],
  [
    'copy',
    (c, watched) => {
      let to: number | undefined = c.db;
      for (let j = 3; j + 1 < c.argv.length; j++) if (argIs(c.argv[j]!, 'db')) to = dbNumber(c.argv[j + 1]!);
      return to === undefined || watchesKey(watched, to, c.argv[2]!);
    },
  ],
]);

/** A database number argument, or undefined when it is not one (the write then fails). */
function dbNumber(arg: Buffer): number | undefined {
  const v = tryParseI64(arg);
  return v === undefined || v < 0n || v >= BigInt(DATABASE_COUNT) ? undefined : Number(v);
}

function watchesKey(watched: ReadonlyMap<string, unknown>, db: number, key: Buffer): boolean {
  return watched.has(metaKey(db, key).toString('latin1'));
}

/** Whether a watched meta key (latin1: slot, db, key) is in one of `dbs`. */
function watchesInDbs(watched: ReadonlyMap<string, unknown>, dbs: readonly number[]): boolean {
  for (const k of watched.keys()) if (dbs.includes(k.charCodeAt(2))) return true;
  return false;
}

/** Whether one of `commands` may write a key of `watched` (meta keys in latin1). */
export function touchesWatched(
  commands: readonly EntryCommand[],
  watched: ReadonlyMap<string, unknown>,
): boolean {
  for (const c of commands) if (commandTouches(c, watched)) return true;
  return false;
}

function commandTouches(c: EntryCommand, watched: ReadonlyMap<string, unknown>): boolean {
  const name = c.argv[0]!;
  if (isInternalName(name)) {
    if (name.equals(INTERNAL_EXEC)) return touchesWatched(decodeEntry(c.argv[1]!).commands, watched);
    if (name.equals(INTERNAL_EXPIRE))
      return watched.has(parseExpireKey(c.argv[1]!).metaKey.toString('latin1'));
    if (name.equals(INTERNAL_MIGRATE_DELETE))
      return watched.has(metaKey(c.db, c.argv[1]!).toString('latin1'));
    return false; // background sweeps of deleted keys' elements change no live key
  }
  const spec = resolveCommand(c.argv);
  if (spec instanceof ErrorReply || !spec.flags.includes('write')) return false;
  const dbWide = DB_WIDE.get(spec.name);
  if (dbWide !== undefined) return dbWide(c, watched);
  const keys = commandKeys(spec, c.argv);
  if (keys.length === 0) return true;
  for (const k of keys) if (watched.has(metaKey(c.db, k).toString('latin1'))) return true;
  return false;
}

/** What a forwarded EXEC asks the leader to check (see the file comment). */
export interface WatchGuard {
  /** Watched meta keys (database folded in). */
  keys: Buffer[];
  /** A committed index at or before the first WATCH. */
  after: number;
}

/** The guard of `client`'s watched keys, or undefined when it watches nothing. */
export function watchGuardOf(client: {
  watched: ReadonlyMap<string, unknown> | null;
  watchAfter: number | null;
}): WatchGuard | undefined {
  if (client.watched === null || client.watchAfter === null) return undefined;
  const keys: Buffer[] = [];
  for (const k of client.watched.keys()) keys.push(Buffer.from(k, 'latin1'));
  return { keys, after: client.watchAfter };
}

/**
 * Whether a write after `guard.after` may have touched a watched key. `commandsAfter`
 * (GroupDriver.commandsAfter) lists them, or null when the log no longer holds them all
 * (compacted): then the answer is a conservative yes.
 */
export function guardBroken(
  guard: WatchGuard,
  commandsAfter: (index: number) => readonly EntryCommand[] | null,
): boolean {
  const commands = commandsAfter(guard.after);
  if (commands === null) return true;
  const watched = new Map<string, true>();
  for (const k of guard.keys) watched.set(k.toString('latin1'), true);
  return touchesWatched(commands, watched);
}

/**
 * The check made when a transaction is proposed: a null array (EXEC aborted) if `guard` is
 * broken, else null (go on). No guard: always null.
 */
export function guardCheck(
  guard: WatchGuard | undefined,
  commandsAfter: (index: number) => readonly EntryCommand[] | null,
): () => Reply | null {
  return () => (guard !== undefined && guardBroken(guard, commandsAfter) ? NULL_ARRAY : null);
}
