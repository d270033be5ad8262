/**
 * XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP (Redis 7.0
 * t_stream.c xinfoCommand). Reads; idle times use the serving node's clock. radix-tree-keys is
 * the node count stream-store.ts keeps; radix-tree-nodes is the node count of the radix tree
 * Redis would build over the nodes' 16-byte master IDs (see raxNodeCount).
 */
import { MapReply, type Reply, SeshatError, SimpleString } from '@seshat/common';
import { argIs, tryParseI64 } from '../args.js';
import { defineCommand, defineSubcommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { encodeId, idReply, MAX_ID, ZERO_ID } from '../stream-id.js';
import { getGroup, type Group, listConsumers, listGroups, scanPel } from '../stream-groups.js';
import { groupLag, UNKNOWN } from '../stream-lag.js';
import { openStream, scanEntries, scanNodes, type StreamHandle } from '../stream-store.js';
import { subcommandSyntaxError } from './stream-groups.js';
import { entryReply, rangeReply } from './streams.js';

const S = 'stream';
/** XINFO STREAM FULL's default COUNT, so a big stream does not block the server. */
const FULL_COUNT_DEFAULT = 10;

function text(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/**
 * rax.c's node count for a set of distinct fixed-length keys, in sorted order: the root, every
 * key's leaf, every branching prefix and every child of one. Compressed chains between them are
 * one node each (counted at their end), which is how raxInsert and raxRemove leave the tree.
 */
export function raxNodeCount(sortedKeys: readonly Buffer[]): number {
  const nodes = new Set<string>(['']);
  for (let i = 0; i < sortedKeys.length; i++) {
    const k = sortedKeys[i]!;
    nodes.add(k.toString('latin1'));
    if (i === 0) continue;
    const prev = sortedKeys[i - 1]!;
    let lcp = 0;
    while (lcp < k.length && k[lcp] === prev[lcp]) lcp++;
    nodes.add(k.subarray(0, lcp).toString('latin1'));
    nodes.add(k.subarray(0, lcp + 1).toString('latin1'));
    nodes.add(prev.subarray(0, lcp + 1).toString('latin1'));
  }
  return nodes.size;
}

function radixTreeNodes(ctx: Ctx, s: StreamHandle): number {
  const keys: Buffer[] = [];
  scanNodes(ctx, s, ZERO_ID, false, (n) => {
    keys.push(encodeId(n.master));
    return true;
  });
  return raxNodeCount(keys);
}

function streamHead(ctx: Ctx, s: StreamHandle): Reply[] {
  const m = s.meta;
  return [
    text('length'),
    m.length,
    text('radix-tree-keys'),
    m.nodes,
    text('radix-tree-nodes'),
    radixTreeNodes(ctx, s),
    text('last-generated-id'),
    idReply(m.lastId),
    text('max-deleted-entry-id'),
    idReply(m.maxDeletedId),
    text('entries-added'),
    m.entriesAdded,
    text('recorded-first-entry-id'),
    idReply(m.firstId),
  ];
}

function edgeEntry(ctx: Ctx, s: StreamHandle, last: boolean): Reply {
  let out: Reply = null;
  scanEntries(
    ctx,
    s,
    ZERO_ID,
    MAX_ID,
    last,
    (id, fields) => {
      out = entryReply(id, fields);
      return false;
    },
    1,
  );
  return out;
}

function entriesRead(g: Group): Reply {
  return g.entriesRead === UNKNOWN ? null : g.entriesRead;
}

/** XINFO STREAM FULL's description of one group: its PEL and consumers, `count` of each. */
function fullGroup(ctx: Ctx, s: StreamHandle, g: Group, count: number): Reply {
  const pending: Reply[] = [];
  scanPel(ctx, s, g.name, null, ZERO_ID, MAX_ID, (n) => {
    pending.push([idReply(n.id), n.consumer, n.deliveryTimeMs, BigInt.asIntN(64, n.deliveryCount)]);
    return count === 0 || pending.length < count;
  });
  const consumers: Reply[] = listConsumers(ctx, s, g.name).map((c) => {
    const own: Reply[] = [];
    scanPel(ctx, s, g.name, c.name, ZERO_ID, MAX_ID, (n) => {
      own.push([idReply(n.id), n.deliveryTimeMs, BigInt.asIntN(64, n.deliveryCount)]);
      return count === 0 || own.length < count;
    });
    const fields = [text('name'), c.name, text('seen-time'), c.seenTimeMs, text('pel-count'), c.pel];
    return new MapReply([...fields, text('pending'), own]);
  });
  const lag = groupLag(s.meta, g);
  return new MapReply([
    ...[
      text('name'),
      g.name,
      text('last-delivered-id'),
      idReply(g.lastId),
      text('entries-read'),
      entriesRead(g),
    ],
    ...[text('lag'), lag, text('pel-count'), g.pel, text('pending'), pending, text('consumers'), consumers],
  ]);
}

/** XINFO STREAM's options: none, FULL, or FULL COUNT n; returns -1 for the short form. */
function parseStreamOptions(argv: Buffer[]): number {
  const opts = argv.length - 3;
  if (opts === 0) return -1;
  if ((opts !== 1 && opts !== 3) || !argIs(argv[3]!, 'full')) throw subcommandSyntaxError(argv, 'XINFO');
  if (opts === 1) return FULL_COUNT_DEFAULT;
  if (!argIs(argv[4]!, 'count')) throw subcommandSyntaxError(argv, 'XINFO');
  const v = tryParseI64(argv[5]!);
  if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
  return v < 0n ? FULL_COUNT_DEFAULT : v > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(v);
}

/** XINFO's key lookup: "no such key" when absent, WRONGTYPE for another type. */
function streamOrError(ctx: Ctx, argv: Buffer[]): StreamHandle {
  const s = openStream(ctx, metaKey(ctx.db, argv[2]!));
  if (s === undefined) throw new SeshatError('ERR', 'no such key');
  return s;
}

function xinfoStream(ctx: Ctx, argv: Buffer[]): Reply {
  const s = streamOrError(ctx, argv);
  const count = parseStreamOptions(argv);
  const head = streamHead(ctx, s);
  if (count < 0) {
    const tail = [text('groups'), s.meta.groups, text('first-entry'), edgeEntry(ctx, s, false)];
    return new MapReply([...head, ...tail, text('last-entry'), edgeEntry(ctx, s, true)]);
  }
  const entries = rangeReply(ctx, s, ZERO_ID, MAX_ID, false, count);
  const groups = listGroups(ctx, s).map((g) => fullGroup(ctx, s, g, count));
  return new MapReply([...head, text('entries'), entries, text('groups'), groups]);
}

function xinfoGroups(ctx: Ctx, argv: Buffer[]): Reply {
  const s = streamOrError(ctx, argv);
  return listGroups(ctx, s).map(
    (g) =>
      new MapReply([
        ...[text('name'), g.name, text('consumers'), g.consumers, text('pending'), g.pel],
        ...[text('last-delivered-id'), idReply(g.lastId), text('entries-read'), entriesRead(g)],
        ...[text('lag'), groupLag(s.meta, g)],
      ]),
  );
}

function xinfoConsumers(ctx: Ctx, argv: Buffer[]): Reply {
  const s = streamOrError(ctx, argv);
  const group = argv[3]!;
  if (getGroup(ctx, s, group) === undefined) {
    throw new SeshatError(
      'NOGROUP',
      `No such consumer group '${group.toString('latin1')}' for key name '${argv[2]!.toString('latin1')}'`,
    );
  }
  const now = ctx.nowMs;
  return listConsumers(ctx, s, group).map(
    (c) =>
      new MapReply([
        text('name'),
        c.name,
        text('pending'),
        c.pel,
        text('idle'),
        Math.max(0, now - c.seenTimeMs),
      ]),
  );
}

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
].map((s) => new SimpleString(s));

defineCommand(
  { name: 'xinfo', arity: -2, flags: '', group: S, summary: 'XINFO', since: '5.0.0', exec: 'read' },
  null,
);
const sub = (name: string, arity: number, handler: (ctx: Ctx, argv: Buffer[]) => Reply) =>
  defineSubcommand(
    'xinfo',
    {
      name,
      arity,
      flags: 'readonly',
      keys: arity === 2 ? [0, 0, 0] : [2, 2, 1],
      group: S,
      summary: name,
      since: '5.0.0',
      exec: 'read',
    },
    handler,
  );
sub('stream', -3, xinfoStream);
sub('groups', 3, xinfoGroups);
sub('consumers', 4, xinfoConsumers);
sub('help', 2, () => XINFO_HELP);
