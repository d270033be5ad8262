import t from 'tap';
import { DirtyQueue } from '../src/dirty-queue.js';

/** A reference model: plain arrays, never wrapping. */
type Element = { key: Buffer; index: number; stamp: number; slot: number; moves: number };

function contents(q: DirtyQueue): Element[] {
  const out: Element[] = [];
  for (let p = q.head; p < q.tail; p++) {
    out.push({
      key: q.keyAt(p),
      index: q.indexAt(p),
      stamp: q.stampAt(p),
      slot: q.slotAt(p),
      moves: q.movesAt(p),
    });
  }
  return out;
}

t.test('keeps write order across wrap-around and growth', (t) => {
  const q = new DirtyQueue(8);
  const model: Element[] = [];
  let n = 0;
  let seed = 7;
  const rand = (m: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % m;
  };
  for (let step = 0; step < 5000; step++) {
    const pushes = rand(7);
    for (let i = 0; i < pushes; i++) {
      n++;
      // Keys of every length up to 150 bytes: short ones are copied byte by byte, long ones
      // in pieces; both wrap around the end of the byte ring.
      const e = {
        key: Buffer.from(`k${n}:${'x'.repeat(rand(150))}`),
        index: n,
        stamp: n * 10,
        slot: n % 97,
        moves: n % 5,
      };
      q.push(e.key, e.index, e.stamp, e.slot, e.moves);
      model.push(e);
    }
    // Slightly fewer drops than pushes: the queue grows (rings too) while it wraps.
    const drops = Math.min(rand(6), model.length);
    q.taken = q.head + drops;
    q.dropTo(q.taken);
    model.splice(0, drops);
    if (q.length === 0 && rand(4) === 0) q.reset();
  }
  t.ok(n > 10000, 'pushed many elements through an 8-element, 16 KB start');
  t.ok(model.length > 1000, 'ends with over 1,000 elements (about 100 KB of keys)');
  t.same(contents(q), model);
  t.equal(q.length, model.length);
  t.end();
});

t.test('a key larger than the whole byte ring grows it', (t) => {
  const q = new DirtyQueue(4);
  const small = Buffer.from('abc');
  q.push(small, 1, 1, 1, 0);
  const big = Buffer.alloc(100_000, 7);
  q.push(big, 2, 2, 2, 0);
  q.push(small, 3, 3, 3, 0);
  t.same(q.keyAt(q.head + 1), big);
  q.dropTo(q.head + 1);
  t.same(q.keyAt(q.head), big);
  t.same(q.keyAt(q.head + 1), small);
  t.end();
});

t.test('dropTo stops at the tail and frees keys', (t) => {
  const q = new DirtyQueue(4);
  for (let i = 1; i <= 3; i++) q.push(Buffer.from([i]), i, i, i, 0);
  q.dropTo(100);
  t.equal(q.length, 0);
  t.equal(q.head, q.tail);
  t.equal(q.taken, q.head, 'taken never lags the head');
  t.end();
});

t.test('positions are rebased past 2^30 without moving elements', (t) => {
  const q = new DirtyQueue(4);
  // Start near the rebase point (the positions are public for the meta cache).
  q.head = q.taken = q.tail = 2 ** 30 - 2;
  for (let i = 1; i <= 6; i++) q.push(Buffer.from([i]), i, i * 2, i, 0);
  const before = contents(q).slice(3);
  q.taken = q.head + 3;
  q.dropTo(q.taken);
  t.ok(q.head < 2 ** 30, 'head rebased');
  t.equal(q.tail - q.head, 3);
  t.same(contents(q), before);
  q.push(Buffer.from([7]), 7, 14, 7, 0);
  t.same(
    contents(q).map((e) => e.index),
    [4, 5, 6, 7],
  );
  t.end();
});
