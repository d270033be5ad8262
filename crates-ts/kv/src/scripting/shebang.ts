/**
 * Shebang lines: an EVAL script's `#!lua flags=no-writes,...` (eval.c evalExtractShebangFlags)
 * and a library's `#!lua name=mylib` (functions.c functionExtractLibMetaData), with Redis's
 * error texts.
 */
import { InlineSplitter } from '@seshat/protocol-resp';
import { SCRIPT_FLAG_EVAL_COMPAT_MODE, scriptFlagByName } from './script-flags.js';

const splitter = new InlineSplitter();

/** Splits a shebang line into words as Redis does (sdssplitargs: quotes, escapes); null on
 * unbalanced quotes. */
function words(line: Buffer): string[] | null {
  return splitter.split(line, 0, line.length)?.map((w) => w.toString('latin1')) ?? null;
}

export interface EvalShebang {
  flags: number;
  /** Bytes of the shebang line, excluding its newline (the code keeps the newline). */
  length: number;
}

export function parseEvalShebang(body: Buffer): EvalShebang | string {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) {
    return { flags: SCRIPT_FLAG_EVAL_COMPAT_MODE, length: 0 };
  }
  const end = body.indexOf(0x0a);
  if (end < 0) return 'Invalid script shebang';
  const parts = words(body.subarray(0, end));
  if (parts === null || parts.length === 0) return 'Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `Unexpected engine in script shebang: ${parts[0]}`;
  let flags = 0;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return `Unknown lua shebang option: ${part}`;
    const list = part.slice(6);
    if (list.length === 0) continue;
    for (const name of list.split(',')) {
      const bit = scriptFlagByName(name);
      if (bit === 0) return `Unexpected flag in script shebang: ${name}`;
      flags |= bit;
    }
  }
  return { flags, length: end };
}

export interface LibraryMetadata {
  name: string;
  engine: string;
  /** The code after the shebang line, starting with its newline. */
  code: Buffer;
}

export function parseLibraryMetadata(payload: Buffer): LibraryMetadata | string {
  if (payload.length < 2 || payload[0] !== 0x23 || payload[1] !== 0x21) return 'Missing library metadata';
  const end = payload.indexOf(0x0a);
  if (end < 0) return 'Invalid library metadata';
  const parts = words(payload.subarray(0, end));
  if (parts === null || parts.length === 0) return 'Invalid library metadata';
  const engine = parts[0]!.slice(2);
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return 'Invalid metadata value, name argument was given multiple times';
      name = part.slice(5);
      continue;
    }
    return `Invalid metadata value given: ${part}`;
  }
  if (name === null) return 'Library name was not given';
  return { name, engine, code: payload.subarray(end) };
}

/** Library and function names: [a-zA-Z0-9_]+ (functions.c functionsVerifyName). */
export function validName(name: string): boolean {
  return /^[a-zA-Z0-9_]+$/.test(name);
}
