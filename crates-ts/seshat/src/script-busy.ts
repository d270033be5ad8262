/**
 * The server's side of a script that runs longer than a time slice (kv script-runner.ts):
 * while it is suspended between slices, other clients' commands wait (below
 * busy-reply-threshold: Redis is simply blocked then) and, past the threshold, get -BUSY,
 * except the commands Redis lets through (`allow_busy`: SCRIPT KILL, FUNCTION KILL and STATS,
 * SHUTDOWN, MULTI, DISCARD, WATCH, UNWATCH, AUTH, HELLO, QUIT, RESET). Also: SCRIPT KILL,
 * FUNCTION KILL and FUNCTION STATS, and the turns that continue a suspended *_RO script.
 */
import { ErrorReply, MapReply, type Reply } from '@seshat/common';
import {
  BUSY_EVAL,
  BUSY_FUNCTION,
  busyScript,
  type CommandSpec,
  functionEngineStats,
  type KvStateMachine,
  killScript,
  SCRIPT_SUSPENDED,
  scriptHolding,
} from '@seshat/kv';
import type { Client } from './client.js';
import { serverHandlers } from './server-commands.js';

/** busy-reply-threshold's default (ms), as Redis's. */
export const BUSY_REPLY_THRESHOLD_MS_DEFAULT = 5000;
/** How often held clients look again whether the script ended or the threshold passed. */
const HELD_CHECK_MS = 1;
/** How often a script that holds for a kill decision (no Lua to run) is looked at again. */
export const HOLD_POLL_MS = 2;

/** The -BUSY reply while the running script is an EVAL script (true) or a function. */
export function busyError(evalMode: boolean): ErrorReply {
  return new ErrorReply(evalMode ? BUSY_EVAL : BUSY_FUNCTION);
}

export class ScriptBusyGate {
  thresholdMs = BUSY_REPLY_THRESHOLD_MS_DEFAULT;
  private readonly held = new Set<Client>();
  private checking = false;

  /**
   * True when `client` must not run commands now: a script runs and has not reached the
   * threshold. The client is processed again once that changes.
   */
  holds(client: Client): boolean {
    const b = busyScript();
    if (b === null || b.elapsedMs >= this.thresholdMs) return false;
    this.held.add(client);
    if (!this.checking) {
      this.checking = true;
      setTimeout(this.checkBound, HELD_CHECK_MS);
    }
    return true;
  }

  /** -BUSY for a command that may not run while a script runs; null when it may. */
  refusal(spec: CommandSpec): ErrorReply | null {
    const b = busyScript();
    if (b === null || spec.flags.includes('allow_busy')) return null;
    return busyError(b.evalMode);
  }

  private readonly checkBound = (): void => {
    const b = busyScript();
    if (b !== null && b.elapsedMs < this.thresholdMs) {
      setTimeout(this.checkBound, HELD_CHECK_MS);
      return;
    }
    this.checking = false;
    const clients = [...this.held];
    this.held.clear();
    for (const c of clients) {
      if (c.closed) continue;
      c.process();
      c.flushOutput();
    }
  };
}

/** Schedules `step` for the next turn: at once when the script can run, later while it
 * holds for a kill decision (nothing to run, the decision comes with Raft traffic). */
export function nextScriptTurn(step: () => void): void {
  if (scriptHolding()) setTimeout(step, HOLD_POLL_MS);
  else setImmediate(step);
}

/**
 * Delivers a read's reply: at once, or, for an *_RO script that yielded, once it completes
 * on later turns; then `ended` runs (what waited for the script may go on).
 */
export function deliverRead(
  sm: KvStateMachine,
  reply: Reply,
  deliver: (r: Reply) => void,
  ended: () => void,
): void {
  if (reply !== SCRIPT_SUSPENDED) {
    deliver(reply);
    return;
  }
  const step = (): void => {
    const r = sm.resumeRead();
    if (r === SCRIPT_SUSPENDED) {
      nextScriptTurn(step);
      return;
    }
    deliver(r);
    ended();
  };
  nextScriptTurn(step);
}

serverHandlers.set('script|kill', () => killScript(true));
serverHandlers.set('function|kill', () => killScript(false));
serverHandlers.set('function|stats', (server) => {
  const b = busyScript();
  // Redis: FUNCTION STATS while an EVAL script runs is refused like any other command.
  if (b?.evalMode) return busyError(true);
  const running =
    b === null
      ? null
      : new MapReply(['name', b.name, 'command', b.argv.slice(), 'duration_ms', Math.floor(b.elapsedMs)]);
  return new MapReply(['running_script', running, 'engines', functionEngineStats(server.sm.functions)]);
});
