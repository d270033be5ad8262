/**
 * date, timestamp and timestamptz in ISO form (DateStyle ISO, TimeZone UTC: a fresh PG's
 * output settings for this server). date is a day count since 1970-01-01; timestamps are
 * bigint microseconds since 1970-01-01 00:00:00 UTC. Input takes the ISO shapes
 * (`YYYY-MM-DD`, `YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]` and a `Z` / `+HH[:MM]` zone for
 * timestamptz); other PG input styles ('Jan 5 2024', 'epoch', 'now') are not accepted yet.
 */
import { SqlError, SqlState } from '../errors.js';

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;
/** Largest year accepted (PG's timestamp range ends in 294276 AD). */
const YEAR_MAX = 294276;

/** Days since 1970-01-01 of a proleptic Gregorian date (year may be <= 0: 0 is 1 BC). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

const DATE_RE = /^(\d{4,6})-(\d{1,2})-(\d{1,2})/;
const TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?/;
const ZONE_RE = /^(?:([zZ])|([+-])(\d{1,2})(?::?(\d{2}))?)$/;

function badSyntax(type: string, text: string): SqlError {
  return new SqlError(SqlState.InvalidDatetimeFormat, `invalid input syntax for type ${type}: "${text}"`);
}

function outOfRange(text: string): SqlError {
  return new SqlError(SqlState.DatetimeFieldOverflow, `date/time field value out of range: "${text}"`);
}

/** Parses the date part; returns [days, rest of the text]. */
function parseDatePart(text: string, trimmed: string, type: string): [number, string] {
  const m = DATE_RE.exec(trimmed);
  if (m === null) throw badSyntax(type, text);
  let rest = trimmed.slice(m[0].length);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  let year = y;
  const bc = / BC$/i.test(rest);
  if (bc) {
    rest = rest.slice(0, -3);
    year = 1 - y;
  }
  if (mo < 1 || mo > 12 || d < 1 || y < 1 || y > YEAR_MAX || d > daysInMonth(year, mo))
    throw outOfRange(text);
  return [daysFromCivil(year, mo, d), rest];
}

export function parseDate(text: string): number {
  const [days, rest] = parseDatePart(text, text.trim(), 'date');
  if (rest.trim() !== '') throw badSyntax('date', text);
  return days;
}

/** timestamp / timestamptz input; a zone in the text is applied for timestamptz, ignored for timestamp (as PG). */
export function parseTimestamp(text: string, withZone: boolean): bigint {
  const type = withZone ? 'timestamp with time zone' : 'timestamp without time zone';
  const [days, afterDate] = parseDatePart(text, text.trim(), type);
  let rest = afterDate;
  let micros = BigInt(days) * MICROS_PER_DAY;
  if (rest.length > 0) {
    if (rest[0] !== ' ' && rest[0] !== 'T') throw badSyntax(type, text);
    rest = rest.slice(1).trimStart();
    const t = TIME_RE.exec(rest);
    if (t === null) throw badSyntax(type, text);
    rest = rest.slice(t[0].length).trim();
    const h = Number(t[1]);
    const mi = Number(t[2]);
    const s = t[3] === undefined ? 0 : Number(t[3]);
    if (h > 24 || mi > 59 || s > 60 || (h === 24 && (mi > 0 || s > 0))) throw outOfRange(text);
    const frac = t[4] === undefined ? 0n : BigInt(t[4].padEnd(6, '0'));
    micros += BigInt(h * 3600 + mi * 60 + s) * MICROS_PER_SECOND + frac;
  }
  if (rest.length > 0) {
    const z = ZONE_RE.exec(rest);
    if (z === null) throw badSyntax(type, text);
    if (withZone && z[1] === undefined) {
      const offset = (Number(z[3]) * 3600 + Number(z[4] ?? '0') * 60) * (z[2] === '-' ? -1 : 1);
      micros -= BigInt(offset) * MICROS_PER_SECOND;
    }
  }
  return micros;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  const bc = y <= 0;
  return `${pad(bc ? 1 - y : y, 4)}-${pad(m, 2)}-${pad(d, 2)}${bc ? ' BC' : ''}`;
}

export function formatTimestamp(micros: bigint, withZone: boolean): string {
  let days = micros / MICROS_PER_DAY;
  let rem = micros % MICROS_PER_DAY;
  if (rem < 0n) {
    rem += MICROS_PER_DAY;
    days -= 1n;
  }
  const [y, m, d] = civilFromDays(Number(days));
  const bc = y <= 0;
  const secs = Number(rem / MICROS_PER_SECOND);
  const frac = Number(rem % MICROS_PER_SECOND);
  let out = `${pad(bc ? 1 - y : y, 4)}-${pad(m, 2)}-${pad(d, 2)} ${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  if (frac !== 0) out += '.' + pad(frac, 6).replace(/0+$/, '');
  if (withZone) out += '+00';
  return bc ? out + ' BC' : out;
}

/** Rounds a timestamp to `precision` fractional digits (timestamp(p)), half away from zero as PG's rint. */
export function roundTimestamp(micros: bigint, precision: number): bigint {
  if (precision >= 6) return micros;
  const unit = 10n ** BigInt(6 - precision);
  const r = ((micros % unit) + unit) % unit;
  const down = micros - r;
  return r * 2n >= unit ? down + unit : down;
}
