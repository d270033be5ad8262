// Checks state machines scoped to slot ranges (several Raft groups over one storage): two
// KvStateMachines share one MemoryStorage, group 0 lending slots 0-8191 to group 5 through its
// log (INTERNAL_SLOTS_LEND) and group 5 serving exactly those. Each one loads, counts, scans
// (KEYS, SCAN, RANDOMKEY), flushes, expires and digests only its own slots, refuses keys of
// the other's slots with Redis Cluster's CLUSTERDOWN text at apply time and on reads, and a
// restart (new instances over the same storage) rebuilds the same split. Lending is refused
// while the slots hold keys, and returning the slots makes group 0 serve them again. Scripts
// cannot reach the other group's slots through redis.call either.
import { ErrorReply, keyHashSlot, SimpleString, type SlotRange } from '@seshat/common';
import { encodeEntry, initLua, KvStateMachine, lendCommand, resolveCommand, returnCommand } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';

const b = (s: string) => Buffer.from(s);
const HALF: SlotRange[] = [[0, 8191]];
const NOT_SERVED = new ErrorReply('CLUSTERDOWN Hash slot not served');

/** `count` key names whose slots are in [lo, hi]. */
function keysIn(lo: number, hi: number, count: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    const k = `${prefix}${i}`;
    const slot = keyHashSlot(b(k));
    if (slot >= lo && slot <= hi) out.push(k);
  }
  return out;
}

class Group {
  index = 0;
  stamp = 1000;
  constructor(public sm: KvStateMachine) {}
  apply(...commands: (string | Buffer)[][]) {
    const entry = encodeEntry(
      this.stamp++,
      7,
      commands.map((argv) => ({ db: 0, argv: argv.map((a) => (typeof a === 'string' ? b(a) : a)) })),
    );
    return this.sm.apply(++this.index, entry)!;
  }
  read(...args: string[]) {
    const argv = args.map(b);
    const spec = resolveCommand(argv);
    if (spec instanceof ErrorReply) return spec;
    return this.sm.read(spec, 0, argv, this.stamp);
  }
}

function sorted(reply: unknown): string[] {
  return (reply as Buffer[]).map((x) => x.toString()).sort();
}

t.test('two groups over one storage: each serves, counts, scans and flushes its own slots', async (t) => {
  const storage = new MemoryStorage();
  const g0 = new Group(new KvStateMachine(storage));
  const low = keysIn(0, 8191, 5, 'low');
  const high = keysIn(8192, 16383, 5, 'high');
  t.same(g0.apply(['set', low[0]!, 'x']), [new SimpleString('OK')]);
  // Slots holding keys cannot be lent: moving data is rebalancing, not this.
  t.same(g0.apply(lendCommand(5, HALF)), [new ErrorReply('ERR slots 0-8191 hold keys')]);
  g0.apply(['del', low[0]!]);
  t.same(g0.apply(lendCommand(5, HALF), ['set', low[1]!, 'y']), [1, NOT_SERVED], 'refused from the lend on');
  t.same(g0.apply(lendCommand(5, HALF)), [0], 'lending again is a no-op');
  t.same(g0.sm.slotRanges, [[8192, 16383]]);

  const g5 = new Group(new KvStateMachine(storage, { groupId: 5, slotRanges: HALF }));
  for (const k of low) g5.apply(['set', k, 'L', 'px', '100000']);
  for (const k of high) g0.apply(['set', k, 'H']);
  t.same(g5.apply(['set', high[0]!, 'no']), [NOT_SERVED]);
  t.same(
    g5.apply(['mset', low[0]!, '1', high[0]!, '2']),
    [NOT_SERVED],
    'one key outside refuses the command',
  );
  t.same(g0.read('get', low[0]!), NOT_SERVED, 'reads too');
  t.same(g5.read('get', low[0]!), b('L'));
  t.equal(g0.read('dbsize'), 5);
  t.equal(g5.read('dbsize'), 5);
  t.same(sorted(g0.read('keys', '*')), [...high].sort());
  t.same(sorted(g5.read('keys', '*')), [...low].sort());
  const scanned = g5.read('scan', '0', 'count', '100') as [string, Buffer[]];
  t.same(sorted(scanned[1]), [...low].sort());
  for (let i = 0; i < 20; i++) t.ok(high.includes(String(g0.read('randomkey'))), 'RANDOMKEY stays in range');
  t.equal(g5.sm.counts.volatileTotal, 5);
  t.equal(g0.sm.expiredCommands(g0.stamp + 1e6, 100).length, 0, "group 0 does not expire group 5's keys");
  t.equal(g5.sm.expiredCommands(g5.stamp + 1e6, 100).length, 5);

  // A restart over the same storage rebuilds the same split (the loans are in group 0's record).
  const r0 = new KvStateMachine(storage);
  const r5 = new KvStateMachine(storage, { groupId: 5, slotRanges: HALF });
  t.same(r0.slotRanges, [[8192, 16383]]);
  t.equal(r0.dbSize(0), 5);
  t.equal(r5.dbSize(0), 5);
  t.same(r0.digest(), g0.sm.digest());
  t.not(r0.digest().digest, r5.digest().digest);

  t.same(g5.apply(['flushall']), [new SimpleString('OK')]);
  t.equal(g5.read('dbsize'), 0);
  t.equal(g0.read('dbsize'), 5, "FLUSHALL in group 5 leaves group 0's keys");
  t.same(g0.apply(['flushall']), [new SimpleString('OK')]);
  t.equal(g0.read('dbsize'), 0);
});

t.test(
  'returned slots are served again, after a restart too; loans must be served and disjoint',
  async (t) => {
    const storage = new MemoryStorage();
    const g0 = new Group(new KvStateMachine(storage));
    const low = keysIn(0, 8191, 1, 'k');
    g0.apply(lendCommand(9, HALF));
    t.same(g0.apply(['set', low[0]!, 'v']), [NOT_SERVED]);
    t.same(g0.apply(returnCommand(9), ['set', low[0]!, 'v']), [1, new SimpleString('OK')]);
    t.same(g0.apply(returnCommand(9)), [0]);
    t.same(g0.sm.slotRanges, [[0, 16383]]);
    t.same(new KvStateMachine(storage).slotRanges, [[0, 16383]], 'the record says so after a restart');
    g0.apply(['flushall']);
    t.same(g0.apply(lendCommand(9, [[100, 200]])), [1]);
    t.same(g0.apply(lendCommand(10, [[150, 300]])), [
      new ErrorReply('ERR some of these slots are not served by this group'),
    ]);
  },
);

t.test("a script cannot reach another group's slots, declared or not", async (t) => {
  await initLua();
  const storage = new MemoryStorage();
  const g0 = new Group(new KvStateMachine(storage));
  g0.apply(lendCommand(5, HALF));
  const [low] = keysIn(0, 8191, 1, 's');
  const [high] = keysIn(8192, 16383, 1, 's');
  const undeclared = g0.apply(['eval', "return redis.call('set', ARGV[1], 'x')", '0', low!])[0];
  t.ok(undeclared instanceof ErrorReply && /CLUSTERDOWN Hash slot not served/.test(undeclared.message));
  t.same(g0.apply(['eval', "return redis.call('set', KEYS[1], 'x')", '1', low!]), [NOT_SERVED], 'declared');
  t.same(g0.apply(['eval', "return redis.call('set', ARGV[1], 'x')", '0', high!]), [new SimpleString('OK')]);
  t.equal(g0.read('dbsize'), 1);
});
