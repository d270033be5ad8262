/**
 * COMMAND INFO / COMMAND DOCS of the server commands added for Redis's test suite (SAVE,
 * BGSAVE, LASTSAVE, SWAPDB, MONITOR, SLOWLOG, LATENCY, CLUSTER HELP / KEYSLOT): the same encoding as command-docs.ts,
 * extracted from a real redis-server 7.0.15 (COMMAND INFO and COMMAND DOCS over RESP2). Kept in
 * a file of its own so that command-docs.ts, which other work extends, is left alone.
 */
import type { CommandDoc } from './command-docs.js';

export const SERVER_COMMAND_DOCS: { readonly [name: string]: CommandDoc } = {
  save: {
    info: [1, 'admin noscript no_async_loading no_multi', 0, 0, 0, '@admin @slow @dangerous'],
    doc: [
      'Synchronously save the dataset to disk',
      '1.0.0',
      'server',
      'O(N) where N is the total number of keys in all databases',
    ],
  },
  bgsave: {
    info: [-1, 'admin noscript no_async_loading', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['Asynchronously save the dataset to disk', '1.0.0', 'server', 'O(1)'],
    history: [['3.2.2', 'Added the `SCHEDULE` option.']],
    args: ['schedule pure-token =SCHEDULE @3.2.2 ?'],
  },
  lastsave: {
    info: [1, 'loading stale fast', 0, 0, 0, '@admin @fast @dangerous'],
    tips: ['nondeterministic_output'],
    doc: ['Get the UNIX time stamp of the last successful save to disk', '1.0.0', 'server', 'O(1)'],
  },
  swapdb: {
    info: [3, 'write fast', 0, 0, 0, '@keyspace @write @fast @dangerous'],
    doc: [
      'Swaps two Redis databases',
      '4.0.0',
      'server',
      'O(N) where N is the count of clients watching or blocking on keys from both databases.',
    ],
    args: ['index1 integer', 'index2 integer'],
  },
  monitor: {
    info: [1, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['Listen for all requests received by the server in real time', '1.0.0', 'server', ''],
  },
  slowlog: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for slow log commands', '2.2.12', 'server', 'Depends on subcommand.'],
  },
  'slowlog|get': {
    info: [-2, 'admin loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['request_policy:all_nodes', 'nondeterministic_output'],
    doc: ["Get the slow log's entries", '2.2.12', 'server', 'O(N) where N is the number of entries returned'],
    history: [['4.0.0', 'Added client IP address, port and name to the reply.']],
    args: ['count integer ?'],
  },
  'slowlog|len': {
    info: [2, 'admin loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['request_policy:all_nodes', 'response_policy:agg_sum', 'nondeterministic_output'],
    doc: ["Get the slow log's length", '2.2.12', 'server', 'O(1)'],
  },
  'slowlog|reset': {
    info: [2, 'admin loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    doc: [
      'Clear all entries from the slow log',
      '2.2.12',
      'server',
      'O(N) where N is the number of entries in the slowlog',
    ],
  },
  'slowlog|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow'],
    doc: ['Show helpful text about the different subcommands', '6.2.0', 'server', 'O(1)'],
  },
  latency: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for latency diagnostics commands', '2.8.13', 'server', 'Depends on subcommand.'],
  },
  'latency|doctor': {
    info: [2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'],
    doc: ['Return a human readable latency analysis report.', '2.8.13', 'server', 'O(1)'],
  },
  'latency|graph': {
    info: [3, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'],
    doc: ['Return a latency graph for the event.', '2.8.13', 'server', 'O(1)'],
    args: ['event string'],
  },
  'latency|history': {
    info: [3, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'],
    doc: ['Return timestamp-latency samples for the event.', '2.8.13', 'server', 'O(1)'],
    args: ['event string'],
  },
  'latency|latest': {
    info: [2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'],
    doc: ['Return the latest latency samples for all events.', '2.8.13', 'server', 'O(1)'],
  },
  'latency|reset': {
    info: [-2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    doc: ['Reset latency data for one or more events.', '2.8.13', 'server', 'O(1)'],
    args: ['event string ?*'],
  },
  'latency|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow'],
    doc: ['Show helpful text about the different subcommands.', '2.8.13', 'server', 'O(1)'],
  },
  'latency|histogram': {
    info: [-2, 'admin noscript loading stale', 0, 0, 0, '@admin @slow @dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_nodes', 'response_policy:special'],
    doc: [
      'Return the cumulative distribution of latencies of a subset of commands or all.',
      '7.0.0',
      'server',
      'O(N) where N is the number of commands with latency information being retrieved.',
    ],
    args: ['command string ?*'],
  },
  'cluster|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow'],
    doc: ['Show helpful text about the different subcommands', '5.0.0', 'cluster', 'O(1)'],
  },
  'cluster|keyslot': {
    info: [3, 'stale', 0, 0, 0, '@slow'],
    doc: [
      'Returns the hash slot of the specified key',
      '3.0.0',
      'cluster',
      'O(N) where N is the number of bytes in the key',
    ],
    args: ['key string'],
  },
};
