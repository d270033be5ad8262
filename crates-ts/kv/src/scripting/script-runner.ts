/**
 * The script that holds this node: Redis's busy script (script.c scriptInterrupt, SCRIPT KILL
 * and FUNCTION KILL), made safe for replicas that run the same script.
 *
 * Every script runs in a Lua coroutine with a count hook every HOOK_INSTRUCTIONS
 * instructions (a "checkpoint"). After SLICE_MS of running, the hook yields: the command that
 * runs the script returns SCRIPT_SUSPENDED, and whoever ran it (the state machine's apply, or
 * the server for an *_RO script) calls `resumeScript` on a later event-loop turn. The node
 * keeps serving sockets, timers and Raft meanwhile; the server holds other clients' commands,
 * and answers them -BUSY once busy-reply-threshold has passed (busyScript).
 *
 * A script that has not written can be killed (Redis's rule). It stops at a checkpoint by
 * being abandoned in its yielded coroutine: nothing of it runs again, not even a pcall
 * handler. Where the script runs on every replica (an EVAL or FCALL applied from a Raft
 * group's log), the checkpoint where it stops must be the same everywhere, so the kill is
 * decided through the log (ScriptArbiter):
 *   - every replica runs the script freely up to its first stoppable checkpoint at or past
 *     DECISION_CHECKPOINT; a script that wrote before that is unkillable and needs nothing;
 *   - a script still clean there needs a decision, which the group's leader commits to the
 *     log: `run` (proposed when the leader's run first writes or completes) or `kill at
 *     checkpoint c` (proposed when SCRIPT KILL reaches the leader). The first decision
 *     committed for a script wins;
 *   - a follower holds its run there, executing nothing, until a decision is committed, and
 *     follows it: with `kill at c` it runs to its first stoppable checkpoint at or past c and
 *     stops, which is where the leader stopped (checkpoints count Lua instructions, the same
 *     for the same script on the same state; a checkpoint is stoppable when the hook runs in
 *     the script's own coroutine at a point where it can yield, also the same everywhere);
 *   - the leader runs on, and stops for a kill only once its decision is committed; a script
 *     that completed with writes answers only once a decision is committed;
 *   - a node whose run wrote past a committed kill (possible only if leadership changed while
 *     undecided and the new leader killed the script) cannot undo the writes: it stops
 *     (failStop); the entry was not written, and on restart it applies again, decision known.
 * On a standalone node, and for *_RO scripts (run only where they are served), a kill stops
 * the script at its next stoppable checkpoint.
 */
import { assert, ErrorReply, failStop, OK, type Reply } from '@seshat/common';
import { cstr, lua } from './lua/runtime.js';
import { type Compiled, type ScriptThread, type ScriptVm, setCountHookHandler, YIELDED } from './lua/vm.js';
import type { ScriptRun } from './script-call.js';

/** A logged script still clean at its first stoppable checkpoint from here on needs a kill
 * decision on a replicated node (about 500k Lua instructions: most scripts end before). */
export const DECISION_CHECKPOINT = 50;
/** Wall time a script runs between two returns to the event loop. */
export const SLICE_MS = 10;
/** A decision this node proposed and does not see committed is proposed again this often
 * (a proposal is lost when leadership changes before it commits). */
export const DECISION_REPROPOSE_MS = 1000;

/** The reply of a command whose script yielded: it completes through resumeScript. */
export const SCRIPT_SUSPENDED = new ErrorReply('ERR script suspended');

export const BUSY_EVAL =
  'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION =
  'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const NOTBUSY = 'NOTBUSY No scripts in execution right now.';
const UNKILLABLE_DIRTY =
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
const UNKILLABLE_REPLICA =
  'UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';
const KILLED = 'ERR Script killed by user with SCRIPT KILL...';

/** A kill decision: the script completes, or stops at its first stoppable checkpoint >= kill. */
export type ScriptDecision = 'run' | { readonly kill: number };

/** Where a logged script is: its entry's index and its position among the entry's scripts. */
export interface ScriptSlot {
  readonly index: number;
  readonly seq: number;
}

