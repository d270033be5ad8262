// PendingByIndex (the driver's proposals and membership changes by log index): a second
// request at an index keeps the first one waiting (a leader re-proposing at an index its log
// lost, in a later term); take() returns both, expiry and takeAll see every request, and the
// count stays exact through all of it.
import t from 'tap';
import { PendingByIndex } from '../src/pending-by-index.js';

interface Req {
  term: number;
  deadlineMs: number;
  name: string;
}

const req = (name: string, term: number, deadlineMs: number): Req => ({ name, term, deadlineMs });
const names = (xs: Req[]) => xs.map((x) => x.name).sort();

t.test('a later request at the same index does not replace the earlier one', async (t) => {
  const p = new PendingByIndex<Req>();
  p.add(11, req('a', 2, 100));
  p.add(12, req('b', 2, 100));
  p.add(11, req('c', 4, 200));
  t.equal(p.size, 3);
  t.same(names(p.take(11)), ['a', 'c']);
  t.equal(p.size, 1);
  t.same(p.take(11), []);
  t.same(names(p.take(12)), ['b']);
  t.equal(p.size, 0);
});

t.test('expiry takes displaced and latest requests alike', async (t) => {
  const p = new PendingByIndex<Req>();
  p.add(5, req('old', 1, 300));
  p.add(5, req('new', 3, 100));
  p.add(6, req('x', 3, 500));
  t.same(names(p.takeExpired(100)), ['new']);
  t.equal(p.size, 2);
  t.same(names(p.take(5)), ['old'], 'the displaced request is still found by its index');
  t.same(names(p.takeExpired(1000)), ['x']);
  t.equal(p.size, 0);
});

t.test('takeAll empties everything', async (t) => {
  const p = new PendingByIndex<Req>();
  p.add(1, req('a', 1, 10));
  p.add(1, req('b', 2, 10));
  p.add(1, req('c', 3, 10));
  p.add(2, req('d', 3, 10));
  t.same(names(p.takeAll()), ['a', 'b', 'c', 'd']);
  t.equal(p.size, 0);
  t.same(p.take(1), []);
});
