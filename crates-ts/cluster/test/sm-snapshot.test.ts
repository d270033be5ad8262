// State-machine images end to end on RocksDB: a leader's KvStateMachine state is captured
// (point-in-time: later writes do not leak into the stream), streamed in chunks of several
// sizes (every record split across chunk boundaries at the smallest), installed on a
// follower that held different data, and the follower's image families and applied record
// must equal the leader's at capture, byte for byte; KvStateMachine.reload() then sees the
// new keys. Also: chunks stay within their bound with a multi-MiB value; slot ranges
// restrict both the stream and the install's deletion; a flipped byte, a lost chunk, a
// truncated stream, a foreign group or a descriptor mismatch are refused with
// SeshatError('STORAGE') and leave no staging rows; abort() discards; recovery with no
// marker discards leftover staging. The address book (raft_state "members") travels in the
// header (format 2) and the install writes it; format 1 headers and markers still decode.
import { SeshatError } from '@seshat/common';
import { encodeEntry, KvStateMachine, resolveCommand } from '@seshat/kv';
import type { Snapshot } from '@seshat/raft';
import type { RocksStorage } from '@seshat/storage';
import t, { type Test } from 'tap';
import {
  ALL_SLOTS,
  decodeDescriptor,
  recoverSnapshotInstall,
  SNAPSHOT_CHUNK_BYTES_MAX,
  SnapshotImage,
  SnapshotInstaller,
  type SlotRange,
} from '../src/index.js';
import {
  decodeHeader,
  decodeMarker,
  encodeHeader,
  encodeMarker,
  IMAGE_FORMAT_V1,
  membersKey,
} from '../src/sm-snapshot-format.js';
import { applyAll, dumpImage, GROUP, kvEntries, stagingRows } from './kv-fixtures.js';
import { openTempDb } from './single-voter.js';

const CONF = { voters: [1, 2, 3], learners: [], removed: [] };

const openDb = (t: Test): Promise<RocksStorage> => openTempDb(t, 'seshat-smsnap-');

async function leaderWith(
  t: Test,
  entries: Buffer[],
): Promise<{ storage: RocksStorage; sm: KvStateMachine }> {
  const storage = await openDb(t);
  const sm = new KvStateMachine(storage, { groupId: GROUP });
  applyAll(sm, entries);
  return { storage, sm };
}

function capture(storage: RocksStorage, sm: KvStateMachine, slotRanges: readonly SlotRange[] = ALL_SLOTS) {
  return SnapshotImage.capture(storage, {
    groupId: GROUP,
    index: sm.appliedIndex,
    term: 3,
    confState: CONF,
    slotRanges,
  });
}

function snapshotOf(image: SnapshotImage): Snapshot {
  return {
    metadata: { index: image.index, term: image.header.term, confState: image.header.confState },
    data: image.descriptor,
  };
}

/** Streams the image into a new installer on `storage`, stages and finishes the install. */
function install(storage: RocksStorage, image: SnapshotImage, chunkBytes: number): { chunks: Buffer[] } {
  const installer = new SnapshotInstaller(storage, {
    groupId: GROUP,
    expect: decodeDescriptor(image.descriptor),
  });
  const chunks = [...image.open(chunkBytes)];
  for (const c of chunks) installer.push(c);
  installer.end();
  if (!installer.matches(snapshotOf(image))) throw new Error('image does not match its snapshot');
  const batch = storage.batch();
  installer.stageInstall(batch);
  storage.write(batch, { sync: true });
  installer.finishInstall();
  return { chunks };
}

function get(sm: KvStateMachine, key: string): unknown {
  const argv = [Buffer.from('get'), Buffer.from(key)];
  const spec = resolveCommand(argv);
  if (spec instanceof Error || !('handler' in spec)) throw new Error('no GET');
  const r = sm.read(spec, 0, argv, 1_000_100);
  return Buffer.isBuffer(r) ? r.toString() : r;
}

