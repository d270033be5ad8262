// DUMP and RESTORE of streams, against redis-server 7.0.15.
// What: RESTORE of payloads captured from Redis, in the 7.0 layout (RDB type 19: nodes with
// deleted entries, an LZF-compressed listpack, groups, PELs, consumers, delivery and seen times)
// and in the older one (type 15, the suite's "Loading from legacy" payload: entries-added and
// read counters estimated); the restored stream keeps its node structure (`~` trimming after
// RESTORE); RESTORE's errors for corrupt stream payloads (re-signed with a valid CRC) and
// BUSYKEY; and DUMP: a stream dumped by either server restores on the other with the same XINFO
// STREAM FULL (only consumers' seen times differ between the two servers' originals).
// How: exact replies on both targets (helpers/targets.ts) for the RESTOREs; the cross-server
// part runs one Seshat and one redis-server side by side (skipped without redis-server).
import { crc64 } from '@seshat/kv';
import t, { type Test } from 'tap';
import { type Arg, type RespClient, show } from './helpers/resp-client.ts';
import { redisAvailable, startServer } from './helpers/server.ts';
import { type Case, checkCasesBothProtocols, connect, forEachTarget } from './helpers/targets.ts';

/** DUMP of a stream in redis-server 7.0.15 (stream-node-max-entries 2): see the header. */
const PAYLOAD_7_0 = Buffer.from(
  '1303100000000000000001000000000000000028280000000f00010101010101816602000102010001000181760204010301010100018177020401ff1000000000000000030000000000000000c3364056105600000013000201000101018167020001400a0400017b01042005000120030c0201816602817602816802a579e01b0003260801ff10000000000000000500000000000000051d1d0000000a000101000101018166020001020100010001dfff020401ff040505010002000502026731030081ffffffffffffffff0200000000000000010000000000000000e8030000000000000200000000000000030000000000000000d204000000000000090205616c696365e19b2d52a2010000010000000000000001000000000000000003626f62e39b2d52a20100000100000000000000030000000000000000026732030081ffffffffffffffff0001056361726f6ce39b2d52a2010000000a00f88cf9d4e7a3cc22',
  'hex',
);
/** The suite's payload DUMPed from Redis 5 (RDB type 15). */
const PAYLOAD_LEGACY = Buffer.from(
  '0f011000000000000000010000000000000000c3404a405716570000002300020104010101846461746105000103010020010381610204200a0001400a0062600a0002400a0063600a4022018164200a4039200a0065600a0005400a0066200a00ff02060002026731050004000000000000000100000000000000003ef783437a01000001000000000000000200000000000000003ef783437a01000001000000000000000400000000000000003ef783437a01000001000000000000000500000000000000003ef783437a0100000101036331313ef783437a01000004000000000000000100000000000000000000000000000002000000000000000000000000000000040000000000000000000000000000000500000000000000000267320000000009003d52ef6867521dfa',
  'hex',
);

/** `payload` with byte `at` set to `value` and its CRC64 recomputed (so only the content is bad). */
function corrupt(payload: Buffer, at: number, value: number): Buffer {
  const out = Buffer.from(payload);
  out[at] = value;
  out.writeBigUInt64LE(crc64(out, 0, out.length - 8), out.length - 8);
  return out;
}

/** `payload` with the first pending ID of consumer `name` changed to one its group lacks. */
function corruptConsumerPel(payload: Buffer, name: string): Buffer {
  const at = payload.indexOf(Buffer.from(name, 'latin1'));
  // name, seen time (8), PEL count (1 byte here), then the 16-byte ID: change its last byte.
  return corrupt(payload, at + name.length + 8 + 1 + 15, 0x07);
}

const BAD = '-ERR Bad data format';

