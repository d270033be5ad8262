/**
 * The command table: every command the server knows, with Redis 7's arity, flags, key
 * positions, ACL categories and docs. It serves COMMAND (COUNT/INFO/DOCS/GETKEYS/LIST), the
 * dispatcher (arity, write vs read), and later ACL categories and cluster routing.
 *
 * `exec` says where a command runs: `write` commands go through the log and are executed by
 * the state machine on apply; `read` commands run against applied state on the serving node;
 * `server` commands are handled by the server process (connection state, admin).
 */
import type { Reply } from '@seshat/common';
import type { Ctx } from './ctx.js';

export type Exec = 'write' | 'read' | 'server';

export type Handler = (ctx: Ctx, argv: Buffer[]) => Reply;

export interface CommandSpec {
  /** Lowercase name; subcommands are `container|sub`. */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly group: string;
  readonly summary: string;
  readonly since: string;
  readonly complexity: string;
  readonly aclCategories: readonly string[];
  readonly exec: Exec;
  readonly subcommands: CommandSpec[];
  handler: Handler | null;
}

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
}

const table = new Map<string, CommandSpec>();

function categories(flags: readonly string[], group: string, extra: string | undefined): string[] {
  const out: string[] = [];
  if (flags.includes('write')) out.push('@write');
  if (flags.includes('readonly')) out.push('@read');
  if (flags.includes('admin')) out.push('@admin', '@dangerous');
  if (group === 'string') out.push('@string');
  if (group === 'generic' || group === 'keyspace') out.push('@keyspace');
  if (group === 'connection') out.push('@connection');
  if (group === 'hash' || group === 'list' || group === 'set' || group === 'bitmap' || group === 'pubsub') {
    out.push(`@${group}`);
  }
  if (group === 'sorted-set') out.push('@sortedset');
  if (group === 'transactions') out.push('@transaction');
  out.push(flags.includes('fast') ? '@fast' : '@slow');
  if (extra) for (const c of extra.split(' ')) if (c && !out.includes(c)) out.push(c);
  return out;
}

function build(input: SpecInput): CommandSpec {
  const flags = input.flags.split(' ').filter(Boolean);
  const [firstKey, lastKey, step] = input.keys ?? [0, 0, 0];
  return {
    name: input.name,
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
    exec: input.exec,
    subcommands: [],
    handler: null,
  };
}

/** Registers a top-level command (or returns the existing one to attach a handler). */
export function defineCommand(input: SpecInput, handler: Handler | null = null): CommandSpec {
  const spec = build(input);
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
  const spec = build({ ...input, name: `${container}|${input.name}` });
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

/** Key positions of a command invocation, by the spec's first/last/step (COMMAND GETKEYS). */
export function commandKeys(spec: CommandSpec, argv: Buffer[]): Buffer[] {
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
  const keys: Buffer[] = [];
  for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) keys.push(argv[i]!);
  return keys;
}
