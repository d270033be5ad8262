import { assert } from '@seshat/common';

/**
 * Exactly-once application of retried commands (thesis 6.3), as a helper for the state
 * machine; the Raft core itself only carries opaque bytes.
 *
 * Each client has an id and numbers its commands 1, 2, 3, ... The state machine, when it
 * applies a command, asks `lookup(clientId, seq)`:
 *   New        apply it, then record(clientId, seq, result)
 *   Duplicate  it was applied already: do not apply again, answer with resultOf(clientId)
 *   Stale      an older command, applied and its result since replaced: answer an error
 *   Expired    the client's session was evicted: answer an error; the client must start
 *              over with a new id (it cannot know whether its command was applied)
 *
 * The table is part of the replicated state: every replica applies the same commands in
 * the same order, so `lookup` answers identically everywhere, and it is saved in the
 * state machine's snapshot (encode/decode). It is bounded: beyond `maxSessions` the
 * client that recorded least recently is evicted (insertion order of a Map, hence
 * deterministic). An unknown client is only admitted with seq 1; with seq > 1 it gets
 * Expired, so an evicted client can never have a retried command applied twice unless it
 * is evicted between the application of its very first command and a retry of that same
 * command (maxSessions other clients recording in between), which the default bound makes
 * negligible; drivers needing a hard guarantee register sessions through the log first.
 */
export const DedupStatus = { New: 0, Duplicate: 1, Stale: 2, Expired: 3 } as const;
export type DedupStatus = (typeof DedupStatus)[keyof typeof DedupStatus];

export const DEDUP_SESSIONS_MAX_DEFAULT = 100_000;
/** A remembered result larger than this is a programmer error (results are small replies). */
export const DEDUP_RESULT_MAX_BYTES = 1024 * 1024;

interface Session {
  seq: number;
  result: Uint8Array | null;
}

export class Deduplicator {
  readonly maxSessions: number;
  private readonly sessions = new Map<number, Session>();

  constructor(maxSessions = DEDUP_SESSIONS_MAX_DEFAULT) {
    assert(Number.isSafeInteger(maxSessions) && maxSessions >= 1, 'dedup: maxSessions must be >= 1');
    this.maxSessions = maxSessions;
  }

  get size(): number {
    return this.sessions.size;
  }

  lookup(clientId: number, seq: number): DedupStatus {
    assert(Number.isSafeInteger(seq) && seq >= 1, `dedup: bad sequence ${seq}`);
    const session = this.sessions.get(clientId);
    if (session === undefined) return seq === 1 ? DedupStatus.New : DedupStatus.Expired;
    if (seq > session.seq) return DedupStatus.New;
    if (seq === session.seq) return DedupStatus.Duplicate;
    return DedupStatus.Stale;
  }

  /** Result remembered for the client's last applied command (null if none was kept). */
  resultOf(clientId: number): Uint8Array | null {
    return this.sessions.get(clientId)?.result ?? null;
  }

  lastSeq(clientId: number): number {
    return this.sessions.get(clientId)?.seq ?? 0;
  }

  /** Record that command `seq` of `clientId` was applied with `result`. */
  record(clientId: number, seq: number, result: Uint8Array | null): void {
    assert(Number.isSafeInteger(clientId), `dedup: bad client id ${clientId}`);
    assert(result === null || result.byteLength <= DEDUP_RESULT_MAX_BYTES, 'dedup: result too large');
    const session = this.sessions.get(clientId);
    assert(session === undefined || seq > session.seq, `dedup: seq ${seq} not after ${session?.seq}`);
    this.sessions.delete(clientId); // re-insert: most recently recorded goes last
    this.sessions.set(clientId, { seq, result });
    if (this.sessions.size > this.maxSessions) {
      const oldest = this.sessions.keys().next().value as number;
      this.sessions.delete(oldest);
    }
  }

  /** Deterministic byte image for the state machine snapshot (order preserved). */
  encode(): Uint8Array {
    let size = 4;
    for (const s of this.sessions.values()) size += 20 + (s.result?.byteLength ?? 0);
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.sessions.size);
    let offset = 4;
    for (const [clientId, s] of this.sessions) {
      view.setFloat64(offset, clientId);
      view.setFloat64(offset + 8, s.seq);
      view.setInt32(offset + 16, s.result === null ? -1 : s.result.byteLength);
      offset += 20;
      if (s.result !== null) {
        out.set(s.result, offset);
        offset += s.result.byteLength;
      }
    }
    return out;
  }

  static decode(bytes: Uint8Array, maxSessions = DEDUP_SESSIONS_MAX_DEFAULT): Deduplicator {
    const dedup = new Deduplicator(maxSessions);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = view.getUint32(0);
    let offset = 4;
    for (let i = 0; i < count; i++) {
      const clientId = view.getFloat64(offset);
      const seq = view.getFloat64(offset + 8);
      const length = view.getInt32(offset + 16);
      offset += 20;
      let result: Uint8Array | null = null;
      if (length >= 0) {
        result = bytes.slice(offset, offset + length);
        offset += length;
      }
      dedup.sessions.set(clientId, { seq, result });
    }
    assert(offset === bytes.byteLength, 'dedup: trailing bytes in image');
    assert(dedup.sessions.size <= maxSessions, 'dedup: image holds more sessions than allowed');
    return dedup;
  }
}
