/**
 * What Redis 7.0.15 reports about ASKING and the CLUSTER subcommands of cluster-slots.ts in COMMAND INFO and
 * COMMAND DOCS, in the compact form described in command-docs.ts (which merges this table into
 * COMMAND_DOCS). Extracted from a real redis-server 7.0.15 over RESP3 with
 * scripts/extract-command-docs.ts; edit by hand only to follow Redis.
 */
import type { CommandDoc } from './command-docs.js';

// biome-ignore format: a generated table, one command per block
export const CLUSTER_COMMAND_DOCS: { readonly [name: string]: CommandDoc } = {
  asking: {
    info: [1, 'fast', 0, 0, 0, '@fast @connection'],
    doc: ['Sent by cluster clients after an -ASK redirect', '3.0.0', 'cluster', 'O(1)'],
  },
  'cluster|countkeysinslot': {
    info: [3, 'stale', 0, 0, 0, '@slow'],
    doc: ['Return the number of local keys in the specified hash slot', '3.0.0', 'cluster', 'O(1)'],
    args: ['slot integer'],
  },
  'cluster|getkeysinslot': {
    info: [4, 'stale', 0, 0, 0, '@slow'],
    tips: ['nondeterministic_output'],
    doc: ['Return local key names in the specified hash slot', '3.0.0', 'cluster', 'O(log(N)) where N is the number of requested keys'],
    args: ['slot integer', 'count integer'],
  },
  'cluster|reset': {
    info: [-2, 'admin noscript stale', 0, 0, 0, '@admin @slow @dangerous'],
    doc: ['Reset a Redis Cluster node', '3.0.0', 'cluster', 'O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.'],
    args: [['hard_soft oneof ?', ['hard pure-token =HARD', 'soft pure-token =SOFT']]],
  },
};
