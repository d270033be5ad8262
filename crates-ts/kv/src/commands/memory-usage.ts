/**
 * MEMORY USAGE key [SAMPLES count] and MEMORY HELP (Redis 7.0 object.c memoryCommand syntax
 * and errors).
 *
 * What the number counts: the bytes of the RocksDB rows that hold the key here, uncompressed,
 * before RocksDB's own per-entry overhead: the `meta` row (meta key + record, a string's value
 * inline) plus, for a collection, every element's rows in `sub` (and `zscore` for sorted sets),
 * keys and values. Like Redis, a collection with more elements than `count` (default 5, 0 = all)
 * is sampled: its first `count` elements' rows are measured and their average multiplied by the
 * element count. It is not what Redis would allocate for the same value (Redis's figure counts
 * its in-memory structures); it is what this key costs in Seshat's storage.
 */
import { type Reply, SimpleString } from '@seshat/common';
import { argIs, parseI64, syntaxError } from '../args.js';
import { collectionSize, elementPrefix, metaVersion, prefixEnd } from '../collection.js';
import { defineCommand, defineSubcommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKey } from '../keys.js';
import { KeyType, metaType } from '../meta.js';

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES. */
const DEFAULT_SAMPLES = 5;

/** Parses [SAMPLES count]; 0 means every element. */
function parseSamples(argv: Buffer[]): number {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (!argIs(argv[j]!, 'samples') || j + 1 >= argv.length) throw syntaxError();
    const n = parseI64(argv[++j]!);
    if (n < 0n) throw syntaxError();
    samples = n === 0n ? Number.POSITIVE_INFINITY : n > 1_000_000_000n ? 1_000_000_000 : Number(n);
  }
  return samples;
}

/** Bytes (keys + values) of the first `max` rows of `cf` under `prefix`, and how many rows. */
/** Stream records of `sub` (nodes, groups, consumers, PEL) MEMORY USAGE reads at most. */
const STREAM_SUB_ROWS_MAX = 10_000;

function sampleRows(
  ctx: Ctx,
  cf: 'sub' | 'zscore' | 'stream',
  prefix: Buffer,
  max: number,
): { bytes: number; rows: number } {
  const it = ctx.store.iterator(cf, { gte: prefix, lt: prefixEnd(prefix) });
  let bytes = 0;
  let rows = 0;
  try {
    while (rows < max) {
      const batch = it.nextBatch(Math.min(256, max - rows));
      if (batch.length === 0) break;
      for (let i = 0; i < batch.length; i += 2) bytes += batch[i]!.length + batch[i + 1]!.length;
      rows += batch.length / 2;
    }
  } finally {
    it.close();
  }
  return { bytes, rows };
}

/** The estimate for a live key (see the header). */
export function keyStorageBytes(ctx: Ctx, mk: Buffer, raw: Buffer, samples: number): number {
  const own = mk.length + raw.length;
  if (metaType(raw) === KeyType.String) return own;
  const size = collectionSize(raw);
  const prefix = elementPrefix(mk, metaVersion(raw));
  let total = own;
  const type = metaType(raw);
  if (type === KeyType.Stream) {
    // Entries are sampled like elements; the node, group and PEL records in `sub` are counted
    // as they are (up to STREAM_SUB_ROWS_MAX), since their number is not the stream's length.
    const e = sampleRows(ctx, 'stream', prefix, Math.min(samples, size));
    if (e.rows > 0) total += Math.round((e.bytes / e.rows) * size);
    return total + sampleRows(ctx, 'sub', prefix, STREAM_SUB_ROWS_MAX).bytes;
  }
  const families: ('sub' | 'zscore')[] = type === KeyType.ZSet ? ['sub', 'zscore'] : ['sub'];
  for (const cf of families) {
    const s = sampleRows(ctx, cf, prefix, Math.min(samples, size));
    if (s.rows > 0) total += Math.round((s.bytes / s.rows) * size);
  }
  return total;
}

function memoryUsage(ctx: Ctx, argv: Buffer[]): Reply {
  const samples = parseSamples(argv);
  const mk = metaKey(ctx.db, argv[2]!);
  const raw = ctx.lookup(mk);
  return raw === undefined ? null : keyStorageBytes(ctx, mk, raw, samples);
}

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
].map((s) => new SimpleString(s));

defineCommand(
  {
    name: 'memory',
    arity: -2,
    flags: '',
    group: 'server',
    summary: 'A container for memory diagnostics commands',
    since: '4.0.0',
    complexity: 'Depends on subcommand.',
    exec: 'read',
  },
  null,
);
defineSubcommand(
  'memory',
  {
    name: 'usage',
    arity: -3,
    flags: 'readonly',
    keys: [2, 2, 1],
    group: 'server',
    summary: 'Estimate the memory usage of a key',
    since: '4.0.0',
    exec: 'read',
  },
  memoryUsage,
);
defineSubcommand(
  'memory',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: 'server',
    summary: 'Show helpful text about the different subcommands',
    since: '4.0.0',
    exec: 'read',
  },
  () => MEMORY_HELP,
);
