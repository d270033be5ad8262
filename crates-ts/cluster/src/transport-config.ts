/**
 * Configuration of the node-to-node transport: every limit with its unit, its default
 * and the trade-off it controls, plus the gRPC channel/server options derived from it.
 */
import { tmpdir } from 'node:os';
import { assert } from '@seshat/common';
import type { ChannelOptions } from '@grpc/grpc-js';

/** Frames on the Raft stream and snapshot chunks must fit in this with room to spare. */
export const MAX_MESSAGE_BYTES_DEFAULT = 16 * 1024 * 1024;
/** Smallest accepted maxMessageBytes: a frame must hold a few messages and a snapshot chunk. */
export const MAX_MESSAGE_BYTES_MIN = 32 * 1024;

/** Minimal pino-compatible logger; pass `pino().child({ component: 'transport' })`. */
export interface TransportLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => {};
export const NOOP_LOGGER: TransportLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** Tunables of a Transport. Every field is optional; see the defaults below. */
export interface TransportLimits {
  /**
   * Largest gRPC message sent or accepted (grpc.max_send/receive_message_length), bytes.
   * Outgoing frames are split below it; a single Raft message larger than it cannot be
   * sent and is dropped (counted as droppedOversize): keep it above the Raft core's
   * maxSizePerMsgBytes plus the largest entry. Larger costs memory per frame in flight.
   */
  maxMessageBytes?: number;
  /** Most messages in one frame, so one frame never monopolises the receiver's turn. */
  frameMaxMessages?: number;
  /**
   * Per-peer outbound queue bound, messages and bytes. When full the OLDEST queued
   * messages are dropped (counted, and the peer reported unreachable): newer Raft
   * messages supersede older ones, and dropping old ones keeps queueing delay bounded.
   */
  queueMaxMessages?: number;
  queueMaxBytes?: number;
  /**
   * Frames handed to gRPC but not yet acknowledged by the receiver, per peer. Bounds the
   * memory gRPC buffers (grpc-js accepts writes without limit) and the latency added by
   * queueing; too small limits throughput to window / round-trip time.
   */
  inflightMaxFrames?: number;
  /** The same window in bytes (size bounds of the frames); one frame may always be in flight. */
  inflightMaxBytes?: number;
  /** Reconnect backoff after a failed stream, ms: doubles from min to max, with jitter. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /**
   * HTTP/2 keepalive ping interval and ping timeout, ms. A dead peer (power loss,
   * partition: no RST) is detected within about keepaliveTimeMs + keepaliveTimeoutMs.
   * Both sides ping, so a dead inbound stream is also noticed.
   */
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** A stream not accepted by the peer within this is abandoned and retried, ms. */
  connectTimeoutMs?: number;
  /**
   * Frames in flight with no acknowledgement progress for this long mean the receiver is
   * not processing (blocked, overloaded): the stream is cancelled and reopened, ms.
   */
  ackTimeoutMs?: number;
  /** Watchdog period for connect and ack timeouts, ms. */
  watchdogIntervalMs?: number;
  /** Bytes of image per snapshot chunk. Must fit in maxMessageBytes with headroom. */
  snapshotChunkBytes?: number;
  /**
   * An inbound image is held in memory up to this size; beyond it, it is spooled to a
   * temporary file under snapshotSpoolDir (memory stays bounded by about this value).
   */
  snapshotMemoryMaxBytes?: number;
  /** Directory for spooled inbound images (default: the OS temp dir). */
  snapshotSpoolDir?: string;
  /** Largest image accepted, bytes; a larger one is refused while it streams. */
  snapshotMaxBytes?: number;
  /** Inbound snapshots being received or installed at once (others get RESOURCE_EXHAUSTED). */
  snapshotInboundMax?: number;
  /** Deadline of one snapshot transfer including the receiver's install, ms. */
  snapshotTimeoutMs?: number;
  /** On stop(), how long to wait for streams to close cleanly before cancelling, ms. */
  stopGraceMs?: number;
}

export type ResolvedLimits = Required<TransportLimits>;

