/**
 * Where function libraries live in storage: records of the `meta` column family under a
 * reserved database byte that SELECT can never reach (databases are 0..15), all in hash slot 0:
 *
 *   meta  0x00 0x00 0xff 'L' libraryName  ->  a string meta record whose value is the code
 *
 * Why the meta family: every replica writes these records in the same batch as the entry that
 * changed them (FUNCTION LOAD / DELETE / FLUSH / RESTORE go through the log), the digest covers
 * them, and a Raft snapshot image (slot ranges of meta, expire, sub, zscore) carries them to a
 * follower that installs it, with no change to the image format. Keyspace code skips the
 * reserved database: key counts, KEYS/SCAN (they filter by db), FLUSHALL.
 *
 * Sharding note: functions are per Redis node, not per slot; with one group per node that is
 * the same thing. When groups split, the library records stay with slot 0's owner (to revisit).
 */
import { DATABASE_COUNT } from '@seshat/common';
import { encodeStringMeta, stringValue } from '../meta.js';
import type { KvStore } from '../txn.js';
import type { StorageReader } from '@seshat/storage';

/** The database byte of reserved (non-keyspace) meta records. */
export const RESERVED_DB = 0xff;
const LIBRARY_TAG = 0x4c; // 'L'
const LIBRARY_PREFIX = Buffer.from([0, 0, RESERVED_DB, LIBRARY_TAG]);
const LIBRARY_END = Buffer.from([0, 0, RESERVED_DB, LIBRARY_TAG + 1]);
const LOAD_BATCH_ROWS = 256;

/** True for a meta key that is not a user key (a reserved record such as a library). */
export function isReservedMetaKey(mk: Buffer): boolean {
  return mk[2]! >= DATABASE_COUNT;
}

export function libraryKey(name: string): Buffer {
  return Buffer.concat([LIBRARY_PREFIX, Buffer.from(name, 'latin1')]);
}

export function putLibrary(store: KvStore, name: string, code: Buffer): void {
  store.put('meta', libraryKey(name), encodeStringMeta(code, 0, 0));
}

export function deleteLibrary(store: KvStore, name: string): void {
  store.del('meta', libraryKey(name));
}

/** Every stored library (name -> code), in name order. */
export function readLibraries(reader: StorageReader): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const it = reader.iterator('meta', { gte: LIBRARY_PREFIX, lt: LIBRARY_END });
  try {
    for (let rows = it.nextBatch(LOAD_BATCH_ROWS); rows.length > 0; rows = it.nextBatch(LOAD_BATCH_ROWS)) {
      for (let i = 0; i < rows.length; i += 2) {
        const name = rows[i]!.subarray(LIBRARY_PREFIX.length).toString('latin1');
        out.set(name, Buffer.from(stringValue(rows[i + 1]!)));
      }
    }
  } finally {
    it.close();
  }
  return out;
}
