/**
 * Configuration parameters: one registry serves the TOML file, the command-line flags
 * (`--<name> <value>`) and CONFIG GET/SET, with Redis's parameter names and error texts.
 * Values are validated at start (a bad key or value stops the server with a message naming
 * it) and on CONFIG SET (Redis's error reply).
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { checkPeerDial } from './member-address.js';
import { checkNotifyFlags, displayNotifyFlags, normalizeNotifyFlags } from './notifications.js';

export type ParamValue = string | number | boolean;

interface ParamDef {
  name: string;
  kind: 'int' | 'memory' | 'string' | 'enum' | 'bool';
  default: ParamValue;
  mutable: boolean;
  min?: number;
  max?: number;
  values?: readonly string[];
  /** Shown by --help. */
  doc: string;
  /** Extra validation for strings; returns an error text or null. */
  check?: (v: string) => string | null;
  /** Canonical form stored and shown by CONFIG GET. */
  normalize?: (v: string) => string;
  /** What CONFIG GET shows of the stored form, when Redis shows less than it keeps. */
  display?: (v: string) => string;
}

const MB = 1024 * 1024;

const PARAMS: readonly ParamDef[] = [
  {
    name: 'bind',
    kind: 'string',
    default: '127.0.0.1',
    mutable: false,
    doc: 'address to listen on for clients',
  },
  {
    name: 'port',
    kind: 'int',
    default: 6379,
    mutable: false,
    min: 0,
    max: 65535,
    doc: 'client port (0 picks a free port)',
  },
  {
    name: 'dir',
    kind: 'string',
    default: './data',
    mutable: false,
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
    max: 1_000_000,
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
    max: 2 ** 52,
    doc: 'largest bulk string a client may send, and largest string value',
  },
  {
    name: 'client-query-buffer-limit',
    kind: 'memory',
    default: 1024 * MB,
    mutable: true,
    min: MB,
    max: 2 ** 52,
    doc: 'largest unparsed input buffered per client; beyond it the client is closed',
  },
  {
    name: 'client-output-buffer-limit',
    kind: 'string',
    default: 'normal 0 0 0 replica 268435456 67108864 60 pubsub 33554432 8388608 60',
    mutable: true,
    doc: 'Redis syntax; the normal class hard limit disconnects slow consumers (0: none)',
    check: checkOutputLimit,
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
    mutable: false,
    doc: 'always yes: every write goes through the log',
  },
  {
    name: 'save',
    kind: 'string',
    default: '',
    mutable: false,
    doc: 'always empty: no RDB snapshots (state lives in RocksDB)',
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
    min: 1,
    max: 500,
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
    mutable: false,
    min: 0,
    max: 2 ** 31,
    doc: 'this node in a cluster (0: standalone, no Raft)',
  },
  {
    name: 'initial-members',
    kind: 'string',
    default: '',
    mutable: false,
    doc: 'cluster members at bootstrap: id@raft-host:port@client-host:port, comma-separated',
  },
  {
    name: 'cluster-join',
    kind: 'string',
    default: 'no',
    mutable: false,
    check: checkJoin,
    normalize: normalizeJoin,
    doc: "join a running cluster instead of bootstrapping: a member's client address (host:port) to ask (it adds this node as a learner and names the members), or yes: already added with RAFT ADD-LEARNER, initial-members naming the current members, not this node (--join [host:port] is short for it)",
  },
  {
    name: 'raft-peer-dial',
    kind: 'string',
    default: '',
    mutable: false,
    check: checkPeerDial,
    doc: 'dial these addresses for the listed members instead of their membership raft addresses: id@host:port, comma-separated (NAT, tunnels, the chaos harness proxies)',
  },
  {
    name: 'raft-bind',
    kind: 'string',
    default: '127.0.0.1',
    mutable: false,
    doc: 'address of the Raft (gRPC) listener',
  },
  {
    name: 'raft-port',
    kind: 'int',
    default: 7379,
    mutable: false,
    min: 0,
    max: 65535,
    doc: 'port of the Raft (gRPC) listener',
  },
  {
    name: 'raft-tick-ms',
    kind: 'int',
    default: 50,
    mutable: false,
    min: 5,
    max: 10_000,
    doc: 'Raft tick interval in ms',
  },
  {
    name: 'raft-election-ticks',
    kind: 'int',
    default: 10,
    mutable: false,
    min: 3,
    max: 1000,
    doc: 'election timeout in ticks (randomized up to twice this)',
  },
  {
    name: 'raft-heartbeat-ticks',
    kind: 'int',
    default: 1,
    mutable: false,
    min: 1,
    max: 100,
    doc: 'leader heartbeat interval in ticks',
  },
  {
    name: 'raft-log-max-entries',
    kind: 'int',
    default: 10_000,
    mutable: false,
    min: 10,
    max: 100_000_000,
    doc: 'log compaction: snapshot once more than this many applied entries are in the Raft log',
  },
  {
    name: 'raft-log-kept-entries',
    kind: 'int',
    default: 1_000,
    mutable: false,
    min: 0,
    max: 100_000_000,
    doc: 'log compaction: applied entries kept behind the snapshot for slightly lagging followers',
  },
  {
    name: 'raft-log-max-bytes',
    kind: 'memory',
    default: 64 * MB,
    mutable: false,
    min: 64 * 1024,
    max: 2 ** 52,
    doc: 'log compaction: also snapshot once the stored Raft log entries take more than this (then keep at most half of it behind the applied index)',
  },
  {
    name: 'raft-read-lease',
    kind: 'bool',
    default: false,
    mutable: false,
    doc: "linearizable reads on the leader's lease instead of a heartbeat round (ReadIndex): saves a round trip per read batch, but is only correct while the nodes' clocks (tick rates) do not drift apart by more than the election timeout's slack",
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
    mutable: false,
    values: ['auto', 'json', 'pretty'],
    doc: 'auto: pretty on a TTY, JSON otherwise',
  },
  {
    name: 'loglevel',
    kind: 'enum',
    default: 'notice',
    mutable: true,
    values: ['debug', 'verbose', 'notice', 'warning', 'nothing'],
    doc: 'Redis-style alias of log-level',
  },
  {
    name: 'hll-sparse-max-bytes',
    kind: 'memory',
    default: 3000,
    mutable: true,
    min: 0,
    max: 2 ** 52,
    doc: 'a sparse HyperLogLog growing past this many bytes becomes dense (Redis default 3000); the state machine applies it, so keep it equal on every member of a cluster',
  },
  {
    name: 'maxmemory',
    kind: 'memory',
    default: 0,
    mutable: true,
    min: 0,
    max: 2 ** 52,
    doc: 'reported for compatibility; Seshat does not evict (data lives on disk)',
  },
  {
    name: 'maxmemory-policy',
    kind: 'enum',
    default: 'noeviction',
    mutable: false,
    values: ['noeviction'],
    doc: 'only noeviction: keys are never evicted',
  },
];

