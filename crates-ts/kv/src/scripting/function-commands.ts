/**
 * FUNCTION (Redis 7.0 functions): the library registry's commands. LOAD, DELETE, FLUSH and
 * RESTORE are writes: they go through the log, and every replica changes its registry and the
 * library records (library-store.ts) on apply. LIST, DUMP and STATS read the applied registry.
 * Error texts and reply shapes are those of Redis 7.0.15 (functions.c).
 */
import { ErrorReply, MapReply, OK, type Reply, SeshatError, SetReply, SimpleString } from '@seshat/common';
import { argIs, globMatch } from '../args.js';
import { defineCommand, defineSubcommand, type SpecInput } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import type { FunctionInfo, LibraryInfo } from './function-registry.js';
import { FunctionRegistry } from './function-registry.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { deleteLibrary, putLibrary } from './library-store.js';
import { createLibrary, functionVm } from './function-lua.js';
import { keysAndArgs, prepareRun } from './run-script.js';
import { runScript } from './script-runner.js';
import type { Compiled } from './lua/vm.js';
import { scriptFlagNames } from './script-flags.js';

const G = 'scripting';

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

/** Drops every library: records deleted in the entry's batch, an empty registry in the ctx. */
export function flushLibraries(ctx: Ctx): void {
  for (const name of ctx.functions.libraries.keys()) deleteLibrary(ctx.store, name);
  ctx.functions = FunctionRegistry.EMPTY;
}

