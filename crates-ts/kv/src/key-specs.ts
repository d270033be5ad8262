/**
 * Redis 7 key specs and the interpreter that finds the keys of a command invocation from them
 * (Redis db.c `getKeysUsingKeySpecs` / `getKeysFromCommandWithSpecs`), plus the few native
 * key-finding procedures Redis falls back to when a spec is incomplete, has variable flags or
 * does not apply (`sortGetKeys`, `setGetKeys`, `genericGetKeys` for numkeys commands...).
 * COMMAND GETKEYS, the state machine's key prefetch and, later, cluster routing use it.
 *
 * Positions are argv indexes with the command name at 0, as in Redis.
 */
import { assert } from '@seshat/common';

export type BeginSearch = 'index' | 'keyword' | 'unknown';
export type FindKeys = 'range' | 'keynum' | 'unknown';

/** One key spec; every spec has every field (one object shape), unused ones are 0 or ''. */
export interface KeySpec {
  readonly notes: string | null;
  /** As Redis prints them: RO/RW/OW/RM, then access/update/insert/delete, not_key... */
  readonly flags: readonly string[];
  readonly notKey: boolean;
  readonly incomplete: boolean;
  readonly variableFlags: boolean;
  readonly beginSearch: BeginSearch;
  /** `index`: position of the first key. */
  readonly index: number;
  /** `keyword`: the keyword after which keys start, searched from `startFrom` (negative: from the end, backwards). */
  readonly keyword: string;
  readonly startFrom: number;
  readonly findKeys: FindKeys;
  /** `range`: last key relative to the first (negative: relative to the end), step, limit. */
  readonly lastKey: number;
  readonly keyStep: number;
  readonly limit: number;
  /** `keynum`: where the key count is (relative to the first), where keys start (relative too). */
  readonly keyNumIdx: number;
  readonly firstKey: number;
}

const KEY_FLAG_NAMES = new Set([
  'RO',
  'RW',
  'OW',
  'RM',
  'access',
  'update',
  'insert',
  'delete',
  'not_key',
  'incomplete',
  'variable_flags',
]);

function int(text: string | undefined, what: string): number {
  const n = Number(text);
  assert(text !== undefined && Number.isInteger(n), `key spec: bad ${what} ${text}`);
  return n;
}

/** Parses `FLAGS | begin_search | find_keys [| notes]` (the command-docs.ts form). */
export function parseKeySpec(text: string): KeySpec {
  const parts = text.split(' | ');
  assert(parts.length === 3 || parts.length === 4, `key spec: ${text}`);
  const flags = parts[0]!.split(' ').filter(Boolean);
  for (const f of flags) assert(KEY_FLAG_NAMES.has(f), `key spec flag ${f}`);
  const bs = parts[1]!.split(' ');
  const fk = parts[2]!.split(' ');
  const beginSearch = bs[0] as BeginSearch;
  const findKeys = fk[0] as FindKeys;
  assert(beginSearch === 'index' || beginSearch === 'keyword' || beginSearch === 'unknown', text);
  assert(findKeys === 'range' || findKeys === 'keynum' || findKeys === 'unknown', text);
  const range = findKeys === 'range';
  const keynum = findKeys === 'keynum';
  return {
    notes: parts[3] ?? null,
    flags,
    notKey: flags.includes('not_key'),
    incomplete: flags.includes('incomplete'),
    variableFlags: flags.includes('variable_flags'),
    beginSearch,
    index: beginSearch === 'index' ? int(bs[1], 'index') : 0,
    keyword: beginSearch === 'keyword' ? (bs[1] ?? '') : '',
    startFrom: beginSearch === 'keyword' ? int(bs[2], 'startfrom') : 0,
    findKeys,
    lastKey: range ? int(fk[1], 'lastkey') : 0,
    keyStep: range ? int(fk[2], 'keystep') : keynum ? int(fk[3], 'keystep') : 0,
    limit: range ? int(fk[3], 'limit') : 0,
    keyNumIdx: keynum ? int(fk[1], 'keynumidx') : 0,
    firstKey: keynum ? int(fk[2], 'firstkey') : 0,
  };
}

