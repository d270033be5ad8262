/**
 * Configuration parameters: one registry serves the TOML file, the command-line flags
 * (`--<name> <value>`) and CONFIG GET/SET, with Redis's parameter names and error texts.
 * Values are validated at start (a bad key or value stops the server with a message naming
 * it) and on CONFIG SET (Redis's error reply).
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import {
  coerce,
  formatValue,
  Invalid,
  type ParamDef,
  type ParamValue,
  parseMemoryBytes,
  splitArgs,
} from './config-values.js';
import { checkPeerDial } from './member-address.js';
import { checkNotifyFlags, displayNotifyFlags, normalizeNotifyFlags } from './notifications.js';
import { parseSave, REDIS_COMPAT_PARAMS } from './redis-params.js';

export { coerce, Invalid, type ParamDef, type ParamValue };

const MB = 1024 * 1024;
/** C's INT_MAX, LONG_MAX and ULLONG_MAX: Redis's bounds of most numeric parameters. */
const INT_MAX = 2_147_483_647;
const LONG_MAX = (1n << 63n) - 1n;
const ULLONG_MAX = (1n << 64n) - 1n;
/** Redis clamps hz into this range (CONFIG_MIN_HZ, CONFIG_MAX_HZ). */
const HZ_MIN = 1;
const HZ_MAX = 500;

