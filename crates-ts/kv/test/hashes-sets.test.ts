// Checks the parts of hashes and sets that the Redis comparison suites cannot reach, on the
// state machine without a server: random picks on big collections (sampled by seeks into the
// key range) return real, distinct members and are the same on every replica (SPOP draws from
// the entry seed); HSCAN/SSCAN cursors whose remembered position is gone (another node, table
// eviction) still resume without skipping anything; insertion order of listpack hashes.
import { ErrorReply, type Reply, SetReply } from '@seshat/common';
import { encodeEntry, KvStateMachine, resolveCommand } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });

function read(sm: KvStateMachine, ...args: string[]): Reply {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, 1);
}

const strings = (r: Reply): string[] => {
  const items = r instanceof SetReply ? r.items : (r as Reply[]);
  return items.map((x) => (x as Buffer).toString());
};

function bigSet(sm: KvStateMachine, key: string, n: number, name: (i: number) => string): string[] {
  const members = Array.from({ length: n }, (_, i) => name(i));
  for (let i = 0; i < n; i += 500)
    sm.apply(sm.appliedIndex + 1, encodeEntry(1, 1, [cmd('sadd', key, ...members.slice(i, i + 500))]));
  return members;
}

t.test('random picks on a big set are real, distinct members', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  for (const [key, name] of [
    ['spread', (i: number) => `m${i}`],
    ['skewed', (i: number) => `user:${String(i).padStart(12, '0')}`],
  ] as const) {
    const all = new Set(bigSet(sm, key, 3000, name));
    const ten = strings(read(sm, 'srandmember', key, '10'));
    t.equal(ten.length, 10);
    t.equal(new Set(ten).size, 10, `${key}: distinct`);
    t.ok(
      ten.every((m) => all.has(m)),
      `${key}: members`,
    );
    const rep = strings(read(sm, 'srandmember', key, '-40'));
    t.equal(rep.length, 40);
    t.ok(rep.every((m) => all.has(m)));
    const one = read(sm, 'srandmember', key) as Buffer;
    t.ok(all.has(one.toString()));
    // Over many single picks the seeks reach many different members.
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add((read(sm, 'srandmember', key) as Buffer).toString());
    t.ok(seen.size > 100, `${key}: ${seen.size} different members in 300 picks`);
  }
});

t.test('SPOP on a big set: same choice on every replica, members removed', async (t) => {
  const stores = [new MemoryStorage(), new MemoryStorage()];
  const sms = stores.map((s) => new KvStateMachine(s));
  const popped = sms.map((sm) => {
    bigSet(sm, 's', 2000, (i) => `m${i}`);
    return sm.apply(
      sm.appliedIndex + 1,
      encodeEntry(5, 42, [cmd('spop', 's', '7'), cmd('spop', 's'), cmd('scard', 's')]),
    );
  });
  t.same(popped[0], popped[1], 'identical replies');
  const [many, single, card] = popped[0]!;
  t.equal(strings(many!).length, 7);
  t.equal(card, 1992);
  for (const m of [...strings(many!), (single as Buffer).toString()])
    t.equal(read(sms[0]!, 'sismember', 's', m), 0);
});

t.test('a scan cursor whose position was forgotten resumes without skipping', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  const members = bigSet(sm, 'big', 1200, (i) => `${i % 10}-member-${i}`);
  const seen = new Set<string>();
  let cursor = 0n;
  let calls = 0;
  do {
    const [next, items] = read(sm, 'sscan', 'big', cursor.toString(), 'COUNT', '25') as [string, Reply[]];
    for (const m of strings(items)) seen.add(m);
    // Once, pretend the remembered position is gone: keep the 4 subkey bytes, use an unknown id.
    cursor = BigInt(next);
    if (calls === 20 && cursor !== 0n) cursor = (0x7ffffff0n << 32n) | (cursor & 0xffffffffn);
    calls++;
  } while (cursor !== 0n && calls < 5000);
  t.ok(calls < 5000, `terminated after ${calls} calls`);
  t.equal(members.filter((m) => !seen.has(m)).length, 0, 'every member returned');
});

t.test('listpack hashes keep insertion order; overwrites keep their place', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  sm.apply(
    1,
    encodeEntry(1, 1, [
      cmd('hset', 'h', 'z', '1', 'a', '2', 'm', '3'),
      cmd('hset', 'h', 'a', '9'),
      cmd('hdel', 'h', 'z'),
      cmd('hset', 'h', 'z', '0'),
    ]),
  );
  t.same(strings(read(sm, 'hkeys', 'h')), ['a', 'm', 'z']);
  t.same(strings(read(sm, 'hvals', 'h')), ['9', '3', '0']);
  sm.apply(2, encodeEntry(2, 1, [cmd('copy', 'h', 'h2'), cmd('rename', 'h', 'h3')]));
  t.same(strings(read(sm, 'hkeys', 'h2')), ['a', 'm', 'z'], 'COPY keeps the order');
  t.same(strings(read(sm, 'hkeys', 'h3')), ['a', 'm', 'z'], 'RENAME keeps the order');
});