/** The spec Redis derives from a legacy first/last/step triple (for commands without data). */
export function legacyKeySpec(first: number, last: number, step: number, flags: readonly string[]): KeySpec {
  return parseKeySpec(
    `${flags.join(' ')} | index ${first} | range ${last < 0 ? last : last - first} ${step} 0`,
  );
}

function equalsIgnoreCase(arg: Buffer, lower: string): boolean {
  if (arg.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = arg[i]!;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function keywordStart(spec: KeySpec, argv: readonly Buffer[]): number {
  const argc = argv.length;
  const keyword = spec.keyword.toLowerCase();
  const start = spec.startFrom > 0 ? spec.startFrom : argc + spec.startFrom;
  const end = spec.startFrom > 0 ? argc - 1 : 1;
  for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
    if (i >= argc || i < 1) break;
    if (equalsIgnoreCase(argv[i]!, keyword)) return i + 1;
  }
  return 0;
}

/** Redis string2ll for a non-negative count; -1 when it is not one. */
function parseCount(arg: Buffer): number {
  if (arg.length === 0 || arg.length > 10) return -1;
  if (arg.length > 1 && arg[0] === 48) return -1;
  let n = 0;
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i]!;
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * Appends the positions of the keys in argv to `positions` (and the index of the spec that found
 * each to `specOf`, when given). Returns false when a spec does not apply to this argv or is
 * incomplete (Redis: invalid spec), leaving the arrays as they were: the caller then falls back
 * to the native procedure. `not_key` specs are skipped.
 */
export function getKeysFromSpecs(
  specs: readonly KeySpec[],
  argv: readonly Buffer[],
  positions: number[],
  specOf: number[] | null = null,
): boolean {
  const argc = argv.length;
  const base = positions.length;
  for (let j = 0; j < specs.length; j++) {
    const spec = specs[j]!;
    if (spec.notKey) continue;
    let first = 0;
    if (spec.beginSearch === 'index') first = spec.index;
    else if (spec.beginSearch === 'keyword') {
      first = keywordStart(spec, argv);
      if (first === 0) continue; // keyword absent: no keys from this spec
    } else return invalid(positions, specOf, base);
    let last: number;
    let step: number;
    if (spec.findKeys === 'range') {
      step = spec.keyStep;
      if (spec.lastKey >= 0) last = first + spec.lastKey;
      else if (spec.limit === 0) last = argc + spec.lastKey;
      else last = first + (Math.trunc((argc - first) / spec.limit) + spec.lastKey);
    } else if (spec.findKeys === 'keynum') {
      step = spec.keyStep;
      const at = first + spec.keyNumIdx;
      if (at >= argc) return invalid(positions, specOf, base);
      const numKeys = parseCount(argv[at]!);
      if (numKeys < 0) return invalid(positions, specOf, base);
      first += spec.firstKey;
      last = first + numKeys - 1;
    } else return invalid(positions, specOf, base);
    if (last >= argc || last < first || first >= argc) return invalid(positions, specOf, base);
    for (let i = first; i <= last; i += step) {
      positions.push(i);
      if (specOf) specOf.push(j);
    }
    if (spec.incomplete) return invalid(positions, specOf, base);
  }
  return true;
}

function invalid(positions: number[], specOf: number[] | null, base: number): false {
  positions.length = base;
  if (specOf) specOf.length = base;
  return false;
}

/** A key found by a native procedure, with the flags Redis reports for it (often none). */
export interface NativeKeys {
  readonly positions: number[];
  readonly flags: (readonly string[])[];
}

/** Redis's native key procedures (the `get_keys_function` of the command JSON files). */
export type NativeGetKeys = (argv: readonly Buffer[], out: NativeKeys) => void;

const NO_FLAGS: readonly string[] = [];
const RO_ACCESS: readonly string[] = ['RO', 'access'];
const RW_ACCESS_UPDATE: readonly string[] = ['RW', 'access', 'update'];
const OW_UPDATE: readonly string[] = ['OW', 'update'];
const RW_ACCESS_DELETE: readonly string[] = ['RW', 'access', 'delete'];

function push(out: NativeKeys, pos: number, flags: readonly string[]): void {
  out.positions.push(pos);
  out.flags.push(flags);
}

/** C atoi: optional sign, leading digits, 0 when none. */
function atoi(arg: Buffer): number {
  let i = 0;
  while (i < arg.length && (arg[i] === 32 || (arg[i]! >= 9 && arg[i]! <= 13))) i++;
  let sign = 1;
  if (arg[i] === 45 || arg[i] === 43) sign = arg[i++] === 45 ? -1 : 1;
  let n = 0;
  while (i < arg.length && arg[i]! >= 48 && arg[i]! <= 57 && n < 2 ** 31) n = n * 10 + (arg[i++]! - 48);
  return sign * n;
}

/** `COMMAND [destkey] numkeys key [key ...] ...` (Redis genericGetKeys: the store key last). */
function numKeysProc(storeAt: number, countAt: number, firstAt: number): NativeGetKeys {
  return (argv, out) => {
    if (countAt >= argv.length) return;
    const num = atoi(argv[countAt]!);
    if (num < 1 || num > argv.length - firstAt) return;
    for (let i = 0; i < num; i++) push(out, firstAt + i, NO_FLAGS);
    if (storeAt) push(out, storeAt, NO_FLAGS);
  };
}

const SORT_SKIP: readonly [string, number][] = [
  ['limit', 2],
  ['get', 1],
  ['by', 1],
];

function sortKeys(argv: readonly Buffer[], out: NativeKeys): void {
  push(out, 1, RO_ACCESS);
  let store = 0;
  for (let i = 2; i < argv.length; i++) {
    const skip = SORT_SKIP.find(([name]) => equalsIgnoreCase(argv[i]!, name));
    if (skip) i += skip[1];
    else if (equalsIgnoreCase(argv[i]!, 'store') && i + 1 < argv.length) store = i + 1; // the last STORE wins
  }
  if (store) push(out, store, OW_UPDATE);
}

function setKeys(argv: readonly Buffer[], out: NativeKeys): void {
  let get = false;
  for (let i = 3; i < argv.length && !get; i++) get = equalsIgnoreCase(argv[i]!, 'get');
  push(out, 1, get ? RW_ACCESS_UPDATE : OW_UPDATE);
}

function bitfieldKeys(argv: readonly Buffer[], out: NativeKeys): void {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const a = argv[i]!;
    if (equalsIgnoreCase(a, 'get') && remaining >= 2) i += 2;
    else if ((equalsIgnoreCase(a, 'set') || equalsIgnoreCase(a, 'incrby')) && remaining >= 3) {
      readonly = false;
      break;
    } else if (equalsIgnoreCase(a, 'overflow') && remaining >= 1) i += 1;
    else {
      readonly = false; // a syntax error: assume a write, like Redis
      break;
    }
  }
  push(out, 1, readonly ? RO_ACCESS : RW_ACCESS_UPDATE);
}

