/**
 * PFSELFTEST: Redis's self-test of the HyperLogLog implementation, run against this one. It checks
 * that the 6-bit dense registers keep random values without disturbing their neighbours, that the
 * sparse and dense encodings give the same estimate while 10 million distinct elements are added
 * (sparse staying sparse while small), and that the estimate stays within six standard errors.
 * Like Redis's, it takes seconds and blocks its node meanwhile.
 */
import type { Random } from '@seshat/common';
import { hllCount } from './hll-count.js';
import {
  denseGet,
  denseSet,
  elementPattern,
  HLL_DENSE_BYTES,
  HLL_HDR_BYTES,
  HLL_REGISTER_MAX,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllValue,
} from './hll-layout.js';
import { sparseSet } from './hll-sparse.js';

const REGISTER_TEST_CYCLES = 1000;
const ELEMENTS_ADDED = 10_000_000;
/** Relative standard error of the estimate with 16384 registers, and the tolerance factor. */
const RELATIVE_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);
const ERRORS_ALLOWED = 6;

/** Null when every check passes, else Redis's TESTFAILED text. */
export function pfSelfTest(random: Random, sparseMaxBytes: number): string | null {
  return registerTest(random) ?? estimateTest(random, sparseMaxBytes);
}

function registerTest(random: Random): string | null {
  const dense = Buffer.alloc(HLL_DENSE_BYTES + 1);
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < REGISTER_TEST_CYCLES; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = random.nextU32() & HLL_REGISTER_MAX;
      expected[i] = r;
      denseSet(dense, HLL_HDR_BYTES, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const got = denseGet(dense, HLL_HDR_BYTES, i);
      if (got !== expected[i]) return `TESTFAILED Register ${i} should be ${expected[i]} but is ${got}`;
    }
  }
  return null;
}

function estimateTest(random: Random, sparseMaxBytes: number): string | null {
  const dense = HllValue.emptyDense();
  const sparse = HllValue.empty();
  const seedHi = random.nextU32();
  const seedLo = random.nextU32();
  const element = Buffer.alloc(8);
  let checkpoint = 1;
  for (let j = 1; j <= ELEMENTS_ADDED; j++) {
    // The element is the 64-bit integer j ^ seed, little endian.
    element.writeUInt32LE((j ^ seedLo) >>> 0, 0);
    element.writeUInt32LE(seedHi, 4);
    const pattern = elementPattern(element);
    const index = pattern % HLL_REGISTERS;
    const count = (pattern - index) / HLL_REGISTERS;
    if (denseGet(dense.bytes, HLL_HDR_BYTES, index) < count)
      denseSet(dense.bytes, HLL_HDR_BYTES, index, count);
    addTo(sparse, index, count, sparseMaxBytes);
    if (j !== checkpoint) continue;
    const failure = checkAt(j, dense, sparse, sparseMaxBytes);
    if (failure !== null) return failure;
    checkpoint *= 10;
  }
  return null;
}

function addTo(h: HllValue, index: number, count: number, sparseMaxBytes: number): void {
  if (h.encoding === HLL_SPARSE) {
    sparseSet(h, index, count, sparseMaxBytes);
  } else if (denseGet(h.bytes, HLL_HDR_BYTES, index) < count) {
    denseSet(h.bytes, HLL_HDR_BYTES, index, count);
  }
}

function checkAt(j: number, dense: HllValue, sparse: HllValue, sparseMaxBytes: number): string | null {
  if (j < sparseMaxBytes / 2 && sparse.encoding !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
  const denseCount = Number(hllCount(dense.bytes, dense.length));
  if (denseCount !== Number(hllCount(sparse.bytes, sparse.length))) return 'TESTFAILED dense/sparse disagree';
  const absErr = Math.abs(j - denseCount);
  // Cardinality 10 may collide by chance: Redis allows an error of 1 there.
  const maxErr = j === 10 ? 1 : Math.ceil(RELATIVE_ERROR * ERRORS_ALLOWED * j);
  if (absErr > maxErr) return `TESTFAILED Too big error. card:${j} abserr:${absErr}`;
  return null;
}
