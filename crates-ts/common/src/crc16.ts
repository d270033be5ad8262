import { SLOT_COUNT } from './limits.js';

/** CRC16-CCITT (XMODEM), the function Redis Cluster uses for hash slots. */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

export function crc16(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ buf[i]!) & 0xff]!;
  return crc;
}

/** Redis Cluster key slot, honouring `{hash tags}` exactly as Redis does. */
export function keyHashSlot(key: Uint8Array): number {
  const len = key.length;
  let open = -1;
  for (let i = 0; i < len; i++) {
    if (key[i] === 0x7b) {
      open = i;
      break;
    }
  }
  if (open >= 0) {
    for (let j = open + 1; j < len; j++) {
      if (key[j] === 0x7d) {
        if (j > open + 1) return crc16(key, open + 1, j) & (SLOT_COUNT - 1);
        break;
      }
    }
  }
  return crc16(key) & (SLOT_COUNT - 1);
}