export const TRANSPORT_LIMITS_DEFAULT: ResolvedLimits = {
  maxMessageBytes: MAX_MESSAGE_BYTES_DEFAULT,
  frameMaxMessages: 4096,
  queueMaxMessages: 16384,
  queueMaxBytes: 64 * 1024 * 1024,
  inflightMaxFrames: 64,
  inflightMaxBytes: 32 * 1024 * 1024,
  backoffMinMs: 50,
  backoffMaxMs: 2000,
  keepaliveTimeMs: 1000,
  keepaliveTimeoutMs: 1000,
  connectTimeoutMs: 2000,
  ackTimeoutMs: 5000,
  watchdogIntervalMs: 250,
  snapshotChunkBytes: 256 * 1024,
  snapshotMemoryMaxBytes: 4 * 1024 * 1024,
  snapshotSpoolDir: tmpdir(),
  snapshotMaxBytes: 64 * 1024 * 1024 * 1024,
  snapshotInboundMax: 4,
  snapshotTimeoutMs: 10 * 60 * 1000,
  stopGraceMs: 1000,
};

/** Headroom kept between a snapshot chunk's data and maxMessageBytes (header, conf state). */
export const SNAPSHOT_CHUNK_HEADROOM_BYTES = 16 * 1024;

export function resolveLimits(limits: TransportLimits): ResolvedLimits {
  const r: ResolvedLimits = { ...TRANSPORT_LIMITS_DEFAULT };
  for (const [key, value] of Object.entries(limits)) {
    if (value !== undefined) (r as unknown as Record<string, unknown>)[key] = value;
  }
  assert(
    Number.isInteger(r.maxMessageBytes) && r.maxMessageBytes >= MAX_MESSAGE_BYTES_MIN,
    'maxMessageBytes',
  );
  assert(r.frameMaxMessages >= 1 && r.queueMaxMessages >= 1 && r.inflightMaxFrames >= 1, 'queue bounds');
  assert(r.queueMaxBytes >= r.maxMessageBytes, 'queueMaxBytes must hold one full frame');
  assert(r.inflightMaxBytes >= 1, 'inflightMaxBytes');
  assert(r.backoffMinMs > 0 && r.backoffMaxMs >= r.backoffMinMs, 'backoff bounds');
  assert(r.keepaliveTimeMs > 0 && r.keepaliveTimeoutMs > 0, 'keepalive');
  assert(r.connectTimeoutMs > 0 && r.ackTimeoutMs > 0 && r.watchdogIntervalMs > 0, 'timeouts');
  assert(
    r.snapshotChunkBytes >= 1 && r.snapshotChunkBytes + SNAPSHOT_CHUNK_HEADROOM_BYTES <= r.maxMessageBytes,
    'snapshotChunkBytes must fit in maxMessageBytes with headroom',
  );
  assert(r.snapshotInboundMax >= 1 && r.snapshotMaxBytes >= 0, 'snapshot bounds');
  return r;
}

/**
 * Options of every channel to a peer. Each channel gets its own subchannel pool, so the
 * Raft stream and the snapshot stream to a peer use separate TCP connections (a large
 * image does not delay heartbeats) and transports in one process never share one.
 * gRPC retries are off: they buffer every message of a stream for replay, and Raft does
 * its own recovery. The channel's own reconnect backoff follows ours.
 */
export function channelOptions(limits: ResolvedLimits): ChannelOptions {
  return {
    'grpc.max_send_message_length': limits.maxMessageBytes,
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.initial_reconnect_backoff_ms': limits.backoffMinMs,
    'grpc.max_reconnect_backoff_ms': limits.backoffMaxMs,
    'grpc.enable_retries': 0,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.service_config_disable_resolution': 1,
  };
}

/** Options of the server: same message bound, and it pings its clients too. */
export function serverOptions(limits: ResolvedLimits): ChannelOptions {
  return {
    'grpc.max_send_message_length': limits.maxMessageBytes,
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
  };
}

/** Metadata keys naming the two ends of a call (decimal node ids). */
export const METADATA_FROM_NODE = 'seshat-from-node';
export const METADATA_TO_NODE = 'seshat-to-node';
