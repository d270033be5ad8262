/**
 * Parameter definitions and Redis 7.0's rules for parsing their values (config.c): yes/no in
 * any case, integers with string2ll, memory values with memtoull (`1gb`, `64k`), percentages,
 * octal, enums and multi-argument flag sets, with Redis's error texts. A value is parsed into
 * its canonical form, the one CONFIG GET shows; numbers beyond 2^53 stay exact as bigints.
 */

export type ParamValue = string | number | boolean | bigint;

export interface ParamDef {
  name: string;
  /** Redis's other name (list-max-ziplist-size for list-max-listpack-size): CONFIG GET and
   * SET accept it, and CONFIG GET * lists it beside the name, as Redis does. */
  alias?: string;
  kind: 'int' | 'memory' | 'string' | 'enum' | 'bool' | 'flags';
  default: ParamValue;
  /**
   * true: CONFIG SET changes it. false: refused, "can't set immutable config" (Redis's
   * immutable ones). 'same': only its current value is accepted, as a no-op, another value gets
   * the immutable error: Seshat's own start-time parameters (raft-port...), and parameters Redis
   * changes at runtime but Seshat cannot (port, bind, appendonly). Setting every parameter to
   * the value CONFIG GET shows therefore always works, as it does on Redis.
   */
  mutable: boolean | 'same';
  /** Redis's protected configs (dir, dbfilename): refused, as enable-protected-configs is no. */
  protected?: boolean;
  /** Left out of CONFIG GET patterns (Redis's HIDDEN_CONFIG); its exact name still finds it. */
  hidden?: boolean;
  /** Bounds (int and memory kinds), inclusive; bigint beyond 2^53. */
  min?: number | bigint;
  max?: number | bigint;
  /** A number outside this range is taken and capped (Redis's hz). */
  clamp?: readonly [number, number];
  /** Bounds compared as unsigned 64-bit values (Redis's unsigned and size_t types). */
  unsigned?: boolean;
  /** A memory value may also be a percentage `N%` (stored as -N, shown as N%). */
  percent?: boolean;
  /** The integer is written in octal (unixsocketperm). */
  octal?: boolean;
  /** enum and flags: the names, in Redis's table order (flags: bit i is values[i + 1]). */
  values?: readonly string[];
  /** enum: names that mean the same as another, shown as that one (oom-score-adj relative). */
  synonyms?: Readonly<Record<string, string>>;
  /** Shown by --help. */
  doc?: string;
  /** Kept and reported only: Seshat has no such mechanism (docs/compatibility.md lists these). */
  noEffect?: boolean;
  /** Validation of a parsed value of any kind; returns an error text or null. */
  validate?: (v: ParamValue) => string | null;
  /** Extra validation for strings; returns an error text or null. */
  check?: (v: string) => string | null;
  /** Canonical form stored and shown by CONFIG GET. */
  normalize?: (v: string) => string;
  /** A multi-argument value parsed against the current one (client-output-buffer-limit
   * changes only the classes it names); returns the canonical form or an Invalid. */
  parse?: (v: string, current: string) => string | Invalid;
  /** What CONFIG GET shows of the stored form, when Redis shows less than it keeps. */
  display?: (v: string) => string;
}