const RESTORES: readonly Case[] = [
  [['RESTORE', 'x', '0', PAYLOAD_7_0], '+OK'],
  [
    ['XINFO', 'STREAM', 'x', 'FULL'],
    '["length", :4, "radix-tree-keys", :3, "radix-tree-nodes", :8, "last-generated-id", "5-5", "max-deleted-entry-id", "2-0", "entries-added", :5, "recorded-first-entry-id", "1-0", "entries", [["1-0", ["f", "v"]], ["3-0", ["g", "123"]], ["4-0", ["f", "v", "h", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"]], ["5-5", ["f", "-1"]]], "groups", [["name", "g1", "last-delivered-id", "3-0", "entries-read", $-1, "lag", $-1, "pel-count", :2, "pending", [["1-0", "alice", :1000, :2], ["3-0", "bob", :1234, :9]], "consumers", [["name", "alice", "seen-time", :1796675050465, "pel-count", :1, "pending", [["1-0", :1000, :2]]], ["name", "bob", "seen-time", :1796675050467, "pel-count", :1, "pending", [["3-0", :1234, :9]]]]], ["name", "g2", "last-delivered-id", "3-0", "entries-read", $-1, "lag", $-1, "pel-count", :0, "pending", [], "consumers", [["name", "carol", "seen-time", :1796675050467, "pel-count", :0, "pending", []]]]]]',
    '{"length": :4, "radix-tree-keys": :3, "radix-tree-nodes": :8, "last-generated-id": "5-5", "max-deleted-entry-id": "2-0", "entries-added": :5, "recorded-first-entry-id": "1-0", "entries": [["1-0", ["f", "v"]], ["3-0", ["g", "123"]], ["4-0", ["f", "v", "h", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"]], ["5-5", ["f", "-1"]]], "groups": [{"name": "g1", "last-delivered-id": "3-0", "entries-read": _, "lag": _, "pel-count": :2, "pending": [["1-0", "alice", :1000, :2], ["3-0", "bob", :1234, :9]], "consumers": [{"name": "alice", "seen-time": :1796675050465, "pel-count": :1, "pending": [["1-0", :1000, :2]]}, {"name": "bob", "seen-time": :1796675050467, "pel-count": :1, "pending": [["3-0", :1234, :9]]}]}, {"name": "g2", "last-delivered-id": "3-0", "entries-read": _, "lag": _, "pel-count": :0, "pending": [], "consumers": [{"name": "carol", "seen-time": :1796675050467, "pel-count": :0, "pending": []}]}]}',
  ],
  [['RESTORE', 'x', '0', PAYLOAD_7_0], '-BUSYKEY Target key name already exists.'],
  [['CONFIG', 'SET', 'stream-node-max-entries', '2'], '+OK'],
  // The restored nodes hold 1-0..2-0, 3-0..4-0 (full) and 5-5: `~` drops the first (one live),
  // and 6-0 joins 5-5's node.
  [['XTRIM', 'x', 'MAXLEN', '~', '3'], ':1'],
  [['XADD', 'x', '6-0', 'f', 'v'], '"6-0"'],
  [
    ['XINFO', 'STREAM', 'x'],
    '["length", :4, "radix-tree-keys", :2, "radix-tree-nodes", :6, "last-generated-id", "6-0", "max-deleted-entry-id", "2-0", "entries-added", :6, "recorded-first-entry-id", "3-0", "groups", :2, "first-entry", ["3-0", ["g", "123"]], "last-entry", ["6-0", ["f", "v"]]]',
    '{"length": :4, "radix-tree-keys": :2, "radix-tree-nodes": :6, "last-generated-id": "6-0", "max-deleted-entry-id": "2-0", "entries-added": :6, "recorded-first-entry-id": "3-0", "groups": :2, "first-entry": ["3-0", ["g", "123"]], "last-entry": ["6-0", ["f", "v"]]}',
  ],
  [['CONFIG', 'SET', 'stream-node-max-entries', '100'], '+OK'],
  [['RESTORE', 'old', '0', PAYLOAD_LEGACY], '+OK'],
  [
    ['XINFO', 'STREAM', 'old', 'FULL'],
    '["length", :2, "radix-tree-keys", :1, "radix-tree-nodes", :2, "last-generated-id", "6-0", "max-deleted-entry-id", "0-0", "entries-added", :2, "recorded-first-entry-id", "5-0", "entries", [["5-0", ["data", "e"]], ["6-0", ["data", "f"]]], "groups", [["name", "g1", "last-delivered-id", "5-0", "entries-read", :1, "lag", :1, "pel-count", :4, "pending", [["1-0", "c11", :1624630359870, :1], ["2-0", "c11", :1624630359870, :1], ["4-0", "c11", :1624630359870, :1], ["5-0", "c11", :1624630359870, :1]], "consumers", [["name", "c11", "seen-time", :1624630359870, "pel-count", :4, "pending", [["1-0", :1624630359870, :1], ["2-0", :1624630359870, :1], ["4-0", :1624630359870, :1], ["5-0", :1624630359870, :1]]]]], ["name", "g2", "last-delivered-id", "0-0", "entries-read", :0, "lag", :2, "pel-count", :0, "pending", [], "consumers", []]]]',
    '{"length": :2, "radix-tree-keys": :1, "radix-tree-nodes": :2, "last-generated-id": "6-0", "max-deleted-entry-id": "0-0", "entries-added": :2, "recorded-first-entry-id": "5-0", "entries": [["5-0", ["data", "e"]], ["6-0", ["data", "f"]]], "groups": [{"name": "g1", "last-delivered-id": "5-0", "entries-read": :1, "lag": :1, "pel-count": :4, "pending": [["1-0", "c11", :1624630359870, :1], ["2-0", "c11", :1624630359870, :1], ["4-0", "c11", :1624630359870, :1], ["5-0", "c11", :1624630359870, :1]], "consumers": [{"name": "c11", "seen-time": :1624630359870, "pel-count": :4, "pending": [["1-0", :1624630359870, :1], ["2-0", :1624630359870, :1], ["4-0", :1624630359870, :1], ["5-0", :1624630359870, :1]]}]}, {"name": "g2", "last-delivered-id": "0-0", "entries-read": :0, "lag": :2, "pel-count": :0, "pending": [], "consumers": []}]}',
  ],
  // Corrupt contents under a valid checksum that Redis refuses too (its default check of a
  // stream's listpacks is shallow): a node key that is no ID, a consumer's pending entry that is
  // not in its group's PEL.
  [['RESTORE', 'bad', '0', corrupt(PAYLOAD_7_0, 2, 0x0f)], BAD],
  [['RESTORE', 'bad', '0', corruptConsumerPel(PAYLOAD_7_0, 'alice')], BAD],
  [['RESTORE', 'bad', '0', corruptConsumerPel(PAYLOAD_LEGACY, 'c11')], BAD],
  [['EXISTS', 'bad'], ':0'],
];

