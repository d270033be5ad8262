/**
 * COMMAND and its subcommands, replying like Redis 7.0.15 in RESP2 and RESP3: COMMAND INFO's
 * ten-field entries (flags, ACL categories, tips and key specs are sets, key specs maps), DOCS
 * maps, LIST with FILTERBY, COUNT, GETKEYS and GETKEYSANDFLAGS (keys found by the key specs,
 * @seshat/kv key-specs.ts). Only commands of the table are reported: Seshat never advertises a
 * command it does not have. The metadata itself is in @seshat/kv command-docs.ts.
 */
import { MapReply, type Reply, SeshatError, SetReply, SimpleString } from '@seshat/common';
import {
  ACL_CATEGORIES,
  allCommands,
  argIs,
  type ArgDoc,
  type CommandSpec,
  commandCount,
  commandKeyPositions,
  findCommand,
  globMatch,
  type KeySpec,
  lookupCommandByFullName,
  lookupSubcommand,
  parseArgDoc,
  type ParsedArg,
} from '@seshat/kv';
import { def, sub } from './server-commands.js';

const S = 'server';

function statuses(names: readonly string[]): SetReply {
  return new SetReply(names.map((n) => new SimpleString(n)));
}

function beginSearchSpec(ks: KeySpec): MapReply {
  if (ks.beginSearch === 'index') return new MapReply(['index', ks.index]);
  if (ks.beginSearch === 'keyword') return new MapReply(['keyword', ks.keyword, 'startfrom', ks.startFrom]);
  return new MapReply([]);
}

function findKeysSpec(ks: KeySpec): MapReply {
  if (ks.findKeys === 'range') {
    return new MapReply(['lastkey', ks.lastKey, 'keystep', ks.keyStep, 'limit', ks.limit]);
  }
  if (ks.findKeys === 'keynum') {
    return new MapReply(['keynumidx', ks.keyNumIdx, 'firstkey', ks.firstKey, 'keystep', ks.keyStep]);
  }
  return new MapReply([]);
}

function keySpecReply(ks: KeySpec): MapReply {
  const items: Reply[] = ks.notes === null ? [] : ['notes', ks.notes];
  items.push(
    'flags',
    statuses(ks.flags),
    'begin_search',
    new MapReply(['type', ks.beginSearch, 'spec', beginSearchSpec(ks)]),
    'find_keys',
    new MapReply(['type', ks.findKeys, 'spec', findKeysSpec(ks)]),
  );
  return new MapReply(items);
}

/** Replies are immutable, so each command's entry is built once. */
const infoCache = new WeakMap<CommandSpec, Reply>();

function commandInfo(spec: CommandSpec): Reply {
  let reply = infoCache.get(spec);
  if (reply === undefined) {
    reply = [
      spec.name,
      spec.arity,
      statuses(spec.flags),
      spec.firstKey,
      spec.lastKey,
      spec.step,
      statuses(spec.aclCategories),
      new SetReply([...spec.tips]),
      new SetReply(spec.keySpecs.map(keySpecReply)),
      spec.subcommands.length > 0 ? spec.subcommands.map(commandInfo) : new SetReply([]),
    ];
    infoCache.set(spec, reply);
  }
  return reply;
}

function argReply(arg: ParsedArg): MapReply {
  const items: Reply[] = ['name', arg.name, 'type', arg.type];
  if (arg.keySpecIndex >= 0) items.push('key_spec_index', arg.keySpecIndex);
  if (arg.token !== null) items.push('token', arg.token);
  if (arg.since !== null) items.push('since', arg.since);
  if (arg.deprecatedSince !== null) items.push('deprecated_since', arg.deprecatedSince);
  if (arg.flags.length > 0) items.push('flags', statuses(arg.flags));
  if (arg.args !== null) items.push('arguments', arg.args.map(argReply));
  return new MapReply(items);
}

function argsReply(args: readonly ArgDoc[]): Reply[] {
  return args.map((a) => argReply(parseArgDoc(a)));
}

function commandDocs(spec: CommandSpec): MapReply {
  const items: Reply[] = ['summary', spec.summary, 'since', spec.since, 'group', spec.group];
  // Redis leaves the field out for a command without one (MONITOR).
  if (spec.complexity !== '') items.push('complexity', spec.complexity);
  const doc = spec.doc;
  if (doc?.docFlags) items.push('doc_flags', statuses(doc.docFlags.split(' ')));
  if (doc?.deprecated) items.push('deprecated_since', doc.deprecated[0], 'replaced_by', doc.deprecated[1]);
  if (doc?.history) items.push('history', new SetReply(doc.history.map(([v, change]) => [v, change])));
  if (doc?.args) items.push('arguments', argsReply(doc.args));
  if (spec.subcommands.length > 0) {
    const subs: Reply[] = [];
    for (const s of spec.subcommands) subs.push(s.name, commandDocs(s));
    items.push('subcommands', new MapReply(subs));
  }
  return new MapReply(items);
}

/** Every command then its subcommands, as COMMAND LIST walks the table. */
function allNames(): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const spec of allCommands()) out.push(spec, ...spec.subcommands);
  return out;
}

/** COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]. */
function commandList(argv: Buffer[]): Reply {
  let keep: ((spec: CommandSpec) => boolean) | null = null;
  for (let i = 2; i < argv.length; i += 3) {
    if (!argIs(argv[i]!, 'filterby') || argv.length - 1 - i !== 2)
      throw new SeshatError('ERR', 'syntax error');
    const value = argv[i + 2]!;
    if (argIs(argv[i + 1]!, 'module'))
      keep = () => false; // no modules
    else if (argIs(argv[i + 1]!, 'aclcat')) {
      const cat = value.toString().toLowerCase();
      const known = ACL_CATEGORIES.includes(cat);
      keep = (spec) => known && spec.aclCategories.includes(`@${cat}`);
    } else if (argIs(argv[i + 1]!, 'pattern'))
      keep = (spec) => globMatch(value, Buffer.from(spec.name), true);
    else throw new SeshatError('ERR', 'syntax error');
  }
  const specs = allNames();
  return (keep === null ? specs : specs.filter(keep)).map((s) => s.name);
}

/** Redis lookupCommand for GETKEYS: the subcommand when the command has any and one is named. */
function getKeysTarget(inner: Buffer[]): CommandSpec | undefined {
  const spec = findCommand(inner[0]!);
  if (spec === undefined || spec.subcommands.length === 0 || inner.length === 1) return spec;
  return lookupSubcommand(spec, inner[1]!.toString('latin1').toLowerCase());
}

function getKeys(argv: Buffer[], withFlags: boolean): Reply {
  const inner = argv.slice(2);
  const spec = getKeysTarget(inner);
  if (spec === undefined) throw new SeshatError('ERR', 'Invalid command specified');
  if (!spec.hasKeys) throw new SeshatError('ERR', 'The command has no key arguments');
  if ((spec.arity > 0 && spec.arity !== inner.length) || inner.length < -spec.arity) {
    throw new SeshatError('ERR', 'Invalid number of arguments specified for command');
  }
  const positions: number[] = [];
  const flags: (readonly string[])[] | null = withFlags ? [] : null;
  commandKeyPositions(spec, inner, positions, flags);
  if (positions.length === 0 && !spec.flags.includes('no_mandatory_keys')) {
    throw new SeshatError('ERR', 'Invalid arguments specified for command');
  }
  if (flags === null) return positions.map((p) => inner[p]!);
  return positions.map((p, i) => [inner[p]!, statuses(flags[i]!)]);
}

def(
  {
    name: 'command',
    arity: -1,
    flags: 'loading stale',
    group: S,
    summary: 'Returns detailed information about all commands.',
    since: '2.8.13',
    complexity: 'O(N) where N is the total number of Redis commands',
  },
  () => [...allCommands()].map(commandInfo),
);
sub(
  'command',
  {
    name: 'count',
    arity: 2,
    flags: 'loading stale',
    group: S,
    summary: 'Returns a count of commands.',
    since: '2.8.13',
  },
  () => commandCount(),
);
sub(
  'command',
  {
    name: 'info',
    arity: -2,
    flags: 'loading stale',
    group: S,
    summary: 'Returns information about one, multiple or all commands.',
    since: '2.8.13',
  },
  (_s, _c, argv) => {
    if (argv.length === 2) return [...allCommands()].map(commandInfo);
    return argv.slice(2).map((a) => {
      const spec = lookupCommandByFullName(a.toString());
      return spec ? commandInfo(spec) : null;
    });
  },
);
sub(
  'command',
  {
    name: 'docs',
    arity: -2,
    flags: 'loading stale',
    group: S,
    summary: 'Returns documentary information about one, multiple or all commands.',
    since: '7.0.0',
  },
  (_s, _c, argv) => {
    const out: Reply[] = [];
    const specs =
      argv.length === 2
        ? [...allCommands()]
        : argv.slice(2).map((a) => lookupCommandByFullName(a.toString()));
    for (const spec of specs) if (spec) out.push(spec.name, commandDocs(spec));
    return new MapReply(out);
  },
);
sub(
  'command',
  {
    name: 'list',
    arity: -2,
    flags: 'loading stale',
    group: S,
    summary: 'Returns a list of command names.',
    since: '7.0.0',
  },
  (_s, _c, argv) => commandList(argv),
);
sub(
  'command',
  {
    name: 'getkeys',
    arity: -4,
    flags: 'loading stale',
    group: S,
    summary: 'Extracts the key names from an arbitrary command.',
    since: '2.8.13',
  },
  (_s, _c, argv) => getKeys(argv, false),
);
sub(
  'command',
  {
    name: 'getkeysandflags',
    arity: -4,
    flags: 'loading stale',
    group: S,
    summary: 'Extracts the key names and access flags for an arbitrary command.',
    since: '7.0.0',
  },
  (_s, _c, argv) => getKeys(argv, true),
);
sub(
  'command',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: S,
    summary: 'Returns helpful text about the different subcommands.',
    since: '5.0.0',
  },
  () =>
    [
      'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      '(no subcommand)',
      '    Return details about all Redis commands.',
      'COUNT',
      '    Return the total number of commands in this Redis server.',
      'LIST',
      '    Return a list of all commands in this Redis server.',
      'INFO [<command-name> ...]',
      '    Return details about multiple Redis commands.',
      '    If no command names are given, documentation details for all',
      '    commands are returned.',
      'DOCS [<command-name> ...]',
      '    Return documentation details about multiple Redis commands.',
      '    If no command names are given, documentation details for all',
      '    commands are returned.',
      'GETKEYS <full-command>',
      '    Return the keys from a full Redis command.',
      'GETKEYSANDFLAGS <full-command>',
      '    Return the keys and the access flags from a full Redis command.',
      'HELP',
      '    Prints this help.',
    ].map((l) => new SimpleString(l)),
);
