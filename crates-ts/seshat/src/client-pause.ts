/**
 * CLIENT PAUSE timeout [WRITE|ALL] and CLIENT UNPAUSE (Redis's pauseClients). While paused, a
 * client's next command that the pause covers (ALL: every command; WRITE: writes and the
 * commands that may replicate, and EXEC of a transaction holding one) is postponed: it and
 * everything queued behind it wait, the client counts in INFO blocked_clients, and once the
 * pause ends (UNPAUSE or the timeout) postponed clients go on in the order they stopped.
 * Commands refused before they run (unknown, wrong arity) still answer at once. A script call
 * goes by the flags its script declares, as Redis's getCommandFlags: a `no-writes` EVAL, EVALSHA
 * or FCALL (and EVAL_RO / FCALL_RO of one) runs through a WRITE pause, a script with flags but
 * without `no-writes` waits even under *_RO, and a script without a shebang keeps the command's
 * own flags (EVAL waits, EVAL_RO runs). The expiry
 * cycle and lazy expiry stop deleting while writes are paused (keys past their deadline read
 * as absent, as always). This node only: a pause is not replicated, like Redis's.
 */
import { ErrorReply, OK, SeshatError } from '@seshat/common';
import {
  argIs,
  type CommandSpec,
  type FunctionRegistry,
  resolveCommand,
  scriptCallWrites,
  tryParseI64,
  writesOrMayReplicate,
} from '@seshat/kv';
import type { Client } from './client.js';
import { sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

export type PauseType = 'off' | 'write' | 'all';
const RANK: Record<PauseType, number> = { off: 0, write: 1, all: 2 };

/** Redis's is_may_replicate_command for one call (script calls by their declared flags). */
function mayReplicate(spec: CommandSpec, argv: Buffer[], functions: FunctionRegistry): boolean {
  const script = scriptCallWrites(spec.name, argv, functions);
  if (script !== undefined) return script;
  return writesOrMayReplicate(spec);
}

export class ClientPause {
  type: PauseType = 'off';
  /** When the pause ends, unix ms. */
  private endMs = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Postponed clients, in the order they stopped. */
  private readonly postponed = new Set<Client>();

  constructor(
    private readonly nowMs: () => number,
    /** The function libraries FCALL finds its function in (their flags decide). */
    private readonly functions: () => FunctionRegistry,
  ) {}

  get postponedCount(): number {
    return this.postponed.size;
  }

  /** Whether writes (and expiry deletions) are held back now. */
  get writesPaused(): boolean {
    return this.type !== 'off';
  }

  /** Whether `argv` (a `spec` call sent by `client`) must wait for the end of the pause. */
  holds(client: Client, spec: CommandSpec, argv: Buffer[]): boolean {
    if (this.type === 'off') return false;
    if (this.type === 'all') return true;
    const functions = this.functions();
    if (mayReplicate(spec, argv, functions)) return true;
    if (spec.name !== 'exec' || client.multi === null) return false;
    return client.multi.some((queued) => queuedMayReplicate(queued, functions));
  }

  postpone(client: Client): void {
    this.postponed.add(client);
  }

  /** A closed client stops waiting. */
  drop(client: Client): void {
    this.postponed.delete(client);
  }

  /** Redis's pauseClients: the most restrictive type and the furthest end win. */
  pause(type: PauseType, endMs: number): void {
    if (RANK[type] > RANK[this.type]) this.type = type;
    this.endMs = Math.max(this.endMs, endMs);
    this.schedule();
  }

  unpause(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.type = 'off';
    this.endMs = 0;
    const waiting = [...this.postponed];
    this.postponed.clear();
    for (const c of waiting) if (!c.closed) c.resume();
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = this.endMs - this.nowMs();
    if (delay <= 0) {
      this.unpause();
      return;
    }
    this.timer = setTimeout(() => this.unpause(), Math.min(delay, 2 ** 31 - 1));
    this.timer.unref();
  }
}

function queuedMayReplicate(argv: Buffer[], functions: FunctionRegistry): boolean {
  const spec = resolveCommand(argv);
  return !(spec instanceof ErrorReply) && mayReplicate(spec, argv, functions);
}

sub(
  'client',
  {
    name: 'pause',
    arity: -3,
    flags: 'admin noscript loading stale',
    group: 'connection',
    summary: 'Suspends commands processing.',
    since: '2.9.50',
  },
  (server: SeshatServer, _c, argv) => {
    let type: PauseType = 'all';
    if (argv.length === 4) {
      if (argIs(argv[3]!, 'write')) type = 'write';
      else if (!argIs(argv[3]!, 'all'))
        throw new SeshatError('ERR', 'CLIENT PAUSE mode must be WRITE or ALL');
    } else if (argv.length > 4) throw new SeshatError('ERR', 'syntax error');
    const ms = tryParseI64(argv[2]!);
    if (ms === undefined) throw new SeshatError('ERR', 'timeout is not an integer or out of range');
    if (ms < 0n) throw new SeshatError('ERR', 'timeout is negative');
    const end = ms === 0n ? 0 : server.clock.nowMs() + Number(ms);
    server.pause.pause(type, end);
    return OK;
  },
);

sub(
  'client',
  {
    name: 'unpause',
    arity: 2,
    flags: 'admin noscript loading stale',
    group: 'connection',
    summary: 'Resumes processing commands from paused clients.',
    since: '6.2.0',
  },
  (server: SeshatServer) => {
    server.pause.unpause();
    return OK;
  },
);