t.test('capture, stream at several chunk sizes, install over different data: byte-identical', async (t) => {
  const leader = await leaderWith(t, kvEntries('k', 40));
  const image = capture(leader.storage, leader.sm);
  const want = dumpImage(leader.storage);
  applyAll(leader.sm, kvEntries('later', 5, 2_000_000)); // after the capture: must not leak
  t.notSame(dumpImage(leader.storage), want, 'the leader moved on');
  for (const chunkBytes of [64, 1000, SNAPSHOT_CHUNK_BYTES_MAX]) {
    const follower = await openDb(t);
    const fsm = new KvStateMachine(follower, { groupId: GROUP });
    applyAll(fsm, kvEntries('old', 10, 500_000));
    applyAll(fsm, [
      encodeEntry(600_000, 1, [{ db: 0, argv: ['set', 'k1:s', 'stale'].map((s) => Buffer.from(s)) }]),
    ]);
    const { chunks } = install(follower, image, chunkBytes);
    t.ok(
      chunks.every((c) => c.length <= chunkBytes),
      `${chunks.length} chunks of at most ${chunkBytes} bytes`,
    );
    t.same(dumpImage(follower), want, `chunk size ${chunkBytes}: follower equals the leader at capture`);
    t.equal(stagingRows(follower), 0, 'staging dropped after the install');
    fsm.reload();
    t.equal(fsm.appliedIndex, image.index, 'reload: applied index of the image');
    t.equal(fsm.dbSize(0), 40 * 6, 'reload: key counts rebuilt');
    t.equal(get(fsm, 'k1:s'), 'v1', 'reload: meta cache forgot the stale value');
    t.equal(get(fsm, 'old1:s'), null, 'old keys gone');
  }
  image.release();
  t.ok(image.released);
});

t.test('an abandoned stream (early return, even before the first chunk) releases the image', async (t) => {
  const leader = await leaderWith(t, kvEntries('k', 30));
  const image = capture(leader.storage, leader.sm);
  const first = image.open(64);
  const second = image.open(64);
  for (const _ of first) break; // for...of calls return() on break
  const it = second[Symbol.iterator]();
  it.return?.();
  image.release();
  t.ok(image.released, 'both writers closed: view released');
  t.throws(() => image.open(), /open after release/);
});

t.test('a multi-MiB value crosses chunks; chunks stay within 1 MiB; images are reusable', async (t) => {
  const leader = await leaderWith(t, kvEntries('big', 2, 1_000_000, 3 * 1024 * 1024));
  const image = capture(leader.storage, leader.sm);
  const writer = image.open();
  image.release(); // deferred: a writer is open
  t.notOk(image.released, 'view kept while a writer is open');
  const chunks = [...writer];
  t.ok(image.released, 'view released when the last writer finished');
  t.ok(chunks.length >= 6, `${chunks.length} chunks`);
  t.ok(chunks.every((c) => c.length <= SNAPSHOT_CHUNK_BYTES_MAX));
  const follower = await openDb(t);
  const installer = new SnapshotInstaller(follower, { groupId: GROUP });
  for (const c of chunks) installer.push(c);
  t.ok(installer.complete);
  t.same(installer.descriptor, image.descriptor, 'the receiver rebuilds the descriptor');
  const batch = follower.batch();
  installer.stageInstall(batch);
  follower.write(batch, { sync: true });
  t.same(installer.finishInstall(), { rows: writer.rowCounts.reduce((a, b) => a + b, 0) });
  t.same(dumpImage(follower), dumpImage(leader.storage));
});

t.test('slot ranges restrict the stream and the install deletes only those ranges', async (t) => {
  const leader = await leaderWith(t, kvEntries('k', 60));
  const ranges: SlotRange[] = [
    [0, 4999],
    [12000, 16383],
  ];
  const image = capture(leader.storage, leader.sm, ranges);
  const follower = await openDb(t);
  applyAll(new KvStateMachine(follower, { groupId: GROUP }), kvEntries('old', 30, 500_000));
  const inRange = (row: string) => {
    const slot = Number.parseInt(row.slice(row.indexOf(':') + 1, row.indexOf(':') + 5), 16);
    return slot <= 4999 || slot >= 12000;
  };
  const followerBefore = dumpImage(follower);
  install(follower, image, 4096);
  const after = dumpImage(follower);
  const rows = (d: string[]) => d.filter((r) => !r.startsWith('applied='));
  t.same(
    rows(after).filter(inRange),
    rows(dumpImage(leader.storage)).filter(inRange),
    'owned ranges equal the leader',
  );
  t.same(
    rows(after).filter((r) => !inRange(r)),
    rows(followerBefore).filter((r) => !inRange(r)),
    'slots outside the ranges untouched',
  );
  t.ok(
    rows(followerBefore).some((r) => !inRange(r)) && rows(followerBefore).some(inRange),
    'both kinds existed',
  );
});