const SESHAT_PARAMS: readonly ParamDef[] = [
  {
    name: 'bind',
    kind: 'string',
    default: '127.0.0.1',
    mutable: 'same',
    doc: 'address to listen on for clients',
  },
  {
    name: 'port',
    kind: 'int',
    default: 6379,
    mutable: 'same',
    min: 0,
    max: 65535,
    doc: 'client port (0 picks a free port)',
  },
  {
    name: 'dir',
    kind: 'string',
    default: './data',
    mutable: false,
    protected: true,
    doc: 'data directory (RocksDB lives here)',
  },
  {
    name: 'requirepass',
    kind: 'string',
    default: '',
    mutable: true,
    doc: 'password clients must AUTH with (empty: none); in cluster mode also required of every call to the Raft port',
  },
  {
    name: 'pg-port',
    kind: 'int',
    default: 0,
    mutable: 'same',
    min: 0,
    max: 65535,
    doc: 'PostgreSQL wire protocol port (0: off; `npm start` passes 5432), on the bind address',
  },
  {
    name: 'sql-password',
    kind: 'string',
    default: '',
    mutable: true,
    doc: 'password of the SQL superuser `postgres` (empty: none, only trust logins; trust is the default for loopback clients)',
  },
  {
    name: 'masterauth',
    kind: 'string',
    default: '',
    mutable: true,
    doc: "password this node presents to the other members' Raft ports and to a --join seed (empty: its own requirepass)",
  },
  {
    name: 'maxclients',
    kind: 'int',
    default: 10000,
    mutable: true,
    min: 1,
    max: 4_294_967_295,
    unsigned: true,
    doc: 'most client connections at once',
  },
  {
    name: 'timeout',
    kind: 'int',
    default: 0,
    mutable: true,
    min: 0,
    max: 2_147_483_647,
    doc: 'close clients idle this many seconds (0: never)',
  },
  {
    name: 'tcp-keepalive',
    kind: 'int',
    default: 300,
    mutable: true,
    min: 0,
    max: 2_147_483_647,
    doc: 'TCP keepalive interval in seconds (0: off)',
  },
  {
    name: 'proto-max-bulk-len',
    kind: 'memory',
    default: 512 * MB,
    mutable: true,
    min: MB,
    max: LONG_MAX,
    doc: 'largest bulk string a client may send, and largest string value',
  },
  {
    name: 'client-query-buffer-limit',
    kind: 'memory',
    default: 1024 * MB,
    mutable: true,
    min: MB,
    max: LONG_MAX,
    unsigned: true,
    doc: 'largest unparsed input buffered per client; beyond it the client is closed',
  },
  {
    name: 'client-output-buffer-limit',
    kind: 'string',
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    mutable: true,
    doc: 'Redis syntax; the normal class hard limit disconnects slow consumers (0: none)',
    parse: parseOutputLimit,
  },
  {
    name: 'client-output-pause-bytes',
    kind: 'memory',
    default: 16 * MB,
    mutable: true,
    min: 64 * 1024,
    max: 2 ** 52,
    doc: 'stop reading a client whose unsent replies exceed this (backpressure)',
  },
  {
    name: 'appendfsync',
    kind: 'enum',
    default: 'always',
    mutable: true,
    values: ['always', 'everysec', 'no'],
    doc: 'always: fsync the log before replying to writes (default); everysec / no: relaxed durability',
  },
  {
    name: 'appendonly',
    kind: 'bool',
    default: true,
    mutable: 'same',
    doc: 'always yes: every write goes through the log',
  },
  {
    name: 'save',
    kind: 'string',
    default: '',
    mutable: true,
    noEffect: true,
    parse: (v) => parseSave(v) ?? new Invalid('Invalid save parameters'),
    doc: 'kept and reported only: no RDB snapshots on a schedule (state lives in RocksDB)',
  },
  {
    name: 'databases',
    kind: 'int',
    default: 16,
    mutable: false,
    min: 16,
    max: 16,
    doc: 'number of databases (fixed at 16)',
  },
  {
    name: 'hz',
    kind: 'int',
    default: 10,
    mutable: true,
    min: 0,
    max: INT_MAX,
    // Redis takes any value and caps it (updateHZ).
    clamp: [HZ_MIN, HZ_MAX],
    doc: 'background cycles (active expiry, idle timeouts) per second',
  },
  {
    name: 'active-expire-keys-per-cycle',
    kind: 'int',
    default: 200,
    mutable: true,
    min: 1,
    max: 100_000,
    doc: 'most expired keys one active expiry cycle deletes',
  },
  {
    name: 'meta-cache-bytes',
    kind: 'memory',
    default: 256 * MB,
    mutable: true,
    min: 0,
    max: 2 ** 52,
    doc: 'memory for cached key metadata and small values in front of RocksDB (0: off)',
  },
  {
    name: 'node-id',
    kind: 'int',
    default: 0,
    mutable: 'same',
    min: 0,
    max: 2 ** 31,
    doc: 'this node in a cluster (0: standalone, no Raft)',
  },
  {
    name: 'initial-members',
    kind: 'string',
    default: '',
    mutable: 'same',
    doc: 'cluster members at bootstrap: id@raft-host:port@client-host:port, comma-separated',
  },
  {
    name: 'cluster-join',
    kind: 'string',
    default: 'no',
    mutable: 'same',
    check: checkJoin,
    normalize: normalizeJoin,
    doc: "join a running cluster instead of bootstrapping: a member's client address (host:port) to ask (it adds this node as a learner and names the members), or yes: already added with RAFT ADD-LEARNER, initial-members naming the current members, not this node (--join [host:port] is short for it)",
  },
  {
    name: 'raft-peer-dial',
    kind: 'string',
    default: '',
    mutable: 'same',
    check: checkPeerDial,
    doc: 'dial these addresses for the listed members instead of their membership raft addresses: id@host:port, comma-separated (NAT, tunnels, the chaos harness proxies)',
  },
  {
    name: 'raft-bind',
    kind: 'string',
    default: '127.0.0.1',
    mutable: 'same',
    doc: 'address of the Raft (gRPC) listener',
  },
  {
    name: 'raft-port',
    kind: 'int',
    default: 7379,
    mutable: 'same',
    min: 0,
    max: 65535,
    doc: 'port of the Raft (gRPC) listener',
  },
  {
    name: 'raft-tick-ms',
    kind: 'int',
    default: 50,
    mutable: 'same',
    min: 5,
    max: 10_000,
    doc: 'Raft tick interval in ms',
  },
  {
    name: 'raft-election-ticks',
    kind: 'int',
    default: 10,
    mutable: 'same',
    min: 3,
    max: 1000,
    doc: 'election timeout in ticks (randomized up to twice this)',
  },
  {
    name: 'raft-heartbeat-ticks',
    kind: 'int',
    default: 1,
    mutable: 'same',
    min: 1,
    max: 100,
    doc: 'leader heartbeat interval in ticks',
  },
  {
    name: 'raft-log-max-entries',
    kind: 'int',
    default: 10_000,
    mutable: 'same',
    min: 10,
    max: 100_000_000,
    doc: 'log compaction: snapshot once more than this many applied entries are in the Raft log',
  },
  {
    name: 'raft-log-kept-entries',
    kind: 'int',
    default: 1_000,
    mutable: 'same',
    min: 0,
    max: 100_000_000,
    doc: 'log compaction: applied entries kept behind the snapshot for slightly lagging followers',
  },
  {
    name: 'raft-log-max-bytes',
    kind: 'memory',
    default: 64 * MB,
    mutable: 'same',
    min: 64 * 1024,
    max: 2 ** 52,
    doc: 'log compaction: also snapshot once the stored Raft log entries take more than this (then keep at most half of it behind the applied index)',
  },
  {
    name: 'raft-read-lease',
    kind: 'bool',
    default: false,
    mutable: 'same',
    doc: "linearizable reads on the leader's lease instead of a heartbeat round (ReadIndex): saves a round trip per read batch, but is only correct while the nodes' clocks (tick rates) do not drift apart by more than the election timeout's slack",
  },
  {
    name: 'raft-quiesce',
    kind: 'bool',
    default: true,
    mutable: 'same',
    doc: 'idle groups stop their heartbeats and election clocks until a write, a read or a message needs them (one node heartbeat per peer keeps them live); ignored with raft-read-lease, whose lease is the running clock',
  },
  {
    name: 'cluster-redirect',
    kind: 'enum',
    default: 'forward',
    mutable: true,
    values: ['forward', 'moved'],
    doc: 'cluster mode, on a follower: forward data commands to the leader and relay the reply (forward), or answer -MOVED <slot> <leader> (moved)',
  },
  {
    name: 'stream-node-max-entries',
    kind: 'int',
    default: 100,
    mutable: true,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: 'entries per stream node (0: no limit); `~` trimming removes whole nodes. Give every member of a cluster the same value',
  },
  {
    name: 'stream-node-max-bytes',
    kind: 'memory',
    default: 4096,
    mutable: true,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: 'bytes of a stream node as Redis would encode it (0: no limit). Give every member of a cluster the same value',
  },
  {
    name: 'notify-keyspace-events',
    kind: 'string',
    default: '',
    mutable: true,
    check: checkNotifyFlags,
    normalize: normalizeNotifyFlags,
    display: displayNotifyFlags,
    doc: 'keyspace notification classes, Redis syntax (e.g. KEA); empty: off',
  },
  {
    name: 'enable-debug-command',
    kind: 'enum',
    default: 'no',
    mutable: false,
    values: ['no', 'yes', 'local'],
    doc: 'allow DEBUG: no, yes, or local (loopback clients only)',
  },
  {
    name: 'log-level',
    kind: 'enum',
    default: 'info',
    mutable: true,
    values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    doc: 'pino log level',
  },
  {
    name: 'log-format',
    kind: 'enum',
    default: 'auto',
    mutable: 'same',
    values: ['auto', 'json', 'pretty'],
    doc: 'auto: pretty on a TTY, JSON otherwise',
  },
  {
    name: 'loglevel',
    kind: 'enum',
    default: 'notice',
    mutable: true,
    values: ['debug', 'verbose', 'notice', 'warning'],
    doc: 'Redis-style alias of log-level',
  },
  {
    name: 'hll-sparse-max-bytes',
    kind: 'memory',
    default: 3000,
    mutable: true,
    min: 0,
    max: LONG_MAX,
    unsigned: true,
    doc: 'a sparse HyperLogLog growing past this many bytes becomes dense (Redis default 3000); the state machine applies it, so keep it equal on every member of a cluster',
  },
  {
    name: 'slowlog-log-slower-than',
    kind: 'int',
    default: 10000,
    mutable: true,
    min: -1,
    max: LONG_MAX,
    doc: 'SLOWLOG records commands that ran at least this many microseconds (-1: none, 0: all)',
  },
  {
    name: 'slowlog-max-len',
    kind: 'int',
    default: 128,
    mutable: true,
    min: 0,
    max: LONG_MAX,
    unsigned: true,
    doc: 'most entries SLOWLOG keeps (the oldest go first)',
  },
  {
    name: 'latency-monitor-threshold',
    kind: 'int',
    default: 0,
    mutable: true,
    min: 0,
    max: LONG_MAX,
    doc: 'LATENCY records events (commands) that took at least this many milliseconds (0: off)',
  },
  {
    name: 'maxmemory',
    kind: 'memory',
    default: 0,
    mutable: true,
    min: 0,
    max: ULLONG_MAX,
    unsigned: true,
    noEffect: true,
    doc: 'kept and reported only: Seshat does not evict (data lives on disk)',
  },
  {
    name: 'maxmemory-policy',
    kind: 'enum',
    default: 'noeviction',
    mutable: true,
    noEffect: true,
    values: [
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'noeviction',
    ],
    doc: 'kept and reported only: keys are never evicted',
  },
];

