// Crash safety of snapshot install with real processes. A leader image (over 4 MiB, so
// the roll-forward copies in several batches) is installed by a child process into a
// follower database holding other data and an older log; the child SIGKILLs itself at one
// point of the install (mid-transfer, after verification, after the marker batch, after the
// range deletion, after a copy batch, before and after the final batch) or completes. The
// parent reopens, runs recoverSnapshotInstall, and requires all-old or all-new: image
// families + applied record equal the follower's old dump or the leader's dump, the Raft
// log's snapshot agrees with the applied index, KvStateMachine opens at that index, and no
// staging rows remain.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KvStateMachine } from '@seshat/kv';
import { EntryType } from '@seshat/raft';
import { openRocksStorage } from '@seshat/storage';
import t from 'tap';
import { ALL_SLOTS, recoverSnapshotInstall, RocksLogStorage, SnapshotImage } from '../src/index.js';
import { applyAll, dumpImage, GROUP, kvEntries, stagingRows } from './kv-fixtures.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const CHILD = path.join(here, 'fixtures/install-child.ts');
const CONF = { voters: [1, 2, 3], learners: [], removed: [] };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-install-crash-'));
t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));

// The leader: 12 entries with 512 KiB values, captured at applied 12, written as chunks.
const leaderDb = await openRocksStorage(path.join(root, 'leader'));
const leaderSm = new KvStateMachine(leaderDb, { groupId: GROUP });
const S = applyAll(leaderSm, kvEntries('new', 12, 1_000_000, 512 * 1024));
const image = SnapshotImage.capture(leaderDb, {
  groupId: GROUP,
  index: S,
  term: 4,
  confState: CONF,
  slotRanges: ALL_SLOTS,
});
const imageFile = path.join(root, 'image.bin');
const parts: Buffer[] = [];
for (const c of image.open(256 * 1024)) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(c.length);
  parts.push(len, c);
}
fs.writeFileSync(imageFile, Buffer.concat(parts));
image.release();
const NEW = dumpImage(leaderDb);
await leaderDb.close();

/** A follower database with other keys (applied 10) and a log bootstrapped at 1 up to 11. */
async function makeFollower(dir: string): Promise<string[]> {
  const db = await openRocksStorage(dir);
  const sm = new KvStateMachine(db, { groupId: GROUP });
  applyAll(sm, kvEntries('old', 10, 500_000));
  const log = new RocksLogStorage(db, { groupId: GROUP });
  const batch = db.batch();
  log.stage(batch);
  log.applySnapshot({ metadata: { index: 1, term: 1, confState: CONF }, data: Buffer.alloc(0) });
  const entries = [];
  for (let i = 2; i <= 11; i++)
    entries.push({ index: i, term: 1, type: EntryType.Normal, data: Buffer.from('x') });
  log.append(entries);
  log.setHardState({ term: 1, vote: 0, commit: 11 });
  db.write(batch, { sync: true });
  log.unstage();
  const old = dumpImage(db);
  await db.close();
  return old;
}

function runChild(dir: string, point: string): Promise<{ signal: string | null; out: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=seshat-src', '--import=tsx', CHILD, dir, imageFile, point],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ signal, out })));
}

const POINTS: [point: string, outcome: 'old' | 'new'][] = [
  ['receiving', 'old'],
  ['complete', 'old'],
  ['marker', 'new'],
  ['cleared', 'new'],
  ['copied-batch', 'new'],
  ['before-final', 'new'],
  ['after-final', 'new'],
  ['none', 'new'],
];

for (const [point, outcome] of POINTS) {
  t.test(`killed at ${point}: ${outcome} state after recovery`, async (t) => {
    const dir = path.join(root, `follower-${point}`);
    const OLD = await makeFollower(dir);
    const { signal, out } = await runChild(dir, point);
    if (point === 'none') t.equal(out, 'done\n', 'child completed');
    else t.equal(signal, 'SIGKILL', 'child died at the point');
    const db = await openRocksStorage(dir);
    t.teardown(() => db.close());
    const rec = recoverSnapshotInstall(db, GROUP);
    const rolls = ['marker', 'cleared', 'copied-batch', 'before-final'].includes(point);
    t.equal(
      rec.rolledForward,
      rolls ? S : null,
      `recovery ${rolls ? 'rolled forward' : 'had nothing to finish'}`,
    );
    t.same(dumpImage(db), outcome === 'new' ? NEW : OLD, `all-${outcome} data and applied record`);
    t.equal(stagingRows(db), 0, 'no staging rows left');
    const log = new RocksLogStorage(db, { groupId: GROUP });
    const sm = new KvStateMachine(db, { groupId: GROUP });
    t.equal(log.storedSnapshot().metadata.index, outcome === 'new' ? S : 1, 'Raft log agrees');
    t.equal(sm.appliedIndex, outcome === 'new' ? S : 10, 'state machine applied index');
    t.equal(
      log.firstIndex() - 1 <= sm.appliedIndex && sm.appliedIndex <= log.lastIndex(),
      true,
      'applied within the log',
    );
  });
}
