/**
 * Operating errors with stable codes. They travel up to the protocol edge, which maps
 * them to `-ERR ...`, `-WRONGTYPE ...` etc. The message is the text a client sees
 * (after the code prefix chosen by `prefix`), in Redis's own words.
 */
export type ErrorCode =
  | 'ERR'
  | 'WRONGTYPE'
  | 'NOAUTH'
  | 'WRONGPASS'
  | 'NOPROTO'
  | 'EXECABORT'
  | 'NOSCRIPT'
  | 'BUSYKEY'
  /** A value that claims to be of a type but is corrupted (HyperLogLog). */
  | 'INVALIDOBJ'
  | 'MOVED'
  | 'TRYAGAIN'
  | 'CLUSTERDOWN'
  | 'READONLY'
  | 'UNBLOCKED'
  /** Streams: no such consumer group. */
  | 'NOGROUP'
  /** Streams: the consumer group exists already. */
  | 'BUSYGROUP'
  | 'DATA_DIR_LOCKED'
  | 'CONFIG_INVALID'
  /** A start with `cluster-join <host:port>` that the cluster refused or did not answer. */
  | 'JOIN_FAILED'
  | 'STORAGE'
  | 'LIMIT_EXCEEDED';

export class SeshatError extends Error {
  override name = 'SeshatError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Error texts used in more than one place, verbatim from Redis 7. */
export const ERR_SYNTAX = 'syntax error';
export const ERR_NOT_INTEGER = 'value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'value is not a valid float';
export const ERR_WRONGTYPE = 'Operation against a key holding the wrong kind of value';
export const ERR_OVERFLOW = 'increment or decrement would overflow';
export const ERR_NO_SUCH_KEY = 'no such key';

/**
 * Stops the process on an error the node cannot recover from in place, such as a failed WAL
 * fsync: the log's durability is then unknown (a retried fsync may report success for lost
 * pages), so nothing more may be acknowledged; a restart replays what is really on disk.
 * The error is rethrown on the next tick, outside any promise chain that could swallow it.
 */
export function failStop(e: unknown): void {
  process.nextTick(() => {
    throw e;
  });
}