/** How kills of logged scripts are decided (see the header); set by the server. */
export interface ScriptArbiter {
  /** True when logged scripts also run on other replicas (a Raft group). */
  readonly replicated: boolean;
  /** True where kill decisions are made (the group's leader). */
  decides(): boolean;
  /** The first decision committed for the script, if any. */
  decision(slot: ScriptSlot): ScriptDecision | undefined;
  /** Proposes a decision through the log (leader). */
  propose(slot: ScriptSlot, decision: ScriptDecision): void;
}

const SOLE_REPLICA: ScriptArbiter = {
  replicated: false,
  decides: () => true,
  decision: () => undefined,
  propose: () => {},
};

let arbiter: ScriptArbiter = SOLE_REPLICA;
/** The checkpoint the last killed script stopped at (diagnostics and tests). */
let lastStopCheckpoint = -1;
export function lastKillCheckpoint(): number {
  return lastStopCheckpoint;
}
let current: RunningScript | null = null;
/** False while a log is replayed at start: scripts then run to their end, no one to answer. */
let yieldingAllowed = true;

export function setScriptArbiter(a: ScriptArbiter | null): void {
  arbiter = a ?? SOLE_REPLICA;
}

/** Runs `body` with time slices off (replay: no event loop to return to). */
export function withoutYields<T>(body: () => T): T {
  const was = yieldingAllowed;
  yieldingAllowed = false;
  try {
    return body();
  } finally {
    yieldingAllowed = was;
  }
}

const GO = 0;
const YIELD = 1;
const STOP = 2;
type Action = typeof GO | typeof YIELD | typeof STOP;

class RunningScript {
  readonly startedMs = performance.now();
  private sliceStartMs = 0;
  checkpoints = 0;
  /** Inside lua_resume: the hook may yield. */
  inResume = false;
  /** The last yield was the hook's (not the script's own coroutine.yield). */
  private hookYielded = false;
  private stopping = false;
  killRequested = false;
  /** Replicated: past DECISION_CHECKPOINT clean, waiting for / making a decision. */
  private deciding = false;
  /** Replicated: a committed decision is known (stopAt set for a kill). */
  private decided = false;
  private stopAt = -1;
  /** Not running until a decision is committed (a follower, or a leader after proposing). */
  holding = false;
  /** The reply of a run that completed with writes, kept until a decision is committed. */
  private finalReply: Reply | null = null;
  private proposed: ScriptDecision | null = null;
  private proposedAtMs = 0;
  private readonly savedDb: number;
  private readonly savedInTransaction: boolean;
  private readonly savedInScript: boolean;

  constructor(
    private readonly vm: ScriptVm,
    private readonly thread: ScriptThread,
    readonly run: ScriptRun,
    readonly evalMode: boolean,
    readonly argv: readonly Buffer[],
    private readonly slot: ScriptSlot | null,
  ) {
    this.savedDb = run.ctx.db;
    this.savedInTransaction = run.ctx.inTransaction;
    this.savedInScript = run.ctx.inScript;
  }

  /** Whether kills of this script go through the log. */
  get replicated(): boolean {
    return this.slot !== null && arbiter.replicated;
  }

  /** Runs Lua (start: nargs from pushCall; resume: 0) until it ends or yields. */
  runLua(nargs: number): Reply {
    this.sliceStartMs = performance.now();
    this.hookYielded = false;
    // Blocking commands a script calls never block (Redis: CLIENT_DENY_BLOCKING).
    this.run.ctx.inTransaction = true;
    this.run.ctx.inScript = true;
    this.inResume = true;
    let r: Reply | typeof YIELDED;
    try {
      r = this.vm.resume(this.thread.T, nargs, this.run);
    } finally {
      this.inResume = false;
    }
    if (r !== YIELDED) return this.completed(r);
    if (this.stopping) return this.stop();
    if (!this.hookYielded) {
      return this.end(new ErrorReply('ERR attempt to yield from outside a coroutine'), false);
    }
    return SCRIPT_SUSPENDED;
  }

  /** The count hook, on thread `L`. */
  checkpoint(L: number): void {
    this.checkpoints++;
    if (L !== this.thread.T || lua()._lua_isyieldable(L) === 0) return;
    const action = this.atStoppable();
    if (action === GO) return;
    if (action === STOP) this.stopping = true;
    this.hookYielded = true;
    lua()._lua_yieldk(L, 0, 0, 0);
  }

