/**
 * The DUMP payload envelope (Redis 7.0 cluster.c createDumpPayload / verifyDumpPayload):
 *
 *   type(1) object... rdb-version(2 LE) crc64(8 LE, over everything before it)
 *
 * RESTORE refuses a payload shorter than the footer, from a newer RDB version than 10, or whose
 * checksum does not match, with Redis's "DUMP payload version or checksum are wrong".
 */
import { SeshatError } from '@seshat/common';
import { crc64 } from './crc64.js';
import type { RdbWriter } from './rdb-io.js';

/** Redis 7.0's RDB_VERSION: payloads written here carry it; newer ones are refused. */
export const RDB_VERSION = 10;
/** Footer: 2 bytes of RDB version and 8 of CRC64. */
export const PAYLOAD_FOOTER_BYTES = 10;

/** RDB object type bytes (rdb.h). */
export const RdbType = {
  String: 0,
  List: 1,
  Set: 2,
  Zset: 3,
  Hash: 4,
  Zset2: 5,
  Module: 6,
  Module2: 7,
  HashZipmap: 9,
  ListZiplist: 10,
  SetIntset: 11,
  ZsetZiplist: 12,
  HashZiplist: 13,
  ListQuicklist: 14,
  StreamListpacks: 15,
  HashListpack: 16,
  ZsetListpack: 17,
  ListQuicklist2: 18,
  StreamListpacks2: 19,
} as const;

export const ERR_PAYLOAD_VERSION_OR_CHECKSUM = 'DUMP payload version or checksum are wrong';

/** verifyDumpPayload; returns where the footer starts. */
export function verifyPayload(payload: Buffer): number {
  const wrong = (): SeshatError => new SeshatError('ERR', ERR_PAYLOAD_VERSION_OR_CHECKSUM);
  if (payload.length < PAYLOAD_FOOTER_BYTES) throw wrong();
  const footer = payload.length - PAYLOAD_FOOTER_BYTES;
  if (payload.readUInt16LE(footer) > RDB_VERSION) throw wrong();
  const crc = crc64(payload, 0, payload.length - 8);
  if (crc !== payload.readBigUInt64LE(payload.length - 8)) throw wrong();
  return footer;
}

/** Appends the footer (version, CRC64) to the object written to `w`; returns the payload. */
export function finishPayload(w: RdbWriter): Buffer {
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >>> 8);
  const body = w.bytesView();
  const out = Buffer.allocUnsafe(body.length + 8);
  body.copy(out, 0);
  out.writeBigUInt64LE(crc64(body), body.length);
  return out;
}
