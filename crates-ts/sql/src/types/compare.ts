/**
 * Ordering of two non-null values of the same type, as PG's btree comparison functions:
 * text in the C collation (UTF-8 byte order, the collation of a fresh PGlite and of the key
 * encoding), char(n) ignoring trailing spaces, NaN above every other float.
 */
import type { Numeric } from './numeric.js';
import { Oid, type Value } from './oids.js';

/** UTF-8 byte order of two JS strings (code point order; UTF-16 unit order differs above U+FFFF). */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function trimBpchar(s: string): string {
  return s.replace(/ +$/, '');
}

function compareFloat(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Both values non-null and of type `oid`. */
export function compareValues(oid: number, a: Value, b: Value): number {
  switch (oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.date:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case Oid.float4:
    case Oid.float8:
      return compareFloat(a as number, b as number);
    case Oid.int8:
    case Oid.timestamp:
    case Oid.timestamptz:
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case Oid.numeric:
      return (a as Numeric).cmp(b as Numeric);
    case Oid.bool:
      return a === b ? 0 : a ? 1 : -1;
    case Oid.bytea:
      return Buffer.compare(a as Buffer, b as Buffer);
    case Oid.bpchar:
      return compareText(trimBpchar(a as string), trimBpchar(b as string));
    default:
      return compareText(a as string, b as string);
  }
}
