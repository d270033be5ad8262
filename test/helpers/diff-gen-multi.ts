// Seeded generator, normaliser and block-aware shrinker for the differential test of
// transactions (test/differential-multi.test.ts). Plain commands come from the three existing
// generators (helpers/diff-gen.ts `generate`, diff-gen-hashes-sets.ts `generateHashesSets`,
// diff-gen-lists-zsets.ts `generateListsZsets`), each run as its own stream from a seed derived
// from this one, and interleaved; between them the generator puts transactions:
//   - MULTI, 0..6 queued commands, then EXEC (or DISCARD). Queued commands are plain commands,
//     commands that fail only when EXEC runs them (WRONGTYPE, a syntax error found by the
//     command itself: SET k v FOO, ZADD NX XX, ...), SELECT (changes the database of the queued
//     commands after it and of the connection after EXEC), errors that do not flag the
//     transaction (nested MULTI, WATCH inside MULTI) and, occasionally, a command refused at
//     queue time (unknown command or subcommand, wrong arity) that makes EXEC answer EXECABORT.
//     The second connection sometimes writes between the queued commands.
//   - WATCH blocks: connection 0 WATCHes a few keys, then the SECOND connection (and sometimes
//     connection 0 itself) runs commands that may or may not modify them (a plain command whose
//     key is among the watched ones, or a no-op write), optionally UNWATCH, then MULTI ... EXEC
//     on connection 0 (a null reply when a watched key was modified).
//   - stray EXEC/DISCARD/UNWATCH outside MULTI, and WATCHes left pending for a later EXEC.
// Every step says which connection (0 or 1) sends it; the test drives both connections of each
// server in lockstep. Plain commands go mostly to connection 0 so that both connections also
// SELECT, FLUSHDB, ... independently.
//
// The mixed streams keep the existing generators' determinism rules (each generator only
// touches its own keys, except l0/l1 which hashes-sets uses for SORT and lists-zsets for lists:
// both orders are defined). The few commands this file adds only read keys of another type
// (WRONGTYPE) or create small strings/lists on them.
//
// A sequence is a list of units: a unit is one plain step or a whole MULTI/WATCH block, so that
// shrinking keeps blocks intact or removes them whole (`shrinkUnits`), then drops single steps
// inside blocks while keeping their MULTI and EXEC/DISCARD.
//
// Exports:
//   Step, Unit                  {conn, argv, origin}; Unit = Step[]
//   generateMulti(seed, n)      units totalling about n steps (deterministic per seed)
//   flatten(units)              the steps in order
//   Normaliser                  per-connection reply normaliser that follows MULTI queues, so
//                               each element of an EXEC array is normalised by its own command
//   shrinkUnits(units, fails)   shortest failing unit sequence, blocks kept whole, then minimal
//                               blocks
//   formatStep(step)            "[c1] SET k v" for reports
import { formatCommand, generate, normalise, Prng, shrink } from './diff-gen.ts';
import { generateHashesSets, normaliseHashesSets } from './diff-gen-hashes-sets.ts';
import { generateListsZsets } from './diff-gen-lists-zsets.ts';
import type { Arg, RespValue } from './resp-client.ts';

/** Which generator a command comes from: selects its reply normaliser. */
export type Origin = 'strings' | 'hashes-sets' | 'lists-zsets' | 'tx';

export interface Step {
  conn: 0 | 1;
  argv: Arg[];
  origin: Origin;
}

export type Unit = Step[];

const TX_CONTROL = new Set(['MULTI', 'EXEC', 'DISCARD']);

const nameOf = (argv: readonly Arg[]): string => String(argv[0]).toUpperCase();

