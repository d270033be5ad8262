// Checks streams in the state machine without a server: two replicas applying the same entries
// (XADD `*`, groups, deliveries, claims, trims) reach the same bytes (digest) and replies, with
// `*` IDs and delivery times taken from the entry stamps; a blocked XREADGROUP's internal retry
// waits, serves, or fails as blocked.c does; the sweeper reclaims the rows of a deleted stream;
// and the pure helpers: ID parsing (Redis's string2ull quirks), listpack sizes, rax node counts.
import { ErrorReply, MapOrPairsReply, type MapReply } from '@seshat/common';
import { encodeEntry, KvStateMachine, resolveCommand, WOULD_BLOCK } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';
import { raxNodeCount } from '../src/commands/stream-info.js';
import { INTERNAL_XREADGROUP } from '../src/commands/stream-readgroup.js';
import { lpStringBytes } from '../src/listpack-size.js';
import { formatId, parseRangeBound, parseStrictId, parseU64 } from '../src/stream-id.js';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });

function read(sm: KvStateMachine, nowMs: number, ...args: string[]) {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, nowMs);
}

function rowCount(storage: MemoryStorage, cf: 'sub' | 'stream'): number {
  let n = 0;
  const it = storage.iterator(cf, {});
  for (let r = it.nextBatch(100); r.length; r = it.nextBatch(100)) n += r.length / 2;
  it.close();
  return n;
}

const ENTRIES = [
  encodeEntry(5000, 1, [
    cmd('xadd', 's', '*', 'a', '1'),
    cmd('xadd', 's', '*', 'b', '2'),
    cmd('xgroup', 'create', 's', 'g', '0'),
  ]),
  encodeEntry(5001, 2, [cmd('xreadgroup', 'group', 'g', 'alice', 'count', '1', 'streams', 's', '>')]),
  encodeEntry(5003, 3, [
    cmd('xadd', 's', 'maxlen', '2', '*', 'c', '3'),
    cmd('xreadgroup', 'group', 'g', 'bob', 'streams', 's', '>'),
  ]),
  encodeEntry(5010, 4, [
    cmd('xclaim', 's', 'g', 'carol', '5', '5000-0'),
    cmd('xautoclaim', 's', 'g', 'dave', '0', '0', 'count', '1'),
  ]),
];

t.test('two replicas reach the same bytes; * IDs and delivery times come from the stamp', async (t) => {
  const sms = [new KvStateMachine(new MemoryStorage()), new KvStateMachine(new MemoryStorage())];
  const replies = sms.map((sm) => ENTRIES.map((e, i) => sm.apply(i + 1, e)));
  t.same(replies[0], replies[1], 'same replies');
  t.equal(sms[0]!.digest().digest, sms[1]!.digest().digest, 'same digest');
  t.same(replies[0]![0]!.slice(0, 2), [b('5000-0'), b('5000-1')], 'IDs from the stamp, in one entry');
  t.same(replies[0]![2]![0], b('5003-0'));
  // At 5010 the entry 5000-0 (delivered at 5001, trimmed by MAXLEN 2) is gone: XCLAIM drops it.
  t.same(replies[0]![3]![0], [], 'a trimmed entry is not claimed');
  const pending = read(sms[0]!, 5020, 'xpending', 's', 'g', '-', '+', '10');
  t.same(
    pending,
    [
      [b('5000-1'), b('dave'), 10, 2n],
      [b('5003-0'), b('bob'), 17, 1n],
    ],
    'delivered at 5003; 5000-1 claimed at 5010 by XAUTOCLAIM; idle times at 5020',
  );
  const info = read(sms[1]!, 9999, 'xinfo', 'consumers', 's', 'g') as MapReply[];
  t.same(
    info.map((m) => m.items),
    [
      [b('name'), b('alice'), b('pending'), 0, b('idle'), 4998],
      [b('name'), b('bob'), b('pending'), 1, b('idle'), 4996],
      [b('name'), b('dave'), b('pending'), 1, b('idle'), 4989],
    ],
    'seen times from the stamps, idle from the read clock',
  );
});

