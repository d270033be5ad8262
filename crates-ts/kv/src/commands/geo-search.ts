/**
 * The geo searches (Redis 7.0 georadiusGeneric): GEORADIUS, GEORADIUSBYMEMBER, their _RO
 * variants, GEOSEARCH and GEOSEARCHSTORE, with Redis's argument rules, error texts and their
 * order, the 9-cell scan (geo/geo-shape.ts), the sort (a stable sort like glibc's qsort, or
 * Redis's partial quicksort when COUNT returns fewer points than were found, geo/pqsort.ts), and
 * the STORE / STOREDIST results as sorted sets.
 */
import { EMPTY_ARRAY, ERR_NOT_INTEGER, type Reply, SeshatError } from '@seshat/common';
import { argIs, syntaxError, tryParseI64 } from '../args.js';
import { defineCommand, type SpecInput } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { parseBox, parseLonLat, parseRadius } from '../geo/geo-args.js';
import { coordinateReply, formatDistance } from '../geo/geo-format.js';
import { distanceIfInside, type GeoShape, searchCells } from '../geo/geo-shape.js';
import {
  cellScoreRange,
  decodeScore,
  doubleToI64,
  type GeoCell,
  isNoCell,
  sameCell,
} from '../geo/geohash.js';
import { pqsort } from '../geo/pqsort.js';
import { metaKey } from '../keys.js';
import type { Scored } from './zset-ops.js';
import { openZset, scanIndex, scorePrefix, type ZsetRef, zsetScore } from './zset-ops.js';
import { storeResult } from './zset-algebra.js';

// Redis's georadiusGeneric flags.
const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

/** A search as parsed: the shape (once known) and the options. */
interface SearchRequest {
  lon: number;
  lat: number;
  kind: 'radius' | 'box';
  radius: number;
  width: number;
  height: number;
  conversion: number;
  storeKey: Buffer | null;
  storeDist: boolean;
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  sort: number;
  any: boolean;
  /** 0: unlimited. */
  count: number;
  fromMember: boolean;
  fromLonLat: boolean;
  byRadius: boolean;
  byBox: boolean;
}