/** Pulls plain commands from the three existing generators, each its own seeded stream. */
class Streams {
  private readonly streams: Array<{ origin: Origin; cmds: Arg[][]; next: number }>;
  constructor(seed: number, n: number) {
    const sub = (k: number) => (Math.imul(seed, 0x9e3779b1) + k * 0x7f4a7c15) >>> 0;
    this.streams = [
      { origin: 'strings', cmds: generate(sub(1), n), next: 0 },
      { origin: 'hashes-sets', cmds: generateHashesSets(sub(2), n), next: 0 },
      { origin: 'lists-zsets', cmds: generateListsZsets(sub(3), n), next: 0 },
    ];
  }
  /** The next command of a randomly chosen stream (weights 4:3:3). */
  next(r: Prng, conn: 0 | 1): Step {
    const x = r.int(10);
    const s = this.streams[x < 4 ? 0 : x < 7 ? 1 : 2]!;
    const argv = s.cmds[s.next++ % s.cmds.length]!;
    return { conn, argv, origin: s.origin };
  }
}

const tx = (conn: 0 | 1, ...argv: Arg[]): Step => ({ conn, argv, origin: 'tx' });

// Keys of every family, for WATCH and for type confusion inside transactions.
const WATCH_KEYS = [
  'k0',
  'k1',
  'k2',
  '',
  'f:0',
  'h0',
  'h1',
  'hx',
  's0',
  'si0',
  'b0',
  'l0',
  'l1',
  'z0',
  'x0',
  'nokey',
];

/** A command that is queued fine but fails when EXEC runs it. */
function execTimeError(r: Prng): Arg[] {
  switch (r.int(12)) {
    case 0:
      return ['INCR', r.pick(['h0', 's0', 'l0', 'z0', 'si0'])];
    case 1:
      return ['LPUSH', r.pick(['k0', 'k1', 'h0', 's1', 'z0']), 'x'];
    case 2:
      return ['HGET', r.pick(['k0', 'l0', 's0', 'z1']), 'a'];
    case 3:
      return ['ZSCORE', r.pick(['k1', 'h1', 'l1', 'si1']), 'a'];
    case 4:
      return ['APPEND', r.pick(['h0', 'l0', 'z0', 's0', 'k2']), 'x'];
    case 5:
      return ['GET', r.pick(['h0', 'l0', 's0', 'z0', 'si0', 'x0'])];
    case 6:
      return ['SET', r.pick(['k0', 'k1']), 'v', ...r.pick([['FOO'], ['EX', '0'], ['NX', 'XX'], ['EX', 'x']])];
    case 7:
      return [
        'ZADD',
        r.pick(['z0', 'z1']),
        ...r.pick([['NX', 'XX'], ['GT', 'LT'], ['GT', 'NX'], ['INCR']]),
        '1',
        'a',
        ...(r.chance(0.5) ? ['2', 'b'] : []),
      ];
    case 8:
      return r.pick([
        ['EXPIRE', 'k0', 'x'],
        ['INCRBY', 'k1', 'x'],
        ['LPOS', 'l0', 'a', 'RANK', '0'],
        ['HINCRBY', 'h0', 'a', 'x'],
        ['ZRANGE', 'z0', '0', '-1', 'BYLEX'],
        ['SPOP', 's0', '-1'],
        ['LRANGE', 'l0', 'a', '0'],
        ['GETEX', 'k0', 'EX', 'x'],
        ['SORT', 'l0', 'LIMIT'],
        ['BITFIELD', 'b0', 'GET', 'x8', '0'],
        ['SETBIT', 'b0', '-1', '1'],
      ]);
    case 9:
      return ['SADD', r.pick(['k1', 'h2', 'l1', 'z2']), 'm'];
    case 10:
      return ['HSET', r.pick(['k2', 'l0', 'z0', 's2']), 'a', '1'];
    default:
      return ['RPUSH', r.pick(['h1', 'k0', 'si2']), 'y'];
  }
}

/** A command refused at queue time: flags the transaction, EXEC answers EXECABORT. */
function queueTimeError(r: Prng): Arg[] {
  return r.pick([
    ['NOSUCHCOMMAND', 'k0'],
    ['nosuch'],
    ['GET'],
    ['SET', 'k0'],
    ['HSET', 'h0', 'a'],
    ['ZADD', 'z0', '1'],
    ['LPUSH', 'l0'],
    ['EXPIRE', 'k0'],
    ['SELECT'],
    ['OBJECT', 'FOO', 'k0'],
    ['OBJECT', 'ENCODING'],
    ['CONFIG', 'NOPE'],
  ]);
}

