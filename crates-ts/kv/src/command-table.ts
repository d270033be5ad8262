/**
 * The command table: every command the server knows, with Redis 7's arity, flags, key
 * positions, ACL categories and docs. It serves COMMAND (COUNT/INFO/DOCS/GETKEYS/LIST), the
 * dispatcher (arity, write vs read), and later ACL categories and cluster routing.
 *
 * Handlers are defined inline (`defineCommand` next to the code); what Redis 7.0.15 reports
 * about a command (flags, ACL categories, tips, key specs, legacy key range, docs) comes from
 * command-docs.ts when Redis has the command, so COMMAND replies exactly like Redis whatever the
 * inline text says. The arity stays the inline one (the dispatcher enforces it, handlers rely on
 * it); `definitionMismatches()` lists inline arities and key ranges that disagree with Redis.
 *
 * `exec` says where a command runs: `write` commands go through the log and are executed by
 * the state machine on apply; `read` commands run against applied state on the serving node;
 * `server` commands are handled by the server process (connection state, admin).
 */
import type { Reply } from '@seshat/common';
import { COMMAND_DOCS, type CommandDoc } from './command-docs.js';
import { SERVER_COMMAND_DOCS } from './command-docs-server.js';
import type { Ctx } from './ctx.js';
import {
  findKeys,
  type KeySpec,
  legacyKeySpec,
  NATIVE_GET_KEYS,
  type NativeGetKeys,
  parseKeySpec,
  specsAreReliable,
} from './key-specs.js';

export { type ArgDoc, COMMAND_DOCS, type CommandDoc, type ParsedArg, parseArgDoc } from './command-docs.js';
export * from './key-specs.js';

export type Exec = 'write' | 'read' | 'server';

export type Handler = (ctx: Ctx, argv: Buffer[]) => Reply;

export interface CommandSpec {
  /** Lowercase name; subcommands are `container|sub`. */
  readonly name: string;
  /** The inline definition's arity: what the dispatcher enforces. */
  readonly arity: number;
  readonly flags: readonly string[];
  /** Redis's legacy key range (COMMAND INFO); keys are found with `keySpecs`. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly group: string;
  readonly summary: string;
  readonly since: string;
  readonly complexity: string;
  /** With the `@`, in Redis's order. */
  readonly aclCategories: readonly string[];
  readonly tips: readonly string[];
  readonly keySpecs: readonly KeySpec[];
  /** Redis's native key procedure, when its specs cannot say everything (SORT, SET, ZUNION...). */
  readonly getKeys: NativeGetKeys | null;
  /** Whether the specs alone find the keys (some spec is a key, none has variable flags). */
  readonly keysBySpecs: boolean;
  /** Redis's doesCommandHaveKeys: a spec that is a key, or a native procedure. */
  readonly hasKeys: boolean;
  /** The Redis 7.0.15 metadata (docs extras: doc flags, history, arguments), if known. */
  readonly doc: CommandDoc | null;
  readonly exec: Exec;
  readonly subcommands: CommandSpec[];
  handler: Handler | null;
}

/**
 * A key finder for a command whose keys neither its key specs nor a Redis native procedure
 * (key-specs.ts NATIVE_GET_KEYS) describe: argv -> the key arguments (elements of argv).
 * Commands Redis has a native procedure for use Redis's instead.
 */
export type KeyExtractor = (argv: Buffer[]) => Buffer[];

export interface SpecInput {
  name: string;
  arity: number;
  flags: string;
  keys?: [number, number, number];
  group: string;
  summary: string;
  since: string;
  complexity?: string;
  acl?: string;
  exec: Exec;
  getKeys?: KeyExtractor;
}

const table = new Map<string, CommandSpec>();

/** ACL categories in the order Redis prints them (its category table order). */
export const ACL_CATEGORIES: readonly string[] = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

const GROUP_CATEGORY: { readonly [group: string]: string } = {
  generic: 'keyspace',
  string: 'string',
  hash: 'hash',
  list: 'list',
  set: 'set',
  'sorted-set': 'sortedset',
  bitmap: 'bitmap',
  pubsub: 'pubsub',
  connection: 'connection',
  transactions: 'transaction',
};

/** Categories for a command Redis does not know: implied by flags and group, in Redis's order. */
function categories(flags: readonly string[], group: string, extra: string | undefined): string[] {
  const set = new Set<string>();
  if (flags.includes('write')) set.add('write');
  if (flags.includes('readonly')) set.add('read');
  if (flags.includes('admin')) set.add('admin').add('dangerous');
  if (flags.includes('blocking')) set.add('blocking');
  set.add(flags.includes('fast') ? 'fast' : 'slow');
  const g = GROUP_CATEGORY[group];
  if (g) set.add(g);
  if (extra) for (const c of extra.split(' ')) if (c) set.add(c.replace(/^@/, ''));
  const known = ACL_CATEGORIES.filter((c) => set.has(c));
  const unknown = [...set].filter((c) => !ACL_CATEGORIES.includes(c));
  return [...known, ...unknown].map((c) => `@${c}`);
}

/** Inline definitions that disagree with Redis 7.0.15 (arity, key range); see definitionMismatches. */
const mismatches: string[] = [];

function checkAgainstRedis(input: SpecInput, name: string, doc: CommandDoc): void {
  const [arity, , first, last, step] = doc.info;
  if (input.arity !== arity) mismatches.push(`${name}: arity ${input.arity}, Redis ${arity}`);
  const [f, l, s] = input.keys ?? [0, 0, 0];
  if (f !== first || l !== last || s !== step) {
    mismatches.push(`${name}: keys [${f}, ${l}, ${s}], Redis [${first}, ${last}, ${step}]`);
  }
}