/** Seshat's parameters, then Redis's that are only kept (redis-params.ts). */
const ALL_PARAMS: readonly ParamDef[] = [
  ...SESHAT_PARAMS,
  ...REDIS_COMPAT_PARAMS.filter((r) => !SESHAT_PARAMS.some((p) => p.name === r.name)),
];

/** Every name and alias (lowercase) -> its definition. */
const BY_NAME = new Map<string, ParamDef>();
for (const p of ALL_PARAMS) {
  BY_NAME.set(p.name, p);
  if (p.alias !== undefined) BY_NAME.set(p.alias, p);
}

/** Client classes of client-output-buffer-limit, as CONFIG GET names them. */
const OUTPUT_LIMIT_CLASSES = ['normal', 'slave', 'pubsub'];

/**
 * client-output-buffer-limit (Redis's updateClientOutputBufferLimit): groups of
 * `class hard soft seconds`; the classes named change, the others keep their limits.
 */
function parseOutputLimit(v: string, current: string): string | Invalid {
  const args = splitArgs(v);
  if (args.length % 4 !== 0) return new Invalid('Wrong number of arguments in buffer limit configuration.');
  const limits = new Map<string, string>();
  const cur = splitArgs(current);
  for (let i = 0; i + 3 < cur.length; i += 4) limits.set(cur[i]!, cur.slice(i + 1, i + 4).join(' '));
  for (let i = 0; i < args.length; i += 4) {
    let cls = args[i]!.toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!OUTPUT_LIMIT_CLASSES.includes(cls))
      return new Invalid('Invalid client class specified in buffer limit configuration.');
    const hard = parseMemoryBytes(args[i + 1]!);
    const soft = parseMemoryBytes(args[i + 2]!);
    const seconds = /^[ \t]*[+-]?[0-9]+$/.test(args[i + 3]!) ? BigInt(args[i + 3]!.trim()) : -1n;
    if (hard === undefined || soft === undefined || seconds < 0n)
      return new Invalid('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    limits.set(cls, `${hard} ${soft} ${seconds}`);
  }
  return OUTPUT_LIMIT_CLASSES.map((c) => `${c} ${limits.get(c) ?? '0 0 0'}`).join(' ');
}