t.test('the blocked XREADGROUP retry waits, serves, or fails', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  const retry = (...keys: string[]) => ({
    db: 0,
    argv: [INTERNAL_XREADGROUP, b('g'), b('c'), b('1000'), b('0'), ...keys.map(b)],
  });
  sm.apply(1, encodeEntry(100, 1, [cmd('xgroup', 'create', 's', 'g', '$', 'mkstream')]));
  t.same(sm.apply(2, encodeEntry(101, 1, [retry('s')])), [WOULD_BLOCK], 'nothing new: still waiting');
  const served = sm.apply(3, encodeEntry(102, 1, [cmd('xadd', 's', '1-1', 'f', 'v'), retry('s')]))![1];
  t.ok(served instanceof MapOrPairsReply);
  t.same((served as MapOrPairsReply).items, [b('s'), [[b('1-1'), [b('f'), b('v')]]]]);
  t.same(read(sm, 200, 'xpending', 's', 'g'), [1, b('1-1'), b('1-1'), [[b('c'), b('1')]]]);
  const [gone] = sm.apply(4, encodeEntry(103, 1, [cmd('xgroup', 'destroy', 's', 'g'), retry('s')]))!.slice(1);
  t.same(gone, new ErrorReply('NOGROUP the consumer group this client was blocked on no longer exists'));
  const [deleted] = sm.apply(5, encodeEntry(104, 1, [cmd('set', 's', 'x'), retry('s')]))!.slice(1);
  t.same(deleted, new ErrorReply('UNBLOCKED the stream key no longer exists'));
});

t.test('the sweeper reclaims the entries, nodes and groups of a deleted stream', async (t) => {
  const storage = new MemoryStorage();
  const sm = new KvStateMachine(storage);
  for (const [i, e] of ENTRIES.entries()) sm.apply(i + 1, e);
  t.ok(rowCount(storage, 'stream') > 0 && rowCount(storage, 'sub') > 0, 'rows exist');
  sm.apply(5, encodeEntry(6000, 5, [cmd('del', 's')]));
  let index = 6;
  for (let cmds = sm.staleElementCommands(3); cmds.length > 0; cmds = sm.staleElementCommands(3)) {
    sm.apply(
      index++,
      encodeEntry(
        6000 + index,
        1,
        cmds.map((argv) => ({ db: 0, argv })),
      ),
    );
  }
  t.equal(rowCount(storage, 'stream'), 0, 'no entry rows left');
  t.equal(rowCount(storage, 'sub'), 0, 'no node, group, consumer or PEL rows left');
});

t.test('stream IDs parse as Redis parses them', async (t) => {
  t.equal(parseU64('18446744073709551615'), 0xffff_ffff_ffff_ffffn);
  t.equal(parseU64('18446744073709551616'), undefined, 'overflow');
  t.equal(parseU64('007'), 7n, 'leading zeros: strtoull');
  t.equal(parseU64(' +7'), 7n, 'space and plus: strtoull');
  t.equal(parseU64('-1'), undefined, 'a negative int64 is refused');
  t.equal(parseU64('-01'), 0xffff_ffff_ffff_ffffn, 'but strtoull negates other spellings');
  t.equal(parseU64(''), undefined);
  t.equal(parseU64('1x'), undefined);
  t.equal(formatId(parseStrictId(b('5'))), '5-0');
  t.equal(formatId(parseStrictId(b('5-3\x00junk'))), '5-3', 'a C string ends at NUL');
  t.throws(() => parseStrictId(b('+')), /Invalid stream ID/);
  t.equal(formatId(parseRangeBound(b('5'), false)), '5-18446744073709551615');
  t.equal(formatId(parseRangeBound(b('(5-0'), false)), '4-18446744073709551615');
  t.throws(() => parseRangeBound(b('(0-0'), false), /invalid end ID for the interval/);
  t.throws(() => parseRangeBound(b('(-'), true), /Invalid stream ID/);
});

t.test('listpack element sizes and rax node counts', async (t) => {
  const sizes = [
    'v',
    '127',
    '128',
    '-4096',
    '4096',
    '007',
    '-0',
    'x'.repeat(63),
    'x'.repeat(64),
    'x'.repeat(127),
  ];
  t.same(
    sizes.map((s) => lpStringBytes(b(s))),
    [3, 2, 3, 3, 4, 5, 4, 65, 67, 131],
    'ints, strings and back-lengths as listpack.c encodes them',
  );
  const key = (...bytes: number[]) => Buffer.from([...Array(16 - bytes.length).fill(0), ...bytes]);
  t.equal(raxNodeCount([]), 1, 'an empty tree is its root');
  t.equal(raxNodeCount([key(1)]), 2, 'root (compressed) and leaf');
  t.equal(raxNodeCount([key(1), key(2)]), 4, 'one branch at depth 15');
  t.equal(raxNodeCount([key(1, 1), key(2, 1), key(2, 2)]), 7, 'branches at depths 14 and 15');
});