forEachTarget(t, async (t, { server }) => {
  t.test('RESTORE of stream payloads from Redis (7.0 and older layouts), errors', (t) =>
    checkCasesBothProtocols(t, server, RESTORES),
  );
});

const SETUP: readonly Arg[][] = [
  ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
  ...Array.from({ length: 10 }, (_, i) => [
    'XADD',
    's',
    `${i + 1}-${i % 2}`,
    'f',
    String(i),
    ...(i % 4 ? [] : ['g', 'x'.repeat(30)]),
  ]),
  ['XDEL', 's', '4-1', '10-1'],
  ['XTRIM', 's', 'MINID', '2'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '9'],
  ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '3', 'STREAMS', 's', '>'],
  ['XCLAIM', 's', 'g', 'b', '0', '3-0', 'TIME', '777', 'RETRYCOUNT', '4'],
  ['XCLAIM', 's', 'g', 'a', '0', '2-1', '5-0', 'TIME', '555'],
  ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
];

async function fullInfo(c: RespClient, key: string): Promise<string> {
  return show(await c.send(['XINFO', 'STREAM', key, 'FULL'])).replace(
    /"seen-time", :\d+/g,
    '"seen-time", :?',
  );
}

async function crossRestore(t: Test): Promise<void> {
  const servers = { redis: await startServer('redis', { t }), seshat: await startServer('seshat', { t }) };
  const c = { redis: await connect(t, servers.redis), seshat: await connect(t, servers.seshat) };
  for (const side of ['redis', 'seshat'] as const) {
    for (const r of await c[side].pipeline(SETUP)) t.not(r.type, 'error', `${side}: ${show(r)}`);
  }
  const original = await fullInfo(c.redis, 's');
  t.equal(await fullInfo(c.seshat, 's'), original, 'the same stream on both servers');
  for (const [from, to] of [
    ['redis', 'seshat'],
    ['seshat', 'redis'],
  ] as const) {
    const payload = await c[from].send(['DUMP', 's']);
    if (payload.type !== 'bulk') throw new Error(`DUMP: ${show(payload)}`);
    t.equal(show(await c[to].send(['RESTORE', `from-${from}`, '0', payload.value])), '+OK');
    const copy = await fullInfo(c[to], `from-${from}`);
    // A DUMP made here drops the node's deleted entries: Redis then counts them as not there.
    t.equal(copy, original, `DUMP on ${from}, RESTORE on ${to}: the same stream`);
  }
}

t.test(
  'DUMP on one server, RESTORE on the other',
  { skip: !redisAvailable() && 'no redis-server' },
  crossRestore,
);
