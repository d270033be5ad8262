// KV state for the snapshot tests: entries of real commands (strings, hashes, sets, sorted
// sets, lists, keys with deadlines) applied through KvStateMachine, and a dump of the
// image families plus the applied record for byte-exact comparisons.
import { encodeEntry, type KvStateMachine } from '@seshat/kv';
import type { Storage, StorageReader } from '@seshat/storage';
import { IMAGE_CFS } from '../src/index.js';

export const GROUP = 1;

const cmd = (...args: string[]) => ({ db: 0, argv: args.map((a) => Buffer.from(a)) });

/** `count` entries of mixed commands on keys named `${prefix}...`, stamped from timeMs. */
export function kvEntries(prefix: string, count: number, timeMs = 1_000_000, bigValueBytes = 0): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const k = `${prefix}${i}`;
    const commands = [
      cmd('set', `${k}:s`, `v${i}`),
      cmd('hset', `${k}:h`, 'f1', `a${i}`, 'f2', `b${i}`),
      cmd('sadd', `${k}:set`, 'x', 'y', `${i}`),
      cmd('zadd', `${k}:z`, `${i}`, 'm1', `${i * 2}`, 'm2'),
      cmd('rpush', `${k}:l`, 'one', 'two'),
      cmd('set', `${k}:ttl`, 'soon', 'px', '100000000'),
    ];
    if (bigValueBytes > 0) commands.push(cmd('set', `${k}:big`, String(i % 10).repeat(bigValueBytes)));
    out.push(encodeEntry(timeMs + i, i + 1, commands));
  }
  return out;
}

/** Applies entries after the state machine's applied index; returns the new applied index. */
export function applyAll(sm: KvStateMachine, entries: readonly Buffer[]): number {
  for (const e of entries) sm.apply(sm.appliedIndex + 1, e);
  return sm.appliedIndex;
}

/** Every row of the image families plus the group's applied record, hex, for t.same. */
export function dumpImage(reader: StorageReader, groupId = GROUP): string[] {
  const out: string[] = [];
  for (const cf of IMAGE_CFS) {
    const it = reader.iterator(cf, {});
    try {
      for (let rows = it.nextBatch(512); rows.length > 0; rows = it.nextBatch(512)) {
        for (let i = 0; i < rows.length; i += 2)
          out.push(
            `${cf}:${rows[i]!.toString('hex')}=${rows[i + 1]!.toString('hex').slice(0, 64)}:${rows[i + 1]!.length}`,
          );
      }
    } finally {
      it.close();
    }
  }
  const key = Buffer.alloc(4);
  key.writeUInt32BE(groupId);
  const applied = reader.get('raft_state', Buffer.concat([key, Buffer.from('applied')]));
  out.push(`applied=${applied?.toString('hex')}`);
  return out;
}

/** Rows under the snapshot staging prefix of any group (must be none when idle). */
export function stagingRows(storage: Storage): number {
  const it = storage.iterator('default', { gte: Buffer.from('snapstage'), lt: Buffer.from('snapstagf') });
  let n = 0;
  try {
    for (let rows = it.nextBatch(512); rows.length > 0; rows = it.nextBatch(512)) n += rows.length / 2;
  } finally {
    it.close();
  }
  return n;
}
