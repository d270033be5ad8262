/** FLUSHDB, FLUSHALL and DBSIZE. Flushes go through the log like every other write. */
import { OK, type Reply } from '@seshat/common';
import { argIs, syntaxError } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { metaKeyDb } from '../keys.js';
import { isReservedMetaKey } from '../scripting/library-store.js';
import { scopedIterator } from '../slot-scope.js';

const FLUSH_BATCH_ROWS = 1024;

function parseFlushMode(argv: Buffer[]): void {
  if (argv.length > 2) throw syntaxError();
  if (argv.length === 2 && !argIs(argv[1]!, 'sync') && !argIs(argv[1]!, 'async')) throw syntaxError();
}

/** Deletes every key of `db` (all dbs when db < 0), expired ones included, in the slots the
 * state machine serves. Function libraries (reserved records) stay: FLUSHALL does not touch
 * them in Redis either. */
function flush(ctx: Ctx, db: number): void {
  ctx.flushed = true;
  const it = scopedIterator(ctx.store, 'meta', ctx.slotRanges);
  try {
    for (let rows = it.nextBatch(FLUSH_BATCH_ROWS); rows.length > 0; rows = it.nextBatch(FLUSH_BATCH_ROWS)) {
      for (let i = 0; i < rows.length; i += 2) {
        if (db >= 0 ? metaKeyDb(rows[i]!) !== db : isReservedMetaKey(rows[i]!)) continue;
        ctx.deleteKey(rows[i]!, rows[i + 1]!);
      }
    }
  } finally {
    it.close();
  }
}

defineCommand(
  {
    name: 'flushdb',
    arity: -1,
    flags: 'write',
    group: 'server',
    summary: 'Remove all keys from the current database.',
    since: '1.0.0',
    complexity: 'O(N) where N is the number of keys in the selected database',
    exec: 'write',
    acl: '@keyspace @dangerous',
  },
  (ctx, argv) => {
    parseFlushMode(argv);
    flush(ctx, ctx.db);
    return OK;
  },
);
defineCommand(
  {
    name: 'flushall',
    arity: -1,
    flags: 'write',
    group: 'server',
    summary: 'Removes all keys from all databases.',
    since: '1.0.0',
    complexity: 'O(N) where N is the total number of keys in all databases',
    exec: 'write',
    acl: '@keyspace @dangerous',
  },
  (ctx, argv) => {
    parseFlushMode(argv);
    flush(ctx, -1);
    return OK;
  },
);
defineCommand(
  {
    name: 'dbsize',
    arity: 1,
    flags: 'readonly fast',
    group: 'server',
    summary: 'Returns the number of keys in the database.',
    since: '1.0.0',
    exec: 'read',
    acl: '@keyspace',
  },
  (ctx): Reply => ctx.counts.keys[ctx.db]!,
);
