/**
 * Cluster mode, per client connection: forwarding a connection's data commands to the
 * leader (through ClusterNode.forwarder) with per-connection order, and the read barrier.
 *
 * Order: the connection registers each forwarded command as a pending reply
 * (`expectWriteReply`) and its replies must be delivered in that order, but forwarded
 * replies complete in any order (a failed link answers at once, the leader answers in
 * completion order). Each forwarded command gets a slot in the connection's FIFO; a reply
 * fills its slot and the filled prefix is delivered.
 *
 * Read barrier: a read served through ReadIndex (forwarded, or on the leader) must not see
 * a write the connection sent after it. The client loop lets writes pipeline behind
 * in-flight commands, and a write proposed in the same turn as a read's ReadIndex request
 * can be applied before the read runs; so while a connection has such a read in flight,
 * its writes are not pipelinable (server.isPipelinable) and wait, like reads wait for
 * writes. Reads may pipeline behind reads that take the same path (server.isPipelinableRead).
 */
import type { WriteIdentity } from '@seshat/cluster';
import { AttributeFreeRaw, ErrorReply, type Reply } from '@seshat/common';
import { type Client, PendingKind } from './client.js';
import type { ClusterNode } from './cluster-node.js';
import type { WatchGuard } from './watch-pending.js';
import { noteWriteOutcome } from './write-retry.js';

interface Slot {
  reply: Reply;
  done: boolean;
  /** A forwarded command (else a read this leader serves through ReadIndex). */
  forwarded: boolean;
  /** A write's identity and command, to note an unknown outcome (write-retry.ts). */
  writeId: WriteIdentity | undefined;
  db: number;
  argv: Buffer[];
}

interface ClientForwards {
  slots: Slot[];
  /** Slots that are forwarded commands. */
  forwarded: number;
  reads: number;
}

const perClient = new WeakMap<Client, ClientForwards>();

function stateOf(client: Client): ClientForwards {
  let st = perClient.get(client);
  if (st === undefined) {
    st = { slots: [], forwarded: 0, reads: 0 };
    perClient.set(client, st);
  }
  return st;
}

/** Forwarded commands of this connection not answered yet. */
export function forwardsPending(client: Client): boolean {
  const st = perClient.get(client);
  return st !== undefined && st.forwarded > 0;
}

/** How many of this connection's pending replies are forwarded commands. */
export function forwardsCount(client: Client): number {
  return perClient.get(client)?.forwarded ?? 0;
}

/**
 * Registers a pending reply of `client` in its FIFO of slots and returns the function that
 * fills it (once). Filled slots are delivered in FIFO order, so replies that complete out
 * of order still reach the connection in the order of its commands.
 */
function openSlot(
  client: Client,
  kind: PendingKind,
  forwarded: boolean,
  argv: Buffer[],
  writeId?: WriteIdentity,
): (reply: Reply) => void {
  client.expectWriteReply(kind);
  const st = stateOf(client);
  const slot: Slot = { reply: null, done: false, forwarded, writeId, db: client.db, argv };
  st.slots.push(slot);
  if (forwarded) st.forwarded++;
  return (reply) => {
    slot.reply = reply;
    slot.done = true;
    // Delivering may run the connection's next commands (which may add slots).
    while (st.slots.length > 0 && st.slots[0]!.done) {
      const s = st.slots.shift()!;
      if (s.forwarded) st.forwarded--;
      if (s.writeId !== undefined)
        noteWriteOutcome(client, s.writeId, s.db, s.argv, s.reply!, performance.now());
      client.onWriteReply(s.reply);
    }
    // Replies completed in one turn are written together at its end.
    client.flushSoon();
  };
}

/**
 * A read this leader serves through ReadIndex: the pending reply is a slot (see openSlot;
 * `kind`: a blocking read's handler, which may park it),
 * because the driver may complete the reads of a pipeline out of order (a batch asked again
 * after a leader change, one that fails at its deadline while an earlier one waits for apply).
 */
export function localReadSlot(client: Client, kind: PendingKind = PendingKind.Reply): (reply: Reply) => void {
  return openSlot(client, kind, false, []);
}

/** Linearizable reads of this connection in flight (forwarded or ReadIndex on the leader). */
export function readsInFlight(client: Client): number {
  return perClient.get(client)?.reads ?? 0;
}

/** Marks a read in flight; call the returned function once when it completes. */
export function trackRead(client: Client): () => void {
  const st = stateOf(client);
  st.reads++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    st.reads--;
  };
}

/**
 * Forwards one command of `client` to the leader; its reply is delivered through the
 * connection's pending queue (`kind`: how the connection treats it, e.g. EXEC's merge).
 * `splitArray`: deliver an array reply as an array of pre-encoded elements (EXEC merges
 * them with the replies of connection commands). `guard`: a transaction's watched keys,
 * checked by the leader (watch-pending.ts).
 */
export function forwardFromClient(
  cluster: ClusterNode,
  client: Client,
  argv: Buffer[],
  read: boolean,
  kind: PendingKind = PendingKind.Reply,
  splitArray = false,
  writeId?: WriteIdentity,
  guard?: WatchGuard,
): void {
  const fill = openSlot(client, kind, true, argv, writeId);
  const readDone = read ? trackRead(client) : null;
  cluster.forwarder.forward(
    client.db,
    argv,
    read,
    client.resp,
    (bytes) => {
      readDone?.();
      fill(rawReply(bytes, splitArray));
    },
    writeId,
    guard,
  );
}

/**
 * A forwarded reply as a Reply that encodes back to the same bytes: an error as ErrorReply
 * (counted in the error stats, recognisable by EXEC), with `splitArray` an array as an array
 * of raw elements, anything else as raw bytes.
 */
export function rawReply(bytes: Buffer, splitArray: boolean): Reply {
  if (bytes.length > 2 && bytes[0] === 0x2d /* - */) {
    return new ErrorReply(bytes.toString('utf8', 1, bytes.length - 2));
  }
  if (splitArray && bytes[0] === 0x2a /* * */ && bytes[1] !== 0x2d) {
    const eol = bytes.indexOf('\r\n');
    const n = Number(bytes.toString('latin1', 1, eol));
    const items: Reply[] = new Array(n);
    let at = eol + 2;
    for (let i = 0; i < n; i++) {
      const end = frameEnd(bytes, at);
      items[i] = new AttributeFreeRaw(bytes.subarray(at, end));
      at = end;
    }
    return items;
  }
  return new AttributeFreeRaw(bytes);
}

/** Offset just past the RESP2/RESP3 frame starting at `at`. */
function frameEnd(b: Buffer, at: number): number {
  const type = b[at]!;
  const eol = b.indexOf('\r\n', at);
  const p = eol + 2;
  switch (type) {
    case 0x24: // $ bulk
    case 0x3d: // = verbatim
    case 0x21: {
      // ! bulk error
      const n = Number(b.toString('latin1', at + 1, eol));
      return n < 0 ? p : p + n + 2;
    }
    case 0x2a: // * array
    case 0x7e: // ~ set
    case 0x3e: // > push
      return skipFrames(b, p, Number(b.toString('latin1', at + 1, eol)));
    case 0x25: // % map
      return skipFrames(b, p, 2 * Number(b.toString('latin1', at + 1, eol)));
    case 0x7c: // | attribute, then the value it annotates
      return frameEnd(b, skipFrames(b, p, 2 * Number(b.toString('latin1', at + 1, eol))));
    default:
      return p;
  }
}

function skipFrames(b: Buffer, at: number, n: number): number {
  let p = at;
  for (let i = 0; i < n; i++) p = frameEnd(b, p);
  return p;
}
