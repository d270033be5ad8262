/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.0 eval.c).
 *
 * EVAL is a log command: every replica runs the script on apply, inside the entry, with the
 * entry's stamp as TIME and its seed behind math.random, so all reach the same state (see
 * docs/architecture.md, "Scripting"). EVAL_RO / EVALSHA_RO run on the serving node against
 * applied state, like any read. EVALSHA reaches the log only when the serving node did not know
 * the script (script-cache.ts), and then fails with NOSCRIPT on every replica alike.
 */
import { ErrorReply, OK, type Reply, SeshatError } from '@seshat/common';
import { argIs } from '../args.js';
import { defineCommand, defineSubcommand, type Handler } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { helpReply, subcommandSyntaxError } from './help.js';
import { keysAndArgs, prepareRun } from './run-script.js';
import { runScript } from './script-runner.js';
import { type CachedScript, cachedScript, evalVm, flushScripts, scriptFor } from './script-cache.js';

const G = 'scripting';
const NOSCRIPT = 'No matching script. Please use EVAL.';
const NOT_INTEGER = 'value is not an integer or out of range';

function runCached(ctx: Ctx, argv: Buffer[], script: CachedScript, ro: boolean): Reply {
  const run = prepareRun(ctx, script.flags, ro, script.sha);
  if (run instanceof ErrorReply) return run;
  const { keys, args } = keysAndArgs(argv, NOT_INTEGER);
  return runScript(evalVm(), script.compiled, run, keys, args, true, argv);
}

function evalGeneric(ro: boolean): Handler {
  return (ctx, argv) => {
    keysAndArgs(argv, NOT_INTEGER);
    const script = scriptFor(argv[1]!);
    if (typeof script === 'string') return new ErrorReply(script);
    return runCached(ctx, argv, script, ro);
  };
}

function evalshaGeneric(ro: boolean): Handler {
  return (ctx, argv) => {
    keysAndArgs(argv, NOT_INTEGER);
    // In the log (ro=false) an EVALSHA always fails: see the header.
    const script = ro ? cachedScript(argv[1]!) : undefined;
    if (script === undefined) throw new SeshatError('NOSCRIPT', NOSCRIPT);
    return runCached(ctx, argv, script, ro);
  };
}

for (const [name, ro, sha] of [
  ['eval', false, false],
  ['eval_ro', true, false],
  ['evalsha', false, true],
  ['evalsha_ro', true, true],
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
      summary: sha ? 'Execute a Lua script server side' : 'Execute a Lua script server side',
      since: ro ? '7.0.0' : sha ? '2.6.0' : '2.6.0',
      complexity: 'Depends on the script that is executed.',
      exec: ro ? 'read' : 'write',
    },
    sha ? evalshaGeneric(ro) : evalGeneric(ro),
  );
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

defineCommand(
  {
    name: 'script',
    arity: -2,
    flags: '',
    group: G,
    summary: 'A container for Lua scripts management commands',
    since: '2.6.0',
    complexity: 'Depends on subcommand.',
    exec: 'read',
  },
  null,
);

function sub(name: string, arity: number, flags: string, handler: Handler): void {
  defineSubcommand(
    'script',
    { name, arity, flags, group: G, summary: `SCRIPT ${name.toUpperCase()}`, since: '2.6.0', exec: 'read' },
    handler,
  );
}

// The script cache is this node's (not replicated, as in Redis 7): these run where they arrive.
sub('load', 3, 'noscript stale', (_ctx, argv) => {
  const script = scriptFor(argv[2]!);
  if (typeof script === 'string') return new ErrorReply(script);
  return script.sha;
});
sub('exists', -3, 'noscript stale', (_ctx, argv) => {
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++) out.push(cachedScript(argv[i]!) === undefined ? 0 : 1);
  return out;
});
sub('flush', -2, 'noscript', (_ctx, argv) => {
  if (argv.length > 3) return subcommandSyntaxError(argv);
  if (argv.length === 3 && !argIs(argv[2]!, 'sync') && !argIs(argv[2]!, 'async')) {
    throw new SeshatError('ERR', 'SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  flushScripts();
  return OK;
});
// SCRIPT KILL runs in the server (seshat script-busy.ts): it must answer while a script runs.
defineSubcommand('script', {
  name: 'kill',
  arity: 2,
  flags: 'noscript allow_busy',
  group: G,
  summary: 'SCRIPT KILL',
  since: '2.6.0',
  exec: 'server',
});
sub('debug', 3, 'noscript', () => new ErrorReply('ERR SCRIPT DEBUG is not supported by this server'));
sub('help', 2, 'loading stale', (_ctx, argv) => helpReply(argv, SCRIPT_HELP));
