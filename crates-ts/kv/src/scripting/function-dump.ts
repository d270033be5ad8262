/**
 * FUNCTION DUMP and FUNCTION RESTORE with Redis 7.0's payload (functions.c, rdb.c
 * rdbSaveFunctions / rdbFunctionLoad):
 *
 *   (0xf5 library-code-as-RDB-string)*  rdb-version(2 LE)  crc64(8 LE)
 *
 * the same envelope as DUMP (rdb/payload.ts), so a dump taken from Redis restores here and the
 * reverse. RESTORE also reads 7.0-rc payloads (0xf6: name, engine, optional description and
 * code). RESTORE is a log command: every replica decodes the payload and builds the libraries
 * in the entry, with the policy (APPEND, the default; REPLACE; FLUSH) and Redis's error texts.
 * DUMP lists the libraries in load order (Redis: its dict's order); strings of more than 20
 * bytes are LZF-compressed by this project's compressor (same format, other bytes than Redis's).
 */
import { ErrorReply, OK, type Reply, SeshatError } from '@seshat/common';
import { argIs } from '../args.js';
import { defineSubcommand } from '../command-table.js';
import type { Ctx } from '../ctx.js';
import { finishPayload, PAYLOAD_FOOTER_BYTES, verifyPayload } from '../rdb/payload.js';
import { RdbReader, RdbWriter } from '../rdb/rdb-io.js';
import { createLibrary } from './function-lua.js';
import { FunctionRegistry } from './function-registry.js';
import { subcommandSyntaxError } from './help.js';
import { deleteLibrary, putLibrary } from './library-store.js';

/** RDB_OPCODE_FUNCTION2: a library as its code (7.0 GA). */
const OPCODE_FUNCTION2 = 245;
/** RDB_OPCODE_FUNCTION: a library of 7.0 rc1/rc2 (name, engine, description, code). */
const OPCODE_FUNCTION = 246;

function functionDump(ctx: Ctx): Reply {
  const w = new RdbWriter();
  for (const lib of ctx.functions.libraries.values()) {
    w.byte(OPCODE_FUNCTION2);
    w.string(lib.code);
  }
  return finishPayload(w);
}

type Policy = 'append' | 'replace' | 'flush';

function policyOf(argv: Buffer[]): Policy {
  if (argv.length < 4) return 'append';
  for (const p of ['append', 'replace', 'flush'] as const) if (argIs(argv[3]!, p)) return p;
  throw new SeshatError(
    'ERR',
    'Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.',
  );
}

/** One library's code from the payload (rdbFunctionLoad), as FUNCTION LOAD would take it. */
function readLibraryCode(r: RdbReader, type: number): Buffer {
  const step = (what: string): Buffer => {
    try {
      return r.string();
    } catch {
      throw new SeshatError('ERR', `Failed loading ${what}`);
    }
  };
  if (type === OPCODE_FUNCTION2) return step('library payload');
  const name = step('library name');
  const engine = step('engine name');
  let hasDesc: number;
  try {
    hasDesc = r.len();
  } catch {
    throw new SeshatError('ERR', 'Failed loading library description indicator');
  }
  if (hasDesc !== 0) step('library description');
  const blob = step('library blob');
  return Buffer.concat([
    Buffer.from(`#!${engine.toString('latin1')} name=${name.toString('latin1')}\n`, 'latin1'),
    blob,
  ]);
}

/** The payload's libraries, built into a registry of their own (released on any error). */
function librariesOf(payload: Buffer): FunctionRegistry {
  const r = new RdbReader(payload);
  let fresh = FunctionRegistry.EMPTY;
  try {
    while (payload.length - r.pos > PAYLOAD_FOOTER_BYTES) {
      const type = r.byte();
      if (type !== OPCODE_FUNCTION && type !== OPCODE_FUNCTION2) {
        throw new SeshatError('ERR', 'given type is not a function');
      }
      const lib = createLibrary(readLibraryCode(r, type), fresh, false);
      if (typeof lib === 'string') throw new SeshatError('ERR', lib);
      fresh = fresh.with(lib);
    }
  } catch (e) {
    fresh.releaseNotIn(FunctionRegistry.EMPTY);
    throw e;
  }
  return fresh;
}

/** libraryJoin: the current libraries with `fresh` added (replacing same-named ones if asked). */
function joined(
  current: FunctionRegistry,
  fresh: FunctionRegistry,
  replace: boolean,
): FunctionRegistry | string {
  let out = current;
  for (const name of fresh.libraries.keys()) {
    if (!out.libraries.has(name)) continue;
    if (!replace) return `Library ${name} already exists`;
    out = out.without(name);
  }
  for (const f of fresh.functions.values())
    if (out.findFunction(f.name)) return `Function ${f.name} already exists`;
  for (const lib of fresh.libraries.values()) out = out.with(lib);
  return out;
}

function functionRestore(ctx: Ctx, argv: Buffer[]): Reply {
  if (argv.length > 4) return subcommandSyntaxError(argv);
  const policy = policyOf(argv);
  verifyPayload(argv[2]!);
  const fresh = librariesOf(argv[2]!);
  const current = ctx.functions;
  const next = policy === 'flush' ? fresh : joined(current, fresh, policy === 'replace');
  if (typeof next === 'string') {
    fresh.releaseNotIn(FunctionRegistry.EMPTY);
    return new ErrorReply(`ERR ${next}`);
  }
  for (const name of current.libraries.keys()) if (!next.libraries.has(name)) deleteLibrary(ctx.store, name);
  for (const lib of fresh.libraries.values()) putLibrary(ctx.store, lib.name, lib.code);
  ctx.functions = next;
  return OK;
}

defineSubcommand(
  'function',
  {
    name: 'dump',
    arity: 2,
    flags: 'noscript',
    group: 'scripting',
    summary: 'Dump all functions into a serialized binary payload',
    since: '7.0.0',
    exec: 'read',
  },
  functionDump,
);
defineSubcommand(
  'function',
  {
    name: 'restore',
    arity: -3,
    flags: 'write denyoom noscript',
    group: 'scripting',
    summary: 'Restore all the functions on the given payload',
    since: '7.0.0',
    exec: 'write',
  },
  functionRestore,
);
