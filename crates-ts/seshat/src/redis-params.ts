/**
 * Redis 7.0's configuration parameters that Seshat accepts, keeps and reports without acting
 * on them (config.c's table, TLS left out: Seshat has no TLS). CONFIG SET validates each as
 * Redis does (type, bounds, enum names, immutability, error texts), CONFIG GET shows it, and
 * docs/compatibility.md lists them as "no effect". They exist so that clients, tools and
 * Redis's own test suite that read or set them keep working. Parameters that do something in
 * Seshat are defined in config.ts instead.
 */
import { Invalid, type ParamDef, splitArgs } from './config-values.js';

/** Redis without jemalloc's defragmentation support refuses `activedefrag yes` with this. */
function refuseDefrag(v: unknown): string | null {
  return v === true
    ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
    : null;
}

/** Redis's NET_HOST_STR_LEN. */
const HOSTNAME_MAX_BYTES = 256;

function checkHostname(v: string): string | null {
  if (v.length >= HOSTNAME_MAX_BYTES) return `Hostnames must be less than ${HOSTNAME_MAX_BYTES} characters`;
  return /^[A-Za-z0-9.-]*$/.test(v)
    ? null
    : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
}

const PROC_TITLE_VARIABLES = [
  'title',
  'listen-addr',
  'server-mode',
  'config-file',
  'port',
  'tls-port',
  'unixsocket',
];

/** Variables that can expand to nothing for the check ({title} is checked with an empty title). */
const PROC_TITLE_EMPTY_VARIABLES = ['title', 'server-mode', 'unixsocket'];

/**
 * Redis's validateProcTitleTemplate: known {variables} only, balanced braces, and the template
 * expanded with an empty title must not be empty.
 */
function checkProcTitle(v: string): string | null {
  const bad = 'template format is invalid or contains unknown variables';
  let rest = v;
  let shown = '';
  for (let open = rest.indexOf('{'); open >= 0; open = rest.indexOf('{')) {
    const close = rest.indexOf('}', open);
    if (close < 0 || rest.slice(0, open).includes('}')) return bad;
    const name = rest.slice(open + 1, close);
    if (!PROC_TITLE_VARIABLES.includes(name)) return bad;
    shown += rest.slice(0, open) + (PROC_TITLE_EMPTY_VARIABLES.includes(name) ? '' : name);
    rest = rest.slice(close + 1);
  }
  return rest.includes('}') || shown + rest === '' ? bad : null;
}

/** `save`: pairs of seconds (>= 1) and changes (>= 0); "" is none. */
export function parseSave(v: string): string | null {
  const args = splitArgs(v);
  if (args.length % 2 !== 0) return null;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    // strtoll: an optional sign and digits, nothing after them.
    if (!/^[ \t]*[+-]?[0-9]+$/.test(args[i]!)) return null;
    const n = BigInt(args[i]!.trim());
    if ((i % 2 === 0 && n < 1n) || (i % 2 === 1 && n < 0n)) return null;
    out.push(String(i % 2 === 0 ? n : BigInt.asIntN(32, n)));
  }
  return out.join(' ');
}

/** `oom-score-adj-values`: three integers in [-2000, 2000]. */
function parseOomValues(v: string): string | null {
  const args = splitArgs(v);
  if (args.length !== 3) return null;
  for (const a of args) if (!/^[+-]?[0-9]+$/.test(a) || Math.abs(Number(a)) > 2000) return null;
  return args.map((a) => String(Number(a))).join(' ');
}

/** `latency-tracking-info-percentiles`: doubles in [0, 100], shown as "%f" without trailing zeros. */
function parsePercentiles(v: string): string | { error: string } {
  const args = splitArgs(v);
  if (args.length === 1 && args[0] === '') return '';
  const out: string[] = [];
  for (const a of args) {
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(a)) {
      return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    }
    const p = Number(a);
    if (p > 100 || p < 0)
      return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(p.toFixed(6).replace(/\.?0+$/, ''));
  }
  return out.join(' ');
}

