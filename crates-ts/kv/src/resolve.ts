/** Command lookup with Redis 7's rejection texts (unknown command / subcommand, arity). */
import { ErrorReply } from '@seshat/common';
import { type CommandSpec, lookupCommand, lookupSubcommand } from './command-table.js';

const NAME_CACHE_MAX = 1024;
const nameCache = new Map<string, CommandSpec | null>();
/** Names up to this many bytes are also cached under a number made of their bytes. */
const SHORT_NAME_BYTES = 6;
const shortNameCache = new Map<number, CommandSpec | null>();

/**
 * Lowercases the command name once per distinct spelling (`get`, `GET`, `Get`...). Short names
 * (most commands) are looked up by a number built from their bytes: no string per command,
 * and no string hashing. The number is exact (at most 48 bits) and the length is part of it.
 */
export function findCommand(name: Buffer): CommandSpec | undefined {
  const n = name.length;
  let code = -1;
  if (n <= SHORT_NAME_BYTES) {
    code = n;
    for (let i = 0; i < n; i++) code = code * 256 + name[i]!;
    const hit = shortNameCache.get(code);
    if (hit !== undefined) return hit ?? undefined;
  }
  const raw = name.toString('latin1');
  let spec = nameCache.get(raw);
  if (spec === undefined) {
    spec = lookupCommand(raw.toLowerCase()) ?? null;
    if (nameCache.size < NAME_CACHE_MAX) nameCache.set(raw, spec);
  }
  if (code >= 0 && shortNameCache.size < NAME_CACHE_MAX) shortNameCache.set(code, spec);
  return spec ?? undefined;
}

function sanitize(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

export function unknownCommandError(argv: Buffer[]): ErrorReply {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i]!.toString('latin1').slice(0, 128 - args.length)}' `;
  }
  const name = argv[0]!.toString('latin1').slice(0, 128);
  return new ErrorReply(sanitize(`ERR unknown command '${name}', with args beginning with: ${args}`));
}

export function arityError(spec: CommandSpec): ErrorReply {
  return new ErrorReply(`ERR wrong number of arguments for '${spec.name}' command`);
}

function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity;
}

/** The spec to execute for argv (the subcommand's for containers), or the error to reply. */
export function resolveCommand(argv: Buffer[]): CommandSpec | ErrorReply {
  const spec = findCommand(argv[0]!);
  if (spec === undefined) return unknownCommandError(argv);
  if (!arityOk(spec, argv.length)) return arityError(spec);
  if (spec.subcommands.length === 0 || argv.length === 1) return spec;
  const subName = argv[1]!.toString('latin1');
  const sub = lookupSubcommand(spec, subName.toLowerCase());
  if (sub === undefined) {
    return new ErrorReply(
      sanitize(`ERR unknown subcommand '${subName.slice(0, 128)}'. Try ${spec.name.toUpperCase()} HELP.`),
    );
  }
  if (!arityOk(sub, argv.length)) return arityError(sub);
  return sub;
}
