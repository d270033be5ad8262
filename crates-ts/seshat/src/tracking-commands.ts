/**
 * CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO (Redis 7.0.15's networking.c clientCommand),
 * with Redis's option parsing order and error texts. The tracking itself is tracking.ts.
 */
import { MapReply, OK, SeshatError, SetReply } from '@seshat/common';
import { argIs, tryParseI64 } from '@seshat/kv';
import type { Client } from './client.js';
import { sub } from './server-commands.js';
import type { SeshatServer } from './server.js';
import { Tracking, type TrackingOptions } from './tracking.js';

const C = 'connection';
const FLAGS = 'noscript loading stale sentinel';

/** CLIENT TRACKING's options (after ON|OFF), in Redis's order of checks. */
function parseOptions(server: SeshatServer, argv: Buffer[]): TrackingOptions {
  const o: TrackingOptions = {
    redirect: 0,
    bcast: false,
    optin: false,
    optout: false,
    noloop: false,
    prefixes: [],
  };
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const a = argv[j]!;
    if (argIs(a, 'redirect') && more > 0) {
      j++;
      if (o.redirect !== 0)
        throw new SeshatError('ERR', 'A client can only redirect to a single other client');
      const id = tryParseI64(argv[j]!);
      if (id === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
      // Redis requires the client to exist now (it may go away later: tracking-redir-broken).
      if (id <= 0n || id > BigInt(Number.MAX_SAFE_INTEGER) || !server.clients.has(Number(id)))
        throw new SeshatError('ERR', 'The client ID you want redirect to does not exist');
      o.redirect = Number(id);
    } else if (argIs(a, 'bcast')) o.bcast = true;
    else if (argIs(a, 'optin')) o.optin = true;
    else if (argIs(a, 'optout')) o.optout = true;
    else if (argIs(a, 'noloop')) o.noloop = true;
    else if (argIs(a, 'prefix') && more > 0) o.prefixes.push(argv[++j]!);
    else throw new SeshatError('ERR', 'syntax error');
  }
  return o;
}

/** The checks Redis makes before enabling: the error text, or null. */
function enableError(server: SeshatServer, c: Client, o: TrackingOptions): string | null {
  const st = c.tracking;
  const on = st !== null && st.on;
  if (!o.bcast && o.prefixes.length > 0) return 'PREFIX option requires BCAST mode to be enabled';
  if (on && st.bcast !== o.bcast)
    return "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
  if (o.bcast && (o.optin || o.optout)) return 'OPTIN and OPTOUT are not compatible with BCAST';
  if (o.optin && o.optout) return "You can't specify both OPTIN mode and OPTOUT mode";
  if (on && ((o.optin && st.optout) || (o.optout && st.optin)))
    return "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
  if (o.bcast) return server.tracking.prefixCollision(c, o.prefixes);
  return null;
}

sub(
  'client',
  {
    name: 'tracking',
    arity: -3,
    flags: FLAGS,
    group: C,
    summary: 'Enable or disable server assisted client side caching support',
    since: '6.0.0',
    complexity: 'O(1). Some options may introduce additional complexity.',
  },
  (server, c, argv) => {
    const o = parseOptions(server, argv);
    if (argIs(argv[2]!, 'on')) {
      const err = enableError(server, c, o);
      if (err !== null) throw new SeshatError('ERR', err);
      server.tracking.enable(c, o);
    } else if (argIs(argv[2]!, 'off')) server.tracking.disable(c);
    else throw new SeshatError('ERR', 'syntax error');
    return OK;
  },
);
sub(
  'client',
  {
    name: 'caching',
    arity: 3,
    flags: FLAGS,
    group: C,
    summary: 'Instruct the server about tracking or not keys in the next request',
    since: '6.0.0',
  },
  (_server, c, argv) => {
    const st = c.tracking;
    if (st === null || !st.on) {
      throw new SeshatError(
        'ERR',
        'CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
      );
    }
    if (argIs(argv[2]!, 'yes')) {
      if (!st.optin)
        throw new SeshatError(
          'ERR',
          'CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.',
        );
    } else if (argIs(argv[2]!, 'no')) {
      if (!st.optout)
        throw new SeshatError(
          'ERR',
          'CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.',
        );
    } else throw new SeshatError('ERR', 'syntax error');
    st.caching = true;
    st.cachingArmed = false;
    return OK;
  },
);
sub(
  'client',
  {
    name: 'getredir',
    arity: 2,
    flags: FLAGS,
    group: C,
    summary: 'Get tracking notifications redirection client ID if any',
    since: '6.0.0',
  },
  (_server, c) => (c.tracking?.on ? c.tracking.redirect : -1),
);
sub(
  'client',
  {
    name: 'trackinginfo',
    arity: 2,
    flags: FLAGS,
    group: C,
    summary: 'Return information about server assisted client side caching for the current connection',
    since: '6.2.0',
  },
  (_server, c) => {
    const st = c.tracking;
    const on = st !== null && st.on;
    const flags: string[] = [on ? 'on' : 'off'];
    if (on) {
      const caching = Tracking.cachingShown(c);
      if (st.bcast) flags.push('bcast');
      if (st.optin) flags.push('optin', ...(caching ? ['caching-yes'] : []));
      if (st.optout) flags.push('optout', ...(caching ? ['caching-no'] : []));
      if (st.noloop) flags.push('noloop');
      if (st.brokenRedirect) flags.push('broken_redirect');
    }
    const prefixes = on ? [...st.prefixes].map((p) => Buffer.from(p, 'latin1')).sort(Buffer.compare) : [];
    return new MapReply([
      'flags',
      new SetReply(flags),
      'redirect',
      on ? st.redirect : -1,
      'prefixes',
      prefixes,
    ]);
  },
);
