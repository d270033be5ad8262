/**
 * Makes RocksDB writes durable off the event loop.
 *
 * The binding's synced write (`batch.write({sync: true})`) runs RocksDB's WAL fsync on the
 * calling thread: the whole node stops for every fsync (0.1-0.7 ms here, more while other
 * processes sync). Instead the write path writes its batches unsynced (RocksDB appends each
 * record to the current WAL file with write(2) before `Write` returns, as long as
 * manual_wal_flush is off, the binding's default) and then asks this class for a sync,
 * which `fdatasync`s the WAL files in libuv's thread pool. Everything written before
 * `sync()` was called is durable when its promise resolves.
 *
 * Which files: RocksDB names its WALs `NNNNNN.log` in the database directory and starts a
 * new one whenever a memtable is switched; the previous one may still hold unsynced
 * records until its memtables are flushed (then RocksDB deletes it, and its data is in
 * synced SST files). So every round lists the directory and syncs each WAL file not yet
 * known to be fully synced: the newest one always, older ones until one round has synced
 * them after a newer file existed (nothing is appended to them after that). A WAL file
 * seen for the first time also gets the directory fsynced, so that its name survives a
 * power loss (RocksDB's own SyncWAL does the same).
 *
 * Rounds are coalesced (group commit): while one round runs, every caller waits for the
 * next round, which starts when the running one ends and covers all of them.
 */
import {
  close as closeCb,
  closeSync,
  fdatasync as fdatasyncCb,
  fsync as fsyncCb,
  open as openCb,
} from 'node:fs';
import { readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { SeshatError } from '@seshat/common';

// Plain fds (not FileHandles): the thread-pool calls without a FileHandle per file.
const openAsync = promisify(openCb);
const closeAsync = promisify(closeCb);
const fsyncAsync = promisify(fsyncCb);
const fdatasync = promisify(fdatasyncCb);

const WAL_FILE = /^(\d+)\.log$/;

/** Counters for INFO: rounds run, files synced, time in rounds. */
export interface WalSyncStats {
  rounds: number;
  filesSynced: number;
  roundMs: number;
}

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}

export class WalSync {
  /** fd by WAL file number, for files that may still need a sync. */
  private readonly open = new Map<number, number>();
  /** Files below this number are fully synced (no newer appends can reach them). */
  private syncedBelow = 0;
  /** Callers waiting for the next round (it covers every write made before it starts). */
  private waiting: Waiter[] = [];
  private running = false;
  private closed = false;
  private idle: (() => void) | null = null;
  readonly stats: WalSyncStats = { rounds: 0, filesSynced: 0, roundMs: 0 };

  constructor(private readonly dir: string) {}

  /** Resolves once every write made before this call is durable; rejects with a STORAGE
   * error if an fsync failed (treat as fatal: the WAL's state is unknown). */
  sync(): Promise<void> {
    if (this.closed) return Promise.reject(new SeshatError('STORAGE', 'WAL sync after close'));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) this.startRound();
    });
  }

  /** Whether a caller waits for a round or one is running. */
  get busy(): boolean {
    return this.running || this.waiting.length > 0;
  }

  /** Takes every waiting caller into one round; the next round starts when it ends if
   * callers arrived meanwhile (their writes may postdate this round's fsyncs). */
  private startRound(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.running = true;
    this.round().then(
      () => this.endRound(batch, null),
      (e: unknown) => this.endRound(batch, storageError(e)),
    );
  }

  private endRound(batch: Waiter[], error: SeshatError | null): void {
    this.running = false;
    for (const w of batch) {
      if (error === null) w.resolve();
      else w.reject(error);
    }
    if (this.waiting.length > 0) this.startRound();
    else this.idle?.();
  }

  /**
   * One round. The files already open are synced while the directory is listed (the common
   * case costs one fdatasync); files the listing reveals are opened and synced after it,
   * with the directory. A file older than the newest one is forgotten only after a sync
   * issued once the listing had shown the newer file: an earlier sync may precede the last
   * appends to it (the event loop goes on writing during a round).
   */
  private async round(): Promise<void> {
    const t0 = performance.now();
    const early = [...this.open.entries()];
    const [numbers] = await Promise.all([this.walNumbers(), ...early.map(([, fd]) => fdatasync(fd))]);
    const newest = numbers.length === 0 ? -1 : numbers[numbers.length - 1]!;
    const late: Promise<void>[] = [];
    let newFile = false;
    for (const n of numbers) {
      if (n < this.syncedBelow) continue;
      const fd = this.open.get(n);
      if (fd === undefined) {
        const opened = await this.openWal(n);
        if (opened === null) continue;
        newFile = true;
        late.push(fdatasync(opened));
      } else if (n < newest) late.push(fdatasync(fd));
    }
    await Promise.all(late);
    if (newFile) await this.syncDir();
    this.forgetBelow(newest, numbers);
    this.stats.rounds++;
    this.stats.filesSynced += early.length + late.length;
    this.stats.roundMs += performance.now() - t0;
  }

  /** Opens WAL file `n`; null if it is gone (its memtables were flushed to synced SSTs). */
  private async openWal(n: number): Promise<number | null> {
    let fd: number;
    try {
      fd = await openAsync(`${this.dir}/${n.toString().padStart(6, '0')}.log`, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    this.open.set(n, fd);
    return fd;
  }

  /** Files older than the newest one were synced after the newest existed: done with them. */
  private forgetBelow(newest: number, present: number[]): void {
    if (newest < 0) return;
    const live = new Set(present);
    for (const [n, fd] of this.open) {
      if (n >= newest && live.has(n)) continue;
      this.open.delete(n);
      closeSync(fd);
    }
    this.syncedBelow = newest;
  }

  private async walNumbers(): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      throw storageError(e);
    }
    const out: number[] = [];
    for (const name of names) {
      const m = WAL_FILE.exec(name);
      if (m !== null) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  private async syncDir(): Promise<void> {
    const fd = await openAsync(this.dir, 'r');
    try {
      await fsyncAsync(fd);
    } finally {
      await closeAsync(fd);
    }
  }

  /** Waits for a running round and releases the files (idempotent). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.busy) await new Promise<void>((resolve) => (this.idle = resolve));
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}

function storageError(e: unknown): SeshatError {
  if (e instanceof SeshatError) return e;
  return new SeshatError('STORAGE', `WAL sync failed: ${(e as Error).message}`);
}
