/**
 * SLOWLOG GET [count] / LEN / RESET / HELP (Redis's slowlog.c). A command whose execution took
 * at least slowlog-log-slower-than microseconds (-1: never, 0: every command) is recorded with
 * an increasing id, the unix time, its duration, its arguments (at most 32, each cut at 128
 * bytes, as Redis trims them; passwords redacted) and the client's address and name; the log
 * keeps the newest slowlog-max-len entries. Execution time is what Redis measures: a read or
 * server command while it runs, a write while the state machine applies it (not the wait for
 * the log's fsync), a blocked command only for its final, successful attempt; EXEC is not
 * logged, the commands it ran are. Writes are measured on the standalone write path (a Raft
 * group applies through its driver: its writes are not logged yet).
 */
import { SeshatError, SimpleString } from '@seshat/common';
import {
  type CommandSpec,
  decodeEntry,
  type EntryCommand,
  type KvStateMachine,
  tryParseI64,
} from '@seshat/kv';
import { Parked } from './blocking.js';
import { redact } from './redact.js';
import { Client } from './client.js';
import { def, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';
import type { WriteWaiter } from './write-path.js';

/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const ENTRY_ARGS_MAX = 32;
const ENTRY_ARG_BYTES_MAX = 128;
/** SLOWLOG GET without a count. */
const GET_DEFAULT_COUNT = 10;
const REDACTED = Buffer.from('(redacted)');

interface SlowEntry {
  id: number;
  timeSec: number;
  usec: number;
  argv: Buffer[];
  addr: string;
  name: string;
}

/** The arguments as Redis stores them in an entry (slowlogCreateEntry). */
function entryArgs(argv: readonly Buffer[]): Buffer[] {
  const shown = redact(argv);
  const n = Math.min(shown.length, ENTRY_ARGS_MAX);
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    if (n === ENTRY_ARGS_MAX && i === n - 1 && shown.length > ENTRY_ARGS_MAX) {
      out.push(Buffer.from(`... (${shown.length - ENTRY_ARGS_MAX + 1} more arguments)`));
      break;
    }
    const a = shown[i];
    if (a === null || a === undefined) out.push(REDACTED);
    else if (a.length > ENTRY_ARG_BYTES_MAX) {
      const more = Buffer.from(`... (${a.length - ENTRY_ARG_BYTES_MAX} more bytes)`);
      out.push(Buffer.concat([a.subarray(0, ENTRY_ARG_BYTES_MAX), more]));
    } else out.push(Buffer.from(a));
  }
  return out;
}

export class SlowLog {
  /** Newest last. */
  private entries: SlowEntry[] = [];
  private nextId = 0;

  constructor(
    private readonly thresholdUsec: () => number,
    private readonly maxLen: () => number,
    private readonly nowMs: () => number,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  /** Records `argv` run by `client` if it took at least the threshold. */
  consider(client: Client, spec: CommandSpec | null, argv: readonly Buffer[], usec: number): void {
    const threshold = this.thresholdUsec();
    if (threshold < 0 || usec < threshold) return;
    if (spec?.flags.includes('skip_slowlog')) return;
    this.entries.push({
      id: this.nextId++,
      timeSec: Math.floor(this.nowMs() / 1000),
      usec: Math.floor(usec),
      argv: entryArgs(argv),
      addr: client.addr,
      name: client.name,
    });
    this.trim();
  }

  /** Drops the oldest entries past slowlog-max-len (also after CONFIG SET lowers it). */
  trim(): void {
    const max = this.maxLen();
    if (this.entries.length > max) this.entries.splice(0, this.entries.length - max);
  }

  reset(): void {
    this.entries = [];
  }

  /** The newest `count` entries, newest first (count -1: all). */
  newest(count: number): SlowEntry[] {
    const n = count < 0 ? this.entries.length : Math.min(count, this.entries.length);
    return this.entries.slice(this.entries.length - n).reverse();
  }
}

/**
 * A write the state machine applied in at least the threshold (write-path.ts reportSlow): logged
 * for the client that sent it; a transaction's commands each with their own time; a blocked
 * command with the arguments it was sent with.
 */
export function recordSlowWrite(
  log: SlowLog,
  sm: KvStateMachine,
  waiter: WriteWaiter,
  command: EntryCommand,
  index: number,
): void {
  let client: Client;
  let argv = command.argv;
  if (waiter instanceof Client) client = waiter;
  else if (waiter instanceof Parked) {
    client = waiter.client;
    argv = waiter.argv;
  } else return;
  const inner = sm.transactionUsec.get(index);
  if (inner === undefined) {
    log.consider(client, null, argv, sm.entryUsec[index]!);
    return;
  }
  const { commands } = decodeEntry(command.argv[1]!);
  for (let j = 0; j < commands.length; j++) log.consider(client, null, commands[j]!.argv, inner[j] ?? 0);
}

const S = 'server';

def(
  {
    name: 'slowlog',
    arity: -2,
    flags: '',
    group: S,
    summary: 'A container for slow log commands.',
    since: '2.2.12',
    complexity: 'Depends on subcommand.',
  },
  null,
);
sub(
  'slowlog',
  {
    name: 'get',
    arity: -2,
    flags: 'admin loading stale',
    group: S,
    summary: "Returns the slow log's entries.",
    since: '2.2.12',
  },
  (server: SeshatServer, _c, argv) => {
    let count = GET_DEFAULT_COUNT;
    if (argv.length > 3) {
      const sub = argv[1]!.toString('latin1');
      throw new SeshatError(
        'ERR',
        `unknown subcommand or wrong number of arguments for '${sub}'. Try SLOWLOG HELP.`,
      );
    }
    if (argv.length === 3) {
      // Redis's getRangeLongFromObjectOrReply: one message for both failures.
      const v = tryParseI64(argv[2]!);
      if (v === undefined || v < -1n)
        throw new SeshatError('ERR', 'count should be greater than or equal to -1');
      count = v === -1n ? -1 : Number(v > 2n ** 31n ? 2n ** 31n : v);
    }
    server.slowlog.trim();
    return server.slowlog.newest(count).map((e) => [e.id, e.timeSec, e.usec, e.argv, e.addr, e.name]);
  },
);
sub(
  'slowlog',
  {
    name: 'len',
    arity: 2,
    flags: 'admin loading stale',
    group: S,
    summary: 'Returns the number of entries in the slow log.',
    since: '2.2.12',
  },
  (server: SeshatServer) => {
    server.slowlog.trim();
    return server.slowlog.length;
  },
);
sub(
  'slowlog',
  {
    name: 'reset',
    arity: 2,
    flags: 'admin loading stale',
    group: S,
    summary: 'Clears all entries from the slow log.',
    since: '2.2.12',
  },
  (server: SeshatServer) => {
    server.slowlog.reset();
    return new SimpleString('OK');
  },
);
sub(
  'slowlog',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: S,
    summary: 'Show helpful text about the different subcommands',
    since: '6.2.0',
  },
  () =>
    [
      'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'GET [<count>]',
      '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
      '    Entries are made of:',
      '    id, timestamp, time in microseconds, arguments array, client IP and port,',
      '    client name',
      'LEN',
      '    Return the length of the slowlog.',
      'RESET',
      '    Reset the slowlog.',
      'HELP',
      '    Prints this help.',
    ].map((l) => new SimpleString(l)),
);
