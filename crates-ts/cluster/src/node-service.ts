/**
 * gRPC plumbing of client-command forwarding (proto/node.proto, NodeService.Forward), so
 * the server (crates-ts/seshat/src/forward-client.ts, forward-server.ts) needs no gRPC
 * import of its own:
 *
 *   serveForward(transport, nodeId, handler)   the callee side, served on the transport's
 *                                              gRPC server (register before start())
 *   openForwardLink(address, from, to, h)      the caller side: one stream to one node
 *
 * Contract (see node.proto): the callee sends its response headers as soon as it accepted
 * the call; `opened` fires on the caller when they arrive. The caller writes no request
 * before that, so a link that fails before `opened` carried no command.
 */
import {
  type ClientDuplexStream,
  credentials,
  Metadata,
  type ServerDuplexStream,
  status,
} from '@grpc/grpc-js';
import {
  type ForwardRequest,
  type ForwardRequests,
  type ForwardResponse,
  type ForwardResponses,
  NodeServiceClient,
  NodeServiceService,
} from './gen/node.js';
import type { Transport } from './transport.js';
import { type Password, withPassword } from './transport-auth.js';
import { channelOptions, METADATA_FROM_NODE, METADATA_TO_NODE, resolveLimits } from './transport-config.js';

export type { ForwardRequest, ForwardResponse } from './gen/node.js';

/** The callee's view of one accepted Forward call. */
export interface ForwardSession {
  readonly fromNode: number;
  /** Sends one response; ignored once the call ended. */
  send(response: ForwardResponse): void;
  readonly ended: boolean;
}

export interface ForwardCallHandler {
  /** A request of this call, in the order the caller sent it. */
  request(req: ForwardRequest): void;
  /** The call ended (either side, or an error); later send() calls are ignored. */
  ended(): void;
}

export interface ForwardServer {
  /** Ends every open call (shutdown). */
  close(): void;
}

type ServerCall = ServerDuplexStream<ForwardRequests, ForwardResponses>;

function nodeIdFrom(md: Metadata, key: string): number | null {
  const values = md.get(key);
  if (values.length !== 1) return null;
  const n = Number(values[0]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * Collects the items of one event-loop turn and hands them over together at its end (one
 * stream message instead of one per command).
 */
class TurnBatcher<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly flush: (items: T[]) => void) {}

  add(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const items = this.items;
      this.items = [];
      this.flush(items);
    });
  }
}

/** Serves NodeService on `transport`'s gRPC server (call before transport.start()). */
export function serveForward(
  transport: Transport,
  nodeId: number,
  open: (session: ForwardSession) => ForwardCallHandler,
): ForwardServer {
  const calls = new Map<ServerCall, () => void>();
  let closing = false;
  transport.addService(NodeServiceService, {
    forward(call: ServerCall): void {
      const from = nodeIdFrom(call.metadata, METADATA_FROM_NODE);
      const to = nodeIdFrom(call.metadata, METADATA_TO_NODE);
      call.on('error', () => {});
      if (closing || from === null || to !== nodeId) {
        const code = closing
          ? status.UNAVAILABLE
          : from === null
            ? status.INVALID_ARGUMENT
            : status.FAILED_PRECONDITION;
        call.emit('error', { code, details: closing ? 'stopping' : `this is node ${nodeId}, not ${to}` });
        return;
      }
      let ended = false;
      const out = new TurnBatcher<ForwardResponse>((responses) => {
        if (!ended) call.write({ responses });
      });
      const session: ForwardSession = {
        fromNode: from,
        send(response) {
          if (!ended) out.add(response);
        },
        get ended() {
          return ended;
        },
      };
      const handler = open(session);
      const finish = (): void => {
        if (ended) return;
        ended = true;
        calls.delete(call);
        handler.ended();
      };
      calls.set(call, finish);
      // Headers now: the caller starts writing requests once it has them (see the header).
      call.sendMetadata(new Metadata());
      call.on('data', (batch: ForwardRequests) => {
        for (const req of batch.requests) if (!ended) handler.request(req);
      });
      call.on('end', () => {
        finish();
        call.end();
      });
      call.on('error', finish);
      call.on('cancelled', finish);
      call.on('close', finish);
    },
  });
  return {
    close(): void {
      closing = true;
      for (const [call, finish] of [...calls]) {
        finish();
        call.end();
      }
    },
  };
}

/** Callbacks of one caller-side link. */
export interface ForwardLinkHandlers {
  /** The callee accepted the call: requests may be written from now on. */
  opened(): void;
  response(res: ForwardResponse): void;
  /** The link is gone (error, the callee ended it); called at most once, never after close(). */
  failed(reason: string): void;
  /** A stream message (the requests of one turn) was written. */
  messageSent?(): void;
}

export interface ForwardLink {
  send(req: ForwardRequest): void;
  /** Cancels the call and closes the channel; no callback fires afterwards. */
  close(): void;
}

/** Opens one Forward stream from node `fromNode` to node `toNode` at `address` (host:port),
 * presenting `password` (transport-auth.ts). */
export function openForwardLink(
  address: string,
  fromNode: number,
  toNode: number,
  handlers: ForwardLinkHandlers,
  password?: Password,
): ForwardLink {
  const client = new NodeServiceClient(
    address,
    credentials.createInsecure(),
    withPassword(channelOptions(resolveLimits({})), password),
  );
  const md = new Metadata();
  md.set(METADATA_FROM_NODE, String(fromNode));
  md.set(METADATA_TO_NODE, String(toNode));
  let done = false;
  const call: ClientDuplexStream<ForwardRequests, ForwardResponses> = client.forward(md);
  const out = new TurnBatcher<ForwardRequest>((requests) => {
    if (done) return;
    call.write({ requests });
    handlers.messageSent?.();
  });
  const fail = (reason: string): void => {
    if (done) return;
    done = true;
    call.cancel();
    client.close();
    handlers.failed(reason);
  };
  call.on('metadata', () => {
    if (!done) handlers.opened();
  });
  call.on('data', (batch: ForwardResponses) => {
    for (const res of batch.responses) if (!done) handlers.response(res);
  });
  call.on('error', (e: Error) => fail(e.message));
  call.on('end', () => fail('the leader ended the stream'));
  return {
    send(req) {
      if (!done) out.add(req);
    },
    close() {
      if (done) return;
      done = true;
      call.cancel();
      client.close();
    },
  };
}
