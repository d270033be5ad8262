// The simulator's replicated state machine: a digest chain over the commands it applied,
// de-duplicated by (client, seq) through the package's Deduplicator. Its image (applied
// index, digest, membership, session table) is what the simulator treats as durable:
// it survives crashes, like a RocksDB write batch that records the applied index.
import { assert } from '@seshat/common';
import { type ConfState, Deduplicator, DedupStatus, EMPTY_CONF_STATE } from '../../src/index.js';

export const COMMAND_BYTES = 8;

export function encodeCommand(client: number, seq: number): Uint8Array {
  const out = new Uint8Array(COMMAND_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, client);
  view.setUint32(4, seq);
  return out;
}

/** A number naming the command: client * 2^32 + seq. */
export function commandKey(data: Uint8Array): number {
  assert(data.byteLength === COMMAND_BYTES, 'sim: not a command');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

export function mixDigest(digest: number, value: number): number {
  let h = digest ^ (value >>> 0);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= Math.floor(value / 2 ** 32);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class SimStateMachine {
  applied = 0;
  digest = 0;
  confState: ConfState = EMPTY_CONF_STATE;
  dedup = new Deduplicator(1024);

  /** Apply a command; returns whether it was new (not a duplicate of an applied one). */
  applyCommand(data: Uint8Array): boolean {
    const key = commandKey(data);
    const client = Math.floor(key / 2 ** 32);
    const seq = key % 2 ** 32;
    const status = this.dedup.lookup(client, seq);
    if (status !== DedupStatus.New) return false;
    this.dedup.record(client, seq, null);
    this.digest = mixDigest(this.digest, key);
    return true;
  }

  encode(): Uint8Array {
    const sessions = this.dedup.encode();
    const cs = this.confState;
    const ids = [cs.voters, cs.learners, cs.removed];
    let size = 16 + sessions.byteLength;
    for (const list of ids) size += 4 + 8 * list.length;
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    view.setFloat64(0, this.applied);
    view.setUint32(8, this.digest);
    let offset = 12;
    for (const list of ids) {
      view.setUint32(offset, list.length);
      offset += 4;
      for (const id of list) {
        view.setFloat64(offset, id);
        offset += 8;
      }
    }
    view.setUint32(offset, sessions.byteLength);
    out.set(sessions, offset + 4);
    return out;
  }

  static decode(bytes: Uint8Array): SimStateMachine {
    const sm = new SimStateMachine();
    if (bytes.byteLength === 0) return sm;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    sm.applied = view.getFloat64(0);
    sm.digest = view.getUint32(8);
    let offset = 12;
    const lists: number[][] = [];
    for (let l = 0; l < 3; l++) {
      const n = view.getUint32(offset);
      offset += 4;
      const list: number[] = [];
      for (let i = 0; i < n; i++) {
        list.push(view.getFloat64(offset));
        offset += 8;
      }
      lists.push(list);
    }
    sm.confState = { voters: lists[0]!, learners: lists[1]!, removed: lists[2]! };
    const length = view.getUint32(offset);
    sm.dedup = Deduplicator.decode(bytes.subarray(offset + 4, offset + 4 + length), 1024);
    return sm;
  }
}
