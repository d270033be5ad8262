/**
 * Redis's partial quicksort (pqsort.c: Bentley & McIlroy's "Engineering a Sort Function" that
 * only recurses into partitions overlapping a range of positions). GEORADIUS/GEOSEARCH with COUNT
 * sort this way when they return fewer points than they found; the algorithm is not stable, so
 * the order of points at equal distances depends on its exact element moves, which this follows:
 * pivot choice (median of three, ninther above 40 elements), the fat partition that gathers keys
 * equal to the pivot at both ends, insertion sort below 7 elements.
 */
import { assert } from '@seshat/common';

const INSERTION_SORT_BELOW = 7;
const NINTHER_ABOVE = 40;

type Compare<T> = (a: T, b: T) => number;

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Swaps the n elements from i with the n elements from j. */
function vecswap<T>(a: T[], i: number, j: number, n: number): void {
  for (let k = 0; k < n; k++) swap(a, i + k, j + k);
}

function med3<T>(a: T[], i: number, j: number, k: number, cmp: Compare<T>): number {
  if (cmp(a[i]!, a[j]!) < 0) {
    if (cmp(a[j]!, a[k]!) < 0) return j;
    return cmp(a[i]!, a[k]!) < 0 ? k : i;
  }
  if (cmp(a[j]!, a[k]!) > 0) return j;
  return cmp(a[i]!, a[k]!) < 0 ? i : k;
}

/**
 * Sorts `a` enough that positions `lrange..rrange` (inclusive) hold what a full sort would put
 * there; elements elsewhere end up in their partition.
 */
export function pqsort<T>(a: T[], cmp: Compare<T>, lrange: number, rrange: number): void {
  assert(lrange >= 0 && lrange <= rrange && rrange < a.length, 'pqsort range');
  sortRange(a, 0, a.length, cmp, lrange, rrange);
}

/** Whether [start, start + n) overlaps [lrange, rrange]. */
function overlaps(start: number, n: number, lrange: number, rrange: number): boolean {
  return !(rrange < start || lrange >= start + n);
}

function sortRange<T>(
  a: T[],
  base: number,
  n: number,
  cmp: Compare<T>,
  lrange: number,
  rrange: number,
): void {
  for (;;) {
    if (n < INSERTION_SORT_BELOW) {
      insertionSort(a, base, n, cmp);
      return;
    }
    swap(a, base, pivotIndex(a, base, n, cmp));
    const [left, right] = partition(a, base, n, cmp);
    if (left > 1 && overlaps(base, left, lrange, rrange)) sortRange(a, base, left, cmp, lrange, rrange);
    if (right <= 1) return;
    // The right part is iterated rather than recursed into, as Redis does.
    base = base + n - right;
    n = right;
    if (!overlaps(base, n, lrange, rrange)) return;
  }
}

function insertionSort<T>(a: T[], base: number, n: number, cmp: Compare<T>): void {
  for (let m = base + 1; m < base + n; m++) {
    for (let l = m; l > base && cmp(a[l - 1]!, a[l]!) > 0; l--) swap(a, l, l - 1);
  }
}

function pivotIndex<T>(a: T[], base: number, n: number, cmp: Compare<T>): number {
  let m = base + Math.floor(n / 2);
  if (n > INSERTION_SORT_BELOW) {
    let l = base;
    let r = base + n - 1;
    if (n > NINTHER_ABOVE) {
      const d = Math.floor(n / 8);
      l = med3(a, l, l + d, l + 2 * d, cmp);
      m = med3(a, m - d, m, m + d, cmp);
      r = med3(a, r - 2 * d, r - d, r, cmp);
    }
    m = med3(a, l, m, r, cmp);
  }
  return m;
}

/**
 * Partitions a[base, base + n) around the pivot at a[base]; returns the sizes of the parts
 * below and above it (the keys equal to it end up between them).
 */
function partition<T>(a: T[], base: number, n: number, cmp: Compare<T>): [number, number] {
  let pa = base + 1;
  let pb = pa;
  let pc = base + n - 1;
  let pd = pc;
  for (;;) {
    let c: number;
    while (pb <= pc && (c = cmp(a[pb]!, a[base]!)) <= 0) {
      if (c === 0) swap(a, pa++, pb);
      pb++;
    }
    while (pb <= pc && (c = cmp(a[pc]!, a[base]!)) >= 0) {
      if (c === 0) swap(a, pc, pd--);
      pc--;
    }
    if (pb > pc) break;
    swap(a, pb++, pc--);
  }
  const end = base + n;
  let r = Math.min(pa - base, pb - pa);
  vecswap(a, base, pb - r, r);
  r = Math.min(pd - pc, end - pd - 1);
  vecswap(a, pb, end - r, r);
  return [pb - pa, pd - pc];
}
