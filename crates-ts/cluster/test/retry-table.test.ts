// Retry detection building blocks: tagged log entries round-trip and report their replies on
// apply; RecentWrites decides retries (applied -> first reply, not applied and remembered far
// enough back -> propose, otherwise undecidable), bounded with a moving horizon; tags unique.
import { SimpleString } from '@seshat/common';
import { decodeEntry, ENTRY_FORMAT, ENTRY_FORMAT_TAGGED, encodeEntry, KvStateMachine } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';
import { RecentWrites, WriteTagger } from '../src/retry-table.ts';

const b = (s: string): Buffer => Buffer.from(s);

t.test('entry format: untagged stays format 1, tags round-trip in format 2', async (t) => {
  const plain = encodeEntry(5, 7, [{ db: 0, argv: [b('SET'), b('k'), b('v')] }]);
  t.equal(plain[0], ENTRY_FORMAT);
  const tagged = encodeEntry(5, 7, [
    { db: 0, argv: [b('SET'), b('k'), b('v')], tag: 2 ** 40 + 3 },
    { db: 1, argv: [b('INCR'), b('n')] },
  ]);
  t.equal(tagged[0], ENTRY_FORMAT_TAGGED);
  const e = decodeEntry(tagged);
  t.equal(e.commands[0]!.tag, 2 ** 40 + 3);
  t.equal(e.commands[1]!.tag, undefined);
  t.same(
    e.commands.map((c) => [c.db, c.argv.map(String)]),
    [
      [0, ['SET', 'k', 'v']],
      [1, ['INCR', 'n']],
    ],
  );
});

t.test('apply reports each tagged command with its reply', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  const seen: [number, string][] = [];
  sm.apply(
    1,
    encodeEntry(5, 7, [
      { db: 0, argv: [b('INCR'), b('n')], tag: 11 },
      { db: 0, argv: [b('INCR'), b('n')] },
      { db: 0, argv: [b('INCR'), b('n')], tag: 12 },
    ]),
    { onTagged: (tag, reply) => seen.push([tag, String(reply)]) },
  );
  t.same(seen, [
    [11, '1'],
    [12, '3'],
  ]);
});

t.test('RecentWrites decides retries', async (t) => {
  const r = new RecentWrites(100, 3);
  t.equal(r.horizon, 101);
  const ok = new SimpleString('OK');
  r.record(1, 101, ok);
  t.equal(r.resolve({ tag: 1, sentAfterIndex: 100, retry: true }), ok, 'applied: first reply');
  t.equal(r.resolve({ tag: 2, sentAfterIndex: 100, retry: true }), 'propose', 'never applied');
  t.equal(r.resolve({ tag: 2, sentAfterIndex: 50, retry: true }), 'undecidable', 'sent before the horizon');
  r.record(2, 102, ok);
  r.record(3, 103, ok);
  r.record(4, 104, ok); // evicts tag 1 (index 101)
  t.equal(r.size, 3);
  t.equal(r.horizon, 102);
  t.equal(r.resolve({ tag: 1, sentAfterIndex: 100, retry: true }), 'undecidable', 'evicted');
  t.equal(r.resolve({ tag: 9, sentAfterIndex: 101, retry: true }), 'propose');
  r.resetTo(500);
  t.equal(r.resolve({ tag: 4, sentAfterIndex: 103, retry: true }), 'undecidable', 'snapshot install');
});

t.test('RecentWrites: eviction stays oldest-first and bounded over many generations', async (t) => {
  const max = 1000;
  const r = new RecentWrites(0, max);
  const ok = new SimpleString('OK');
  for (let i = 1; i <= 10 * max + 7; i++) r.record(i, i, ok);
  t.equal(r.size, max);
  t.equal(r.horizon, 9 * max + 8, 'horizon just past the last evicted write');
  t.equal(r.resolve({ tag: 9 * max + 7, sentAfterIndex: 0, retry: true }), 'undecidable', 'evicted');
  t.equal(r.resolve({ tag: 9 * max + 8, sentAfterIndex: 0, retry: true }), ok, 'oldest kept');
  t.equal(r.resolve({ tag: 10 * max + 7, sentAfterIndex: 0, retry: true }), ok, 'newest kept');
  r.resetTo(20 * max);
  t.equal(r.size, 0);
  for (let i = 1; i <= max + 1; i++) r.record(100_000 + i, 20 * max + i, ok);
  t.equal(r.size, max, 'the ring restarts after a reset');
  t.equal(r.horizon, 20 * max + 2);
});

t.test('WriteTagger: unique exact tags, new prefix on wrap', async (t) => {
  const g = new WriteTagger(() => 0.5);
  const a = g.next();
  const c = g.next();
  t.not(a, c);
  t.ok(Number.isSafeInteger(a) && a > 0);
  const w = new WriteTagger(() => 0.25) as unknown as { counter: number; next(): number };
  w.counter = 0xffff_ffff;
  const after = w.next();
  t.ok(Number.isSafeInteger(after));
  t.equal(after % 2 ** 32, 1, 'counter restarts with a new prefix');
});
