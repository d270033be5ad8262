/**
 * COMMAND and its subcommands: the command table as Redis 7.0 reports it (COMMAND INFO
 * layout, DOCS maps, GETKEYS).
 */
import { ErrorReply, MapReply, type Reply, SeshatError, SimpleString } from '@seshat/common';
import {
  allCommands,
  type CommandSpec,
  commandCount,
  commandKeys,
  findCommand,
  resolveCommand,
} from '@seshat/kv';
import { def, sub } from './server-commands.js';

const S = 'server';

function keySpecs(spec: CommandSpec): Reply[] {
  if (spec.firstKey === 0) return [];
  const flags = spec.flags.includes('write') ? ['RW', 'UPDATE'] : ['RO', 'ACCESS'];
  return [
    new MapReply([
      'begin_search',
      new MapReply(['type', 'index', 'spec', new MapReply(['index', spec.firstKey])]),
      'find_keys',
      new MapReply([
        'type',
        'range',
        'spec',
        new MapReply([
          'lastkey',
          spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey,
          'keystep',
          spec.step,
          'limit',
          0,
        ]),
      ]),
      'flags',
      flags.map((f) => new SimpleString(f)),
    ]),
  ];
}

function commandInfo(spec: CommandSpec): Reply {
  return [
    spec.name,
    spec.arity,
    spec.flags.map((f) => new SimpleString(f)),
    spec.firstKey,
    spec.lastKey,
    spec.step,
    spec.aclCategories.map((c) => new SimpleString(c)),
    [],
    keySpecs(spec),
    spec.subcommands.map(commandInfo),
  ];
}

function commandDocs(spec: CommandSpec): Reply {
  const items: Reply[] = [
    'summary',
    spec.summary,
    'since',
    spec.since,
    'group',
    spec.group,
    'complexity',
    spec.complexity,
  ];
  if (spec.subcommands.length > 0) {
    const subs: Reply[] = [];
    for (const s of spec.subcommands) subs.push(s.name, commandDocs(s));
    items.push('subcommands', new MapReply(subs));
  }
  return new MapReply(items);
}

function topLevel(name: string): CommandSpec | undefined {
  return findCommand(Buffer.from(name));
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
      const spec = topLevel(a.toString());
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
    const specs = argv.length === 2 ? [...allCommands()] : argv.slice(2).map((a) => topLevel(a.toString()));
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
  () => [...allCommands()].map((s) => s.name),
);
sub(
  'command',
  {
    name: 'getkeys',
    arity: -3,
    flags: 'loading stale',
    group: S,
    summary: 'Extracts the key names from an arbitrary command.',
    since: '2.8.13',
  },
  (_s, _c, argv) => {
    const inner = argv.slice(2);
    const spec = resolveCommand(inner);
    if (spec instanceof ErrorReply) {
      if (!findCommand(inner[0]!)) throw new SeshatError('ERR', 'Invalid command specified');
      throw new SeshatError('ERR', 'Invalid number of arguments specified for command');
    }
    const keys = commandKeys(spec, inner);
    if (keys.length === 0) throw new SeshatError('ERR', 'The command has no key arguments');
    return keys;
  },
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
      'HELP',
      '    Print this help.',
    ].map((l) => new SimpleString(l)),
);
