/**
 * Decimal integers parsed straight from bytes with the rules of Redis's `string2ll`:
 * optional `-`, no `+`, no leading zeros (except "0" itself), no blanks, at most 20
 * characters, within the signed 64-bit range.
 */

/** string2ll refuses strings of this many characters or more (LONG_STR_SIZE). */
const INTEGER_TEXT_MAX_BYTES = 20;
/** |LLONG_MIN| and LLONG_MAX as 19 ASCII digits, to range-check 19-digit input exactly. */
const LLONG_MAX_DIGITS = '9223372036854775807';
const LLONG_MIN_DIGITS = '9223372036854775808';

/**
 * Parses `buf[start, end)`. Returns NaN if it is not a valid 64-bit integer; otherwise
 * the value as a double (exact up to 2^53, which covers every limit it is compared with).
 */
export function parseLongLong(buf: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length <= 0 || length > INTEGER_TEXT_MAX_BYTES) return Number.NaN;
  let i = start;
  const negative = buf[i] === 0x2d;
  if (negative) {
    i++;
    if (i === end) return Number.NaN;
  }
  const first = buf[i]! - 0x30;
  if (first === 0) return length === 1 ? 0 : Number.NaN;
  if (first < 1 || first > 9) return Number.NaN;
  let value = first;
  for (i++; i < end; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  const digits = negative ? length - 1 : length;
  if (digits > 19) return Number.NaN;
  if (digits === 19 && !fitsLongLong(buf, end - 19, negative)) return Number.NaN;
  return negative ? -value : value;
}

/** For exactly 19 digits at `from`: is the magnitude within LLONG_MAX (or |LLONG_MIN| if negative)? */
function fitsLongLong(buf: Buffer, from: number, negative: boolean): boolean {
  const bound = negative ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS;
  for (let k = 0; k < 19; k++) {
    const diff = buf[from + k]! - bound.charCodeAt(k);
    if (diff !== 0) return diff < 0;
  }
  return true;
}
