/**
 * Argument parsing with Redis's exact acceptance rules (string2ll, string2ld) and error texts.
 * Pure functions on Buffers.
 */
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, SeshatError } from '@seshat/common';

export const I64_MAX = 9223372036854775807n;
export const I64_MIN = -9223372036854775808n;

/** Redis string2ll: optional '-', no '+', no spaces, no leading zeros, within int64. */
export function tryParseI64(buf: Buffer): bigint | undefined {
  const len = buf.length;
  if (len === 0 || len > 20) return undefined;
  if (len === 1 && buf[0] === 0x30) return 0n;
  let i = 0;
  if (buf[0] === 0x2d) {
    i = 1;
    if (len === 1) return undefined;
  }
  if (buf[i]! < 0x31 || buf[i]! > 0x39) return undefined;
  for (let j = i + 1; j < len; j++) if (buf[j]! < 0x30 || buf[j]! > 0x39) return undefined;
  const v = BigInt(buf.toString('latin1'));
  if (v > I64_MAX || v < I64_MIN) return undefined;
  return v;
}

/** value + incr within int64, or Redis's overflow error (INCR family, HINCRBY). */
export function addI64Checked(value: bigint, incr: bigint): bigint {
  if (
    (incr < 0n && value < 0n && incr < I64_MIN - value) ||
    (incr > 0n && value > 0n && incr > I64_MAX - value)
  ) {
    throw new SeshatError('ERR', 'increment or decrement would overflow');
  }
  return value + incr;
}

export function parseI64(buf: Buffer): bigint {
  const v = tryParseI64(buf);
  if (v === undefined) throw new SeshatError('ERR', ERR_NOT_INTEGER);
  return v;
}

/** Fast path for integers that fit in a double exactly; the same acceptance rules. */
export function tryParseSafeInt(buf: Buffer): number | undefined {
  const len = buf.length;
  if (len === 0 || len > 16) {
    const big = tryParseI64(buf);
    if (big === undefined || big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
      return big === undefined ? undefined : Number(big);
    }
    return Number(big);
  }
  if (len === 1 && buf[0] === 0x30) return 0;
  let i = 0;
  let neg = false;
  if (buf[0] === 0x2d) {
    neg = true;
    i = 1;
    if (len === 1) return undefined;
  }
  if (buf[i]! < 0x31 || buf[i]! > 0x39) return undefined;
  let v = 0;
  for (; i < len; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return undefined;
    v = v * 10 + (c - 0x30);
  }
  return neg ? -v : v;
}

/** An int64 argument as a JS number (callers compare against ranges far inside 2^53). */
export function parseInt64AsNumber(buf: Buffer): number {
  const v = tryParseSafeInt(buf);
  if (v === undefined) throw new SeshatError('ERR', ERR_NOT_INTEGER);
  return v;
}

/** Redis getIntFromObjectOrReply: must fit in a C int. */
export function parseInt32(buf: Buffer): number {
  const v = tryParseSafeInt(buf);
  if (v === undefined || v > 2147483647 || v < -2147483648) throw new SeshatError('ERR', ERR_NOT_INTEGER);
  return v;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)$/i;

/** Redis string2ld: strtold syntax without leading space or trailing garbage; NaN refused. */
export function tryParseFloat(buf: Buffer): number | undefined {
  if (buf.length === 0 || buf.length >= 5 * 1024) return undefined;
  const s = buf.toString('latin1');
  if (!FLOAT_RE.test(s)) return undefined;
  const lower = s.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower[0] === '-' ? -Infinity : Infinity;
  return Number(s);
}

export function parseFloatArg(buf: Buffer): number {
  const v = tryParseFloat(buf);
  if (v === undefined) throw new SeshatError('ERR', ERR_NOT_FLOAT);
  return v;
}

/** Case-insensitive comparison of an argument with a lowercase ASCII word. */
export function argIs(buf: Buffer, lowerWord: string): boolean {
  if (buf.length !== lowerWord.length) return false;
  for (let i = 0; i < buf.length; i++) {
    let c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}

export function syntaxError(): SeshatError {
  return new SeshatError('ERR', ERR_SYNTAX);
}

/**
 * Formats a double the way Redis's INCRBYFLOAT does (long double, "%.17Lf", trailing zeros
 * removed). JS has no long double; the shortest round-trip form of the double gives the same
 * text in practice (10.5 + 0.1 -> "10.6"), and integers print without exponent.
 */
export function formatHumanFloat(v: number): string {
  if (Number.isInteger(v)) return BigInt(v).toString();
  const s = String(v);
  if (!s.includes('e')) return s;
  let fixed = v.toFixed(17);
  fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

/**
 * Redis glob-style pattern matching (stringmatchlen): * ? [abc] [^a] [a-z] and \ escapes.
 * Iterative with backtracking on the last star only, so hostile patterns stay linear-ish.
 */
export function globMatch(pattern: Buffer, str: Buffer, nocase = false): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  const plen = pattern.length;
  const slen = str.length;
  while (s < slen) {
    if (p < plen) {
      const pc = pattern[p]!;
      if (pc === 0x2a) {
        while (p + 1 < plen && pattern[p + 1] === 0x2a) p++;
        starP = p++;
        starS = s;
        continue;
      }
      const step = matchOne(pattern, p, str[s]!, nocase);
      if (step > 0) {
        p += step;
        s++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    s = ++starS;
  }
  while (p < plen && pattern[p] === 0x2a) p++;
  return p === plen;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** Matches one pattern element at p against c; returns the element's length, or 0. */
function matchOne(pattern: Buffer, p: number, c: number, nocase: boolean): number {
  const plen = pattern.length;
  const pc = pattern[p]!;
  if (pc === 0x3f) return 1;
  if (pc === 0x5c && p + 1 < plen) return eq(pattern[p + 1]!, c, nocase) ? 2 : 0;
  if (pc !== 0x5b) return eq(pc, c, nocase) ? 1 : 0;
  let i = p + 1;
  const not = pattern[i] === 0x5e;
  if (not) i++;
  let match = false;
  while (i < plen && pattern[i] !== 0x5d) {
    if (pattern[i] === 0x5c && i + 1 < plen) {
      if (eq(pattern[i + 1]!, c, nocase)) match = true;
      i += 2;
    } else if (i + 2 < plen && pattern[i + 1] === 0x2d && pattern[i + 2] !== 0x5d) {
      let a = pattern[i]!;
      let b = pattern[i + 2]!;
      if (a > b) [a, b] = [b, a];
      const x = nocase ? lower(c) : c;
      if (x >= (nocase ? lower(a) : a) && x <= (nocase ? lower(b) : b)) match = true;
      i += 3;
    } else {
      if (eq(pattern[i]!, c, nocase)) match = true;
      i++;
    }
  }
  // An unterminated class matches like Redis: the class runs to the end of the pattern.
  const len = (i < plen ? i + 1 : i) - p;
  if (not) match = !match;
  return match ? len : 0;
}

function eq(a: number, b: number, nocase: boolean): boolean {
  return nocase ? lower(a) === lower(b) : a === b;
}
