/**
 * Pub/Sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB. Messages go out
 * as RESP3 push frames, or as plain arrays in RESP2 where a subscribed connection may only run
 * the subscription commands, PING, QUIT and RESET (Redis's rule). Node-local: in a cluster a
 * PUBLISH reaches the subscribers of the node that receives it (cluster-wide fan-out comes with
 * the cluster transport).
 */
import { ErrorReply, PushReply, type Reply, SeshatError, SimpleString } from '@seshat/common';
import { globMatch } from '@seshat/kv';
import type { Client } from './client.js';
import { def, NO_REPLY, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

const P = 'pubsub';

/** Channel and pattern subscriptions of the whole server, keyed by name (latin1). */
export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  /** Shard channels (SSUBSCRIBE / SPUBLISH, pubsub-shard.ts): a namespace of their own. */
  readonly shardChannels = new Map<string, Set<Client>>();

  /** Delivers a message; returns the number of receptions (Redis counts each pattern match). */
  publish(channel: Buffer, message: Buffer): number {
    let n = 0;
    const direct = this.channels.get(channel.toString('latin1'));
    if (direct !== undefined) {
      for (const c of direct) {
        c.push(['message', channel, message]);
        n++;
      }
    }
    for (const [pattern, clients] of this.patterns) {
      const p = Buffer.from(pattern, 'latin1');
      if (!globMatch(p, channel)) continue;
      for (const c of clients) {
        c.push(['pmessage', p, channel, message]);
        n++;
      }
    }
    return n;
  }

  add(map: Map<string, Set<Client>>, name: string, client: Client): boolean {
    let set = map.get(name);
    if (set === undefined) {
      set = new Set();
      map.set(name, set);
    }
    if (set.has(client)) return false;
    set.add(client);
    return true;
  }

  remove(map: Map<string, Set<Client>>, name: string, client: Client): boolean {
    const set = map.get(name);
    if (set === undefined || !set.delete(client)) return false;
    if (set.size === 0) map.delete(name);
    return true;
  }

  /** Drops every subscription of a closing or RESET client. */
  dropClient(client: Client): void {
    for (const ch of client.subscriptions) this.remove(this.channels, ch, client);
    for (const p of client.psubscriptions) this.remove(this.patterns, p, client);
    for (const s of client.ssubscriptions) this.remove(this.shardChannels, s, client);
    client.subscriptions.clear();
    client.psubscriptions.clear();
    client.ssubscriptions.clear();
  }
}

/** RESP2 subscribed mode: which commands a subscribed connection may still run. */
const ALLOWED_SUBSCRIBED = new Set([
  'subscribe',
  'unsubscribe',
  'psubscribe',
  'punsubscribe',
  'ssubscribe',
  'sunsubscribe',
  'ping',
  'quit',
  'reset',
]);

