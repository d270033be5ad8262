// The record arena: size classes fit every size tightly, live regions never overlap (each
// keeps the bytes written into it through seeded random allocs and frees of every size),
// freed regions and large pages are reused, and the byte counts stay exact.
import { SeededRandom } from '@seshat/common';
import t from 'tap';
import { classBytes, PAGE_BYTES, RecordArena, SMALL_MAX_BYTES, sizeClass } from '../src/record-arena.js';

t.test('size classes: the smallest class that fits, 16-byte aligned', (t) => {
  let bad = 0;
  for (let n = 1; n <= SMALL_MAX_BYTES; n++) {
    const c = sizeClass(n);
    const bytes = classBytes(c);
    if (bytes < n || bytes % 16 !== 0) bad++;
    if (c > 1 && classBytes(c - 1) >= n) bad++;
    // Waste stays under a quarter (or 15 bytes for the smallest).
    if (bytes - n > Math.max(15, n / 4)) bad++;
  }
  t.equal(bad, 0, 'every size from 1 to 64 KB');
  t.equal(classBytes(sizeClass(SMALL_MAX_BYTES)), SMALL_MAX_BYTES);
  t.end();
});

t.test('live regions keep their bytes through random allocs and frees', (t) => {
  const rnd = new SeededRandom(11);
  const arena = new RecordArena();
  const live = new Map<number, { n: number; fill: number }>();
  let used = 0;
  const cost = (n: number) => (n > SMALL_MAX_BYTES ? n : classBytes(sizeClass(n)));
  for (let step = 0; step < 20_000; step++) {
    if (live.size > 0 && rnd.nextFloat() < 0.45) {
      const addrs = [...live.keys()];
      const a = addrs[Math.floor(rnd.nextFloat() * addrs.length)]!;
      const { n, fill } = live.get(a)!;
      const page = arena.page(a);
      const at = arena.offset(a);
      if (!page.subarray(at, at + n).equals(Buffer.alloc(n, fill))) {
        t.fail(`region ${a} of ${n} bytes was overwritten`);
        return t.end();
      }
      arena.release(a, n);
      live.delete(a);
      used -= cost(n);
      continue;
    }
    const r = rnd.nextFloat();
    const n =
      r < 0.01
        ? SMALL_MAX_BYTES + 1 + Math.floor(rnd.nextFloat() * 100_000)
        : r < 0.1
          ? 1 + Math.floor(rnd.nextFloat() * SMALL_MAX_BYTES)
          : 1 + Math.floor(rnd.nextFloat() * 300);
    const a = arena.alloc(n);
    const fill = step & 0xff;
    const page = arena.page(a);
    const at = arena.offset(a);
    if (live.has(a) || at + n > page.length) {
      t.fail(`address ${a} handed out twice or past its page`);
      return t.end();
    }
    page.fill(fill, at, at + n);
    live.set(a, { n, fill });
    used += cost(n);
  }
  let bad = 0;
  for (const [a, { n, fill }] of live) {
    const at = arena.offset(a);
    if (
      !arena
        .page(a)
        .subarray(at, at + n)
        .equals(Buffer.alloc(n, fill))
    )
      bad++;
  }
  t.equal(bad, 0, `${live.size} live regions intact`);
  t.equal(arena.usedBytes, used, 'usedBytes counts class sizes and large regions');
  t.ok(arena.pageBytes >= arena.usedBytes, 'pages hold at least the live regions');
  t.end();
});

t.test('freed regions and own buffers are reused', (t) => {
  const arena = new RecordArena();
  const a = arena.alloc(100);
  arena.release(a, 100);
  t.equal(arena.alloc(97), a, 'same class: the freed region');
  const big = arena.alloc(SMALL_MAX_BYTES + 1);
  t.ok(big < 0, 'a large region gets a buffer of its own (negative address)');
  t.equal(arena.offset(big), 0);
  const pages = arena.pageBytes;
  arena.release(big, SMALL_MAX_BYTES + 1);
  t.equal(arena.pageBytes, pages - (SMALL_MAX_BYTES + 1), 'its buffer is given back');
  const again = arena.alloc(SMALL_MAX_BYTES + 5);
  t.equal(again, big, 'its index is reused');
  t.equal(arena.page(again).length, SMALL_MAX_BYTES + 5);
  arena.clear();
  t.equal(arena.pageBytes, 0);
  t.equal(arena.usedBytes, 0);
  t.end();
});

t.test('past the shared page limit, regions get buffers of their own', (t) => {
  const arena = new RecordArena(1);
  const live: [number, number][] = [];
  // 1 MB of 4 KB regions fills the one shared page; the rest, and 3,000 large ones, overflow.
  for (let i = 0; i < 300; i++) live.push([arena.alloc(4096), 4096]);
  for (let i = 0; i < 3000; i++)
    live.push([arena.alloc(SMALL_MAX_BYTES + 1 + (i % 7)), SMALL_MAX_BYTES + 1 + (i % 7)]);
  t.equal(live.filter(([a]) => a >= 0).length, 256, 'the shared page holds 256 regions of 4 KB');
  for (const [a, n] of live) arena.page(a).fill(n & 0xff, arena.offset(a), arena.offset(a) + n);
  let bad = 0;
  for (const [a, n] of live) {
    const at = arena.offset(a);
    if (
      at + n > arena.page(a).length ||
      !arena
        .page(a)
        .subarray(at, at + n)
        .equals(Buffer.alloc(n, n & 0xff))
    )
      bad++;
  }
  t.equal(bad, 0, 'every region keeps its bytes');
  for (const [a, n] of live) arena.release(a, n);
  t.equal(arena.usedBytes, 0);
  t.equal(arena.pageBytes, PAGE_BYTES, 'only the shared page is left');
  t.end();
});

t.test('a page tail too small for the next region is not lost', (t) => {
  const arena = new RecordArena();
  // Fill most of the first page with 64 KB regions, then ask for one that does not fit.
  const n = SMALL_MAX_BYTES;
  const count = Math.floor(PAGE_BYTES / n) - 1;
  for (let i = 0; i < count; i++) arena.alloc(n);
  arena.alloc(48 * 1024);
  arena.alloc(n); // does not fit in the 16 KB left: a new page, the tail goes to free lists
  t.equal(arena.pageBytes, 2 * PAGE_BYTES);
  const first = arena.alloc(16 * 1024);
  t.equal(first >>> 16, 0, 'the first page tail serves a region of its size');
  t.end();
});
