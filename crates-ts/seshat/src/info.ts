/** INFO: the sections Redis 7 prints, filled from the server's own state. */
import os from 'node:os';
import { DATABASE_COUNT } from '@seshat/common';
import { cachedScriptCount } from '@seshat/kv';
import { raftInfo, replicationInfo } from './cluster-commands.js';
import { migrateSockets } from './migrate-connection.js';
import { REDIS_VERSION } from './server-commands.js';
import type { SeshatServer } from './server.js';
import { waitingClients } from './wait.js';

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'errorstats',
  'cluster',
  'raft',
  'keyspace',
];
const ALL_SECTIONS = [...DEFAULT_SECTIONS.slice(0, 7), 'commandstats', ...DEFAULT_SECTIONS.slice(7)];

type Section = (s: SeshatServer) => [string, string | number][];

const SECTIONS: Record<string, Section> = {
  server: (s) => [
    ['redis_version', REDIS_VERSION],
    ['seshat_version', s.version],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.arch()}`],
    ['arch_bits', 64],
    ['process_id', process.pid],
    ['run_id', s.runId],
    ['tcp_port', s.port],
    ['server_time_usec', Math.floor(s.clock.nowMs() * 1000)],
    ['uptime_in_seconds', Math.floor((s.clock.monotonicMs() - s.startedMonotonicMs) / 1000)],
    ['uptime_in_days', Math.floor((s.clock.monotonicMs() - s.startedMonotonicMs) / 86_400_000)],
    ['hz', s.config.int('hz')],
    ['executable', process.argv[1] ?? ''],
    ['config_file', s.configFile ?? ''],
    ['node_version', process.version],
  ],
  clients: (s) => [
    ['connected_clients', s.clients.size],
    ['maxclients', s.config.int('maxclients')],
    ['blocked_clients', (s.blocking?.size ?? 0) + s.pause.postponedCount + waitingClients(s)],
    ['tracking_clients', s.tracking.clients],
  ],
  memory: (s) => {
    const m = process.memoryUsage();
    const cache = s.sm.cache;
    return [
      ['used_memory', m.heapUsed + m.external],
      ['used_memory_human', human(m.heapUsed + m.external)],
      ['used_memory_rss', m.rss],
      ['used_memory_rss_human', human(m.rss)],
      ['maxmemory', 0],
      ['maxmemory_policy', 'noeviction'],
      ['total_system_memory', os.totalmem()],
      ['number_of_cached_scripts', cachedScriptCount()],
      // The meta cache (docs/architecture.md, Caching): complete = every key is in memory,
      // so reads of missing keys and writes of new ones never read RocksDB.
      ['meta_cache_keys', cache.size],
      ['meta_cache_bytes', cache.usedBytes],
      ['meta_cache_arena_bytes', cache.arenaBytes],
      ['meta_cache_complete', cache.isComplete ? 1 : 0],
    ];
  },
  persistence: (s) => [
    ['loading', 0],
    ['aof_enabled', 1],
    ['aof_rewrite_in_progress', 0],
    ['appendfsync', s.config.str('appendfsync')],
    ['rdb_changes_since_last_save', s.sm.stats.keyChanges - s.saves.changesAtSave],
    ['rdb_bgsave_in_progress', s.saves.bgsaveInProgress ? 1 : 0],
    ['rdb_last_save_time', s.saves.lastSaveSec],
    ['rdb_last_bgsave_status', 'ok'],
    ['log_last_index', s.log.lastIndex],
    ['log_compacted_index', s.log.compactedIndex],
    ['applied_index', s.sm.appliedIndex],
    // Deferred writes: records newer than RocksDB, and where a restart's replay would start.
    ['deferred_keys', s.sm.cache.dirty],
    ['durable_index', s.sm.durableIndex],
    ['log_entries_written', s.standalone.entriesWritten],
    ['log_commands_written', s.standalone.commandsWritten],
    ['log_fsyncs', s.standalone.fsyncs],
  ],
  stats: (s) => [
    ['total_connections_received', s.stats.totalConnectionsReceived],
    ['total_commands_processed', s.stats.totalCommandsProcessed],
    ['total_net_input_bytes', s.stats.netInputBytes],
    ['total_net_output_bytes', s.stats.netOutputBytes],
    ['rejected_connections', s.stats.rejectedConnections],
    ['expired_keys', s.sm.stats.expiredKeys],
    ['evicted_keys', 0],
    ['keyspace_hits', s.sm.stats.keyspaceHits],
    ['keyspace_misses', s.sm.stats.keyspaceMisses],
    ['pubsub_channels', s.pubsub.channels.size],
    ['pubsub_patterns', s.pubsub.patterns.size],
    ['migrate_cached_sockets', migrateSockets(s).size],
    ['tracking_total_keys', s.tracking.totalKeys],
    ['tracking_total_items', s.tracking.totalItems],
    ['tracking_total_prefixes', s.tracking.totalPrefixes],
    ['total_error_replies', s.stats.totalErrorReplies],
  ],
  replication: (s) => replicationInfo(s),
  cpu: () => {
    const u = process.cpuUsage();
    return [
      ['used_cpu_sys', (u.system / 1e6).toFixed(6)],
      ['used_cpu_user', (u.user / 1e6).toFixed(6)],
    ];
  },
  modules: () => [],
  errorstats: (s) => [...s.stats.errors].map(([code, n]) => [`errorstat_${code}`, `count=${n}`]),
  cluster: (s) => [['cluster_enabled', s.cluster === null ? 0 : 1]],
  raft: (s) => raftInfo(s),
  keyspace: (s) => {
    const out: [string, string][] = [];
    for (let db = 0; db < DATABASE_COUNT; db++) {
      const keys = s.sm.dbSize(db);
      if (keys > 0) out.push([`db${db}`, `keys=${keys},expires=${s.sm.dbExpires(db)},avg_ttl=0`]);
    }
    return out;
  },
  commandstats: (s) =>
    [...s.stats.commands].map(([name, c]) => {
      // Writes run when their entry is applied: the state machine times them.
      const applied = s.sm.commandTimes?.get(name);
      const usec = c.usec + (applied?.usec ?? 0);
      const failed = c.failedCalls + (applied?.failed ?? 0);
      return [
        `cmdstat_${name}`,
        `calls=${c.calls},usec=${Math.round(usec)},usec_per_call=${c.calls ? (usec / c.calls).toFixed(2) : '0.00'},rejected_calls=${c.rejectedCalls},failed_calls=${failed}`,
      ];
    }),
};

const TITLES: Record<string, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  errorstats: 'Errorstats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
  commandstats: 'Commandstats',
  raft: 'Raft',
};

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(2)}K`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(2)}M`;
  return `${(bytes / 1024 ** 3).toFixed(2)}G`;
}

/** Renders the requested sections (none: the default set; all / everything: every one). */
export function renderInfo(server: SeshatServer, requested: string[]): string {
  let names: string[];
  if (requested.length === 0 || requested.includes('default')) names = DEFAULT_SECTIONS;
  else if (requested.includes('all') || requested.includes('everything')) names = ALL_SECTIONS;
  else names = ALL_SECTIONS.filter((n) => requested.includes(n));
  const parts: string[] = [];
  for (const name of names) {
    const rows = SECTIONS[name]!(server);
    if (name === 'raft' && rows.length === 0) continue;
    const lines = [`# ${TITLES[name]}`];
    for (const [k, v] of rows) lines.push(`${k}:${v}`);
    parts.push(lines.join('\r\n'));
  }
  return parts.length ? `${parts.join('\r\n\r\n')}\r\n` : '';
}
