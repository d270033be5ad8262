/**
 * CLIENT LIST / CLIENT INFO lines: Redis 7.0's fields in Redis's order, filled from the
 * connection's own state. The memory fields describe Seshat's buffers: qbuf is the request
 * bytes held (the command being executed, as Redis keeps it in its query buffer while it runs,
 * and bytes not parsed yet), qbuf-free the rest of the parser's input buffer, argv-mem the
 * arguments of the command being executed and of those parsed behind it, multi-mem what MULTI
 * has queued (argument bytes plus a pointer per argument, as Redis counts it), rbs/rbp the reply
 * buffer's size and the most it held at once, obl the replies not handed to the socket yet,
 * oll/omem the output the socket has not sent.
 */
import type { Client } from './client.js';

/** Redis counts a queued MULTI argument's pointer too (sizeof(robj*)). */
const POINTER_BYTES = 8;

/** Redis's flag letters: see catClientInfoString. */
function clientFlags(c: Client, blocked: boolean, monitor: boolean): string {
  let f = '';
  if (monitor) f += 'O';
  if (c.subscriptionCount() > 0) f += 'P';
  if (c.multi !== null) f += 'x';
  if (blocked) f += 'b';
  if (c.tracking?.on) f += 't';
  if (c.tracking?.brokenRedirect) f += 'R';
  if (c.tracking?.bcast) f += 'B';
  if (c.watchDirty) f += 'd';
  if (c.closing) f += 'c';
  if (c.readonlyMode) f += 'r';
  if (c.noEvict) f += 'e';
  return f === '' ? 'N' : f;
}

function multiBytes(c: Client): number {
  if (c.multi === null) return 0;
  let n = 0;
  for (const argv of c.multi) {
    n += argv.length * POINTER_BYTES;
    for (const a of argv) n += a.length;
  }
  return n;
}

export interface ClientInfoContext {
  nowMs: number;
  blocked: boolean;
  monitor: boolean;
}

/** One client's line (without the trailing newline). */
export function clientInfoLine(c: Client, ctx: ClientInfoContext): string {
  const qbuf = c.executingBytes + c.parser.unparsedBytes();
  const qbufFree = Math.max(0, c.parser.capacityBytes() - c.parser.unparsedBytes());
  // Parsed commands, and the parsed arguments of one still arriving.
  const argvMem = c.argvBytes() + c.parser.bufferedBytes() - c.parser.unparsedBytes();
  const multiMem = multiBytes(c);
  const obl = c.writer.length;
  const omem = c.socket.writableLength;
  const oll = omem > 0 ? 1 : 0;
  const rbs = c.writer.capacity;
  const totMem = qbuf + qbufFree + argvMem + multiMem + rbs + omem;
  const events = `${c.readPaused ? '' : 'r'}${omem > 0 ? 'w' : ''}`;
  const fd = (c.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${fd} name=${c.name} ` +
    `age=${Math.floor((ctx.nowMs - c.createdMs) / 1000)} idle=${Math.floor((ctx.nowMs - c.lastInteractionMs) / 1000)} ` +
    `flags=${clientFlags(c, ctx.blocked, ctx.monitor)} db=${c.db} sub=${c.subscriptions.size} ` +
    `psub=${c.psubscriptions.size} ssub=${c.ssubscriptions.size} multi=${c.multi === null ? -1 : c.multi.length} ` +
    `qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=${multiMem} ` +
    `rbs=${rbs} rbp=${c.writer.peak} obl=${obl} oll=${oll} omem=${omem} tot-mem=${totMem} ` +
    `events=${events} cmd=${c.lastCommand} user=default redir=${c.tracking?.on ? c.tracking.redirect : -1} resp=${c.resp} ` +
    `lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}
