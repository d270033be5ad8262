/**
 * redis.call / redis.pcall: a script's command goes through the same command table, checks
 * and handlers as a client's, against the script's Ctx (inside the entry being applied, or the
 * read view for *_RO scripts), so it gets the exact reply or error the command would give.
 * The refusals are Redis 7.0's (script.c scriptCall).
 */
import {
  coversAllSlots,
  ErrorReply,
  type Random,
  type Reply,
  SeshatError,
  SimpleString,
} from '@seshat/common';
import { parseInt64AsNumber } from '../args.js';
import { type CommandSpec, lookupSubcommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { writesOrMayReplicate } from '../may-replicate.js';
import { findCommand } from '../resolve.js';
import { slotRefusal } from '../slot-scope.js';
import type { Resp } from './lua/convert.js';
import type { Rand48 } from './lua/rand48.js';

/** One script execution: what redis.call needs to know. */
export interface ScriptRun {
  ctx: Ctx;
  /** *_RO command, or a script flagged no-writes: write commands are refused. */
  readOnly: boolean;
  /** Protocol the script's commands reply in (redis.setresp). */
  resp: Resp;
  /** A write command ran (Redis's SCRIPT_WRITE_DIRTY). */
  writeDirty: boolean;
  /** PUBLISH ran: its receiver count is this node's, so no write may follow (see scriptCall). */
  published?: boolean;
  /** math.random's source: seeded from the entry's stamp, so replicas agree. */
  random: Random;
  /** After math.randomseed: Redis's generator with the script's seed (lua/rand48.ts). */
  seeded?: Rand48;
  /** Script name in error messages: the SHA of an EVAL script, or the function name. */
  name: string;
  /** Called before the script's first write command runs (script-runner.ts). */
  onFirstWrite?: () => void;
}

const WRITE_AFTER_PUBLISH =
  'ERR Write commands are not allowed after PUBLISH in a script: its receiver count is not the same on every replica';

function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity;
}

/** The command spec of argv as Redis's lookupCommand finds it (subcommand included), or null. */
function lookup(argv: Buffer[]): CommandSpec | null {
  const spec = findCommand(argv[0]!);
  if (spec === undefined) return null;
  if (spec.subcommands.length === 0 || argv.length === 1) return spec;
  return lookupSubcommand(spec, argv[1]!.toString('latin1').toLowerCase()) ?? null;
}

/** Connection commands a script may run, answered here (they need no client). */
function serverCommandInScript(run: ScriptRun, spec: CommandSpec, argv: Buffer[]): Reply | undefined {
  switch (spec.name) {
    case 'ping':
      return argv.length > 1 ? argv[1]! : new SimpleString('PONG');
    case 'echo':
      return argv[1]!;
    case 'select': {
      const db = parseInt64AsNumber(argv[1]!);
      if (db < 0 || db >= 16) return new ErrorReply('ERR DB index is out of range');
      // ctx.db is physical: SWAPDB may have exchanged the two (db-map.ts).
      run.ctx.db = run.ctx.dbs.physical(db);
      return new SimpleString('OK');
    }
    case 'publish': {
      // Reached only with an observer (scriptCall refuses it otherwise): see script-observer.ts.
      return run.ctx.scriptObserver!.publish(argv[1]!, argv[2]!);
    }
    case 'time': {
      // The entry's stamp, not the local clock: every replica computes the same.
      const ms = run.ctx.nowMs;
      return [String(Math.floor(ms / 1000)), String((ms % 1000) * 1000)];
    }
    default:
      return undefined;
  }
}

/** Runs one command for a script and returns its reply (errors as ErrorReply). */
export function scriptCall(run: ScriptRun, argv: Buffer[]): Reply {
  const spec = lookup(argv);
  if (spec === null) return new ErrorReply('ERR Unknown Redis command called from script');
  if (!arityOk(spec, argv.length) || (spec.subcommands.length > 0 && argv.length === 1)) {
    return new ErrorReply('ERR Wrong number of args calling Redis command from script');
  }
  if (spec.flags.includes('noscript'))
    return new ErrorReply('ERR This Redis command is not allowed from script');
  if (run.readOnly && writesOrMayReplicate(spec)) {
    return new ErrorReply('ERR Write commands are not allowed from read-only scripts.');
  }
  const observer = run.ctx.scriptObserver;
  if (spec.name === 'publish' && observer === null)
    return new ErrorReply('ERR This Redis command is not allowed from script');
  // The count PUBLISH returned depends on who is subscribed to this node: every replica (and a
  // replay after a restart) must reach the same state, so no write may depend on it.
  if (run.published === true && spec.flags.includes('write')) return new ErrorReply(WRITE_AFTER_PUBLISH);
  const reply = execute(run, spec, argv);
  if (spec.name === 'publish') run.published = true;
  // Redis feeds MONITOR after the call (call()): a SELECT shows the database it selected.
  if (observer !== null && reply !== undefined) observer.command(run.ctx.dbs.logical(run.ctx.db), argv);
  // Not `??`: a null reply (a missing key) is a reply.
  return reply === undefined ? new ErrorReply('ERR This Redis command is not allowed from script') : reply;
}

/** Runs a checked command; undefined for a server command scripts cannot run. */
function execute(run: ScriptRun, spec: CommandSpec, argv: Buffer[]): Reply | undefined {
  try {
    if (spec.exec === 'server' || spec.handler === null) return serverCommandInScript(run, spec, argv);
    // A key of a slot this state machine does not serve (another group's: slot-scope.ts),
    // declared by the script or not, is refused like at the top level.
    if (!coversAllSlots(run.ctx.slotRanges)) {
      const refused = slotRefusal(spec, argv, run.ctx.slotRanges);
      if (refused !== null) return refused;
    }
    if (spec.flags.includes('readonly')) run.ctx.noteScriptRead();
    if (spec.flags.includes('write') && !run.writeDirty) {
      run.onFirstWrite?.();
      run.writeDirty = true;
    }
    return spec.handler(run.ctx, argv);
  } catch (e) {
    if (e instanceof SeshatError) return new ErrorReply(`${e.code} ${e.message}`);
    throw e;
  }
}
