/**
 * Distances and search areas of geo queries, as Redis 7.0 computes them (geohash_helper.c):
 * haversine distances on a sphere of Redis's radius, the bounding box of a circle or box, the
 * step whose cells are about the size of the search, and the 9 cells (the centre's and its 8
 * neighbours, those that cannot hold results dropped) whose score ranges are scanned.
 *
 * Redis uses glibc's sin, cos and asin; these are correctly rounded ones (crmath.ts), which agree
 * with glibc's except where glibc is not correctly rounded (under 0.1% of calls): about one
 * distance in 400 then differs in its last bit, which shows only in STOREDIST scores (17 digits),
 * or in a WITHDIST text or a radius decision for a distance within 1e-16 of a boundary.
 */
import { crAsin, crCos, crSin } from './crmath.js';
import {
  decodeCell,
  encodeCell,
  GEO_STEP_MAX,
  type GeoArea,
  type GeoCell,
  LAT_RANGE,
  LONG_RANGE,
  NO_CELL,
  neighbours,
} from './geohash.js';

/** Redis's D_R: degrees to radians. */
const D_R = Math.PI / 180.0;
/** Redis's EARTH_RADIUS_IN_METERS: the quadratic mean radius of WGS-84. */
export const EARTH_RADIUS_METERS = 6372797.560856;
/** Redis's MERCATOR_MAX: half the Web Mercator world width, in meters. */
const MERCATOR_MAX_METERS = 20037726.37;

const degRad = (deg: number): number => deg * D_R;
const radDeg = (rad: number): number => rad / D_R;

/** Redis geohashGetLatDistance: distance along a meridian. */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** Redis geohashGetDistance: haversine great-circle distance in meters. */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = crSin((lon2r - lon1r) / 2);
  // Same longitude: the haversine reduces to the latitude difference.
  if (v === 0.0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = crSin((lat2r - lat1r) / 2);
  const a = u * u + crCos(lat1r) * crCos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_METERS * crAsin(Math.sqrt(a));
}

/** A search area: a circle (radius) or an axis-aligned box (width x height) around (lon, lat). */
export interface GeoShape {
  readonly lon: number;
  readonly lat: number;
  /** 'radius' or 'box'. */
  readonly kind: 'radius' | 'box';
  readonly radius: number;
  readonly width: number;
  readonly height: number;
  /** Meters per unit of radius / width / height. */
  readonly conversion: number;
}

/**
 * The distance of (lon, lat) from the shape's centre if the point is inside the shape, else -1
 * (Redis geohashGetDistanceIfInRadius / geohashGetDistanceIfInRectangle).
 */
export function distanceIfInside(shape: GeoShape, lon: number, lat: number): number {
  if (shape.kind === 'radius') {
    const d = distance(shape.lon, shape.lat, lon, lat);
    return d > shape.radius * shape.conversion ? -1 : d;
  }
  // The latitude distance is cheaper: checked first.
  if (latDistance(lat, shape.lat) > (shape.height * shape.conversion) / 2) return -1;
  if (distance(lon, lat, shape.lon, lat) > (shape.width * shape.conversion) / 2) return -1;
  return distance(shape.lon, shape.lat, lon, lat);
}

/** [minLon, minLat, maxLon, maxLat] of the shape (Redis geohashBoundingBox). */
export function boundingBox(shape: GeoShape): [number, number, number, number] {
  const circle = shape.kind === 'radius';
  const height = shape.conversion * (circle ? shape.radius : shape.height / 2);
  const width = shape.conversion * (circle ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_METERS / crCos(degRad(shape.lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_METERS / crCos(degRad(shape.lat - latDelta)));
  // Meridians converge towards the pole: the wider edge is the one nearer the equator.
  const lonDelta = shape.lat < 0 ? lonDeltaBottom : lonDeltaTop;
  return [shape.lon - lonDelta, shape.lat - latDelta, shape.lon + lonDelta, shape.lat + latDelta];
}

/** Redis geohashEstimateStepsByRadius: a step whose cells are about the search's size. */
export function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return GEO_STEP_MAX;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX_METERS) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2; // make sure the range is covered in most of the base cases
  // Wider range towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  return Math.min(GEO_STEP_MAX, Math.max(1, step));
}

/** The cells to scan for a shape: the centre's cell first, then N, S, E, W, NE, NW, SE, SW. */
export function searchCells(shape: GeoShape): GeoCell[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const radiusMeters =
    shape.conversion *
    (shape.kind === 'radius'
      ? shape.radius
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)));
  let steps = estimateSteps(radiusMeters, shape.lat);
  let cells = cellsAt(shape, steps);
  // Near an edge of the centre cell a neighbour may not reach the whole box: one step coarser.
  const [north, south, east, west] = cells.slice(1, 5).map((c) => decodeCell(LONG_RANGE, LAT_RANGE, c)) as [
    GeoArea,
    GeoArea,
    GeoArea,
    GeoArea,
  ];
  const tooSmall =
    north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon;
  if (steps > 1 && tooSmall) {
    steps--;
    cells = cellsAt(shape, steps);
  }
  if (steps >= 2)
    dropUseless(cells, decodeCell(LONG_RANGE, LAT_RANGE, cells[0]!), minLon, minLat, maxLon, maxLat);
  return cells;
}

function cellsAt(shape: GeoShape, steps: number): GeoCell[] {
  // The centre is always within the limits (checked when parsed, or a decoded member).
  const centre = encodeCell(LONG_RANGE, LAT_RANGE, shape.lon, shape.lat, steps) ?? NO_CELL;
  return [centre, ...neighbours(centre)];
}

// Indexes in the cells array (centre first).
const N = 1;
const S = 2;
const E = 3;
const W = 4;
const NE = 5;
const NW = 6;
const SE = 7;
const SW = 8;

/** Drops the neighbours on a side of the centre cell that already covers the box. */
function dropUseless(
  cells: GeoCell[],
  area: GeoArea,
  minLon: number,
  minLat: number,
  maxLon: number,
  maxLat: number,
): void {
  const drop = (...which: number[]): void => {
    for (const i of which) cells[i] = NO_CELL;
  };
  if (area.latMin < minLat) drop(S, SW, SE);
  if (area.latMax > maxLat) drop(N, NE, NW);
  if (area.lonMin < minLon) drop(W, SW, NW);
  if (area.lonMax > maxLon) drop(E, SE, NE);
}
