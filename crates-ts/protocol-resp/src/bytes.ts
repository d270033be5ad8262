/** Copies of at most this many bytes use a byte loop: Buffer#copy's argument handling costs more than the copy. */
export const SMALL_COPY_MAX_BYTES = 64;

/** A new Buffer holding `source[from, from + length)`, with its own memory. */
export function copyBytes(source: Buffer, from: number, length: number): Buffer {
  const copy = Buffer.allocUnsafe(length);
  if (length <= SMALL_COPY_MAX_BYTES) {
    for (let i = 0; i < length; i++) copy[i] = source[from + i]!;
  } else {
    source.copy(copy, 0, from, from + length);
  }
  return copy;
}
