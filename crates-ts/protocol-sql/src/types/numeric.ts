/**
 * numeric's binary form (numeric_send / numeric_recv): int16 ndigits, int16 weight, uint16
 * sign, int16 dscale, then ndigits base-10000 digits, most significant first; the value is
 * sum(digit[i] * 10000^(weight - i)). Converted to and from PostgreSQL's text output (plain
 * decimal, no exponent; NaN / Infinity / -Infinity).
 */
const NBASE_DIGITS = 4;
const SIGN_POS = 0x0000;
const SIGN_NEG = 0x4000;
const SIGN_NAN = 0xc000;
const SIGN_PINF = 0xd000;
const SIGN_NINF = 0xf000;
/** PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE bounds dscale. */
const DSCALE_MAX = 16383;

/**
 * PostgreSQL's numeric_send reads dscale of a special value through the short-header mask,
 * so the infinities go out with dscale 32 and NaN with 0 (measured); we send the same bytes.
 */
const INFINITY_DSCALE = 32;

function specialHeader(sign: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(sign, 4);
  if (sign !== SIGN_NAN) b.writeInt16BE(INFINITY_DSCALE, 6);
  return b;
}

/** Null when `text` is not a plain decimal numeric literal. */
export function numericTextToBinary(text: string): Buffer | null {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'nan') return specialHeader(SIGN_NAN);
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf') return specialHeader(SIGN_PINF);
  if (lower === '-infinity' || lower === '-inf') return specialHeader(SIGN_NINF);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(t);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const negative = m[1] === '-';
  const frac = m[3] ?? '';
  if (frac.length > DSCALE_MAX) return null;
  const intPart = m[2]!.replace(/^0+/, '');
  const intPadded = '0'.repeat((NBASE_DIGITS - (intPart.length % NBASE_DIGITS)) % NBASE_DIGITS) + intPart;
  const fracPadded = frac + '0'.repeat((NBASE_DIGITS - (frac.length % NBASE_DIGITS)) % NBASE_DIGITS);
  const all = intPadded + fracPadded;
  const digits: number[] = [];
  for (let i = 0; i < all.length; i += NBASE_DIGITS) digits.push(Number(all.slice(i, i + NBASE_DIGITS)));
  let weight = intPadded.length / NBASE_DIGITS - 1;
  let first = 0;
  while (first < digits.length && digits[first] === 0) {
    first++;
    weight--;
  }
  let last = digits.length;
  while (last > first && digits[last - 1] === 0) last--;
  const kept = digits.slice(first, last);
  if (kept.length === 0) weight = 0;
  const out = Buffer.alloc(8 + 2 * kept.length);
  out.writeInt16BE(kept.length, 0);
  out.writeInt16BE(weight, 2);
  out.writeUInt16BE(kept.length > 0 && negative ? SIGN_NEG : SIGN_POS, 4);
  out.writeInt16BE(frac.length, 6);
  for (let i = 0; i < kept.length; i++) out.writeInt16BE(kept[i]!, 8 + 2 * i);
  return out;
}

/** Bytes a binary numeric needs, from its header (8 when the header itself is short). */
export function numericBinaryBytes(b: Buffer): number {
  return b.length < 8 ? 8 : 8 + 2 * Math.max(0, b.readInt16BE(0));
}

/** Null when the bytes are not a valid numeric (numeric_recv's checks). */
export function numericBinaryToText(b: Buffer): string | null {
  if (b.length < 8) return null;
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (sign === SIGN_NAN) return 'NaN';
  if (sign === SIGN_PINF) return 'Infinity';
  if (sign === SIGN_NINF) return '-Infinity';
  if ((sign !== SIGN_POS && sign !== SIGN_NEG) || ndigits < 0 || dscale < 0 || dscale > DSCALE_MAX)
    return null;
  if (b.length !== 8 + 2 * ndigits) return null;
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) {
    const d = b.readInt16BE(8 + 2 * i);
    if (d < 0 || d >= 10000) return null;
    digits.push(d);
  }
  const digitAt = (i: number): number => (i >= 0 && i < ndigits ? digits[i]! : 0);
  let intText = '';
  for (let i = 0; i <= weight; i++) {
    const d = String(digitAt(i));
    intText += i === 0 ? d : d.padStart(NBASE_DIGITS, '0');
  }
  intText = intText.replace(/^0+(?=\d)/, '') || '0';
  let fracText = '';
  for (let k = 1; fracText.length < dscale; k++)
    fracText += String(digitAt(weight + k)).padStart(NBASE_DIGITS, '0');
  fracText = fracText.slice(0, dscale);
  const isZero = digits.every((d) => d === 0);
  const body = dscale > 0 ? `${intText}.${fracText}` : intText;
  return sign === SIGN_NEG && !isZero ? `-${body}` : body;
}
