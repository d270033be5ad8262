/**
 * What Redis 7.0.15 reports about sharded Pub/Sub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB
 * SHARDCHANNELS / SHARDNUMSUB) in COMMAND INFO and COMMAND DOCS, in the compact form described in
 * command-docs.ts (which merges this table into COMMAND_DOCS). Extracted from a real
 * redis-server 7.0.15 over RESP3 with scripts/extract-command-docs.ts; edit by hand only to
 * follow Redis.
 */
import type { CommandDoc } from './command-docs.js';

// biome-ignore format: a generated table, one command per block
export const SHARD_PUBSUB_COMMAND_DOCS: { readonly [name: string]: CommandDoc } = {
  ssubscribe: {
    info: [-2, 'pubsub noscript loading stale', 1, -1, 1, '@pubsub @slow'],
    keys: ['not_key | index 1 | range -1 1 0'],
    doc: ['Listen for messages published to the given shard channels', '7.0.0', 'pubsub', 'O(N) where N is the number of shard channels to subscribe to.'],
    args: ['shardchannel string *'],
  },
  sunsubscribe: {
    info: [-1, 'pubsub noscript loading stale', 1, -1, 1, '@pubsub @slow'],
    keys: ['not_key | index 1 | range -1 1 0'],
    doc: ['Stop listening for messages posted to the given shard channels', '7.0.0', 'pubsub', 'O(N) where N is the number of clients already subscribed to a shard channel.'],
    args: ['shardchannel string ?*'],
  },
  spublish: {
    info: [3, 'pubsub loading stale fast', 1, 1, 1, '@pubsub @fast'],
    keys: ['not_key | index 1 | range 0 1 0'],
    doc: ['Post a message to a shard channel', '7.0.0', 'pubsub', 'O(N) where N is the number of clients subscribed to the receiving shard channel.'],
    args: ['shardchannel string', 'message string'],
  },
  'pubsub|shardchannels': {
    info: [-2, 'pubsub loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['List active shard channels', '7.0.0', 'pubsub', 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).'],
    args: ['pattern pattern ?'],
  },
  'pubsub|shardnumsub': {
    info: [-2, 'pubsub loading stale', 0, 0, 0, '@pubsub @slow'],
    doc: ['Get the count of subscribers for shard channels', '7.0.0', 'pubsub', 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels'],
    args: ['shardchannel string ?*'],
  },
};
