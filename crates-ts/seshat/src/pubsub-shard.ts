/**
 * Sharded Pub/Sub (Redis 7.0): SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS and
 * SHARDNUMSUB. Shard channels are a namespace of their own beside channels and patterns
 * (patterns never match them); messages arrive as `smessage`, confirmations count the client's
 * shard channels only, and any subscription puts a RESP2 connection in subscribed mode. Like
 * PUBLISH here, SPUBLISH reaches the subscribers of the node that receives it (Redis Cluster
 * sends it to every node of the slot's shard; every Seshat node holds every slot, so a
 * subscriber must be on the node the publisher talks to). Inside EXEC, SSUBSCRIBE is refused as
 * Redis refuses it to a client that may not block.
 */
import { ErrorReply } from '@seshat/common';
import type { Client } from './client.js';
import { channelsReply, confirm, numsubReply } from './pubsub.js';
import { def, NO_REPLY, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

const P = 'pubsub';

function shardConfirm(client: Client, kind: string, name: Buffer | null): void {
  confirm(client, kind, name, client.ssubscriptions.size);
}

def(
  {
    name: 'ssubscribe',
    arity: -2,
    flags: 'pubsub noscript loading stale',
    keys: [1, -1, 1],
    group: P,
    summary: 'Listens for messages published to shard channels.',
    since: '7.0.0',
  },
  (server, client, argv) => {
    if (client.execRunning) return new ErrorReply("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    for (let i = 1; i < argv.length; i++) {
      const name = argv[i]!.toString('latin1');
      if (server.pubsub.add(server.pubsub.shardChannels, name, client)) client.ssubscriptions.add(name);
      shardConfirm(client, 'ssubscribe', argv[i]!);
    }
    return NO_REPLY;
  },
);

def(
  {
    name: 'sunsubscribe',
    arity: -1,
    flags: 'pubsub noscript loading stale',
    keys: [1, -1, 1],
    group: P,
    summary: 'Stops listening to messages posted to shard channels.',
    since: '7.0.0',
  },
  (server, client, argv) => {
    const names =
      argv.length > 1 ? argv.slice(1).map((a) => a.toString('latin1')) : [...client.ssubscriptions];
    if (names.length === 0) {
      shardConfirm(client, 'sunsubscribe', null);
      return NO_REPLY;
    }
    for (const name of names) {
      if (server.pubsub.remove(server.pubsub.shardChannels, name, client)) client.ssubscriptions.delete(name);
      shardConfirm(client, 'sunsubscribe', Buffer.from(name, 'latin1'));
    }
    return NO_REPLY;
  },
);

/** Delivers `message` to the subscribers of shard channel `channel`; returns how many. */
function publishShard(server: SeshatServer, channel: Buffer, message: Buffer): number {
  const subscribers = server.pubsub.shardChannels.get(channel.toString('latin1'));
  if (subscribers === undefined) return 0;
  for (const c of subscribers) c.push(['smessage', channel, message]);
  return subscribers.size;
}

def(
  {
    name: 'spublish',
    arity: 3,
    flags: 'pubsub loading stale fast',
    keys: [1, 1, 1],
    group: P,
    summary: 'Post a message to a shard channel.',
    since: '7.0.0',
  },
  (server, _c, argv) => publishShard(server, argv[1]!, argv[2]!),
);

sub(
  'pubsub',
  {
    name: 'shardchannels',
    arity: -2,
    flags: 'pubsub loading stale',
    group: P,
    summary: 'Returns the active shard channels.',
    since: '7.0.0',
  },
  (server, _c, argv) => channelsReply(server.pubsub.shardChannels, argv),
);

sub(
  'pubsub',
  {
    name: 'shardnumsub',
    arity: -2,
    flags: 'pubsub loading stale',
    group: P,
    summary: 'Returns the count of subscribers of shard channels.',
    since: '7.0.0',
  },
  (server, _c, argv) => numsubReply(server.pubsub.shardChannels, argv),
);