/** Redis memory values: 1gb, 512mb, 64k, plain bytes. */
export function parseMemory(s: string): number | null {
  const v = parseMemoryBytes(s.trim());
  return v === undefined ? null : Number(v);
}

export class ConfigError extends Error {}

/** A seed's client address for cluster-join. */
const JOIN_SEED = /^[^\s:@]+:\d{1,5}$/;

/** `cluster-join`: yes / no (TOML booleans too) or a seed's client address host:port. */
function normalizeJoin(v: string): string {
  const s = v.toLowerCase();
  if (s === 'true' || s === 'yes') return 'yes';
  if (s === 'false' || s === 'no' || s === '') return 'no';
  return v;
}

function checkJoin(v: string): string | null {
  const s = normalizeJoin(v);
  return s === 'yes' || s === 'no' || JOIN_SEED.test(s) ? null : "argument must be 'yes', 'no' or host:port";
}

/** The definition of a parameter by name or alias, in any case. */
export function findParam(name: string): ParamDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function allParams(): readonly ParamDef[] {
  return ALL_PARAMS;
}

/** Why one pair of a CONFIG SET was refused: the argument to name and Redis's text. */
export interface SetFailure {
  /** The parameter name to quote. */
  arg: string;
  /** Redis's reason; null for an unknown parameter (its own message). */
  reason: string | null;
}