function functionFlush(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length > 3) return subcommandSyntaxError(argv);
  if (argv.length === 3 && !argIs(argv[2]!, 'sync') && !argIs(argv[2]!, 'async')) {
    throw new SeshatError('ERR', 'FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  flushLibraries(ctx);
  return OK;
}

function functionDelete(ctx: Ctx, argv: Buffer[]): Reply {
  const name = argv[2]!.toString('latin1');
  if (!ctx.functions.libraries.has(name)) throw new SeshatError('ERR', 'Library not found');
  deleteLibrary(ctx.store, name);
  ctx.functions = ctx.functions.without(name);
  return OK;
}

function functionLoad(ctx: Ctx, argv: Buffer[]): Reply {
  let replace = false;
  let i = 2;
  for (; i < argv.length - 1; i++) {
    if (argIs(argv[i]!, 'replace')) {
      replace = true;
      continue;
    }
    throw new SeshatError('ERR', `Unknown option given: ${argv[i]!.toString('latin1')}`);
  }
  if (i >= argv.length) throw new SeshatError('ERR', 'Function code is missing');
  const lib = createLibrary(argv[i]!, ctx.functions, replace);
  if (typeof lib === 'string') throw new SeshatError('ERR', lib);
  ctx.functions = ctx.functions.with(lib);
  putLibrary(ctx.store, lib.name, lib.code);
  return lib.name;
}

function fcallGeneric(ro: boolean): (ctx: Ctx, argv: Buffer[]) => Reply {
  return (ctx, argv) => {
    const f = ctx.functions.findFunction(argv[1]!.toString('latin1'));
    if (f === undefined) throw new SeshatError('ERR', 'Function not found');
    const { keys, args } = keysAndArgs(argv, 'Bad number of keys provided');
    const run = prepareRun(ctx, f.flags, ro, f.name);
    if (run instanceof ErrorReply) return run;
    return runScript(functionVm(), f.callable as Compiled, run, keys, args, false, argv);
  };
}

function functionReply(f: FunctionInfo): Reply {
  return new MapReply([
    'name',
    f.name,
    'description',
    f.description,
    'flags',
    new SetReply(scriptFlagNames(f.flags).map((n) => new SimpleString(n))),
  ]);
}

function libraryReply(lib: LibraryInfo, withCode: boolean): Reply {
  const functions: Reply[] = [];
  for (const f of lib.functions.values()) functions.push(functionReply(f));
  const items: Reply[] = ['library_name', lib.name, 'engine', lib.engine, 'functions', functions];
  if (withCode) items.push('library_code', lib.code);
  return new MapReply(items);
}

function functionList(ctx: Ctx, argv: Buffer[]): Reply {
  let withCode = false;
  let pattern: Buffer | null = null;
  for (let i = 2; i < argv.length; i++) {
    if (!withCode && argIs(argv[i]!, 'withcode')) {
      withCode = true;
      continue;
    }
    if (pattern === null && argIs(argv[i]!, 'libraryname')) {
      if (i >= argv.length - 1) throw new SeshatError('ERR', 'library name argument was not given');
      pattern = argv[++i]!;
      continue;
    }
    return new ErrorReply(`ERR Unknown argument ${argv[i]!.toString('latin1')}`);
  }
  const out: Reply[] = [];
  for (const lib of ctx.functions.libraries.values()) {
    if (pattern !== null && !globMatch(pattern, Buffer.from(lib.name, 'latin1'), true)) continue;
    out.push(libraryReply(lib, withCode));
  }
  return out;
}

/** FUNCTION STATS's `engines` part (the server adds `running_script`, seshat script-busy.ts). */
export function functionEngineStats(registry: FunctionRegistry): MapReply {
  let libs = 0;
  for (const lib of registry.libraries.values()) if (lib.engine === 'LUA') libs++;
  return new MapReply([
    'LUA',
    new MapReply(['libraries_count', libs, 'functions_count', registry.functionCount()]),
  ]);
}

function sub(
  input: Omit<SpecInput, 'group' | 'since'> & { since?: string },
  handler: (ctx: Ctx, argv: Buffer[]) => Reply,
): void {
  defineSubcommand('function', { group: G, since: '7.0.0', ...input }, handler);
}

defineCommand(
  {
    name: 'function',
    arity: -2,
    flags: '',
    group: G,
    summary: 'A container for function commands',
    since: '7.0.0',
    complexity: 'Depends on subcommand.',
    exec: 'read',
  },
  null,
);
sub(
  { name: 'flush', arity: -2, flags: 'write noscript', summary: 'Deleting all functions', exec: 'write' },
  functionFlush,
);
sub(
  {
    name: 'load',
    arity: -3,
    flags: 'write denyoom noscript',
    summary: 'Create a function with the given arguments (name, code, description)',
    exec: 'write',
  },
  functionLoad,
);
sub(
  { name: 'delete', arity: 3, flags: 'write noscript', summary: 'Delete a function by name', exec: 'write' },
  functionDelete,
);
sub(
  {
    name: 'list',
    arity: -2,
    flags: 'noscript',
    summary: 'List information about all the functions',
    exec: 'read',
  },
  functionList,
);
// STATS and KILL run in the server (seshat script-busy.ts): they answer while a script runs.
defineSubcommand('function', {
  name: 'stats',
  arity: 2,
  flags: 'noscript allow_busy',
  group: G,
  summary: 'Return information about the function currently running (name, description, duration)',
  since: '7.0.0',
  exec: 'server',
});
defineSubcommand('function', {
  name: 'kill',
  arity: 2,
  flags: 'noscript allow_busy',
  group: G,
  summary: 'Kill the function currently in execution.',
  since: '7.0.0',
  exec: 'server',
});
sub(
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    summary: 'Show helpful text about the different subcommands',
    since: '7.0.0',
    exec: 'read',
  },
  (_ctx, argv) => helpReply(argv, FUNCTION_HELP),
);

for (const [name, ro] of [
  ['fcall', false],
  ['fcall_ro', true],
] as const) {
  defineCommand(
    {
      name,
      arity: -3,
      flags: ro
        ? 'noscript stale skip_monitor no_mandatory_keys readonly'
        : 'noscript stale skip_monitor may_replicate no_mandatory_keys',
      keys: [0, 0, 0],
      group: G,
      summary: ro ? 'Invoke a read-only function' : 'Invoke a function',
      since: '7.0.0',
      complexity: 'Depends on the function that is executed.',
      exec: ro ? 'read' : 'write',
    },
    fcallGeneric(ro),
  );
}
