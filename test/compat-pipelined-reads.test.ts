// Reads pipelined behind writes on one connection (standalone: they ride in the log entry after
// the writes, entry-reads.ts).
// What: a pipeline mixing writes and the reads that must see them (GET after SET, LRANGE after
// RPUSH, TTL after EXPIRE, a key expired by PX read behind a write, a wrong-type read, MGET,
// reads in another database after SELECT) answers exactly as Redis does, in order; and, Seshat
// only, 2,000 SET/GET pairs share a handful of log entries (INFO log_entries_written) instead
// of one entry and one fsync per pair, which made Redis's "PIPELINING stresser" take minutes.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts), each
// pipeline sent in one write.
import t, { type Test } from 'tap';
import { type Arg, type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const PAIRS = 2000;
/** Entries the pairs may take: a few per socket read, far below one per pair. */
const PAIR_ENTRIES_MAX = 200;

async function mixedPipeline(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.q('SET', 'gone', 'v', 'PX', '1');
  await waitUntil(async () => (await c.q('PTTL', 'gone')) === ':-2', { what: 'gone expired' });
  const cmds: Arg[][] = [
    ['SET', 'a', '1'],
    ['GET', 'a'],
    ['INCR', 'a'],
    ['GET', 'a'],
    ['RPUSH', 'l', 'x', 'y'],
    ['LRANGE', 'l', '0', '-1'],
    ['EXPIRE', 'l', '100'],
    ['TTL', 'l'],
    ['SET', 'b', '2'],
    ['GET', 'gone'],
    ['EXISTS', 'gone', 'a', 'b'],
    ['GET', 'l'],
    ['MGET', 'a', 'b', 'c'],
    ['SELECT', '2'],
    ['SET', 'a', 'db2'],
    ['GET', 'a'],
    ['SELECT', '0'],
    ['DEL', 'a'],
    ['GET', 'a'],
    ['DBSIZE'],
  ];
  t.same((await c.pipeline(cmds)).map(show), [
    '+OK',
    '"1"',
    ':2',
    '"2"',
    ':2',
    '["x", "y"]',
    ':1',
    ':100',
    '+OK',
    '$-1',
    ':2',
    '-WRONGTYPE Operation against a key holding the wrong kind of value',
    '["2", "2", $-1]',
    '+OK',
    '+OK',
    '"db2"',
    '+OK',
    ':1',
    '$-1',
    ':2',
  ]);
}

async function entriesWritten(c: RespClient): Promise<number> {
  const text = show(await c.send(['INFO', 'persistence']));
  return Number(/log_entries_written:(\d+)/.exec(text)?.[1] ?? Number.NaN);
}

async function pairsShareEntries(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const before = await entriesWritten(c);
  t.ok(Number.isFinite(before), 'INFO reports log_entries_written');
  const cmds: Arg[][] = [];
  for (let i = 0; i < PAIRS; i++) cmds.push(['SET', `key:${i}`, `0000${i}0000`], ['GET', `key:${i}`]);
  const replies = (await c.pipeline(cmds)).map(show);
  const bad = replies.findIndex((r, i) => r !== (i % 2 === 0 ? '+OK' : `"0000${(i - 1) / 2}0000"`));
  t.equal(bad, -1, 'every GET sees the SET before it');
  const entries = (await entriesWritten(c)) - before;
  t.ok(entries <= PAIR_ENTRIES_MAX, `${PAIRS} pairs in ${entries} entries`);
}

forEachTarget(t, async (t, { server }) => {
  t.test('reads behind writes answer in order', (t) => mixedPipeline(t, server));
});

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('pipelined SET/GET pairs share log entries', (t) => pairsShareEntries(t, server));
  },
  { only: ['seshat'], name: 'entries' },
);