/** The running configuration. Listeners react to CONFIG SET of a mutable parameter. */
export class Config {
  private readonly values = new Map<string, ParamValue>();
  private readonly listeners: ((name: string, value: ParamValue) => void)[] = [];

  constructor(overrides: Record<string, ParamValue> = {}) {
    for (const p of ALL_PARAMS) this.values.set(p.name, p.default);
    for (const [k, v] of Object.entries(overrides)) this.values.set(findParam(k)?.name ?? k, v);
  }

  get(name: string): ParamValue {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`unknown config parameter ${name}`);
    return v;
  }
  int(name: string): number {
    return Number(this.get(name));
  }
  str(name: string): string {
    return this.get(name) as string;
  }

  /** Redis's textual form, as CONFIG GET shows it (name or alias). */
  text(name: string): string {
    const def = findParam(name);
    return formatValue(def, this.get(def?.name ?? name));
  }

  /**
   * CONFIG GET: [name, value] for each argument. A name without glob characters finds its
   * parameter (hidden ones too) and is echoed as given; a pattern matches every name and alias
   * that is not hidden, case-insensitively. Each parameter name appears once.
   */
  matching(
    args: readonly string[],
    globMatch: (pattern: string, name: string) => boolean,
  ): [string, string][] {
    const out: [string, string][] = [];
    // Names already answered, in lowercase: Redis's reply is a case-insensitive dictionary.
    const seen = new Set<string>();
    for (const arg of args) {
      if (!/[[*?]/.test(arg)) {
        const def = findParam(arg);
        if (def !== undefined && !seen.has(arg.toLowerCase())) {
          seen.add(arg.toLowerCase());
          out.push([arg, this.text(def.name)]);
        }
        continue;
      }
      for (const [name, def] of BY_NAME) {
        if (def.hidden === true || seen.has(name) || !globMatch(arg, name)) continue;
        seen.add(name);
        out.push([name, this.text(def.name)]);
      }
    }
    return out;
  }

  /** CONFIG SET of one parameter: returns null on success or Redis's error detail. */
  set(name: string, raw: string): string | null {
    const failure = this.setMany([[name, raw]]);
    return failure === null ? null : (failure.reason ?? 'unknown');
  }

  /**
   * CONFIG SET of several parameters, all or nothing (Redis's configSetCommand): every name is
   * resolved first (the first unknown, immutable, protected or repeated one fails the call), then
   * every value is parsed; only when all are valid are they stored and the listeners told.
   */
  setMany(pairs: readonly (readonly [string, string])[]): SetFailure | null {
    const defs: ParamDef[] = [];
    const first = this.resolveAll(pairs, defs);
    if (first !== null) return first;
    const parsed: ParamValue[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const def = defs[i]!;
      const current = this.values.get(def.name)!;
      const v = coerce(def, pairs[i]![1], current);
      const arg = pairs[i]![0].toLowerCase();
      if (v instanceof Invalid) return { arg, reason: v.reason };
      if (def.mutable === 'same' && formatValue(def, v) !== formatValue(def, current))
        return { arg, reason: "can't set immutable config" };
      parsed.push(v);
    }
    for (let i = 0; i < defs.length; i++) {
      const def = defs[i]!;
      const changed = formatValue(def, parsed[i]!) !== formatValue(def, this.values.get(def.name)!);
      this.values.set(def.name, parsed[i]!);
      if (changed) for (const l of this.listeners) l(def.name, parsed[i]!);
    }
    return null;
  }

  /** First pass of setMany: the definitions, or the first failure (as Redis reports it). */
  private resolveAll(pairs: readonly (readonly [string, string])[], defs: ParamDef[]): SetFailure | null {
    let failure: SetFailure | null = null;
    // Repeats are told by the name given: Redis registers an alias as a parameter of its own,
    // so `lua-time-limit 10 busy-reply-threshold 20` sets the same value twice (the last wins).
    const names = new Set<string>();
    for (const [name] of pairs) {
      const def = findParam(name);
      if (def === undefined) {
        failure ??= { arg: name, reason: null };
        continue;
      }
      if (failure !== null) continue;
      if (def.mutable === false || def.protected === true) {
        failure = {
          arg: name,
          reason: def.protected ? "can't set protected config" : "can't set immutable config",
        };
      } else if (names.has(name.toLowerCase())) failure = { arg: name, reason: 'duplicate parameter' };
      names.add(name.toLowerCase());
      defs.push(def);
    }
    return failure;
  }

  onChange(listener: (name: string, value: ParamValue) => void): void {
    this.listeners.push(listener);
  }
}

