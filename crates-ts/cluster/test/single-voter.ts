// Test fixtures on real RocksDB: a fresh temp database (openTempDb); a bootstrapped one-voter
// group (KvStateMachine, no peers) whose driver is elected leader on the real event loop, for
// tests of GroupDriver policies; helpers that submit writes and resolve with their replies as
// text. Temp dirs are removed on teardown.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorReply, ManualClock, NULL_ARRAY, type Reply, SeededRandom, SimpleString } from '@seshat/common';
import { KvStateMachine } from '@seshat/kv';
import { bootstrapStorage, EMPTY_CONF_STATE } from '@seshat/raft';
import { openRocksStorage, type RocksStorage } from '@seshat/storage';
import type { Test } from 'tap';
import { GroupDriver, type GroupDriverOptions, RocksLogStorage } from '../src/index.js';

const GROUP = 0;
const ELECTION_TICKS_MAX = 200;

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A fresh RocksDB in a temp dir named `prefix...`; closed and removed on teardown. */
export async function openTempDb(t: Test, prefix = 'seshat-driver-'): Promise<RocksStorage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const storage = await openRocksStorage(dir);
  t.teardown(async () => {
    if (storage.isOpen) await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return storage;
}

export type SingleVoter = GroupDriver & { log: RocksLogStorage; sm: KvStateMachine };

/** A bootstrapped one-voter group on a fresh database, its driver elected leader. */
export async function singleVoterLeader(
  t: Test,
  policy: Partial<GroupDriverOptions> = {},
): Promise<SingleVoter> {
  const storage = await openTempDb(t);
  const sm = new KvStateMachine(storage, { groupId: GROUP });
  const log = new RocksLogStorage(storage, { groupId: GROUP });
  const batch = storage.batch();
  log.stage(batch);
  bootstrapStorage(log, { ...EMPTY_CONF_STATE, voters: [1] });
  log.unstage();
  sm.markApplied(1, batch);
  storage.write(batch, { sync: true });
  const driver = new GroupDriver({
    nodeId: 1,
    groupId: GROUP,
    storage,
    logStorage: log,
    sm,
    transport: { send: () => {}, sendSnapshot: async () => false },
    clock: new ManualClock(),
    random: new SeededRandom(7),
    fsync: false,
    ...policy,
  });
  t.teardown(() => driver.failAll());
  for (let i = 0; i < ELECTION_TICKS_MAX && !driver.isLeader; i++) {
    driver.tick();
    await nextTurn();
  }
  if (!driver.isLeader) throw new Error('single voter did not become leader');
  return Object.assign(driver, { log, sm });
}

/** A reply as text: simple strings and errors by their text, integers as ":n", the null array as "*-1". */
export function replyText(r: Reply): string {
  if (r instanceof SimpleString) return r.value;
  if (r instanceof ErrorReply) return r.message;
  if (typeof r === 'number' || typeof r === 'bigint') return `:${r}`;
  if (r === NULL_ARRAY) return '*-1';
  return String(r);
}

/** A waiter that resolves with the reply as text. */
export function replyWaiter(resolve: (text: string) => void) {
  return { onWriteReply: (r: Reply) => resolve(replyText(r)), flushOutput: () => {} };
}

/** Submits one write (`tag`: its write tag, 0 = none); resolves with its reply as text. */
export function write(driver: GroupDriver, argv: string[], tag = 0): Promise<string> {
  return new Promise((resolve) =>
    driver.submit(
      replyWaiter(resolve),
      0,
      argv.map((a) => Buffer.from(a)),
      tag,
    ),
  );
}

/** Submits one SET and resolves with its reply as text (the entry is applied by then). */
export function set(driver: GroupDriver, key: string, value: string): Promise<string> {
  return write(driver, ['SET', key, value]);
}
