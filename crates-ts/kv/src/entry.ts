/**
 * Log entry codec. An entry is a batch of client commands stamped by the leader:
 *
 *   format(1)=1 timeMs(8) seed(4) count(4) { db(1) argc(4) { len(4) bytes }* }*
 *   format(1)=2 timeMs(8) seed(4) count(4) { db(1) argc(4) { len(4) bytes }* tag(8) }*
 *
 * Format 2 (cluster mode) carries each command's write tag (a double; 0 = none): the
 * identity a client connection gives a write so that a retry of it after an "outcome
 * unknown" reply can be recognised (crates-ts/cluster/src/retry-table.ts). The state machine
 * ignores tags; the encoder writes format 1 when no command has one.
 *
 * Every replica applies the same bytes, so everything time- or chance-dependent is derived
 * from (timeMs, seed) rather than from the local clock or Math.random().
 */
import { assert } from '@seshat/common';

export const ENTRY_FORMAT = 1;
export const ENTRY_FORMAT_TAGGED = 2;
const HEADER_BYTES = 17;
/** Arguments up to this size are copied with a byte loop: Buffer#copy's argument handling
 * costs more than copying a short key or value (most of a SET's arguments). */
const SMALL_ARG_BYTES = 128;

export interface EntryCommand {
  db: number;
  argv: Buffer[];
  /** Write tag (cluster mode); absent or 0: none. */
  tag?: number;
}

export interface Entry {
  timeMs: number;
  seed: number;
  commands: EntryCommand[];
}

export function encodeEntry(timeMs: number, seed: number, commands: readonly EntryCommand[]): Buffer {
  let size = HEADER_BYTES;
  let tagged = false;
  for (const c of commands) {
    size += 5;
    for (const a of c.argv) size += 4 + a.length;
    if (c.tag !== undefined && c.tag !== 0) tagged = true;
  }
  if (tagged) size += 8 * commands.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = tagged ? ENTRY_FORMAT_TAGGED : ENTRY_FORMAT;
  out.writeDoubleBE(timeMs, 1);
  out.writeUInt32BE(seed >>> 0, 9);
  out.writeUInt32BE(commands.length, 13);
  let o = HEADER_BYTES;
  for (const c of commands) {
    out[o] = c.db;
    out.writeUInt32BE(c.argv.length, o + 1);
    o += 5;
    for (const a of c.argv) {
      const n = a.length;
      out[o] = n >>> 24;
      out[o + 1] = (n >>> 16) & 0xff;
      out[o + 2] = (n >>> 8) & 0xff;
      out[o + 3] = n & 0xff;
      o += 4;
      if (n <= SMALL_ARG_BYTES) for (let i = 0; i < n; i++) out[o + i] = a[i]!;
      else a.copy(out, o);
      o += n;
    }
    if (tagged) {
      out.writeDoubleBE(c.tag ?? 0, o);
      o += 8;
    }
  }
  assert(o === size, 'entry size mismatch');
  return out;
}

export function decodeEntry(buf: Buffer): Entry {
  const tagged = buf[0] === ENTRY_FORMAT_TAGGED;
  assert(tagged || buf[0] === ENTRY_FORMAT, `unknown entry format ${buf[0]}`);
  const timeMs = buf.readDoubleBE(1);
  const seed = buf.readUInt32BE(9);
  const count = buf.readUInt32BE(13);
  const commands: EntryCommand[] = new Array(count);
  let o = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const db = buf[o]!;
    const argc = buf.readUInt32BE(o + 1);
    o += 5;
    const argv: Buffer[] = new Array(argc);
    for (let j = 0; j < argc; j++) {
      const len = buf.readUInt32BE(o);
      argv[j] = buf.subarray(o + 4, o + 4 + len);
      o += 4 + len;
    }
    if (tagged) {
      const tag = buf.readDoubleBE(o);
      o += 8;
      commands[i] = tag === 0 ? { db, argv } : { db, argv, tag };
    } else commands[i] = { db, argv };
  }
  assert(o === buf.length, 'trailing bytes in entry');
  return { timeMs, seed, commands };
}
