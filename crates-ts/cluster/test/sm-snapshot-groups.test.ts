// Snapshot images of one group among several on a shared RocksDB: group 1 serves slots
// 0-8191 (lent by group 0 through its log) and group 0 the rest, on the same storage. An image
// of group 1 captured over the state machine's own ranges (StateMachine.slotRanges, what the
// driver passes) carries only group 1's rows; installing it on a follower whose group 1 held
// other data replaces exactly those, leaves group 0's keys and digest as they were, and the
// follower's group 1 then has the leader's digest.
import { keyHashSlot, type SlotRange } from '@seshat/common';
import { KvStateMachine, lendCommand } from '@seshat/kv';
import t from 'tap';
import { decodeDescriptor, SnapshotImage, SnapshotInstaller } from '../src/index.js';
import { applyAll, GROUP, kvEntries } from './kv-fixtures.js';
import { openTempDb } from './single-voter.js';
import { encodeEntry } from '@seshat/kv';

const LOW: SlotRange[] = [[0, 8191]];

/** A hash tag whose slot is in [lo, hi]: every key `{tag}...` lands there. */
function tagIn(lo: number, hi: number): string {
  for (let i = 0; ; i++) {
    const slot = keyHashSlot(Buffer.from(`t${i}`));
    if (slot >= lo && slot <= hi) return `{t${i}}`;
  }
}

t.test("installing one group's image leaves the other groups' slots alone", async (t) => {
  const low = tagIn(0, 8191);
  const high = tagIn(8192, 16383);
  const leader = await openTempDb(t, 'seshat-smgroups-');
  const lsm = new KvStateMachine(leader, { groupId: GROUP, slotRanges: LOW });
  applyAll(lsm, kvEntries(`${low}k`, 20));
  t.same(lsm.slotRanges, LOW);
  const image = SnapshotImage.capture(leader, {
    groupId: GROUP,
    index: lsm.appliedIndex,
    term: 2,
    confState: { voters: [1, 2, 3], learners: [], removed: [] },
    slotRanges: lsm.slotRanges,
  });

  const follower = await openTempDb(t, 'seshat-smgroups-');
  const g0 = new KvStateMachine(follower);
  g0.apply(1, encodeEntry(1000, 1, [{ db: 0, argv: lendCommand(GROUP, LOW) }]));
  applyAll(g0, kvEntries(`${high}k`, 10, 2_000_000));
  const g1 = new KvStateMachine(follower, { groupId: GROUP, slotRanges: LOW });
  applyAll(g1, kvEntries(`${low}old`, 5, 3_000_000));
  const g0Before = g0.digest();
  t.not(g1.digest().digest, lsm.digest().digest, 'the follower held other data');

  const installer = new SnapshotInstaller(follower, {
    groupId: GROUP,
    expect: decodeDescriptor(image.descriptor),
  });
  for (const chunk of image.open(4096)) installer.push(chunk);
  installer.end();
  t.same(installer.header?.slotRanges, LOW, 'the image covers the group-1 ranges only');
  const batch = follower.batch();
  installer.stageInstall(batch);
  follower.write(batch, { sync: true });
  installer.finishInstall();
  image.release();
  g1.reload();
  g0.reload();

  t.same(g1.digest(), lsm.digest(), "the follower's group 1 equals the leader's");
  t.same(g0.digest(), g0Before, "group 0's data is untouched");
  t.equal(g0.dbSize(0), 10 * 6);
  t.equal(g1.dbSize(0), 20 * 6);
});