/** `name` is the command's full name (`client|setname`), as Redis prints it. */
export function subscribedModeError(client: Client, name: string): ErrorReply | null {
  if (client.resp !== 2 || client.subscriptionCount() === 0) return null;
  if (ALLOWED_SUBSCRIBED.has(name.split('|')[0]!)) return null;
  return new ErrorReply(
    `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  );
}

/** Set while EXEC runs a queued command of `client`: its confirmations become EXEC replies. */
let execCapture: { client: Client; frames: Reply[] } | null = null;

/**
 * Runs `fn` (a queued command at EXEC time) collecting the (P)(UN)SUBSCRIBE confirmations it
 * produces: Redis writes them inside the EXEC array, in place of the command's reply.
 */
export function captureConfirmations<T>(client: Client, fn: () => T): { result: T; frames: Reply[] } {
  const prev = execCapture;
  execCapture = { client, frames: [] };
  try {
    const result = fn();
    return { result, frames: execCapture.frames };
  } finally {
    execCapture = prev;
  }
}

/** Sends a (P|S)(UN)SUBSCRIBE confirmation; `count` is the client's subscriptions of that kind
 * (channels and patterns together, or shard channels), as Redis's type.subscriptionCount. */
export function confirm(
  client: Client,
  kind: string,
  name: Buffer | null,
  count = client.subscriptions.size + client.psubscriptions.size,
): void {
  const items: Reply[] = [kind, name, count];
  if (execCapture !== null && execCapture.client === client)
    execCapture.frames.push(client.resp === 3 ? new PushReply(items) : items);
  else client.pushReply(items);
}

def(
  {
    name: 'subscribe',
    arity: -2,
    flags: 'pubsub noscript loading stale',
    group: P,
    summary: 'Listens for messages published to channels.',
    since: '2.0.0',
  },
  (server, client, argv) => {
    for (let i = 1; i < argv.length; i++) {
      server.pubsub.add(server.pubsub.channels, argv[i]!.toString('latin1'), client) &&
        client.subscriptions.add(argv[i]!.toString('latin1'));
      confirm(client, 'subscribe', argv[i]!);
    }
    return NO_REPLY;
  },
);

def(
  {
    name: 'psubscribe',
    arity: -2,
    flags: 'pubsub noscript loading stale',
    group: P,
    summary: 'Listens for messages published to channels that match one or more patterns.',
    since: '2.0.0',
  },
  (server, client, argv) => {
    for (let i = 1; i < argv.length; i++) {
      server.pubsub.add(server.pubsub.patterns, argv[i]!.toString('latin1'), client) &&
        client.psubscriptions.add(argv[i]!.toString('latin1'));
      confirm(client, 'psubscribe', argv[i]!);
    }
    return NO_REPLY;
  },
);

function unsubscribeGeneric(
  server: SeshatServer,
  client: Client,
  argv: Buffer[],
  pattern: boolean,
): typeof NO_REPLY {
  const map = pattern ? server.pubsub.patterns : server.pubsub.channels;
  const mine = pattern ? client.psubscriptions : client.subscriptions;
  const kind = pattern ? 'punsubscribe' : 'unsubscribe';
  const names = argv.length > 1 ? argv.slice(1).map((a) => a.toString('latin1')) : [...mine];
  if (names.length === 0) {
    confirm(client, kind, null);
    return NO_REPLY;
  }
  for (const name of names) {
    if (server.pubsub.remove(map, name, client)) mine.delete(name);
    confirm(client, kind, Buffer.from(name, 'latin1'));
  }
  return NO_REPLY;
}

def(
  {
    name: 'unsubscribe',
    arity: -1,
    flags: 'pubsub noscript loading stale',
    group: P,
    summary: 'Stops listening to messages posted to channels.',
    since: '2.0.0',
  },
  (s, c, argv) => unsubscribeGeneric(s, c, argv, false),
);
def(
  {
    name: 'punsubscribe',
    arity: -1,
    flags: 'pubsub noscript loading stale',
    group: P,
    summary: 'Stops listening to messages published to channels that match one or more patterns.',
    since: '2.0.0',
  },
  (s, c, argv) => unsubscribeGeneric(s, c, argv, true),
);

def(
  {
    name: 'publish',
    arity: 3,
    flags: 'pubsub loading stale fast may_replicate',
    group: P,
    summary: 'Posts a message to a channel.',
    since: '2.0.0',
  },
  (server, _c, argv) => server.pubsub.publish(argv[1]!, argv[2]!),
);

def(
  {
    name: 'pubsub',
    arity: -2,
    flags: '',
    group: P,
    summary: 'A container for Pub/Sub commands.',
    since: '2.8.0',
    complexity: 'Depends on subcommand.',
  },
  null,
);
sub(
  'pubsub',
  {
    name: 'channels',
    arity: -2,
    flags: 'pubsub loading stale',
    group: P,
    summary: 'Returns the active channels.',
    since: '2.8.0',
  },
  (server, _c, argv) => channelsReply(server.pubsub.channels, argv),
);
sub(
  'pubsub',
  {
    name: 'numsub',
    arity: -2,
    flags: 'pubsub loading stale',
    group: P,
    summary: 'Returns a count of subscribers to channels.',
    since: '2.8.0',
  },
  (server, _c, argv) => numsubReply(server.pubsub.channels, argv),
);
sub(
  'pubsub',
  {
    name: 'numpat',
    arity: 2,
    flags: 'pubsub loading stale',
    group: P,
    summary: 'Returns a count of unique pattern subscriptions.',
    since: '2.8.0',
  },
  (server) => server.pubsub.patterns.size,
);
sub(
  'pubsub',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: P,
    summary: 'Returns helpful text about the different subcommands.',
    since: '6.2.0',
  },
  // Redis's addReplyHelp: status replies, not bulk strings.
  () =>
    [
      'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'CHANNELS [<pattern>]',
      "    Return the currently active channels matching a <pattern> (default: '*').",
      'NUMPAT',
      '    Return number of subscriptions to patterns.',
      'NUMSUB [<channel> ...]',
      '    Return the number of subscribers for the specified channels, excluding',
      '    pattern subscriptions(default: no channels).',
      'SHARDCHANNELS [<pattern>]',
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      'SHARDNUMSUB [<shardchannel> ...]',
      '    Return the number of subscribers for the specified shard level channel(s)',
      'HELP',
      '    Prints this help.',
    ].map((l) => new SimpleString(l)),
);

export { PushReply };

/** PUBSUB CHANNELS / SHARDCHANNELS: the channels with subscribers, matching argv[2] if given. */
export function channelsReply(channels: ReadonlyMap<string, unknown>, argv: Buffer[]): Reply[] {
  if (argv.length > 3) {
    throw new SeshatError(
      'ERR',
      `unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1')}'. Try PUBSUB HELP.`,
    );
  }
  const out: Reply[] = [];
  for (const name of channels.keys()) {
    const b = Buffer.from(name, 'latin1');
    if (argv.length === 2 || globMatch(argv[2]!, b)) out.push(b);
  }
  return out;
}

/** PUBSUB NUMSUB / SHARDNUMSUB: each named channel and its number of subscribers. */
export function numsubReply(channels: ReadonlyMap<string, { size: number }>, argv: Buffer[]): Reply[] {
  const out: Reply[] = [];
  for (let i = 2; i < argv.length; i++)
    out.push(argv[i]!, channels.get(argv[i]!.toString('latin1'))?.size ?? 0);
  return out;
}
