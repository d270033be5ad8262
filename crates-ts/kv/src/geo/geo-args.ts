/** Arguments of the geo commands, parsed with Redis 7.0's rules and error texts (geo.c). */
import { ERR_NOT_FLOAT, SeshatError } from '@seshat/common';
import { argIs } from '../args.js';
import { parseStrictDouble } from '../score-codec.js';
import { formatF } from './geo-format.js';
import { GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN } from './geohash.js';

/** Redis getDoubleFromObjectOrReply: strtod over the whole argument, NaN refused. */
function parseDouble(arg: Buffer, error: string): number {
  const v = parseStrictDouble(arg);
  if (v === undefined) throw new SeshatError('ERR', error);
  return v;
}

/** Redis extractLongLatOrReply: longitude and latitude within the limits of a geo set. */
export function parseLonLat(lonArg: Buffer, latArg: Buffer): [lon: number, lat: number] {
  const lon = parseDouble(lonArg, ERR_NOT_FLOAT);
  const lat = parseDouble(latArg, ERR_NOT_FLOAT);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new SeshatError('ERR', `invalid longitude,latitude pair ${formatF(lon)},${formatF(lat)}`);
  }
  return [lon, lat];
}

const UNITS: readonly [string, number][] = [
  ['m', 1],
  ['km', 1000],
  ['ft', 0.3048],
  ['mi', 1609.34],
];

/** Redis extractUnitOrReply: meters per unit. */
export function parseUnit(arg: Buffer): number {
  for (const [name, meters] of UNITS) if (argIs(arg, name)) return meters;
  throw new SeshatError('ERR', 'unsupported unit provided. please use M, KM, FT, MI');
}

/** Redis extractDistanceOrReply: `<radius> <unit>`. */
export function parseRadius(numArg: Buffer, unitArg: Buffer): { radius: number; conversion: number } {
  const radius = parseDouble(numArg, 'need numeric radius');
  if (radius < 0) throw new SeshatError('ERR', 'radius cannot be negative');
  return { radius, conversion: parseUnit(unitArg) };
}

/** Redis extractBoxOrReply: `<width> <height> <unit>`. */
export function parseBox(
  widthArg: Buffer,
  heightArg: Buffer,
  unitArg: Buffer,
): { width: number; height: number; conversion: number } {
  const width = parseDouble(widthArg, 'need numeric width');
  const height = parseDouble(heightArg, 'need numeric height');
  if (height < 0 || width < 0) throw new SeshatError('ERR', 'height or width cannot be negative');
  return { width, height, conversion: parseUnit(unitArg) };
}