const MIGRATE_SKIP: readonly [string, number][] = [
  ['copy', 0],
  ['replace', 0],
  ['auth', 1],
  ['auth2', 2],
];

function migrateKeys(argv: readonly Buffer[], out: NativeKeys): void {
  let first = 3;
  let num = 1;
  for (let i = 6; i < argv.length; i++) {
    if (equalsIgnoreCase(argv[i]!, 'keys')) {
      if (argv[3]!.length > 0) num = 0;
      else {
        first = i + 1;
        num = argv.length - first;
      }
      break;
    }
    const skip = MIGRATE_SKIP.find(([name]) => equalsIgnoreCase(argv[i]!, name));
    if (skip) i += skip[1];
  }
  for (let i = 0; i < num; i++) push(out, first + i, RW_ACCESS_DELETE);
}

/** GEORADIUS / GEORADIUSBYMEMBER: the key, then the last STORE / STOREDIST key after argv[4]. */
function georadiusKeys(argv: readonly Buffer[], out: NativeKeys): void {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    const a = argv[i]!;
    if ((equalsIgnoreCase(a, 'store') || equalsIgnoreCase(a, 'storedist')) && i + 1 < argv.length) {
      stored = ++i;
    }
  }
  push(out, 1, NO_FLAGS);
  if (stored !== -1) push(out, stored, NO_FLAGS);
}

