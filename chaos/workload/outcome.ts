/**
 * What an error reply or a client-side failure says about an operation: `fail` when it
 * proves the operation did not take effect, `info` when it may have (Jepsen's rule: when in
 * doubt, info). A read that did not complete has no effect, so it is always `fail`.
 *
 * Definite "not done" replies of Seshat: TRYAGAIN "the write was not applied" (proposal
 * dropped before it reached the log), CLUSTERDOWN (no leader: never executed or never
 * forwarded), MOVED (not executed here), EXEC refused with WATCH on a follower, EXECABORT,
 * and ioredis's "Stream isn't writeable" (nothing was sent: the offline queue is off).
 * Everything else on a write, including timeouts, lost connections and the TRYAGAIN "may
 * or may not have been applied", is `info`.
 */
export type Outcome = 'fail' | 'info';

const DEFINITELY_NOT_DONE: RegExp[] = [
  /^TRYAGAIN the write was not applied/,
  /^CLUSTERDOWN/,
  /^MOVED /,
  /^ERR EXEC with WATCH on a follower/,
  /^EXECABORT/,
  /^LOADING/,
  /^before EXEC: /,
  /Stream isn't writeable/,
];

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function classifyError(e: unknown, write: boolean): Outcome {
  if (!write) return 'fail';
  const msg = errorText(e);
  return DEFINITELY_NOT_DONE.some((re) => re.test(msg)) ? 'fail' : 'info';
}

/**
 * Whether the error means the connection is in doubt (timeout, closed, refused) and the
 * worker should move to another node with a fresh connection.
 */
export function isConnectionTrouble(e: unknown): boolean {
  const msg = errorText(e);
  return /timed out|Connection is closed|connection close|max retries per request|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|connect ETIMEDOUT/i.test(
    msg,
  );
}
