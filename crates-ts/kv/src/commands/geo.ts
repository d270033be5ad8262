/**
 * Geo commands (Redis 7.0 geo.c semantics): a geo set is a sorted set whose scores are the
 * members' 52-bit geohashes (geo/geohash.ts), so ZRANGE, ZREM, ZSCORE... work on it as in Redis.
 * GEOADD, GEODIST, GEOHASH and GEOPOS are here; the searches (GEORADIUS*, GEOSEARCH*) are in
 * geo-search.ts.
 */
import { NULL_ARRAY, type Reply } from '@seshat/common';
import { argIs, syntaxError } from '../args.js';
import { defineCommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { parseLonLat, parseUnit } from '../geo/geo-args.js';
import { coordinateReply, formatDistance } from '../geo/geo-format.js';
import { distance } from '../geo/geo-shape.js';
import { decodeScore, scoreOf, standardGeohash } from '../geo/geohash.js';
import { metaKey } from '../keys.js';
import { openZset, zsetScore } from './zset-ops.js';
import { zaddGeneric } from './zsets.js';
import './geo-search.js';

const G = 'geo';
const ZADD = Buffer.from('zadd');

/**
 * GEOADD key [NX|XX] [CH] lon lat member ...: Redis checks its own options and coordinates, then
 * runs ZADD with each position's geohash as the score (so ZADD's reply, errors and event apply).
 */
function geoadd(ctx: Ctx, argv: Buffer[]): Reply {
  let first = 2;
  let nx = false;
  let xx = false;
  for (; first < argv.length; first++) {
    const opt = argv[first]!;
    if (argIs(opt, 'nx')) nx = true;
    else if (argIs(opt, 'xx')) xx = true;
    else if (!argIs(opt, 'ch')) break;
  }
  if ((argv.length - first) % 3 !== 0 || (xx && nx)) throw syntaxError();
  const zaddArgv: Buffer[] = [ZADD, ...argv.slice(1, first)];
  for (let i = first; i < argv.length; i += 3) {
    const [lon, lat] = parseLonLat(argv[i]!, argv[i + 1]!);
    zaddArgv.push(Buffer.from(String(scoreOf(lon, lat))), argv[i + 2]!);
  }
  return zaddGeneric(ctx, zaddArgv, 0);
}

function geodist(ctx: Ctx, argv: Buffer[]): Reply {
  let metersPerUnit = 1;
  if (argv.length === 5) metersPerUnit = parseUnit(argv[4]!);
  else if (argv.length > 5) throw syntaxError();
  const z = openZset(ctx, metaKey(ctx.db, argv[1]!));
  if (z === undefined) return null;
  const s1 = zsetScore(ctx, z, argv[2]!);
  const s2 = zsetScore(ctx, z, argv[3]!);
  if (s1 === undefined || s2 === undefined) return null;
  const a = new Float64Array(2);
  const b = new Float64Array(2);
  decodeScore(s1, a);
  decodeScore(s2, b);
  return formatDistance(distance(a[0]!, a[1]!, b[0]!, b[1]!) / metersPerUnit);
}

function geohash(ctx: Ctx, argv: Buffer[]): Reply {
  const z = openZset(ctx, metaKey(ctx.db, argv[1]!));
  const out: Reply[] = new Array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === undefined ? undefined : zsetScore(ctx, z, argv[j]!);
    out[j - 2] = score === undefined ? null : standardGeohash(score);
  }
  return out;
}

function geopos(ctx: Ctx, argv: Buffer[]): Reply {
  const z = openZset(ctx, metaKey(ctx.db, argv[1]!));
  const out: Reply[] = new Array(argv.length - 2);
  const xy = new Float64Array(2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === undefined ? undefined : zsetScore(ctx, z, argv[j]!);
    if (score === undefined) {
      out[j - 2] = NULL_ARRAY;
      continue;
    }
    decodeScore(score, xy);
    out[j - 2] = [coordinateReply(xy[0]!), coordinateReply(xy[1]!)];
  }
  return out;
}

defineCommand(
  {
    name: 'geoadd',
    arity: -5,
    flags: 'write denyoom',
    keys: [1, 1, 1],
    group: G,
    summary: 'Add one or more geospatial items in the geospatial index represented using a sorted set',
    since: '3.2.0',
    exec: 'write',
  },
  geoadd,
);
defineCommand(
  {
    name: 'geodist',
    arity: -4,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: G,
    summary: 'Returns the distance between two members of a geospatial index',
    since: '3.2.0',
    exec: 'read',
  },
  geodist,
);
defineCommand(
  {
    name: 'geohash',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: G,
    summary: 'Returns members of a geospatial index as standard geohash strings',
    since: '3.2.0',
    exec: 'read',
  },
  geohash,
);
defineCommand(
  {
    name: 'geopos',
    arity: -2,
    flags: 'readonly',
    keys: [1, 1, 1],
    group: G,
    summary: 'Returns longitude and latitude of members of a geospatial index',
    since: '3.2.0',
    exec: 'read',
  },
  geopos,
);
