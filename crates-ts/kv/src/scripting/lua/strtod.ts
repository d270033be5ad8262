/**
 * C's strtod (C locale) over bytes: the longest prefix at `start` that is a number (an
 * optional sign, then decimal digits with an optional fraction and exponent, a `0x`
 * hexadecimal number with an optional `p` exponent, `inf`/`infinity` or `nan`/`nan(...)`,
 * any case), as cjson decodes numbers. Decimal values are correctly rounded (as glibc's).
 */

export interface Parsed {
  value: number;
  /** Index just past the number. */
  end: number;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const hexValue = (c: number): number => {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
};

function matchWord(b: Buffer, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) {
    if (i + k >= b.length || (b[i + k]! | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** strtod of `b` at `start`; null when no number starts there (endptr == nptr). */
export function strtod(b: Buffer, start: number): Parsed | null {
  let i = start;
  let negative = false;
  if (b[i] === 0x2b || b[i] === 0x2d) negative = b[i++] === 0x2d;
  const sign = negative ? -1 : 1;
  if (matchWord(b, i, 'inf')) {
    const end = matchWord(b, i, 'infinity') ? i + 8 : i + 3;
    return { value: sign * Number.POSITIVE_INFINITY, end };
  }
  if (matchWord(b, i, 'nan')) return { value: Number.NaN, end: nanEnd(b, i + 3) };
  if (b[i] === 0x30 && (b[i + 1]! | 0x20) === 0x78) {
    const hex = hexNumber(b, i + 2);
    if (hex !== null) return { value: sign * hex.value, end: hex.end };
  }
  return decimal(b, start, i);
}

/** After `nan`: an optional `(n-char-sequence)`, consumed only when closed. */
function nanEnd(b: Buffer, i: number): number {
  if (b[i] !== 0x28) return i;
  let j = i + 1;
  while (j < b.length) {
    const c = b[j]!;
    if (isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 0x5f) j++;
    else break;
  }
  return b[j] === 0x29 ? j + 1 : i;
}

function decimal(b: Buffer, start: number, i: number): Parsed | null {
  let j = i;
  let digits = 0;
  while (isDigit(b[j] ?? 0)) {
    j++;
    digits++;
  }
  if (b[j] === 0x2e) {
    j++;
    while (isDigit(b[j] ?? 0)) {
      j++;
      digits++;
    }
  }
  if (digits === 0) return null;
  if ((b[j]! | 0x20) === 0x65) {
    let k = j + 1;
    if (b[k] === 0x2b || b[k] === 0x2d) k++;
    if (isDigit(b[k] ?? 0)) {
      while (isDigit(b[k] ?? 0)) k++;
      j = k;
    }
  }
  return { value: Number(b.toString('latin1', start, j)), end: j };
}

/** The hexadecimal part after `0x`: digits, optional `.` digits, optional `p` exponent. */
function hexNumber(b: Buffer, i: number): Parsed | null {
  let j = i;
  let mant = 0n;
  let digits = 0;
  let scale = 0;
  for (let v = hexValue(b[j] ?? 0); v >= 0; v = hexValue(b[++j] ?? 0)) {
    mant = mant * 16n + BigInt(v);
    digits++;
  }
  if (b[j] === 0x2e) {
    for (let v = hexValue(b[++j] ?? 0); v >= 0; v = hexValue(b[++j] ?? 0)) {
      mant = mant * 16n + BigInt(v);
      digits++;
      scale -= 4;
    }
  }
  if (digits === 0) return null;
  if ((b[j]! | 0x20) === 0x70) {
    let k = j + 1;
    let negative = false;
    if (b[k] === 0x2b || b[k] === 0x2d) negative = b[k++] === 0x2d;
    if (isDigit(b[k] ?? 0)) {
      let e = 0;
      while (isDigit(b[k] ?? 0)) e = Math.min(e * 10 + (b[k++]! - 48), 100_000);
      scale += negative ? -e : e;
      j = k;
    }
  }
  return { value: Number(mant) * 2 ** scale, end: j };
}
