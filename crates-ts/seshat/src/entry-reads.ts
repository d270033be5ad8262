/**
 * Reads that ride in the log entry (standalone). A read must see its connection's earlier
 * writes, so behind a write in flight it used to wait for that write's reply: a pipeline of
 * `SET k v` / `GET k` pairs then cost one log entry and one fsync per pair (the suite's
 * "PIPELINING stresser" writes 100,000 pairs before reading a reply: about 170 s at
 * appendfsync always, against well under a second on Redis). Instead such a read joins the
 * write path after the writes it follows, and the state machine runs it inside the entry in
 * order, as it runs the reads of MULTI/EXEC (KvStateMachine.execWrite), so the whole pipeline
 * shares a few entries; its reply comes back in order with the writes'. Reads are
 * deterministic from the state and the entry's stamp, so a replayed entry runs them again
 * harmlessly (nobody waits for those replies).
 *
 * Only where the entry path gives the same result as the read path: standalone (a cluster's
 * reads have their own ReadIndex pipeline), no CLIENT TRACKING (its reads are remembered on the
 * read path), no blocking reads or scripts (they may park or yield), and not while CLIENT PAUSE
 * holds writes back (a read in an entry deletes the expired keys it meets, as EXEC's do).
 */
import type { CommandSpec } from '@seshat/kv';
import type { Client } from './client.js';
import type { SeshatServer } from './server.js';
import { SCRIPT_COMMANDS } from './tracking.js';

/** Whether `spec`, a read sent by `client` behind its writes in flight, joins the log entry. */
export function readJoinsEntry(server: SeshatServer, client: Client, spec: CommandSpec): boolean {
  return (
    spec.exec === 'read' &&
    server.cluster === null &&
    client.inflightCount > 0 &&
    client.tracking === null &&
    !server.pause.writesPaused &&
    !spec.flags.includes('blocking') &&
    !SCRIPT_COMMANDS.has(spec.name)
  );
}