t.test('damaged, truncated, foreign or mismatched images are refused and leave no staging', async (t) => {
  const leader = await leaderWith(t, kvEntries('k', 20));
  const image = capture(leader.storage, leader.sm);
  const chunks = [...image.open(512)];
  const follower = await openDb(t);
  const before = dumpImage(follower);
  const feed = (
    cs: Buffer[],
    options: Partial<ConstructorParameters<typeof SnapshotInstaller>[1]> = {},
    end = true,
  ) => {
    const inst = new SnapshotInstaller(follower, { groupId: GROUP, ...options });
    for (const c of cs) inst.push(c);
    if (end) inst.end();
    return inst;
  };
  const refused = (name: string, fn: () => unknown, pattern: RegExp) => {
    let caught: unknown = null;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    t.ok(
      caught instanceof SeshatError && caught.code === 'STORAGE',
      `${name}: SeshatError STORAGE (${caught})`,
    );
    t.match(String((caught as Error | null)?.message), pattern, `${name}: says why`);
    t.equal(stagingRows(follower), 0, `${name}: staging discarded`);
  };
  for (const at of [3, 100, 300]) {
    const bad = chunks.map((c) => Buffer.from(c));
    bad[Math.floor(chunks.length / 2)]![at] ^= 0x01;
    refused(`byte ${at} flipped`, () => feed(bad), /snapshot image/);
  }
  refused('lost chunk', () => feed([...chunks.slice(0, 5), ...chunks.slice(6)]), /snapshot image/);
  refused('foreign group', () => feed(chunks, { groupId: 9 }), /group 1, expected 9/);
  refused(
    'descriptor mismatch',
    () => feed(chunks, { expect: { ...decodeDescriptor(image.descriptor)!, term: 99 } }),
    /not the one described/,
  );
  refused('truncated stream', () => feed(chunks.slice(0, -1)), /stream ended before the trailer/);
  const partial = feed(chunks.slice(0, -1), {}, false);
  t.notOk(partial.complete, 'truncated stream is not complete');
  t.throws(() => partial.stageInstall(follower.batch()), /stageInstall\(\) while receiving/);
  partial.abort();
  t.equal(stagingRows(follower), 0, 'abort discards staging');
  const whole = feed(chunks);
  t.ok(whole.complete);
  t.notOk(whole.matches({ ...snapshotOf(image), metadata: { ...snapshotOf(image).metadata, index: 999 } }));
  whole.abort();
  t.equal(stagingRows(follower), 0);
  t.same(dumpImage(follower), before, 'nothing installed');
});

t.test('the installer accepts the stream split anywhere: byte by byte and at random points', async (t) => {
  const leader = await leaderWith(t, kvEntries('k', 3));
  const image = capture(leader.storage, leader.sm);
  const stream = Buffer.concat([...image.open(4096)]);
  const want = dumpImage(leader.storage);
  const byteByByte = await openDb(t);
  const one = new SnapshotInstaller(byteByByte, { groupId: GROUP });
  for (let i = 0; i < stream.length; i++) one.push(stream.subarray(i, i + 1));
  t.ok(one.complete, `complete after ${stream.length} one-byte pushes`);
  const random = await openDb(t);
  const two = new SnapshotInstaller(random, { groupId: GROUP });
  let seed = 7;
  for (let at = 0; at < stream.length; ) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const n = seed % 97;
    two.push(new Uint8Array(stream.subarray(at, at + n))); // also a plain Uint8Array, and empty pushes
    at += n;
  }
  t.ok(two.complete);
  for (const [storage, inst] of [
    [byteByByte, one],
    [random, two],
  ] as const) {
    const batch = storage.batch();
    inst.stageInstall(batch);
    storage.write(batch, { sync: true });
    inst.finishInstall();
    t.same(dumpImage(storage), want);
  }
});

