/**
 * Addresses of cluster members as configured and as carried in membership changes:
 * `initial-members` (id@raft-host:port@client-host:port, ...), the ADD-LEARNER/PROMOTE
 * change context (JSON), and `raft-peer-dial` (id@host:port, ...), which overrides where
 * this node dials a member (the member's advertised address stays the same for everyone
 * else: used behind NAT/tunnels and by the chaos harness, whose proxies sit on each link).
 */

export interface MemberAddress {
  id: number;
  /** host:port of the member's Raft transport. */
  raft: string;
  /** host:port clients use (MOVED, CLUSTER SLOTS, ROLE). */
  client: string;
}

/** Parses `initial-members`: `id@raft-host:port@client-host:port`, comma-separated. */
export function parseMembers(text: string): MemberAddress[] | string {
  if (text.trim() === '') return [];
  const out: MemberAddress[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)@([^@\s]+:\d+)@([^@\s]+:\d+)\s*$/.exec(part);
    if (!m) return `bad member '${part.trim()}': expected id@raft-host:port@client-host:port`;
    const id = Number(m[1]);
    if (id < 1 || out.some((x) => x.id === id)) return `bad or duplicate member id in '${part.trim()}'`;
    out.push({ id, raft: m[2]!, client: m[3]! });
  }
  return out;
}

/** Parses `raft-peer-dial`: `id@host:port`, comma-separated; an error text when malformed. */
export function parsePeerDial(text: string): Map<number, string> | string {
  const out = new Map<number, string>();
  if (text.trim() === '') return out;
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)@([^@\s]+:\d+)\s*$/.exec(part);
    if (!m) return `bad entry '${part.trim()}': expected id@host:port`;
    const id = Number(m[1]);
    if (id < 1 || out.has(id)) return `bad or duplicate member id in '${part.trim()}'`;
    out.set(id, m[2]!);
  }
  return out;
}

/** Config check for `raft-peer-dial`. */
export function checkPeerDial(text: string): string | null {
  const r = parsePeerDial(text);
  return typeof r === 'string' ? r : null;
}

/** Addresses of a member, carried as the context of its ADD-LEARNER / PROMOTE change. */
export function encodeMemberContext(m: MemberAddress): Uint8Array {
  return Buffer.from(JSON.stringify({ raft: m.raft, client: m.client }), 'utf8');
}

export function decodeMemberContext(id: number, ctx: Uint8Array): MemberAddress | null {
  if (ctx.byteLength === 0) return null;
  try {
    const o = JSON.parse(Buffer.from(ctx).toString('utf8')) as { raft?: unknown; client?: unknown };
    if (typeof o.raft !== 'string' || typeof o.client !== 'string') return null;
    return { id, raft: o.raft, client: o.client };
  } catch {
    return null;
  }
}

/**
 * The persisted address book (raft_state `group "members"`, also carried in snapshot images):
 * JSON of MemberAddress[].
 */
export function encodeMembersRecord(members: Iterable<MemberAddress>): Buffer {
  return Buffer.from(JSON.stringify([...members]), 'utf8');
}

/** The address book in a members record; null when it does not decode (never written so). */
export function decodeMembersRecord(record: Uint8Array): MemberAddress[] | null {
  try {
    const list = JSON.parse(Buffer.from(record).toString('utf8')) as unknown;
    if (!Array.isArray(list)) return null;
    const out: MemberAddress[] = [];
    for (const m of list as Partial<MemberAddress>[]) {
      if (!Number.isSafeInteger(m.id) || typeof m.raft !== 'string' || typeof m.client !== 'string')
        return null;
      out.push({ id: m.id!, raft: m.raft, client: m.client });
    }
    return out;
  } catch {
    return null;
  }
}
