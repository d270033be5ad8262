/**
 * Connection side of retry detection (cluster mode; the leader side is
 * crates-ts/cluster/src/retry-table.ts).
 *
 * Every plain write a connection sends gets an identity (a fresh tag and this node's applied
 * index). When its reply says the outcome is unknown, the connection remembers the write;
 * if the very next command on the connection is the same write (same database, same bytes)
 * within RETRY_WINDOW_MS, it is sent as a retry with the same identity, so it is applied at
 * most once overall and answered with the first attempt's reply when that one was applied.
 * A retry that was itself refused without being executed (no leader, not applied) keeps the
 * remembered write for the next attempt; any other command forgets it.
 *
 * A transaction counts as one write (EXEC's log command); its retry is the next EXEC that
 * sends the same commands, with only WATCH, MULTI and the queued commands in between.
 *
 * Redis clients carry no request ids, so "the next command is the same write" is the
 * signal: an application that, after an "outcome unknown" error, deliberately sends the same
 * write again as a NEW operation on the same connection gets the first attempt's effect.
 */
import {
  ERR_NOT_APPLIED,
  ERR_OUTCOME_UNKNOWN,
  type ReplyWaiter,
  type WriteIdentity,
  type WriteTagger,
} from '@seshat/cluster';
import { ErrorReply, type Reply } from '@seshat/common';
import { INTERNAL_EXEC } from '@seshat/kv';
import type { Client } from './client.js';

/** How long after the "outcome unknown" reply an identical command counts as its retry. */
export const RETRY_WINDOW_MS = 60_000;

export interface UnknownWrite {
  db: number;
  argv: Buffer[];
  id: WriteIdentity;
  atMs: number;
}

function sameArgv(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!a[i]!.equals(b[i]!)) return false;
  return true;
}

/** The identity of a write about to be sent; `prev` is the connection's remembered write. */
export function writeIdentity(
  prev: UnknownWrite | null,
  db: number,
  argv: Buffer[],
  tagger: WriteTagger,
  appliedIndex: number,
  nowMs: number,
): WriteIdentity {
  if (prev !== null && prev.db === db && nowMs - prev.atMs <= RETRY_WINDOW_MS && sameArgv(prev.argv, argv)) {
    return { tag: prev.id.tag, sentAfterIndex: prev.id.sentAfterIndex, retry: true };
  }
  return { tag: tagger.next(), sentAfterIndex: appliedIndex, retry: false };
}

/**
 * Whether command `name` keeps the connection's remembered write. A transaction is retried
 * as a whole: WATCH, MULTI and the queued commands come before the EXEC that re-sends it,
 * so they keep a remembered transaction (queued commands never reach this check). Any
 * other command forgets the remembered write.
 */
export function keepsUnknownWrite(name: string, prev: UnknownWrite): boolean {
  return (name === 'multi' || name === 'watch') && prev.argv[0]!.equals(INTERNAL_EXEC);
}

function errorText(reply: Reply): string | null {
  return reply instanceof ErrorReply ? reply.message : null;
}

/** Whether `reply` leaves the write's outcome open (so that a retry is meaningful). */
export function leavesOutcomeOpen(reply: Reply, id: WriteIdentity): boolean {
  const msg = errorText(reply);
  if (msg === null) return false;
  if (msg === ERR_OUTCOME_UNKNOWN.message) return true;
  // A retry refused before running: the first attempt is still undecided.
  return (
    id.retry && (msg === ERR_NOT_APPLIED.message || msg.startsWith('CLUSTERDOWN') || msg.startsWith('MOVED'))
  );
}

/** Records the write on the connection when its reply leaves the outcome open. */
export function noteWriteOutcome(
  client: Client,
  id: WriteIdentity,
  db: number,
  argv: Buffer[],
  reply: Reply,
  nowMs: number,
): void {
  if (leavesOutcomeOpen(reply, id)) client.unknownWrite = { db, argv, id, atMs: nowMs };
}

/** A waiter that notes the outcome, then hands the reply to the connection. */
export function trackingWaiter(
  client: Client,
  id: WriteIdentity,
  db: number,
  argv: Buffer[],
  nowMs: () => number,
): ReplyWaiter {
  return {
    onWriteReply(reply: Reply): void {
      noteWriteOutcome(client, id, db, argv, reply, nowMs());
      client.onWriteReply(reply);
    },
    flushOutput(): void {
      client.flushOutput();
    },
  };
}