const BY_NAME = new Map(PARAMS.map((p) => [p.name, p]));

function checkOutputLimit(v: string): string | null {
  const parts = v.trim().split(/\s+/);
  if (parts.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  for (let i = 0; i < parts.length; i += 4) {
    if (!['normal', 'replica', 'slave', 'pubsub'].includes(parts[i]!.toLowerCase())) {
      return 'Invalid client class specified in buffer limit configuration.';
    }
    for (let j = 1; j < 4; j++)
      if (parseMemory(parts[i + j]!) === null)
        return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
  }
  return null;
}

/** Redis memory values: 1gb, 512mb, 64k, plain bytes. */
export function parseMemory(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s.trim());
  if (!m) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1e6, mb: MB, g: 1e9, gb: 1024 * MB };
  return Number(m[1]) * mult[unit]!;
}

export class ConfigError extends Error {}

/** Parses and validates one value; returns the typed value or an error text (Redis words). */
/** A value that failed validation, with Redis's explanation. */
export class Invalid {
  constructor(readonly reason: string) {}
}

/** Parses and validates one value; returns the typed value or an Invalid (Redis words). */
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

export function coerce(def: ParamDef, raw: unknown): ParamValue | Invalid {
  const s = typeof raw === 'string' ? raw : String(raw);
  switch (def.kind) {
    case 'int': {
      if (typeof raw === 'number' ? !Number.isInteger(raw) : !/^-?\d+$/.test(s))
        return new Invalid("argument couldn't be parsed into an integer");
      return inRange(def, Number(s));
    }
    case 'memory': {
      const v = typeof raw === 'number' ? raw : parseMemory(s);
      if (v === null || !Number.isInteger(v)) return new Invalid('argument must be a memory value');
      return inRange(def, v);
    }
    case 'bool':
      if (raw === true || s === 'yes') return true;
      if (raw === false || s === 'no') return false;
      return new Invalid("argument must be 'yes' or 'no'");
    case 'enum':
      return def.values!.includes(s.toLowerCase())
        ? s.toLowerCase()
        : new Invalid(`argument(s) must be one of the following: ${def.values!.join(', ')}`);
    case 'string': {
      const err = def.check?.(s) ?? null;
      if (err !== null) return new Invalid(err);
      return def.normalize ? def.normalize(s) : s;
    }
  }
}

function inRange(def: ParamDef, v: number): number | Invalid {
  if ((def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) {
    return new Invalid(`argument must be between ${def.min} and ${def.max} inclusive`);
  }
  return v;
}

export function findParam(name: string): ParamDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function allParams(): readonly ParamDef[] {
  return PARAMS;
}

/** The running configuration. Listeners react to CONFIG SET of a mutable parameter. */
export class Config {
  private readonly values = new Map<string, ParamValue>();
  private readonly listeners: ((name: string, value: ParamValue) => void)[] = [];

  constructor(overrides: Record<string, ParamValue> = {}) {
    for (const p of PARAMS) this.values.set(p.name, p.default);
    for (const [k, v] of Object.entries(overrides)) this.values.set(k, v);
  }

  get(name: string): ParamValue {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`unknown config parameter ${name}`);
    return v;
  }
  int(name: string): number {
    return this.get(name) as number;
  }
  str(name: string): string {
    return this.get(name) as string;
  }

  /** Redis's textual form, as CONFIG GET shows it. */
  text(name: string): string {
    const v = this.get(name);
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    const display = findParam(name)?.display;
    return display ? display(String(v)) : String(v);
  }

  /** CONFIG SET of one parameter: returns null on success or Redis's error detail. */
  set(name: string, raw: string): string | null {
    const def = findParam(name);
    if (!def) return 'unknown';
    if (!def.mutable) return "can't set immutable config";
    const v = coerce(def, raw);
    if (v instanceof Invalid) return v.reason;
    this.values.set(def.name, v);
    for (const l of this.listeners) l(def.name, v);
    return null;
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
  for (const p of PARAMS) {
    const def = p.kind === 'bool' ? (p.default ? 'yes' : 'no') : String(p.default);
    lines.push(
      `  --${p.name.padEnd(28)}${p.mutable ? '*' : ' '} ${p.doc} (default: ${def === '' ? '""' : def})`,
    );
  }
  return lines.join('\n');
}