/** Queued commands for one MULTI on `conn`; the other connection sometimes writes in between. */
function queued(r: Prng, s: Streams, conn: 0 | 1, allowAbort: boolean): Step[] {
  const out: Step[] = [];
  const n = r.int(7);
  for (let i = 0; i < n; i++) {
    const x = r.int(100);
    if (x < 55) out.push(s.next(r, conn));
    else if (x < 75) out.push(tx(conn, ...execTimeError(r)));
    else if (x < 85) out.push(tx(conn, 'SELECT', r.pick(['0', '0', '1', '2', '16', 'x', '-1'])));
    else if (x < 88) out.push(tx(conn, ...r.pick([['MULTI'], ['WATCH', r.pick(WATCH_KEYS)]])));
    else if (x < 92 && allowAbort) out.push(tx(conn, ...queueTimeError(r)));
    else out.push(s.next(r, conn === 0 ? 1 : 0));
  }
  return out;
}

function multiBlock(r: Prng, s: Streams): Unit {
  const conn: 0 | 1 = r.chance(0.8) ? 0 : 1;
  const end = r.chance(0.85) ? 'EXEC' : 'DISCARD';
  return [tx(conn, 'MULTI'), ...queued(r, s, conn, r.chance(0.3)), tx(conn, end)];
}

/** WATCH on connection 0, activity on both connections, then MULTI ... EXEC on connection 0. */
function watchBlock(r: Prng, s: Streams): Unit {
  const out: Step[] = [];
  // The other connection's command is drawn first so that its key is often a watched one.
  const modification = s.next(r, 1);
  const watched = new Set<string>();
  const target = modification.argv[1];
  if (target !== undefined && r.chance(0.7)) watched.add(String(target));
  for (let i = r.int(3); i > 0 || watched.size === 0; i--) watched.add(r.pick(WATCH_KEYS));
  out.push(tx(0, 'WATCH', ...watched));
  if (r.chance(0.2)) out.push(tx(0, 'WATCH', r.pick(WATCH_KEYS)));
  if (r.chance(0.3)) out.push(s.next(r, 0));
  if (r.chance(0.8)) out.push(modification);
  if (r.chance(0.25)) {
    // Writes that leave the key as it was (no-ops) or recreate it as it was.
    const k = r.pick([...watched]);
    out.push(
      tx(
        r.chance(0.8) ? 1 : 0,
        ...r.pick<Arg[]>([
          ['DEL', k],
          ['PERSIST', k],
          ['EXPIRE', k, '1000', 'XX'],
          ['SET', k, 'w', 'NX'],
          ['SET', k, 'w', 'XX'],
          ['APPEND', k, ''],
          ['SETRANGE', k, '0', ''],
          ['HDEL', k, 'nofield'],
          ['SREM', k, 'nomember'],
          ['LREM', k, '0', 'noitem'],
          ['ZREM', k, 'nomember'],
          ['LPUSHX', k, 'y'],
          ['LSET', k, '0', 'a'],
          ['SETBIT', k, '0', '0'],
          ['BITFIELD', k, 'INCRBY', 'u8', '0', '0'],
          ['GETEX', k, 'PERSIST'],
          ['ZADD', k, 'NX', '0', 'a'],
          ['ZREMRANGEBYSCORE', k, '5', '6'],
          ['SORT', k],
          ['RENAME', k, k],
          ['COPY', k, 'k4'],
          ['MOVE', k, '1'],
          ['SELECT', '1'],
          ['FLUSHDB'],
        ]),
      ),
    );
  }
  if (r.chance(0.15)) out.push(tx(0, 'UNWATCH'));
  out.push(tx(0, 'MULTI'), ...queued(r, s, 0, r.chance(0.1)), tx(0, r.chance(0.9) ? 'EXEC' : 'DISCARD'));
  return out;
}