  private atStoppable(): Action {
    if (this.stopAt >= 0 && this.checkpoints >= this.stopAt) return STOP;
    if (this.replicated) {
      if (
        !this.decided &&
        !this.deciding &&
        !this.run.writeDirty &&
        this.checkpoints >= DECISION_CHECKPOINT
      ) {
        this.deciding = true;
      }
      if (this.deciding && !this.decided) {
        const a = this.consult();
        if (a !== GO) return a;
      }
    } else if (this.killRequested && !this.run.writeDirty) return STOP;
    if (yieldingAllowed && performance.now() - this.sliceStartMs >= SLICE_MS) return YIELD;
    return GO;
  }

  /** Deciding: follow a committed decision, hold for one, or propose a kill. */
  private consult(): Action {
    const d = arbiter.decision(this.slot!);
    if (d !== undefined) return this.adopt(d);
    if (!arbiter.decides()) {
      this.holding = true;
      return YIELD;
    }
    if (this.killRequested && !this.run.writeDirty) {
      this.propose({ kill: this.checkpoints });
      this.holding = true;
      return YIELD;
    }
    return GO;
  }

  private adopt(d: ScriptDecision): Action {
    this.decided = true;
    this.deciding = false;
    this.holding = false;
    if (d === 'run') return GO;
    if (this.run.writeDirty) {
      failStop(new Error(`script at entry ${this.slot!.index} wrote past its committed kill: restarting`));
    }
    this.stopAt = d.kill;
    return this.checkpoints >= d.kill ? STOP : GO;
  }

  private propose(d: ScriptDecision): void {
    if (!arbiter.decides()) return;
    this.proposed = d;
    this.proposedAtMs = performance.now();
    arbiter.propose(this.slot!, d);
  }

  /** scriptCall: the script is about to run its first write command. */
  onFirstWrite(): void {
    if (this.deciding && !this.decided && this.proposed === null) this.propose('run');
  }

  /** The next step of a suspended script: it runs another slice unless it must hold. */
  step(): Reply {
    if (this.holding) {
      const d = arbiter.decision(this.slot!);
      if (d === undefined) return this.stillHolding();
      const a = this.adopt(d);
      if (this.finalReply !== null) return this.end(this.finalReply, true);
      if (a === STOP) return this.stop();
    }
    if (this.killRequested && !this.run.writeDirty) {
      if (!this.replicated) return this.stop();
      if (this.deciding && arbiter.decides()) {
        this.propose({ kill: this.checkpoints });
        this.holding = true;
        return SCRIPT_SUSPENDED;
      }
    }
    return this.runLua(0);
  }

  /** Holding with no decision committed: propose again if ours may be lost; a follower that
   * became the leader takes the decision over. */
  private stillHolding(): Reply {
    if (arbiter.decides()) {
      if (this.proposed === null && this.finalReply === null) {
        this.holding = false;
        return this.runLua(0);
      }
      if (this.proposed !== null && performance.now() - this.proposedAtMs >= DECISION_REPROPOSE_MS) {
        this.propose(this.proposed);
      }
    }
    return SCRIPT_SUSPENDED;
  }

  private completed(r: Reply): Reply {
    if (this.replicated && this.deciding && !this.decided) {
      if (this.proposed === null) this.propose('run');
      if (this.run.writeDirty) {
        this.finalReply = r;
        this.holding = true;
        return SCRIPT_SUSPENDED;
      }
    }
    return this.end(r, true);
  }

  /** Ends a killed script: abandoned in its coroutine, answered with Redis's text. */
  stop(): Reply {
    lastStopCheckpoint = this.checkpoints;
    const where = userLocation(this.thread.T);
    const text = where === null ? KILLED : `${KILLED} script: ${this.run.name}, on ${where}.`;
    return this.end(new ErrorReply(text), false);
  }

  end(reply: Reply, reusable: boolean): Reply {
    this.run.ctx.db = this.savedDb;
    this.run.ctx.inTransaction = this.savedInTransaction;
    this.run.ctx.inScript = this.savedInScript;
    this.vm.giveBack(this.thread, reusable);
    if (current === this) current = null;
    return reply;
  }

