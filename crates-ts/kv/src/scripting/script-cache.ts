/**
 * The EVAL script cache of this node: SHA1 -> body, flags and compiled chunk. Like Redis 7's it
 * is not persisted and not replicated (SCRIPT LOAD / FLUSH act on the node that gets them), but
 * every replica caches the scripts its log's EVALs carry. EVALSHA never enters the log as
 * such: the serving node replaces it with EVAL and the body (`evalArgvFor`), so that a
 * replica's cache can never decide what an entry does.
 */
import { createHash } from 'node:crypto';
import { parseEvalShebang } from './shebang.js';
import { type Compiled, ScriptVm } from './lua/vm.js';

export interface CachedScript {
  readonly sha: string;
  readonly body: Buffer;
  readonly flags: number;
  readonly compiled: Compiled;
}

let vm: ScriptVm | null = null;
const scripts = new Map<string, CachedScript>();
/** Short bodies -> their script, so a repeated EVAL skips hashing its body (hot path). */
const byBody = new Map<string, CachedScript>();
const BY_BODY_MAX_BYTES = 1024;

/** The Lua state of EVAL scripts (created on first use; initLua must have completed). */
export function evalVm(): ScriptVm {
  vm ??= new ScriptVm();
  return vm;
}

export function sha1hex(body: Buffer): string {
  return createHash('sha1').update(body).digest('hex');
}

/** The cached script of `body`, compiling it first if needed; Redis's error text otherwise. */
export function scriptFor(body: Buffer): CachedScript | string {
  const text = body.length <= BY_BODY_MAX_BYTES ? body.toString('latin1') : null;
  if (text !== null) {
    const known = byBody.get(text);
    if (known !== undefined) return known;
  }
  const sha = sha1hex(body);
  const hit = scripts.get(sha);
  if (hit !== undefined) {
    if (text !== null) byBody.set(text, hit);
    return hit;
  }
  const shebang = parseEvalShebang(body);
  if (typeof shebang === 'string') return `ERR ${shebang}`;
  // The shebang line is dropped but its newline kept, so line numbers stay the user's.
  const compiled = evalVm().compile(body.subarray(shebang.length), '@user_script');
  if (typeof compiled === 'string') return `ERR Error compiling script (new function): ${compiled}`;
  const script: CachedScript = { sha, body: Buffer.from(body), flags: shebang.flags, compiled };
  scripts.set(sha, script);
  if (text !== null) byBody.set(text, script);
  return script;
}

/** Scripts in this node's cache (INFO memory number_of_cached_scripts). */
export function cachedScriptCount(): number {
  return scripts.size;
}

export function cachedScript(sha: Buffer): CachedScript | undefined {
  if (sha.length !== 40) return undefined;
  return scripts.get(sha.toString('latin1').toLowerCase());
}

/** The cached script whose SHA1 is `sha` (lower-case hex), without compiling anything. */
export function knownScriptBySha(sha: string): CachedScript | undefined {
  return scripts.get(sha);
}

export function flushScripts(): void {
  if (vm !== null) for (const s of scripts.values()) vm.release(s.compiled);
  scripts.clear();
  byBody.clear();
}

const EVAL_NAME = Buffer.from('EVAL');
const EVAL_RO_NAME = Buffer.from('EVAL_RO');

/**
 * For EVALSHA / EVALSHA_RO whose script this node has: the same call as EVAL / EVAL_RO with the
 * body (what goes into the log or to the leader). Otherwise argv unchanged.
 */
export function evalArgvFor(argv: Buffer[], ro: boolean): Buffer[] {
  if (argv.length < 2) return argv;
  const s = cachedScript(argv[1]!);
  if (s === undefined) return argv;
  const out = argv.slice();
  out[0] = ro ? EVAL_RO_NAME : EVAL_NAME;
  out[1] = s.body;
  return out;
}
