/**
 * Redis's cross-protocol guard (securityWarningCommand): a request named `POST` or `Host:`
 * (any case) is an HTTP request sent to the Redis port, typically by a browser tricked into
 * talking to it (cross protocol scripting). Redis answers nothing and closes the connection,
 * dropping replies not yet written; it logs a warning at most once a minute.
 */

/** Redis logs the warning at most this often. */
export const SECURITY_WARNING_INTERVAL_MS = 60_000;

const POST = Buffer.from('post');
const HOST = Buffer.from('host:');

function equalsLowercase(name: Buffer, lower: Buffer): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = name[i]!;
    // ASCII case folding, as strcasecmp in the C locale.
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower[i]) return false;
  }
  return true;
}

/** Whether a request's first argument makes it an HTTP request (POST, Host:). */
export function isCrossProtocolRequest(name: Buffer): boolean {
  if (name.length !== 4 && name.length !== 5) return false;
  return equalsLowercase(name, POST) || equalsLowercase(name, HOST);
}

/** Rate limit of the warning: true when it should be logged now (and records that it was). */
export class SecurityWarningGate {
  private lastMs = Number.NEGATIVE_INFINITY;

  shouldLog(nowMs: number): boolean {
    if (Math.abs(nowMs - this.lastMs) <= SECURITY_WARNING_INTERVAL_MS) return false;
    this.lastMs = nowMs;
    return true;
  }
}

export const SECURITY_WARNING =
  'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.';