/** Loads a TOML file: keys are parameter names; unknown keys and bad values are errors. */
export function loadConfigFile(path: string): Record<string, ParamValue> {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`config error: cannot read ${path}: ${(e as Error).message}`);
  }
  const out: Record<string, ParamValue> = {};
  for (const [key, raw] of Object.entries(doc)) {
    const def = findParam(key);
    if (!def) throw new ConfigError(`config error: unknown key '${key}' in ${path}`);
    const v = coerce(def, raw);
    if (v instanceof Invalid)
      throw new ConfigError(`config error: bad value for '${key}' in ${path}: ${v.reason}`);
    out[def.name] = v;
  }
  return out;
}

export interface CliOptions {
  help: boolean;
  version: boolean;
  configFile: string | null;
  overrides: Record<string, ParamValue>;
}

/** Parses `--config FILE`, `--help`, `--version` and `--<param> <value>` flags. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const out: CliOptions = { help: false, version: false, configFile: null, overrides: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--version' || a === '-v') out.version = true;
    else if (a === '--join') {
      // Bare (the older yes/no form) unless a value follows.
      const next = argv[i + 1];
      const value = next === undefined || next.startsWith('--') ? 'yes' : argv[++i]!;
      const v = coerce(findParam('cluster-join')!, value);
      if (v instanceof Invalid) throw new ConfigError(`config error: bad value for --join: ${v.reason}`);
      out.overrides['cluster-join'] = v;
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new ConfigError(`config error: option --${name} needs a value`);
      if (name === 'config') {
        out.configFile = value;
        continue;
      }
      const def = findParam(name);
      if (!def) throw new ConfigError(`config error: unknown option --${name} (see --help)`);
      const v = coerce(def, value);
      if (v instanceof Invalid) throw new ConfigError(`config error: bad value for --${name}: ${v.reason}`);
      out.overrides[def.name] = v;
    } else throw new ConfigError(`config error: unexpected argument '${a}' (see --help)`);
  }
  return out;
}

export function helpText(): string {
  const lines = [
    'Usage: seshat [--config FILE] [--<parameter> <value> ...]',
    '       seshat cluster status|init|add|promote|remove|transfer-leader|snapshot [--host H] [--port P]',
    '         [--grpc HOST:RAFTPORT]',
    '         (administer a running cluster node; `seshat cluster --help` for details)',
    '',
    'Seshat: a Redis-compatible key-value server, durable on RocksDB.',
    '',
    'Options:',
    '  --config FILE            TOML file with parameters (flags override it)',
    '  --help                   show this help',
    '  --version                print the version',
    '  --join [host:port]       same as --cluster-join host:port (bare: yes)',
    '',
    'Parameters (also settable in the config file and, when marked *, with CONFIG SET):',
  ];
  for (const p of SESHAT_PARAMS) {
    const def = formatValue(p, p.default);
    lines.push(
      `  --${p.name.padEnd(28)}${p.mutable === true ? '*' : ' '} ${p.doc} (default: ${def === '' ? '""' : def})`,
    );
  }
  lines.push(
    '',
    "Redis 7.0's other parameters are accepted, kept and shown by CONFIG GET, without effect:",
    `  ${REDIS_COMPAT_PARAMS.filter((p) => !SESHAT_PARAMS.some((s) => s.name === p.name))
      .map((p) => p.name)
      .join(' ')}`,
  );
  return lines.join('\n');
}
