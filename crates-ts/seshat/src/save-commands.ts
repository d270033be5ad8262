/**
 * SAVE, BGSAVE and LASTSAVE. Seshat has no RDB file: its dataset is the RocksDB in the data
 * dir, every write already logged and fsynced (appendfsync). What SAVE does is make that
 * store complete by itself: deferred records (docs/storage.md) are written, so RocksDB holds
 * exactly the applied state and a restart replays nothing, and the write is fsynced. BGSAVE does
 * the same after its reply, on a later turn of the event loop. LASTSAVE is the time of the last
 * save (the start of the process before any), and INFO's rdb_changes_since_last_save counts
 * the keys changed since.
 */
import { SimpleString, SeshatError } from '@seshat/common';
import { argIs } from '@seshat/kv';
import { def } from './server-commands.js';
import type { SeshatServer } from './server.js';

const S = 'server';
const BGSAVE_STARTED = new SimpleString('Background saving started');
const BGSAVE_SCHEDULED = new SimpleString('Background saving scheduled');

/** What INFO persistence reports about saves. */
export class SaveState {
  /** Unix seconds of the last successful save. */
  lastSaveSec: number;
  /** KvStats.keyChanges at the last save. */
  changesAtSave = 0;
  bgsaveInProgress = false;

  constructor(nowMs: number) {
    this.lastSaveSec = Math.floor(nowMs / 1000);
  }
}

/** Writes deferred records and fsyncs; records the save. */
export function saveNow(server: SeshatServer): void {
  server.sm.flushDeferred();
  server.syncStorage();
  server.saves.lastSaveSec = Math.floor(server.clock.nowMs() / 1000);
  server.saves.changesAtSave = server.sm.stats.keyChanges;
}

def(
  {
    name: 'save',
    arity: 1,
    flags: 'admin noscript no_async_loading no_multi',
    group: S,
    summary: 'Synchronously saves the database(s) to disk.',
    since: '1.0.0',
  },
  (server) => {
    if (server.saves.bgsaveInProgress) throw new SeshatError('ERR', 'Background save already in progress');
    saveNow(server);
    return new SimpleString('OK');
  },
);

def(
  {
    name: 'bgsave',
    arity: -1,
    flags: 'admin noscript no_async_loading',
    group: S,
    summary: 'Asynchronously saves the database(s) to disk.',
    since: '1.0.0',
  },
  (server, _c, argv) => {
    const schedule = argv.length === 2 && argIs(argv[1]!, 'schedule');
    if (argv.length > 2 || (argv.length === 2 && !schedule)) throw new SeshatError('ERR', 'syntax error');
    if (server.saves.bgsaveInProgress) {
      if (schedule) return BGSAVE_SCHEDULED;
      throw new SeshatError('ERR', 'Background save already in progress');
    }
    server.saves.bgsaveInProgress = true;
    setImmediate(() => {
      server.saves.bgsaveInProgress = false;
      saveNow(server);
    });
    return BGSAVE_STARTED;
  },
);

def(
  {
    name: 'lastsave',
    arity: 1,
    flags: 'loading stale fast',
    group: S,
    summary: 'Returns the Unix timestamp of the last successful save to disk.',
    since: '1.0.0',
  },
  (server) => server.saves.lastSaveSec,
);
