/**
 * The encoding thresholds (hash-max-listpack-*, zset-max-listpack-*, set-max-intset-entries,
 * with their ziplist aliases) as the state machine's limits: read from the config at start and
 * changed by CONFIG SET, like stream-node-max-*. kv/encoding-limits.ts says what they decide.
 */
import { ENCODING_LIMIT_PARAMS, type EncodingLimits } from '@seshat/kv';
import type { Config } from './config.js';

/** The limits the config holds now. */
export function encodingLimitsOf(config: Config): EncodingLimits {
  const out = {} as EncodingLimits;
  for (const [param, field] of Object.entries(ENCODING_LIMIT_PARAMS)) out[field] = config.int(param);
  return out;
}

/** The limit a CONFIG parameter (its canonical name) sets, if it is one of them. */
export function encodingLimitOf(param: string): keyof EncodingLimits | undefined {
  return ENCODING_LIMIT_PARAMS[param];
}