  /** SCRIPT KILL (evalMode) or FUNCTION KILL: Redis's checks, in Redis's order. */
  kill(evalMode: boolean): Reply {
    if (this.replicated && !arbiter.decides()) return new ErrorReply(UNKILLABLE_REPLICA);
    if (this.run.writeDirty) return new ErrorReply(UNKILLABLE_DIRTY);
    if (evalMode && !this.evalMode) return new ErrorReply(BUSY_FUNCTION);
    if (!evalMode && this.evalMode) return new ErrorReply(BUSY_EVAL);
    this.killRequested = true;
    return OK;
  }
}

let debugCell = 0;
/** lua_Debug fields on wasm32 (lua.h): `what` at 12, `source` at 16, `currentline` at 24. */
const AR_WHAT = 12;
const AR_SOURCE = 16;
const AR_CURRENTLINE = 24;
const AR_BYTES = 256;
const CALL_LEVELS_MAX = 64;

function cString(p: number): string {
  const heap = lua().HEAPU8;
  let end = p;
  while (heap[end] !== 0) end++;
  return Buffer.from(heap.subarray(p, end)).toString('latin1');
}

/** `source:line` of the innermost user code on `T`'s stack (past C and prelude frames). */
function userLocation(T: number): string | null {
  const m = lua();
  if (debugCell === 0) debugCell = m._malloc(AR_BYTES);
  for (let level = 0; level < CALL_LEVELS_MAX; level++) {
    if (m._lua_getstack(T, level, debugCell) === 0) return null;
    m._lua_getinfo(T, cstr('Sl'), debugCell);
    const what = cString(m.HEAPU32[(debugCell + AR_WHAT) >>> 2]!);
    const source = cString(m.HEAPU32[(debugCell + AR_SOURCE) >>> 2]!);
    if (what === 'C' || source === '=prelude') continue;
    return `${source}:${m.HEAPU32[(debugCell + AR_CURRENTLINE) >>> 2]!}`;
  }
  return null;
}

setCountHookHandler((L) => {
  const rs = current;
  if (rs?.inResume) rs.checkpoint(L);
});

/**
 * Runs a script (EVAL or FCALL: `c` compiled in `vm`) for `run`: its reply, or
 * SCRIPT_SUSPENDED when it yielded (resumeScript continues it). `argv` is the command, for
 * FUNCTION STATS.
 */
export function runScript(
  vm: ScriptVm,
  c: Compiled,
  run: ScriptRun,
  keys: readonly Buffer[],
  args: readonly Buffer[],
  evalMode: boolean,
  argv: readonly Buffer[],
): Reply {
  assert(current === null, 'a script started while another one runs');
  const ctx = run.ctx;
  const slot = ctx.writing ? { index: ctx.entryIndex, seq: ctx.scriptSeq++ } : null;
  const thread = vm.takeThread();
  const rs = new RunningScript(vm, thread, run, evalMode, argv, slot);
  current = rs;
  run.onFirstWrite = () => rs.onFirstWrite();
  return rs.runLua(vm.pushCall(thread.T, c, keys, args, evalMode));
}

/** Continues the suspended script: its reply, or SCRIPT_SUSPENDED again. */
export function resumeScript(): Reply {
  assert(current !== null, 'no suspended script to resume');
  return current.step();
}

/** Drops the suspended script (shutdown, rollback of its entry): nothing of it runs again. */
export function abandonScript(): void {
  current?.end(null, false);
}

/** The running script, for BUSY replies and FUNCTION STATS; null when none is suspended. */
export interface BusyScript {
  readonly evalMode: boolean;
  readonly name: string;
  readonly argv: readonly Buffer[];
  readonly elapsedMs: number;
}

export function busyScript(): BusyScript | null {
  const rs = current;
  if (rs === null) return null;
  return {
    evalMode: rs.evalMode,
    name: rs.run.name,
    argv: rs.argv,
    elapsedMs: performance.now() - rs.startedMs,
  };
}

/** Whether the suspended script waits for a kill decision (it has no Lua to run until then). */
export function scriptHolding(): boolean {
  return current?.holding ?? false;
}

/** SCRIPT KILL (`evalMode`) and FUNCTION KILL. */
export function killScript(evalMode: boolean): Reply {
  if (current === null) return new ErrorReply(NOTBUSY);
  return current.kill(evalMode);
}
