// Unit tests of the leaf pieces, each against hand-computed expectations: majority math,
// the in-flight ring, Progress state transitions, the unstable log, MemoryLogStorage,
// the ConfChange codec and rules, the Deduplicator and the PendingProposals table.
import t from 'tap';
import {
  applyConfChangeToState,
  ConfChangeType,
  type ConfState,
  DedupStatus,
  Deduplicator,
  decodeConfChange,
  EMPTY_BYTES,
  encodeConfChange,
  type Entry,
  EntryType,
  Inflights,
  majorityValue,
  MemoryLogStorage,
  PendingProposals,
  Progress,
  ProgressState,
  UnstableLog,
  VoteResult,
  voteResult,
} from '../src/index.js';

function entry(index: number, term: number, data = 'x'): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(data) };
}

t.test('quorum: majority value and vote results', async (t) => {
  const acked = new Map([
    [1, 5],
    [2, 3],
    [3, 9],
    [4, 1],
    [5, 7],
  ]);
  t.equal(
    majorityValue([1, 2, 3, 4, 5], (id) => acked.get(id)!),
    5,
    '3 of 5 have >= 5',
  );
  t.equal(
    majorityValue([1, 2, 3], (id) => acked.get(id)!),
    5,
  );
  t.equal(
    majorityValue([1, 2], (id) => acked.get(id)!),
    3,
    'even count needs both',
  );
  t.equal(
    majorityValue([3], (id) => acked.get(id)!),
    9,
  );
  const votes = new Map([
    [1, true],
    [2, false],
  ]);
  t.equal(voteResult([1, 2, 3], votes), VoteResult.Pending);
  votes.set(3, true);
  t.equal(voteResult([1, 2, 3], votes), VoteResult.Won);
  votes.set(3, false);
  t.equal(voteResult([1, 2, 3], votes), VoteResult.Lost);
});

t.test('inflights: ring wraps, frees by index, bounded by count and bytes', async (t) => {
  const inf = new Inflights(4, 100);
  for (let i = 1; i <= 4; i++) inf.add(i * 10, 10);
  t.ok(inf.full(), 'full by count');
  inf.freeLE(25);
  t.equal(inf.count, 2);
  t.equal(inf.bytes, 20);
  inf.add(50, 10);
  inf.add(60, 70);
  t.ok(inf.full(), 'full by count again after wrapping');
  inf.freeFirstOne();
  t.equal(inf.count, 3);
  t.notOk(inf.full(), '3 messages, 90 bytes');
  inf.freeLE(50);
  inf.add(70, 30);
  t.equal(inf.count, 2);
  t.ok(inf.full(), 'full by bytes: 100 >= 100 with only 2 messages');
  inf.freeLE(1000);
  t.equal(inf.count, 0);
  t.equal(inf.bytes, 0);
  t.throws(() => {
    inf.add(5, 1);
    inf.add(4, 1);
  }, /not after/);
});

t.test('progress: probe, replicate, snapshot transitions and back-off', async (t) => {
  const pr = new Progress(11, false, 8, 0);
  t.equal(pr.state, ProgressState.Probe);
  pr.sentEntries(3, 30);
  t.ok(pr.isPaused(), 'one probe in flight');
  t.notOk(pr.maybeDecrTo(5, 4), 'stale rejection ignored');
  t.ok(pr.maybeDecrTo(10, 6), 'rejection of the probe at 10');
  t.equal(pr.next, 7, 'jumps to the hint + 1');
  t.ok(pr.maybeUpdate(8));
  pr.becomeReplicate();
  t.equal(pr.next, 9);
  pr.sentEntries(2, 20);
  pr.sentEntries(2, 20);
  t.equal(pr.next, 13, 'optimistic next');
  t.ok(pr.maybeDecrTo(12, 0), 'replicate rejection beyond match');
  t.equal(pr.next, 9, 'falls back to match + 1');
  pr.becomeSnapshot(50);
  t.ok(pr.isPaused());
  pr.becomeProbe();
  t.equal(pr.next, 51, 'after a snapshot, probe past it');
});

t.test('unstable log: append, truncate, stableTo with term check', async (t) => {
  const u = new UnstableLog(5);
  u.truncateAndAppend([entry(5, 1), entry(6, 1), entry(7, 1)]);
  t.equal(u.maybeLastIndex(), 7);
  u.truncateAndAppend([entry(6, 2)]);
  t.equal(u.maybeLastIndex(), 6);
  t.equal(u.maybeTerm(6), 2);
  u.stableTo(6, 1);
  t.equal(u.offset, 5, 'stableTo ignores a term that was replaced');
  u.stableTo(5, 1);
  t.equal(u.offset, 6);
  t.equal(u.entries.length, 1);
  u.truncateAndAppend([entry(4, 3)]);
  t.equal(u.offset, 4, 'truncating below offset moves it back');
});