function strayControl(r: Prng): Unit {
  const conn: 0 | 1 = r.chance(0.7) ? 0 : 1;
  return [tx(conn, ...r.pick<Arg[]>([['EXEC'], ['DISCARD'], ['UNWATCH'], ['WATCH', r.pick(WATCH_KEYS)]]))];
}

/** Units totalling about n steps (the last unit may end a few steps past n). */
export function generateMulti(seed: number, n: number): Unit[] {
  const r = new Prng(seed ^ 0x3c3c3c3c);
  const s = new Streams(seed, n + 16);
  const units: Unit[] = [];
  let steps = 0;
  while (steps < n) {
    const x = r.int(100);
    const u =
      x < 68
        ? [s.next(r, r.chance(0.15) ? 1 : 0)]
        : x < 85
          ? multiBlock(r, s)
          : x < 97
            ? watchBlock(r, s)
            : strayControl(r);
    units.push(u);
    steps += u.length;
  }
  return units;
}

export function flatten(units: readonly Unit[]): Step[] {
  return units.flat();
}

function normaliseOne(step: Step, reply: RespValue): string {
  return step.origin === 'hashes-sets' ? normaliseHashesSets(step.argv, reply) : normalise(step.argv, reply);
}

/**
 * Normalises the replies of one server in order. It follows each connection's transaction
 * state from the server's own replies (MULTI +OK opens a queue, +QUEUED adds to it), so that
 * the elements of an EXEC array are normalised by the commands they answer.
 */
export class Normaliser {
  private readonly queues: Array<Step[] | undefined> = [undefined, undefined];

  reply(step: Step, reply: RespValue): string {
    const name = nameOf(step.argv);
    const q = this.queues[step.conn];
    if (q !== undefined && !TX_CONTROL.has(name) && name !== 'WATCH') {
      if (reply.type === 'simple' && reply.value === 'QUEUED') q.push(step);
      return normaliseOne(step, reply);
    }
    if (name === 'MULTI') {
      if (q === undefined && reply.type === 'simple' && reply.value === 'OK') this.queues[step.conn] = [];
      return normaliseOne(step, reply);
    }
    if (name === 'EXEC' || name === 'DISCARD') {
      this.queues[step.conn] = undefined;
      if (name === 'EXEC' && q !== undefined && reply.type === 'array' && reply.value.length === q.length) {
        return `[${reply.value.map((v, i) => normaliseOne(q[i]!, v)).join(', ')}]`;
      }
    }
    return normaliseOne(step, reply);
  }
}

/**
 * Shrinks a failing unit sequence: first whole units (blocks kept intact or removed whole) by
 * diff-gen's delta debugging, then the steps inside each remaining block, never its MULTI or
 * EXEC/DISCARD. `fails` replays a flattened candidate on fresh servers.
 */
export async function shrinkUnits(
  units: readonly Unit[],
  fails: (steps: readonly Step[]) => Promise<boolean>,
): Promise<Unit[]> {
  let cur = await shrink(units, (us) => fails(flatten(us)));
  for (let i = 0; i < cur.length; i++) {
    const unit = cur[i]!;
    if (unit.length < 2) continue;
    const removable = unit.map((_, j) => j).filter((j) => !TX_CONTROL.has(nameOf(unit[j]!.argv)));
    if (removable.length === 0) continue;
    const rebuild = (keep: readonly number[]): Unit =>
      unit.filter((st, j) => TX_CONTROL.has(nameOf(st.argv)) || keep.includes(j));
    const withUnit = (u: Unit): Unit[] => [...cur.slice(0, i), u, ...cur.slice(i + 1)];
    // Try the block with none of its removable steps first; `shrink` needs two or more items.
    if (await fails(flatten(withUnit(rebuild([]))))) {
      cur = withUnit(rebuild([]));
      continue;
    }
    const keep = await shrink(removable, (ks) => fails(flatten(withUnit(rebuild(ks)))), 500);
    cur = withUnit(rebuild(keep));
  }
  return cur;
}

export function formatStep(step: Step): string {
  return `[c${step.conn}] ${formatCommand(step.argv)}`;
}
