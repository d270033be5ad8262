/**
 * date, time, timestamp and timestamptz between PostgreSQL's ISO text output (DateStyle ISO)
 * and their binary forms: date is int32 days since 2000-01-01, time int64 microseconds since
 * midnight, timestamp(tz) int64 microseconds since 2000-01-01 00:00:00 (UTC for timestamptz).
 * Calendar: proleptic Gregorian, year 0 = 1 BC, as PostgreSQL. Day counts use the
 * days-from-civil method (era of 400 years). Text from binary timestamptz is written in UTC
 * (`+00`), which PostgreSQL's input accepts whatever the session TimeZone.
 */
const DAYS_1970_TO_2000 = 10957;
const US_PER_DAY = 86_400_000_000n;
const US_PER_SECOND = 1_000_000n;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Days from 2000-01-01 to the given (astronomical) year, month 1-12, day. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yoe = y - era * 400;
  const doy = floorDiv(153 * (month + (month > 2 ? -3 : 9)) + 2, 5) + day - 1;
  const doe = yoe * 365 + floorDiv(yoe, 4) - floorDiv(yoe, 100) + doy;
  return era * 146097 + doe - 719468 - DAYS_1970_TO_2000;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + DAYS_1970_TO_2000 + 719468;
  const era = floorDiv(z, 146097);
  const doe = z - era * 146097;
  const yoe = floorDiv(doe - floorDiv(doe, 1460) + floorDiv(doe, 36524) - floorDiv(doe, 146096), 365);
  const doy = doe - (365 * yoe + floorDiv(yoe, 4) - floorDiv(yoe, 100));
  const mp = floorDiv(5 * doy + 2, 153);
  const day = doy - floorDiv(153 * mp + 2, 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const bc = year <= 0;
  return `${pad(bc ? 1 - year : year, 4)}-${pad(month, 2)}-${pad(day, 2)}${bc ? ' BC' : ''}`;
}

/** `HH:MM:SS[.ffffff]` with trailing fraction zeros dropped, as PostgreSQL prints. */
function formatTimeOfDay(us: bigint): string {
  const secs = Number(us / US_PER_SECOND);
  const frac = Number(us % US_PER_SECOND);
  const base = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  return frac === 0 ? base : `${base}.${pad(frac, 6).replace(/0+$/, '')}`;
}

const DATE_RE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const TIMESTAMP_RE =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?( BC)?$/;

function dateParts(y: string, m: string, d: string, bc: string | undefined): number | null {
  const year = bc ? 1 - Number(y) : Number(y);
  const month = Number(m);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  return back.month === month && back.day === day ? days : null;
}

function fractionUs(f: string | undefined): bigint {
  return f === undefined ? 0n : BigInt(f.padEnd(6, '0'));
}

function timeUs(h: string, mi: string, s: string, f: string | undefined): bigint | null {
  const hh = Number(h);
  const mm = Number(mi);
  const ss = Number(s);
  if (hh > 24 || mm > 59 || ss > 60) return null;
  const us = BigInt(hh * 3600 + mm * 60 + ss) * US_PER_SECOND + fractionUs(f);
  return us > US_PER_DAY ? null : us;
}

/** Offset text `+HH`, `+HH:MM`, `+HHMM`, `+HH:MM:SS` to seconds east of UTC. */
function offsetSeconds(text: string): number {
  const sign = text[0] === '-' ? -1 : 1;
  const digits = text.slice(1).replace(/:/g, '');
  const h = Number(digits.slice(0, 2));
  const m = Number(digits.slice(2, 4) || '0');
  const s = Number(digits.slice(4, 6) || '0');
  return sign * (h * 3600 + m * 60 + s);
}

export function dateTextToBinary(text: string): Buffer | null {
  const b = Buffer.alloc(4);
  const t = text.trim();
  if (t === 'infinity') b.writeInt32BE(INT32_MAX);
  else if (t === '-infinity') b.writeInt32BE(INT32_MIN);
  else {
    const m = DATE_RE.exec(t);
    const days = m === null ? null : dateParts(m[1]!, m[2]!, m[3]!, m[4]);
    if (days === null) return null;
    b.writeInt32BE(days);
  }
  return b;
}

export function dateBinaryToText(b: Buffer): string | null {
  if (b.length !== 4) return null;
  const days = b.readInt32BE(0);
  if (days === INT32_MAX) return 'infinity';
  if (days === INT32_MIN) return '-infinity';
  return formatDate(days);
}

export function timeTextToBinary(text: string): Buffer | null {
  const m = TIME_RE.exec(text.trim());
  const us = m === null ? null : timeUs(m[1]!, m[2]!, m[3]!, m[4]);
  if (us === null) return null;
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(us);
  return b;
}

export function timeBinaryToText(b: Buffer): string | null {
  if (b.length !== 8) return null;
  const us = b.readBigInt64BE(0);
  return us < 0n || us > US_PER_DAY ? null : formatTimeOfDay(us);
}

/** timestamp (withZone false) or timestamptz (true): text to int64 µs since 2000-01-01 (UTC). */
export function timestampTextToBinary(text: string, withZone: boolean): Buffer | null {
  const b = Buffer.alloc(8);
  const t = text.trim();
  if (t === 'infinity') b.writeBigInt64BE(INT64_MAX);
  else if (t === '-infinity') b.writeBigInt64BE(INT64_MIN);
  else {
    const m = TIMESTAMP_RE.exec(t);
    if (m === null || (m[8] !== undefined && !withZone)) return null;
    const days = dateParts(m[1]!, m[2]!, m[3]!, m[9]);
    const tod = timeUs(m[4]!, m[5]!, m[6]!, m[7]);
    if (days === null || tod === null) return null;
    let us = BigInt(days) * US_PER_DAY + tod;
    if (withZone && m[8] !== undefined) us -= BigInt(offsetSeconds(m[8])) * US_PER_SECOND;
    b.writeBigInt64BE(us);
  }
  return b;
}

export function timestampBinaryToText(b: Buffer, withZone: boolean): string | null {
  if (b.length !== 8) return null;
  const us = b.readBigInt64BE(0);
  if (us === INT64_MAX) return 'infinity';
  if (us === INT64_MIN) return '-infinity';
  let days = us / US_PER_DAY;
  let tod = us % US_PER_DAY;
  if (tod < 0n) {
    tod += US_PER_DAY;
    days -= 1n;
  }
  const date = formatDate(Number(days));
  const bc = date.endsWith(' BC');
  const datePart = bc ? date.slice(0, -3) : date;
  return `${datePart} ${formatTimeOfDay(tod)}${withZone ? '+00' : ''}${bc ? ' BC' : ''}`;
}
