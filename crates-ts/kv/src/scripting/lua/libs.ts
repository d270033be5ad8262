/**
 * The extra libraries Redis offers scripts (bit, cjson, cmsgpack, struct), as JS functions by
 * library and name. Each lives in its own module.
 */
import { BIT_LIBRARY } from './lib-bit.js';

export const LIBRARY_TABLES: Record<string, Record<string, (L: number) => number>> = {
  bit: BIT_LIBRARY,
};
