/**
 * Where an incoming Raft snapshot image is spooled to disk while it arrives (when it is larger
 * than the transport's memory bound): `<data dir>/snapshot-spool`. Inside the data dir, which
 * this process holds locked, any file found there at start was left by a process that died
 * mid-transfer (kill -9), so it is removed; in the system temp dir such files stayed forever.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const SNAPSHOT_SPOOL_SUBDIR = 'snapshot-spool';

/** Creates the spool dir under `dataDir`, empties it, and returns its path and what it removed. */
export function prepareSnapshotSpool(dataDir: string): { dir: string; removed: number } {
  const dir = join(dataDir, SNAPSHOT_SPOOL_SUBDIR);
  mkdirSync(dir, { recursive: true });
  let removed = 0;
  for (const name of readdirSync(dir)) {
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return { dir, removed };
}