t.test('memory storage: append truncates conflicts, snapshot and compact', async (t) => {
  const s = new MemoryLogStorage();
  s.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
  s.append([entry(2, 2)]);
  t.equal(s.lastIndex(), 2);
  t.equal(s.term(2), 2);
  t.throws(() => s.append([entry(5, 2)]), /gap/);
  s.append([entry(3, 2), entry(4, 2)]);
  s.createSnapshot(3, { voters: [1], learners: [], removed: [] }, EMPTY_BYTES);
  s.compact(2);
  t.equal(s.firstIndex(), 3);
  t.same(
    s.entries(3, 5, 1).map((e) => e.index),
    [3],
    'maxBytes still returns one entry',
  );
  t.same(
    s.entries(3, 5, 1e9).map((e) => e.index),
    [3, 4],
  );
});

t.test('conf change: protobuf round trip and application rules', async (t) => {
  const cc = { type: ConfChangeType.AddLearnerNode, nodeId: 2 ** 40 + 7, context: new Uint8Array([1, 2, 3]) };
  const back = decodeConfChange(encodeConfChange(cc));
  t.same({ ...back, context: [...back.context] }, { ...cc, context: [1, 2, 3] });
  t.same(
    encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 3, context: EMPTY_BYTES }),
    new Uint8Array([0x10, 3]),
  );
  let cs: ConfState = { voters: [1, 2, 3], learners: [], removed: [] };
  cs = applyConfChangeToState(cs, { type: ConfChangeType.AddLearnerNode, nodeId: 4, context: EMPTY_BYTES });
  t.same(cs.learners, [4]);
  cs = applyConfChangeToState(cs, { type: ConfChangeType.AddNode, nodeId: 4, context: EMPTY_BYTES });
  t.same(cs.voters, [1, 2, 3, 4]);
  t.same(cs.learners, []);
  cs = applyConfChangeToState(cs, { type: ConfChangeType.RemoveNode, nodeId: 2, context: EMPTY_BYTES });
  t.same(cs.voters, [1, 3, 4]);
  t.same(cs.removed, [2]);
  const again = applyConfChangeToState(cs, { type: ConfChangeType.AddNode, nodeId: 2, context: EMPTY_BYTES });
  t.equal(again, cs, 'adding a removed id is a no-op at apply time');
  const last = { voters: [1], learners: [], removed: [] };
  t.equal(
    applyConfChangeToState(last, { type: ConfChangeType.RemoveNode, nodeId: 1, context: EMPTY_BYTES }),
    last,
  );
});

t.test('dedup: new, duplicate, stale, expired; bounded; snapshot image', async (t) => {
  const d = new Deduplicator(2);
  t.equal(d.lookup(7, 1), DedupStatus.New);
  d.record(7, 1, new Uint8Array([42]));
  t.equal(d.lookup(7, 1), DedupStatus.Duplicate);
  t.same([...d.resultOf(7)!], [42]);
  t.equal(d.lookup(7, 2), DedupStatus.New);
  d.record(7, 2, null);
  t.equal(d.lookup(7, 1), DedupStatus.Stale);
  t.equal(d.lookup(8, 3), DedupStatus.Expired, 'unknown client past seq 1');
  d.record(8, 1, null);
  d.record(9, 1, null); // evicts 7, the least recently recorded
  t.equal(d.size, 2);
  t.equal(d.lookup(7, 3), DedupStatus.Expired);
  const copy = Deduplicator.decode(d.encode(), 2);
  t.same(copy.encode(), d.encode(), 'image round trip, order preserved');
  t.equal(copy.lastSeq(9), 1);
});

t.test('pending proposals: matched by (term, index), never crossed', async (t) => {
  const done: [string, boolean][] = [];
  const p = new PendingProposals<string>(10, (token, ok) => done.push([token, ok]));
  p.add({ term: 2, index: 5 }, 'a');
  p.add({ term: 2, index: 6 }, 'b');
  p.add({ term: 2, index: 7 }, 'c');
  p.applied(entry(5, 2));
  t.same(done, [['a', true]]);
  // Leader of term 3 (this node again) appends at 6: b and c were overwritten.
  p.add({ term: 3, index: 6 }, 'd');
  t.same(done.slice(1), [
    ['c', false],
    ['b', false],
  ]);
  p.applied(entry(6, 3));
  t.same(done[3], ['d', true]);
  p.add({ term: 3, index: 8 }, 'e');
  p.applied(entry(9, 4)); // a later index from another leader: e's slot went elsewhere
  t.same(done[4], ['e', false]);
});
