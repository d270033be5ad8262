/**
 * The flags a script call declares, as Redis's getCommandFlags sees them before it runs the
 * call (eval.c evalGetCommandFlags, function.c fcallGetCommandFlags): an EVAL's shebang (or its
 * cached script's), an EVALSHA's cached script, an FCALL's function. When a script declares
 * flags, Redis drops the command's own WRITE and MAY_REPLICATE and sets WRITE unless the script
 * says `no-writes` (scriptFlagsToCmdFlags); that is what CLIENT PAUSE WRITE and MULTI's
 * accumulated flags go by. A pre-7.0 script (no shebang) or an unknown one keeps the
 * command's own flags.
 */
import { cachedScript, knownScriptBySha, sha1hex } from './script-cache.js';
import type { FunctionRegistry } from './function-registry.js';
import { parseEvalShebang } from './shebang.js';
import { SCRIPT_FLAG_EVAL_COMPAT_MODE, SCRIPT_FLAG_NO_WRITES } from './script-flags.js';

/** Redis's evalCalcFunctionName: only a 40-byte argument can name a cached script. */
const SHA1_HEX_BYTES = 40;

function evalFlags(body: Buffer): number | null {
  const known = knownScriptBySha(sha1hex(body));
  if (known !== undefined) return known.flags;
  const shebang = parseEvalShebang(body);
  return typeof shebang === 'string' ? null : shebang.flags;
}

/**
 * EVALSHA: the cached script's flags. The server may already have replaced the digest by the
 * body (evalArgvFor), so a non-digest argument is looked up as a body.
 */
function evalshaFlags(arg: Buffer): number | null {
  if (arg.length === SHA1_HEX_BYTES) return cachedScript(arg)?.flags ?? null;
  return knownScriptBySha(sha1hex(arg))?.flags ?? null;
}

/**
 * The script flags of a script call (`name` is the command's lower-case name), or null when the
 * call is not a script, declares none (Redis's eval compat mode) or names no known script or
 * function: then the command's own flags apply.
 */
export function scriptCallFlags(name: string, argv: Buffer[], functions: FunctionRegistry): number | null {
  if (argv.length < 2) return null;
  let flags: number | null;
  switch (name) {
    case 'eval':
    case 'eval_ro':
      flags = evalFlags(argv[1]!);
      break;
    case 'evalsha':
    case 'evalsha_ro':
      flags = evalshaFlags(argv[1]!);
      break;
    case 'fcall':
    case 'fcall_ro':
      flags = functions.findFunction(argv[1]!.toString('latin1'))?.flags ?? null;
      break;
    default:
      return null;
  }
  if (flags === null || (flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) !== 0) return null;
  return flags;
}

/**
 * Whether a script call counts as a write for Redis (scriptFlagsToCmdFlags): true or false when
 * the script declares flags, undefined when the command's own flags decide.
 */
export function scriptCallWrites(
  name: string,
  argv: Buffer[],
  functions: FunctionRegistry,
): boolean | undefined {
  const flags = scriptCallFlags(name, argv, functions);
  if (flags === null) return undefined;
  return (flags & SCRIPT_FLAG_NO_WRITES) === 0;
}
