/** What EVAL and FCALL share: the key count argument and the checks before a script runs. */
import { ErrorReply, type Random, SeededRandom, SeshatError } from '@seshat/common';
import { tryParseI64 } from '../args.js';
import type { Ctx } from '../ctx.js';
import type { ScriptRun } from './script-call.js';
import { SCRIPT_FLAG_EVAL_COMPAT_MODE, SCRIPT_FLAG_NO_WRITES } from './script-flags.js';

export interface KeysAndArgs {
  keys: Buffer[];
  args: Buffer[];
}

/** Splits `argv[3..]` by the key count at argv[2]; `badCount` is the error for a non-integer. */
export function keysAndArgs(argv: Buffer[], badCount: string): KeysAndArgs {
  const n = tryParseI64(argv[2]!);
  if (n === undefined) throw new SeshatError('ERR', badCount);
  if (n > BigInt(argv.length - 3)) {
    throw new SeshatError('ERR', "Number of keys can't be greater than number of args");
  }
  if (n < 0n) throw new SeshatError('ERR', "Number of keys can't be negative");
  const k = Number(n);
  return { keys: argv.slice(3, 3 + k), args: argv.slice(3 + k) };
}

/** Redis's scriptPrepareForRun: refuses a write-flagged script under *_RO; builds the run. */
export function prepareRun(ctx: Ctx, flags: number, ro: boolean, name: string): ScriptRun | ErrorReply {
  const compat = (flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) !== 0;
  const noWrites = !compat && (flags & SCRIPT_FLAG_NO_WRITES) !== 0;
  if (!compat && !noWrites && ro) {
    return new ErrorReply('ERR Can not execute a script with write flag using *_ro command.');
  }
  return {
    ctx,
    readOnly: ro || noWrites,
    resp: 2,
    writeDirty: false,
    // One seed per script from the entry's PRNG (the entry stamp's seed on every replica).
    random: lazyRandom(ctx.random.nextU32()),
    name,
  };
}

/** A PRNG built on first use (most scripts never call math.random). */
function lazyRandom(seed: number): Random {
  let r: SeededRandom | null = null;
  const get = (): SeededRandom => (r ??= new SeededRandom(seed));
  return {
    nextU32: () => get().nextU32(),
    nextFloat: () => get().nextFloat(),
    nextInt: (n: number) => get().nextInt(n),
  };
}