/** A point found by a search. */
interface GeoPoint {
  member: Buffer;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

function newRequest(): SearchRequest {
  return {
    lon: 0,
    lat: 0,
    kind: 'radius',
    radius: 0,
    width: 0,
    height: 0,
    conversion: 0,
    storeKey: null,
    storeDist: false,
    withDist: false,
    withHash: false,
    withCoord: false,
    sort: SORT_NONE,
    any: false,
    count: 0,
    fromMember: false,
    fromLonLat: false,
    byRadius: false,
    byBox: false,
  };
}

/** The position of `member` in the set (Redis longLatFromMember), with Redis's error. */
function memberPosition(ctx: Ctx, z: ZsetRef, member: Buffer, req: SearchRequest): void {
  const score = zsetScore(ctx, z, member);
  if (score === undefined) throw new SeshatError('ERR', 'could not decode requested zset member');
  const xy = new Float64Array(2);
  decodeScore(score, xy);
  req.lon = xy[0]!;
  req.lat = xy[1]!;
}

/** The fixed arguments before the options; returns where the options start. */
function parseBase(
  ctx: Ctx,
  argv: Buffer[],
  z: ZsetRef | undefined,
  flags: number,
  req: SearchRequest,
): number {
  if (flags & RADIUS_COORDS) {
    [req.lon, req.lat] = parseLonLat(argv[2]!, argv[3]!);
    const r = parseRadius(argv[4]!, argv[5]!);
    req.radius = r.radius;
    req.conversion = r.conversion;
    return 6;
  }
  if (flags & RADIUS_MEMBER) {
    // Without the set, the rest is still parsed: it decides the reply (0 or an empty array).
    if (z === undefined) return 5;
    memberPosition(ctx, z, argv[2]!, req);
    const r = parseRadius(argv[3]!, argv[4]!);
    req.radius = r.radius;
    req.conversion = r.conversion;
    return 5;
  }
  if (flags & GEOSEARCHSTORE) {
    req.storeKey = argv[1]!;
    return 3;
  }
  return 2;
}

/** One option at argv[i] (Redis's checks, in its order); returns how many arguments it took. */
function parseOption(
  ctx: Ctx,
  argv: Buffer[],
  i: number,
  z: ZsetRef | undefined,
  flags: number,
  req: SearchRequest,
): number {
  const arg = argv[i]!;
  const left = argv.length - i - 1;
  const search = (flags & GEOSEARCH) !== 0;
  const storable = !(flags & RADIUS_NOSTORE) && !search;
  if (argIs(arg, 'withdist')) req.withDist = true;
  else if (argIs(arg, 'withhash')) req.withHash = true;
  else if (argIs(arg, 'withcoord')) req.withCoord = true;
  else if (argIs(arg, 'any')) req.any = true;
  else if (argIs(arg, 'asc')) req.sort = SORT_ASC;
  else if (argIs(arg, 'desc')) req.sort = SORT_DESC;
  else if (argIs(arg, 'count') && left >= 1) {
    const n = tryParseI64(argv[i + 1]!);
    if (n === undefined) throw new SeshatError('ERR', ERR_NOT_INTEGER);
    if (n <= 0n) throw new SeshatError('ERR', 'COUNT must be > 0');
    req.count = Number(n);
    return 2;
  } else if ((argIs(arg, 'store') || argIs(arg, 'storedist')) && left >= 1 && storable) {
    req.storeKey = argv[i + 1]!;
    req.storeDist = argIs(arg, 'storedist');
    return 2;
  } else if (argIs(arg, 'storedist') && search && flags & GEOSEARCHSTORE) req.storeDist = true;
  else if (argIs(arg, 'frommember') && left >= 1 && search && !req.fromLonLat) {
    if (z !== undefined) memberPosition(ctx, z, argv[i + 1]!, req);
    req.fromMember = true;
    return 2;
  } else if (argIs(arg, 'fromlonlat') && left >= 2 && search && !req.fromMember) {
    [req.lon, req.lat] = parseLonLat(argv[i + 1]!, argv[i + 2]!);
    req.fromLonLat = true;
    return 3;
  } else if (argIs(arg, 'byradius') && left >= 2 && search && !req.byBox) {
    const r = parseRadius(argv[i + 1]!, argv[i + 2]!);
    Object.assign(req, { kind: 'radius', radius: r.radius, conversion: r.conversion, byRadius: true });
    return 3;
  } else if (argIs(arg, 'bybox') && left >= 3 && search && !req.byRadius) {
    const b = parseBox(argv[i + 1]!, argv[i + 2]!, argv[i + 3]!);
    Object.assign(req, {
      kind: 'box',
      width: b.width,
      height: b.height,
      conversion: b.conversion,
      byBox: true,
    });
    return 4;
  } else throw syntaxError();
  return 1;
}

/** The combinations Redis refuses once every option is read. */
function checkCombinations(argv: Buffer[], flags: number, req: SearchRequest): void {
  if (req.storeKey !== null && (req.withDist || req.withHash || req.withCoord)) {
    const what = flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    throw new SeshatError('ERR', `${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  const name = argv[0]!.toString('latin1');
  if (flags & GEOSEARCH && !(req.fromMember || req.fromLonLat)) {
    throw new SeshatError('ERR', `exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`);
  }
  if (flags & GEOSEARCH && !(req.byRadius || req.byBox)) {
    throw new SeshatError('ERR', `exactly one of BYRADIUS and BYBOX can be specified for ${name}`);
  }
  if (req.any && req.count === 0) throw new SeshatError('ERR', 'the ANY argument requires COUNT argument');
}

/** Points of the set in one cell that are inside the shape; stops at `limit` (0: none). */
function pointsInCell(
  ctx: Ctx,
  z: ZsetRef,
  cell: GeoCell,
  shape: GeoShape,
  out: GeoPoint[],
  limit: number,
): void {
  const [min, max] = cellScoreRange(cell);
  const range = { gte: scorePrefix(z.prefix, min), lt: scorePrefix(z.prefix, max) };
  const xy = new Float64Array(2);
  scanIndex(ctx, z, range, false, (member, score) => {
    decodeScore(score, xy);
    const dist = distanceIfInside(shape, xy[0]!, xy[1]!);
    if (!(dist < 0)) out.push({ member, score, lon: xy[0]!, lat: xy[1]!, dist });
    return !(limit > 0 && out.length >= limit);
  });
}

/** Redis membersOfAllNeighbors: the 9 cells in order, a cell equal to the last one skipped. */
function findPoints(ctx: Ctx, z: ZsetRef, shape: GeoShape, limit: number): GeoPoint[] {
  const cells = searchCells(shape);
  const out: GeoPoint[] = [];
  // Redis compares with the last processed cell only once one other than the centre was.
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    if (isNoCell(cell)) continue;
    if (last !== 0 && sameCell(cell, cells[last]!)) continue;
    if (limit > 0 && out.length >= limit) break;
    pointsInCell(ctx, z, cell, shape, out, limit);
    last = i;
  }
  return out;
}

const byDistance = (a: GeoPoint, b: GeoPoint): number => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const byDistanceDesc = (a: GeoPoint, b: GeoPoint): number => -byDistance(a, b);

/** Orders the points; only the first `returned` need to be right (Redis's pqsort otherwise). */
function sortPoints(points: GeoPoint[], sort: number, returned: number): void {
  if (sort === SORT_NONE) return;
  const cmp = sort === SORT_ASC ? byDistance : byDistanceDesc;
  // glibc's qsort is a merge sort, stable like Array.prototype.sort.
  if (returned === points.length) points.sort(cmp);
  else pqsort(points, cmp, 0, returned - 1);
}

function pointReply(p: GeoPoint, req: SearchRequest): Reply {
  if (!(req.withDist || req.withHash || req.withCoord)) return p.member;
  const item: Reply[] = [p.member];
  if (req.withDist) item.push(formatDistance(p.dist / req.conversion));
  if (req.withHash) item.push(doubleToI64(p.score));
  if (req.withCoord) item.push([coordinateReply(p.lon), coordinateReply(p.lat)]);
  return item;
}

function store(ctx: Ctx, flags: number, req: SearchRequest, points: GeoPoint[], returned: number): Reply {
  const r: Scored = { members: new Array(returned), scores: new Array(returned) };
  for (let i = 0; i < returned; i++) {
    const p = points[i]!;
    r.members[i] = p.member;
    r.scores[i] = req.storeDist ? p.dist / req.conversion : p.score;
  }
  const event = flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore';
  return storeResult(ctx, metaKey(ctx.db, req.storeKey!), r, event);
}

function georadiusGeneric(ctx: Ctx, argv: Buffer[], srcIndex: number, flags: number): Reply {
  const z = openZset(ctx, metaKey(ctx.db, argv[srcIndex]!));
  const req = newRequest();
  for (let i = parseBase(ctx, argv, z, flags, req); i < argv.length; ) {
    i += parseOption(ctx, argv, i, z, flags, req);
  }
  checkCombinations(argv, flags, req);
  if (z === undefined) {
    // A STORE still replaces its destination: with nothing, i.e. deletes it.
    if (req.storeKey !== null)
      return storeResult(ctx, metaKey(ctx.db, req.storeKey), { members: [], scores: [] }, '');
    return EMPTY_ARRAY;
  }
  // COUNT without an order returns the nearest ones (unless ANY).
  if (req.count !== 0 && req.sort === SORT_NONE && !req.any) req.sort = SORT_ASC;
  const points = findPoints(ctx, z, req, req.any ? req.count : 0);
  if (points.length === 0 && req.storeKey === null) return EMPTY_ARRAY;
  const returned = req.count === 0 || points.length < req.count ? points.length : req.count;
  sortPoints(points, req.sort, returned);
  if (req.storeKey !== null) return store(ctx, flags, req, points, returned);
  const out: Reply[] = new Array(returned);
  for (let i = 0; i < returned; i++) out[i] = pointReply(points[i]!, req);
  return out;
}

const G = 'geo';
const SEARCH_SINCE = '3.2.0';

function define(input: Omit<SpecInput, 'group' | 'since'>, srcIndex: number, flags: number): void {
  defineCommand({ ...input, group: G, since: SEARCH_SINCE }, (ctx, argv) =>
    georadiusGeneric(ctx, argv, srcIndex, flags),
  );
}

const RADIUS_SUMMARY =
  'Query a sorted set representing a geospatial index to fetch members matching a given maximum distance';
const SEARCH_SUMMARY =
  'Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.';

define(
  {
    name: 'georadius',
    arity: -6,
    flags: 'write denyoom movablekeys',
    keys: [1, 1, 1],
    summary: RADIUS_SUMMARY,
    exec: 'write',
  },
  1,
  RADIUS_COORDS,
);
define(
  {
    name: 'georadius_ro',
    arity: -6,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: RADIUS_SUMMARY,
    exec: 'read',
  },
  1,
  RADIUS_COORDS | RADIUS_NOSTORE,
);
define(
  {
    name: 'georadiusbymember',
    arity: -5,
    flags: 'write denyoom movablekeys',
    keys: [1, 1, 1],
    summary: RADIUS_SUMMARY,
    exec: 'write',
  },
  1,
  RADIUS_MEMBER,
);
define(
  {
    name: 'georadiusbymember_ro',
    arity: -5,
    flags: 'readonly',
    keys: [1, 1, 1],
    summary: RADIUS_SUMMARY,
    exec: 'read',
  },
  1,
  RADIUS_MEMBER | RADIUS_NOSTORE,
);
define(
  { name: 'geosearch', arity: -7, flags: 'readonly', keys: [1, 1, 1], summary: SEARCH_SUMMARY, exec: 'read' },
  1,
  GEOSEARCH,
);
define(
  {
    name: 'geosearchstore',
    arity: -8,
    flags: 'write denyoom',
    keys: [1, 2, 1],
    summary: SEARCH_SUMMARY,
    exec: 'write',
  },
  2,
  GEOSEARCH | GEOSEARCHSTORE,
);