t.test('recovery without a marker discards leftover staging; with none, does nothing', async (t) => {
  const leader = await leaderWith(t, kvEntries('k', 10));
  const image = capture(leader.storage, leader.sm);
  const follower = await openDb(t);
  const inst = new SnapshotInstaller(follower, { groupId: GROUP, batchBytes: 256 });
  const chunks = [...image.open(256)];
  for (const c of chunks.slice(0, chunks.length - 2)) inst.push(c); // a crash mid-transfer
  t.ok(stagingRows(follower) > 0, 'rows were staged');
  t.same(recoverSnapshotInstall(follower, GROUP), { rolledForward: null, discardedStaging: true });
  t.equal(stagingRows(follower), 0);
  t.same(recoverSnapshotInstall(follower, GROUP), { rolledForward: null, discardedStaging: false });
});

t.test('capture refuses a view that is not at the requested applied index', async (t) => {
  const leader = await leaderWith(t, kvEntries('k', 3));
  t.throws(
    () =>
      SnapshotImage.capture(leader.storage, {
        groupId: GROUP,
        index: 2,
        term: 1,
        confState: CONF,
        slotRanges: ALL_SLOTS,
      }),
    /captured at applied 3, not at 2/,
  );
  t.throws(() => capture(leader.storage, leader.sm, [[10, 5]]), /bad slot range/);
});

t.test('the address book travels in the header and the install writes it', async (t) => {
  const book = (ids: number[]) =>
    Buffer.from(JSON.stringify(ids.map((id) => ({ id, raft: `h:${7000 + id}`, client: `h:${6000 + id}` }))));
  const putMembers = (storage: RocksStorage, record: Buffer) => {
    const b = storage.batch();
    b.put('raft_state', membersKey(GROUP), record);
    storage.write(b, { sync: false });
  };
  const leader = await leaderWith(t, kvEntries('k', 5));
  putMembers(leader.storage, book([1, 2, 4]));
  const image = capture(leader.storage, leader.sm);
  putMembers(leader.storage, book([1, 2, 4, 5])); // after the capture: must not leak
  t.same(image.header.members, book([1, 2, 4]), 'captured with the view');
  const decoded = decodeHeader(encodeHeader(image.header));
  t.same(decoded, image.header, 'header round trip (format 2)');

  const follower = await openDb(t);
  putMembers(follower, book([1, 2, 3]));
  install(follower, image, 128);
  t.same(follower.get('raft_state', membersKey(GROUP)), book([1, 2, 4]), 'install wrote the image book');

  // An image without a book (none stored on the leader) leaves the follower's own.
  const bare = await leaderWith(t, kvEntries('b', 3));
  const bareImage = capture(bare.storage, bare.sm);
  t.equal(bareImage.header.members.length, 0, 'no book stored: empty');
  const other = await openDb(t);
  putMembers(other, book([1, 2, 3]));
  install(other, bareImage, 4096);
  t.same(other.get('raft_state', membersKey(GROUP)), book([1, 2, 3]), 'own book kept');

  // Format 1 (before members): the same body without the members field.
  const v2 = encodeHeader({ ...image.header, members: Buffer.alloc(0) });
  const v1 = Buffer.from(v2.subarray(0, v2.length - 4));
  v1[0] = IMAGE_FORMAT_V1;
  t.same(decodeHeader(v1), { ...image.header, members: Buffer.alloc(0) }, 'format 1 header decodes');
  t.throws(() => decodeHeader(Buffer.concat([v1, Buffer.alloc(1)])), /header length mismatch/);
  const lying = Buffer.from(v2);
  lying.writeUInt32BE(1000, lying.length - 4);
  t.throws(() => decodeHeader(lying), /members beyond the header/);

  const marker = {
    stagingId: 3,
    index: 9,
    term: 2,
    applied: Buffer.alloc(16, 1),
    slotRanges: ALL_SLOTS,
    members: book([1]),
  };
  t.same(decodeMarker(encodeMarker(marker)), marker, 'marker round trip');
  const m2 = encodeMarker({ ...marker, members: Buffer.alloc(0) });
  const m1 = Buffer.from(m2.subarray(0, m2.length - 4));
  m1[0] = 1;
  t.same(decodeMarker(m1), { ...marker, members: Buffer.alloc(0) }, 'format 1 marker decodes');
});