/** A value that failed validation, with Redis's explanation. */
export class Invalid {
  constructor(readonly reason: string) {}
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MOD = 1n << 64n;
/** Longest digit run memtoull copies (its buffer is 128 bytes). */
const MEMORY_DIGITS_MAX = 127;

const MEMORY_UNITS: Readonly<Record<string, bigint>> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/** Redis's yesnotoi: yes / no in any case, else undefined. */
export function parseYesNo(s: string): boolean | undefined {
  const l = s.toLowerCase();
  return l === 'yes' ? true : l === 'no' ? false : undefined;
}

/** Redis's string2ll: an optional minus, no leading zeros, no blanks, in the int64 range. */
export function parseLongLong(s: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/**
 * Redis's memtoull: digits then an optional unit (b, k, kb, m, mb, g, gb, any case). Its
 * quirks are kept: no digits reads as 0, and the product wraps at 2^64 as unsigned C does.
 */
export function parseMemoryBytes(s: string): bigint | undefined {
  if (s.startsWith('-')) return undefined;
  const m = /^([0-9]*)(.*)$/.exec(s)!;
  const mul = MEMORY_UNITS[m[2]!.toLowerCase()];
  if (mul === undefined || m[1]!.length > MEMORY_DIGITS_MAX) return undefined;
  let digits = m[1] === '' ? 0n : BigInt(m[1]!);
  if (digits >= UINT64_MOD) digits = UINT64_MOD - 1n; // strtoull saturates
  return (digits * mul) % UINT64_MOD;
}

/** The 64-bit value a parsed number is stored as (C's long long), or an Invalid. */
function parseNumber(def: ParamDef, s: string): bigint | Invalid {
  if (def.kind === 'memory') {
    const v = parseMemoryBytes(s);
    if (v !== undefined) return BigInt.asIntN(64, v);
  }
  if (def.percent === true && s.length > 1 && s.endsWith('%')) {
    const v = parseLongLong(s.slice(0, -1));
    if (v !== undefined && v >= 0n) return -v;
  }
  if (def.octal === true && /^[+-]?[0-7]+$/.test(s))
    return BigInt.asIntN(64, BigInt(`0o${s.replace(/^[+-]/, '')}`));
  if (def.kind === 'int' && def.octal !== true) {
    const v = parseLongLong(s);
    if (v !== undefined) return v;
  }
  if (def.kind === 'memory')
    return new Invalid(
      def.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value',
    );
  return new Invalid(
    def.octal
      ? "argument couldn't be parsed as an octal number"
      : "argument couldn't be parsed into an integer",
  );
}

/** Redis's numericBoundaryCheck, with its texts. */
function checkBounds(def: ParamDef, v: bigint): Invalid | null {
  const lo = BigInt(def.min ?? INT64_MIN);
  const hi = BigInt(def.max ?? INT64_MAX);
  if (def.unsigned === true) {
    const u = BigInt.asUintN(64, v);
    if (u >= lo && u <= hi) return null;
    const fmt = (x: bigint) => (def.octal ? x.toString(8) : x.toString());
    return new Invalid(`argument must be between ${fmt(lo)} and ${fmt(hi)} inclusive`);
  }
  if (def.percent === true && v < 0n) {
    return v < lo ? new Invalid(`percentage argument must be less or equal to ${-lo}`) : null;
  }
  if (v >= lo && v <= hi) return null;
  return new Invalid(`argument must be between ${lo} and ${hi} inclusive`);
}

/** A stored number: a plain number while exact, else the bigint. */
function storedNumber(def: ParamDef, v: bigint): number | bigint {
  const shown = def.unsigned === true && def.kind === 'memory' ? BigInt.asUintN(64, v) : v;
  return shown >= BigInt(Number.MIN_SAFE_INTEGER) && shown <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(shown)
    : shown;
}

function coerceNumber(def: ParamDef, raw: unknown, s: string): number | bigint | Invalid {
  let v: bigint | Invalid;
  if (typeof raw === 'number') {
    // From a TOML file: a plain integer (units only in strings).
    if (!Number.isSafeInteger(raw)) return new Invalid("argument couldn't be parsed into an integer");
    v = BigInt(raw);
  } else if (typeof raw === 'bigint') v = raw;
  else v = parseNumber(def, s);
  if (v instanceof Invalid) return v;
  const bad = checkBounds(def, v);
  if (bad !== null) return bad;
  if (def.clamp !== undefined) {
    const [lo, hi] = def.clamp;
    return v < BigInt(lo) ? lo : v > BigInt(hi) ? hi : Number(v);
  }
  return storedNumber(def, v);
}

/** Splits a multi-argument value as Redis's sdssplitlen(value, " ") does ("" is no argument). */
export function splitArgs(s: string): string[] {
  return s === '' ? [] : s.split(' ');
}

function coerceEnum(def: ParamDef, s: string): string | Invalid {
  const l = s.toLowerCase();
  if (def.values!.includes(l)) return def.synonyms?.[l] ?? l;
  return new Invalid(`argument(s) must be one of the following: ${def.values!.join(', ')}`);
}

/** Multi-argument flags (shutdown-on-sigint): OR of the named bits, shown as Redis shows them. */
function coerceFlags(def: ParamDef, s: string): string | Invalid {
  const names = def.values!;
  const args = splitArgs(s);
  let bits = 0;
  for (const a of args) {
    const i = names.indexOf(a.toLowerCase());
    if (i < 0) return new Invalid(`argument(s) must be one of the following: ${names.join(', ')}`);
    if (i > 0) bits |= 1 << (i - 1);
  }
  if (args.length === 0) return new Invalid(`argument(s) must be one of the following: ${names.join(', ')}`);
  // shutdown-on-sig*: SAVE (bit 0) and NOSAVE (bit 1) together are refused.
  if ((bits & 3) === 3) return new Invalid("shutdown options SAVE and NOSAVE can't be used simultaneously");
  if (bits === 0) return names[0]!;
  const shown: string[] = [];
  for (let i = 1; i < names.length; i++) if (bits & (1 << (i - 1))) shown.push(names[i]!);
  return shown.join(' ');
}

/** Parses and validates one value (Redis's rules and words); `current` is the stored value. */
export function coerce(def: ParamDef, raw: unknown, current?: ParamValue): ParamValue | Invalid {
  const v = parseValue(def, raw, current);
  if (v instanceof Invalid || def.validate === undefined) return v;
  const err = def.validate(v);
  return err === null ? v : new Invalid(err);
}

function parseValue(def: ParamDef, raw: unknown, current?: ParamValue): ParamValue | Invalid {
  const s = typeof raw === 'string' ? raw : String(raw);
  switch (def.kind) {
    case 'int':
    case 'memory':
      return coerceNumber(def, raw, s);
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const v = parseYesNo(s);
      return v ?? new Invalid("argument must be 'yes' or 'no'");
    }
    case 'enum':
      return coerceEnum(def, s);
    case 'flags':
      return coerceFlags(def, s);
    case 'string': {
      if (def.parse) return def.parse(s, String(current ?? def.default));
      const err = def.check?.(s) ?? null;
      if (err !== null) return new Invalid(err);
      return def.normalize ? def.normalize(s) : s;
    }
  }
}

/** The textual form CONFIG GET shows. */
export function formatValue(def: ParamDef | undefined, v: ParamValue): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (def?.percent === true && typeof v !== 'string' && v < 0) return `${-BigInt(v)}%`;
  if (def?.octal === true && typeof v === 'number') return v.toString(8);
  const text = String(v);
  return def?.display ? def.display(text) : text;
}
