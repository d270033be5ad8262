/**
 * Which authentication method a connection gets: an ordered list of rules, the first whose
 * address (and optional user / database) matches wins, like pg_hba.conf without its
 * connection-type column. The default trusts loopback clients and asks everyone else for a
 * SCRAM-SHA-256 password.
 */
import net from 'node:net';

export type AuthMethod = 'trust' | 'reject' | 'password' | 'md5' | 'scram-sha-256';

export interface AuthRule {
  /** 'all', 'loopback', or a CIDR ('10.0.0.0/8', 'fd00::/8') or a single address. */
  address: string;
  user?: string;
  database?: string;
  method: AuthMethod;
}

export const DEFAULT_AUTH_RULES: readonly AuthRule[] = [
  { address: 'loopback', method: 'trust' },
  { address: 'all', method: 'scram-sha-256' },
];

export interface AuthTarget {
  /** Remote address as the socket reports it (IPv4-mapped IPv6 allowed). */
  address: string;
  user: string;
  database: string;
}

function normalise(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

export function addressMatches(pattern: string, address: string): boolean {
  const a = normalise(address);
  if (pattern === 'all') return true;
  const family = net.isIPv6(a) ? 'ipv6' : 'ipv4';
  if (pattern === 'loopback') return family === 'ipv4' ? a.startsWith('127.') : a === '::1';
  const list = new net.BlockList();
  const slash = pattern.indexOf('/');
  const base = slash < 0 ? pattern : pattern.slice(0, slash);
  const patternFamily = net.isIPv6(base) ? 'ipv6' : 'ipv4';
  if (patternFamily !== family) return false;
  if (slash < 0) list.addAddress(base, patternFamily);
  else list.addSubnet(base, Number(pattern.slice(slash + 1)), patternFamily);
  return list.check(a, family);
}

/** The first matching rule's method; null when none matches (the connection is refused). */
export function chooseAuthMethod(rules: readonly AuthRule[], target: AuthTarget): AuthMethod | null {
  for (const r of rules) {
    if (r.user !== undefined && r.user !== 'all' && r.user !== target.user) continue;
    if (r.database !== undefined && r.database !== 'all' && r.database !== target.database) continue;
    if (addressMatches(r.address, target.address)) return r.method;
  }
  return null;
}

/** Checks a rule list from configuration; returns an error text or null. */
export function validateAuthRules(rules: readonly AuthRule[]): string | null {
  const methods: AuthMethod[] = ['trust', 'reject', 'password', 'md5', 'scram-sha-256'];
  for (const r of rules) {
    if (!methods.includes(r.method)) return `unknown authentication method "${r.method}"`;
    if (r.address === 'all' || r.address === 'loopback') continue;
    const [base, bits] = r.address.split('/');
    if (base === undefined || net.isIP(base) === 0) return `invalid address "${r.address}"`;
    const max = net.isIPv6(base) ? 128 : 32;
    if (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))
      return `invalid address "${r.address}"`;
  }
  return null;
}