/** Redis 7.0's parameters kept without effect (see the file comment). */
export const REDIS_COMPAT_PARAMS: readonly ParamDef[] = [
  { name: 'rdbchecksum', kind: 'bool', default: true, mutable: false },
  { name: 'daemonize', kind: 'bool', default: false, mutable: false },
  { name: 'io-threads-do-reads', kind: 'bool', default: false, mutable: false },
  { name: 'always-show-logo', kind: 'bool', default: false, mutable: false },
  { name: 'protected-mode', kind: 'bool', default: true, mutable: true },
  { name: 'rdbcompression', kind: 'bool', default: true, mutable: true },
  { name: 'rdb-del-sync-files', kind: 'bool', default: false, mutable: true },
  { name: 'activerehashing', kind: 'bool', default: true, mutable: true },
  { name: 'stop-writes-on-bgsave-error', kind: 'bool', default: true, mutable: true },
  { name: 'set-proc-title', kind: 'bool', default: true, mutable: false },
  { name: 'dynamic-hz', kind: 'bool', default: true, mutable: true },
  { name: 'lazyfree-lazy-eviction', kind: 'bool', default: false, mutable: true },
  { name: 'lazyfree-lazy-expire', kind: 'bool', default: false, mutable: true },
  { name: 'lazyfree-lazy-server-del', kind: 'bool', default: false, mutable: true },
  { name: 'lazyfree-lazy-user-del', kind: 'bool', default: false, mutable: true },
  { name: 'lazyfree-lazy-user-flush', kind: 'bool', default: false, mutable: true },
  { name: 'repl-disable-tcp-nodelay', kind: 'bool', default: false, mutable: true },
  { name: 'repl-diskless-sync', kind: 'bool', default: true, mutable: true },
  { name: 'aof-rewrite-incremental-fsync', kind: 'bool', default: true, mutable: true },
  { name: 'no-appendfsync-on-rewrite', kind: 'bool', default: false, mutable: true },
  { name: 'cluster-require-full-coverage', kind: 'bool', default: true, mutable: true },
  { name: 'rdb-save-incremental-fsync', kind: 'bool', default: true, mutable: true },
  { name: 'aof-load-truncated', kind: 'bool', default: true, mutable: true },
  { name: 'aof-use-rdb-preamble', kind: 'bool', default: true, mutable: true },
  { name: 'aof-timestamp-enabled', kind: 'bool', default: false, mutable: true },
  {
    name: 'cluster-replica-no-failover',
    kind: 'bool',
    default: false,
    mutable: true,
    alias: 'cluster-slave-no-failover',
  },
  { name: 'replica-lazy-flush', kind: 'bool', default: false, mutable: true, alias: 'slave-lazy-flush' },
  {
    name: 'replica-serve-stale-data',
    kind: 'bool',
    default: true,
    mutable: true,
    alias: 'slave-serve-stale-data',
  },
  { name: 'replica-read-only', kind: 'bool', default: true, mutable: true, alias: 'slave-read-only' },
  {
    name: 'replica-ignore-maxmemory',
    kind: 'bool',
    default: true,
    mutable: true,
    alias: 'slave-ignore-maxmemory',
  },
  { name: 'jemalloc-bg-thread', kind: 'bool', default: true, mutable: true },
  { name: 'activedefrag', kind: 'bool', default: false, mutable: true, validate: refuseDefrag },
  { name: 'syslog-enabled', kind: 'bool', default: false, mutable: false },
  { name: 'cluster-enabled', kind: 'bool', default: false, mutable: false },
  { name: 'cluster-allow-reads-when-down', kind: 'bool', default: false, mutable: true },
  { name: 'cluster-allow-pubsubshard-when-down', kind: 'bool', default: true, mutable: true },
  { name: 'crash-log-enabled', kind: 'bool', default: true, mutable: true },
  { name: 'crash-memcheck-enabled', kind: 'bool', default: true, mutable: true },
  { name: 'use-exit-on-panic', kind: 'bool', default: false, mutable: true, hidden: true },
  { name: 'disable-thp', kind: 'bool', default: true, mutable: false },
  { name: 'cluster-allow-replica-migration', kind: 'bool', default: true, mutable: true },
  { name: 'replica-announced', kind: 'bool', default: true, mutable: true },
  { name: 'latency-tracking', kind: 'bool', default: true, mutable: true },
  { name: 'aof-disable-auto-gc', kind: 'bool', default: false, mutable: true },
  { name: 'replica-ignore-disk-write-errors', kind: 'bool', default: false, mutable: true },
  { name: 'aclfile', kind: 'string', default: '', mutable: false },
  { name: 'unixsocket', kind: 'string', default: '', mutable: false },
  { name: 'pidfile', kind: 'string', default: '', mutable: false },
  { name: 'replica-announce-ip', kind: 'string', default: '', mutable: true, alias: 'slave-announce-ip' },
  { name: 'masteruser', kind: 'string', default: '', mutable: true },
  { name: 'cluster-announce-ip', kind: 'string', default: '', mutable: true },
  { name: 'cluster-config-file', kind: 'string', default: 'nodes.conf', mutable: false },
  { name: 'cluster-announce-hostname', kind: 'string', default: '', mutable: true, check: checkHostname },
  { name: 'syslog-ident', kind: 'string', default: 'redis', mutable: false },
  { name: 'dbfilename', kind: 'string', default: 'dump.rdb', mutable: true, protected: true },
  { name: 'appendfilename', kind: 'string', default: 'appendonly.aof', mutable: false },
  { name: 'appenddirname', kind: 'string', default: 'appendonlydir', mutable: false },
  { name: 'server_cpulist', kind: 'string', default: '', mutable: false },
  { name: 'bio_cpulist', kind: 'string', default: '', mutable: false },
  { name: 'aof_rewrite_cpulist', kind: 'string', default: '', mutable: false },
  { name: 'bgsave_cpulist', kind: 'string', default: '', mutable: false },
  { name: 'ignore-warnings', kind: 'string', default: '', mutable: true },
  {
    name: 'proc-title-template',
    kind: 'string',
    default: '{title} {listen-addr} {server-mode}',
    mutable: true,
    check: checkProcTitle,
  },
  { name: 'bind-source-addr', kind: 'string', default: '', mutable: true },
  { name: 'logfile', kind: 'string', default: '', mutable: false },
  {
    name: 'supervised',
    kind: 'enum',
    default: 'no',
    mutable: false,
    values: ['upstart', 'systemd', 'auto', 'no'],
  },
  {
    name: 'syslog-facility',
    kind: 'enum',
    default: 'local0',
    mutable: false,
    values: ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'],
  },
  {
    name: 'repl-diskless-load',
    kind: 'enum',
    default: 'disabled',
    mutable: true,
    values: ['disabled', 'on-empty-db', 'swapdb'],
  },
  {
    name: 'oom-score-adj',
    kind: 'enum',
    default: 'no',
    mutable: true,
    values: ['no', 'yes', 'relative', 'absolute'],
    synonyms: { relative: 'yes' },
  },
  {
    name: 'acl-pubsub-default',
    kind: 'enum',
    default: 'resetchannels',
    mutable: true,
    values: ['allchannels', 'resetchannels'],
  },
  {
    name: 'sanitize-dump-payload',
    kind: 'enum',
    default: 'no',
    mutable: true,
    values: ['no', 'yes', 'clients'],
  },
  {
    name: 'enable-protected-configs',
    kind: 'enum',
    default: 'no',
    mutable: false,
    values: ['no', 'yes', 'local'],
  },
  {
    name: 'enable-module-command',
    kind: 'enum',
    default: 'no',
    mutable: false,
    values: ['no', 'yes', 'local'],
  },
  {
    name: 'cluster-preferred-endpoint-type',
    kind: 'enum',
    default: 'ip',
    mutable: true,
    values: ['ip', 'hostname', 'unknown-endpoint'],
  },
  {
    name: 'propagation-error-behavior',
    kind: 'enum',
    default: 'ignore',
    mutable: true,
    values: ['ignore', 'panic', 'panic-on-replicas'],
  },
  {
    name: 'shutdown-on-sigint',
    kind: 'flags',
    default: 'default',
    mutable: true,
    values: ['default', 'save', 'nosave', 'now', 'force'],
  },
  {
    name: 'shutdown-on-sigterm',
    kind: 'flags',
    default: 'default',
    mutable: true,
    values: ['default', 'save', 'nosave', 'now', 'force'],
  },
  { name: 'io-threads', kind: 'int', default: 1, mutable: false, min: 1, max: 128 },
  { name: 'auto-aof-rewrite-percentage', kind: 'int', default: 100, mutable: true, min: 0, max: 2147483647 },
  {
    name: 'cluster-replica-validity-factor',
    kind: 'int',
    default: 10,
    mutable: true,
    alias: 'cluster-slave-validity-factor',
    min: 0,
    max: 2147483647,
  },
  {
    name: 'list-max-listpack-size',
    kind: 'int',
    default: -2,
    mutable: true,
    alias: 'list-max-ziplist-size',
    min: -2147483648,
    max: 2147483647,
  },
  { name: 'cluster-migration-barrier', kind: 'int', default: 1, mutable: true, min: 0, max: 2147483647 },
  { name: 'active-defrag-cycle-min', kind: 'int', default: 1, mutable: true, min: 1, max: 99 },
  { name: 'active-defrag-cycle-max', kind: 'int', default: 25, mutable: true, min: 1, max: 99 },
  { name: 'active-defrag-threshold-lower', kind: 'int', default: 10, mutable: true, min: 0, max: 1000 },
  { name: 'active-defrag-threshold-upper', kind: 'int', default: 100, mutable: true, min: 0, max: 1000 },
  { name: 'lfu-log-factor', kind: 'int', default: 10, mutable: true, min: 0, max: 2147483647 },
  { name: 'lfu-decay-time', kind: 'int', default: 1, mutable: true, min: 0, max: 2147483647 },
  {
    name: 'replica-priority',
    kind: 'int',
    default: 100,
    mutable: true,
    alias: 'slave-priority',
    min: 0,
    max: 2147483647,
  },
  { name: 'repl-diskless-sync-delay', kind: 'int', default: 5, mutable: true, min: 0, max: 2147483647 },
  { name: 'maxmemory-samples', kind: 'int', default: 5, mutable: true, min: 1, max: 2147483647 },
  { name: 'maxmemory-eviction-tenacity', kind: 'int', default: 10, mutable: true, min: 0, max: 100 },
  {
    name: 'replica-announce-port',
    kind: 'int',
    default: 0,
    mutable: true,
    alias: 'slave-announce-port',
    min: 0,
    max: 65535,
  },
  { name: 'tcp-backlog', kind: 'int', default: 511, mutable: false, min: 0, max: 2147483647 },
  { name: 'cluster-port', kind: 'int', default: 0, mutable: false, min: 0, max: 65535 },
  { name: 'cluster-announce-bus-port', kind: 'int', default: 0, mutable: true, min: 0, max: 65535 },
  { name: 'cluster-announce-port', kind: 'int', default: 0, mutable: true, min: 0, max: 65535 },
  { name: 'cluster-announce-tls-port', kind: 'int', default: 0, mutable: true, min: 0, max: 65535 },
  { name: 'repl-timeout', kind: 'int', default: 60, mutable: true, min: 1, max: 2147483647 },
  {
    name: 'repl-ping-replica-period',
    kind: 'int',
    default: 10,
    mutable: true,
    alias: 'repl-ping-slave-period',
    min: 1,
    max: 2147483647,
  },
  { name: 'list-compress-depth', kind: 'int', default: 0, mutable: true, min: 0, max: 2147483647 },
  {
    name: 'rdb-key-save-delay',
    kind: 'int',
    default: 0,
    mutable: true,
    hidden: true,
    min: -2147483648,
    max: 2147483647,
  },
  {
    name: 'key-load-delay',
    kind: 'int',
    default: 0,
    mutable: true,
    hidden: true,
    min: -2147483648,
    max: 2147483647,
  },
  { name: 'active-expire-effort', kind: 'int', default: 1, mutable: true, min: 1, max: 10 },
  {
    name: 'min-replicas-to-write',
    kind: 'int',
    default: 0,
    mutable: true,
    alias: 'min-slaves-to-write',
    min: 0,
    max: 2147483647,
  },
  {
    name: 'min-replicas-max-lag',
    kind: 'int',
    default: 10,
    mutable: true,
    alias: 'min-slaves-max-lag',
    min: 0,
    max: 2147483647,
  },
  { name: 'watchdog-period', kind: 'int', default: 0, mutable: true, hidden: true, min: 0, max: 2147483647 },
  { name: 'shutdown-timeout', kind: 'int', default: 10, mutable: true, min: 0, max: 2147483647 },
  {
    name: 'repl-diskless-sync-max-replicas',
    kind: 'int',
    default: 0,
    mutable: true,
    min: 0,
    max: 2147483647,
  },
  {
    name: 'unixsocketperm',
    kind: 'int',
    default: 0,
    mutable: false,
    min: 0,
    max: 511,
    unsigned: true,
    octal: true,
  },
  {
    name: 'socket-mark-id',
    kind: 'int',
    default: 0,
    mutable: false,
    min: 0,
    max: 4294967295,
    unsigned: true,
  },
  {
    name: 'active-defrag-max-scan-fields',
    kind: 'int',
    default: 1000,
    mutable: true,
    min: 1,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'acllog-max-len',
    kind: 'int',
    default: 128,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'busy-reply-threshold',
    kind: 'int',
    default: 5000,
    mutable: true,
    alias: 'lua-time-limit',
    min: 0,
    max: 9223372036854775807n,
  },
  {
    name: 'cluster-node-timeout',
    kind: 'int',
    default: 15000,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
  },
  {
    name: 'stream-node-max-entries',
    kind: 'int',
    default: 100,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
  },
  {
    name: 'repl-backlog-size',
    kind: 'memory',
    default: 1048576,
    mutable: true,
    min: 1,
    max: 9223372036854775807n,
  },
  {
    name: 'cluster-link-sendbuf-limit',
    kind: 'memory',
    default: 0,
    mutable: true,
    min: 0,
    max: 18446744073709551615n,
    unsigned: true,
  },
  {
    name: 'hash-max-listpack-entries',
    kind: 'int',
    default: 512,
    mutable: true,
    alias: 'hash-max-ziplist-entries',
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'set-max-intset-entries',
    kind: 'int',
    default: 512,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'zset-max-listpack-entries',
    kind: 'int',
    default: 128,
    mutable: true,
    alias: 'zset-max-ziplist-entries',
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'active-defrag-ignore-bytes',
    kind: 'memory',
    default: 104857600,
    mutable: true,
    min: 1,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'hash-max-listpack-value',
    kind: 'memory',
    default: 64,
    mutable: true,
    alias: 'hash-max-ziplist-value',
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'stream-node-max-bytes',
    kind: 'memory',
    default: 4096,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'zset-max-listpack-value',
    kind: 'memory',
    default: 64,
    mutable: true,
    alias: 'zset-max-ziplist-value',
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'hll-sparse-max-bytes',
    kind: 'memory',
    default: 3000,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'tracking-table-max-keys',
    kind: 'int',
    default: 1000000,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
    unsigned: true,
  },
  {
    name: 'maxmemory-clients',
    kind: 'memory',
    default: 0,
    mutable: true,
    min: -100,
    max: 9223372036854775807n,
    percent: true,
  },
  { name: 'repl-backlog-ttl', kind: 'int', default: 3600, mutable: true, min: 0, max: 9223372036854775807n },
  {
    name: 'auto-aof-rewrite-min-size',
    kind: 'memory',
    default: 67108864,
    mutable: true,
    min: 0,
    max: 9223372036854775807n,
  },
  {
    name: 'loading-process-events-interval-bytes',
    kind: 'int',
    default: 2097152,
    mutable: true,
    hidden: true,
    min: 1024,
    max: 2147483647,
  },
  {
    name: 'oom-score-adj-values',
    kind: 'string',
    default: '0 200 800',
    mutable: true,
    parse: (v) =>
      parseOomValues(v) ??
      new Invalid(
        v.split(' ').length === 3
          ? 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.'
          : 'wrong number of arguments',
      ),
  },
  {
    name: 'latency-tracking-info-percentiles',
    kind: 'string',
    default: '50 99 99.9',
    mutable: true,
    parse: (v) => {
      const r = parsePercentiles(v);
      return typeof r === 'string' ? r : new Invalid(r.error);
    },
  },
  { name: 'replicaof', alias: 'slaveof', kind: 'string', default: '', mutable: false },
];
