/**
 * MONITOR (Redis's replicationFeedMonitors): a monitoring connection is sent, for every command
 * any client runs, a status line `+<unix seconds>.<microseconds> [<db> <ip:port>] "arg" ...`
 * with each argument quoted as Redis's sdscatrepr quotes it and passwords redacted. Commands
 * refused before they run (unknown, wrong arity, NOAUTH) and commands queued by MULTI are not
 * shown, administrative ones (CONFIG, CLIENT LIST, DEBUG...) never are; EXEC shows the commands
 * it ran, then itself. Writes are shown when they are accepted (their order is the log's).
 * The commands a script runs are shown as `[<db> lua]` when the node applies (or, for *_RO,
 * reads) them, after the EVAL / FCALL line (script-observer.ts).
 */
import { AttributeFreeRaw, OK } from '@seshat/common';
import type { CommandSpec } from '@seshat/kv';
import { type Client, NO_REPLY } from './client.js';
import { redact } from './redact.js';
import { def } from './server-commands.js';
import type { SeshatServer } from './server.js';

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const ESCAPES: Readonly<Record<number, string>> = { 10: '\\n', 13: '\\r', 9: '\\t', 7: '\\a', 8: '\\b' };

/** Redis's sdscatrepr of one argument. */
export function quoteArgument(arg: Buffer): string {
  let out = '"';
  for (const c of arg) {
    if (c === BACKSLASH || c === QUOTE) out += `\\${String.fromCharCode(c)}`;
    else if (ESCAPES[c] !== undefined) out += ESCAPES[c];
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

export class Monitors {
  readonly clients = new Set<Client>();

  get size(): number {
    return this.clients.size;
  }

  /** Shows `argv`, run by `client` in database `db`, to every monitor. */
  feed(client: Client, spec: CommandSpec | null, db: number, argv: readonly Buffer[], nowMs: number): void {
    if (this.clients.size === 0 || spec?.flags.includes('admin')) return;
    this.send(client.addr, db, argv, nowMs);
  }

  /** Shows a command a script ran in database `db` (Redis's `[<db> lua]` origin). */
  feedScript(db: number, argv: readonly Buffer[], nowMs: number): void {
    if (this.clients.size === 0) return;
    this.send('lua', db, argv, nowMs);
  }

  private send(origin: string, db: number, argv: readonly Buffer[], nowMs: number): void {
    const us = Math.floor(nowMs * 1000);
    const time = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
    const args = redact(argv).map((a) => (a === null ? '"(redacted)"' : quoteArgument(a)));
    const line = new AttributeFreeRaw(
      Buffer.from(`+${time} [${db} ${origin}] ${args.join(' ')}\r\n`, 'latin1'),
    );
    for (const m of this.clients) {
      if (m.closed) continue;
      m.forceReply(line);
      m.flushSoon();
    }
  }

  drop(client: Client): void {
    this.clients.delete(client);
  }
}

def(
  {
    name: 'monitor',
    arity: 1,
    flags: 'admin noscript loading stale',
    group: 'server',
    summary: 'Listens for all requests received by the server in real-time.',
    since: '1.0.0',
  },
  (server: SeshatServer, client) => {
    // Redis ignores MONITOR from a connection that already monitors: no reply.
    if (server.monitors.clients.has(client)) return NO_REPLY;
    server.monitors.clients.add(client);
    return OK;
  },
);
