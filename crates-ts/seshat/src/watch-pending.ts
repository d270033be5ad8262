/**
 * WATCH against writes not applied yet. In cluster mode the leader proposes a write long
 * before it applies it, so a watched key can be modified by an entry that is already in the
 * log (ahead of the transaction EXEC would propose) but not yet applied: the watcher is not
 * dirty yet, and the transaction would run after a modification it never saw. EXEC therefore
 * also looks at the commands that will apply before it (Proposer.unappliedCommands) and treats
 * a write to a watched key among them as a modification, as Redis would: in log order it comes
 * after WATCH and before EXEC. A write whose keys cannot be told apart from the command alone
 * (FLUSHALL, SWAPDB, MOVE, COPY ... DB) counts as touching every key.
 */
import {
  commandKeys,
  decodeEntry,
  type EntryCommand,
  INTERNAL_EXEC,
  INTERNAL_EXPIRE,
  isInternalName,
  metaKey,
  parseExpireKey,
  resolveCommand,
} from '@seshat/kv';
import { ErrorReply } from '@seshat/common';

/** Writes that may change keys their argv does not name in this db. */
const TOUCH_ANY = new Set(['flushall', 'flushdb', 'swapdb', 'move', 'copy']);

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
    return false; // background sweeps of deleted keys' elements change no live key
  }
  const spec = resolveCommand(c.argv);
  if (spec instanceof ErrorReply || !spec.flags.includes('write')) return false;
  if (TOUCH_ANY.has(spec.name)) return true;
  const keys = commandKeys(spec, c.argv);
  if (keys.length === 0) return true;
  for (const k of keys) if (watched.has(metaKey(c.db, k).toString('latin1'))) return true;
  return false;
}