/** Commands (of the groups Seshat covers) whose Redis definition has a native key procedure. */
export const NATIVE_GET_KEYS: ReadonlyMap<string, NativeGetKeys> = new Map<string, NativeGetKeys>([
  ['set', setKeys],
  ['bitfield', bitfieldKeys],
  ['sort', sortKeys],
  ['sort_ro', (_argv, out) => push(out, 1, RO_ACCESS)],
  ['migrate', migrateKeys],
  ['zunion', numKeysProc(0, 1, 2)],
  ['zinter', numKeysProc(0, 1, 2)],
  ['zdiff', numKeysProc(0, 1, 2)],
  ['zintercard', numKeysProc(0, 1, 2)],
  ['zunionstore', numKeysProc(1, 2, 3)],
  ['zinterstore', numKeysProc(1, 2, 3)],
  ['zdiffstore', numKeysProc(1, 2, 3)],
  ['sintercard', numKeysProc(0, 1, 2)],
  ['lmpop', numKeysProc(0, 1, 2)],
  ['zmpop', numKeysProc(0, 1, 2)],
  ['blmpop', numKeysProc(0, 2, 3)],
  ['bzmpop', numKeysProc(0, 2, 3)],
  ['georadius', georadiusKeys],
  ['georadiusbymember', georadiusKeys],
  ['eval', numKeysProc(0, 2, 3)],
  ['evalsha', numKeysProc(0, 2, 3)],
  ['eval_ro', numKeysProc(0, 2, 3)],
  ['evalsha_ro', numKeysProc(0, 2, 3)],
  ['fcall', numKeysProc(0, 2, 3)],
  ['fcall_ro', numKeysProc(0, 2, 3)],
]);

/** What finds a command's keys: its specs and, if Redis has one, its native procedure. */
export interface KeyFinder {
  readonly keySpecs: readonly KeySpec[];
  readonly getKeys: NativeGetKeys | null;
  /** See `specsAreReliable`. */
  readonly keysBySpecs: boolean;
}

/** Redis prefers the specs when some spec is a key and none has variable flags. */
export function specsAreReliable(specs: readonly KeySpec[]): boolean {
  return specs.some((k) => !k.notKey) && !specs.some((k) => k.variableFlags);
}

/**
 * Positions (argv indexes) of the keys of an invocation, like Redis's
 * getKeysFromCommandWithSpecs: the key specs when they are reliable and apply, else the native
 * procedure, else none. `flags`, when given, receives each key's flags (GETKEYSANDFLAGS).
 */
export function findKeys(
  cmd: KeyFinder,
  argv: readonly Buffer[],
  positions: number[],
  flags: (readonly string[])[] | null = null,
): void {
  if (cmd.keysBySpecs) {
    const specOf = flags === null ? null : [];
    if (getKeysFromSpecs(cmd.keySpecs, argv, positions, specOf)) {
      if (specOf) for (const j of specOf) flags!.push(cmd.keySpecs[j]!.flags);
      return;
    }
  }
  if (cmd.getKeys) cmd.getKeys(argv, { positions, flags: flags ?? [] });
}