function words(s: string): string[] {
  return s.split(' ').filter(Boolean);
}

function fromDoc(input: SpecInput, name: string, doc: CommandDoc): CommandSpec {
  checkAgainstRedis(input, name, doc);
  const [, flags, firstKey, lastKey, step, acl] = doc.info;
  const [summary, since, group, complexity] = doc.doc;
  return finish({
    name,
    arity: input.arity,
    flags: words(flags),
    firstKey,
    lastKey,
    step,
    group,
    summary,
    since,
    complexity,
    aclCategories: words(acl),
    tips: doc.tips ?? [],
    keySpecs: (doc.keys ?? []).map(parseKeySpec),
    getKeys: NATIVE_GET_KEYS.get(name) ?? nativeOf(input.getKeys),
    keysBySpecs: false,
    hasKeys: false,
    doc,
    exec: input.exec,
    subcommands: [],
    handler: null,
  });
}

function fromInput(input: SpecInput, name: string): CommandSpec {
  const flags = words(input.flags);
  const [firstKey, lastKey, step] = input.keys ?? [0, 0, 0];
  const keyFlags = flags.includes('write') ? ['RW', 'update'] : ['RO', 'access'];
  return finish({
    name,
    arity: input.arity,
    flags,
    firstKey,
    lastKey,
    step,
    group: input.group,
    summary: input.summary,
    since: input.since,
    complexity: input.complexity ?? 'O(1)',
    aclCategories: categories(flags, input.group, input.acl),
    tips: [],
    keySpecs: firstKey > 0 ? [legacyKeySpec(firstKey, lastKey, step, keyFlags)] : [],
    getKeys: nativeOf(input.getKeys),
    keysBySpecs: false,
    hasKeys: false,
    doc: null,
    exec: input.exec,
    subcommands: [],
    handler: null,
  });
}

function nativeOf(extract: KeyExtractor | undefined): NativeGetKeys | null {
  if (extract === undefined) return null;
  return (argv, out) => {
    for (const key of extract(argv as Buffer[])) {
      out.positions.push(argv.indexOf(key));
      out.flags.push([]);
    }
  };
}

function finish(spec: CommandSpec): CommandSpec {
  const someKey = spec.keySpecs.some((k) => !k.notKey);
  return { ...spec, keysBySpecs: specsAreReliable(spec.keySpecs), hasKeys: someKey || spec.getKeys !== null };
}

/** Redis 7.0.15's metadata when it has the command, else the inline definition. */
function build(input: SpecInput, name: string): CommandSpec {
  const doc = Object.hasOwn(COMMAND_DOCS, name)
    ? COMMAND_DOCS[name]
    : Object.hasOwn(SERVER_COMMAND_DOCS, name)
      ? SERVER_COMMAND_DOCS[name]
      : undefined;
  return doc ? fromDoc(input, name, doc) : fromInput(input, name);
}

/**
 * Inline definitions (defineCommand inputs) whose arity or key range differ from Redis 7.0.15,
 * one line each. COMMAND reports Redis's key range; the dispatcher enforces the inline arity.
 */
export function definitionMismatches(): readonly string[] {
  return mismatches;
}

/** Registers a top-level command (or returns the existing one to attach a handler). */
export function defineCommand(input: SpecInput, handler: Handler | null = null): CommandSpec {
  const spec = build(input, input.name);
  spec.handler = handler;
  table.set(spec.name, spec);
  return spec;
}

/** Registers `container|sub` under an existing container command. */
export function defineSubcommand(
  container: string,
  input: SpecInput,
  handler: Handler | null = null,
): CommandSpec {
  const parent = table.get(container);
  if (!parent) throw new Error(`unknown container command ${container}`);
  const spec = build(input, `${container}|${input.name}`);
  spec.handler = handler;
  parent.subcommands.push(spec);
  return spec;
}

export function lookupCommand(lowerName: string): CommandSpec | undefined {
  return table.get(lowerName);
}

export function lookupSubcommand(spec: CommandSpec, lowerSub: string): CommandSpec | undefined {
  const name = `${spec.name}|${lowerSub}`;
  for (const s of spec.subcommands) if (s.name === name) return s;
  return undefined;
}

export function allCommands(): IterableIterator<CommandSpec> {
  return table.values();
}

export function commandCount(): number {
  return table.size;
}

/**
 * `container` or `container|sub` (any case) as COMMAND INFO/DOCS take names; undefined for an
 * unknown name, a `|sub` of a command without subcommands, or more than one `|`.
 */
export function lookupCommandByFullName(fullName: string): CommandSpec | undefined {
  const parts = fullName.toLowerCase().split('|');
  if (parts.length > 2) return undefined;
  const spec = table.get(parts[0]!);
  if (spec === undefined || parts.length === 1) return spec;
  return lookupSubcommand(spec, parts[1]!);
}

/** Positions of the keys of an invocation (key-specs.ts findKeys), with their flags if asked. */
export function commandKeyPositions(
  spec: CommandSpec,
  argv: readonly Buffer[],
  positions: number[],
  flags: (readonly string[])[] | null = null,
): void {
  findKeys(spec, argv, positions, flags);
}

/** The keys of an invocation (COMMAND GETKEYS, prefetch, routing). */
export function commandKeys(spec: CommandSpec, argv: Buffer[]): Buffer[] {
  if (!spec.hasKeys) return [];
  const positions: number[] = [];
  commandKeyPositions(spec, argv, positions);
  const keys: Buffer[] = new Array(positions.length);
  for (let i = 0; i < positions.length; i++) keys[i] = argv[positions[i]!]!;
  return keys;
}
