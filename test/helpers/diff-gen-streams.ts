// Seeded random command generator over streams for the differential test
// (differential-streams.test.ts). Commands collide on two streams (plus a string key and a
// missing one), with explicit IDs only (a `*` ID is the server's clock), small and large values
// (listpack encodings: integers, short and long strings), frequent changes of
// stream-node-max-entries and one stream-node-max-bytes per seed, so that node boundaries, `~`
// trimming, LIMIT and XINFO's radix-tree-keys / radix-tree-nodes are all exercised. Consumer
// groups run with min-idle-time 0 or huge (never a race with the clock). stream-node-max-bytes
// does not change mid-sequence: lowering it under a node created with a bigger one crashes
// redis-server 7.0.15 (an assertion in listpack.c on the next read of the stream).
//
// Exports:
//   generateStreams(seed, n)           n commands (argv arrays)
//   normaliseStreams(argv, reply)      `normalise` with delivery, seen and idle times replaced
import { normalise, Prng } from './diff-gen.ts';
import type { Arg, RespValue } from './resp-client.ts';

const STREAMS = ['s0', 's1'];
const OTHER = ['str', 'missing'];
const GROUPS = ['g0', 'g1'];
const CONSUMERS = ['alice', 'bob', 'carol'];
const FIELDS = ['f', 'g', 'field', '1', ''];
const VALUES: readonly Arg[] = [
  'v',
  '',
  '0',
  '-1',
  '127',
  '128',
  '4095',
  '-4097',
  '007',
  'x'.repeat(70),
  'y'.repeat(300),
];
const NODE_ENTRIES = ['0', '1', '2', '3', '5', '100'];
const NODE_BYTES = ['0', '40', '100', '250', '4096'];

const pick = <T>(r: Prng, xs: readonly T[]): T => r.pick(xs);
const stream = (r: Prng): string => (r.chance(0.05) ? pick(r, OTHER) : pick(r, STREAMS));

/** An ID near the others: small ms and seq, sometimes incomplete or special. */
function id(r: Prng): string {
  const ms = 1 + r.int(40);
  if (r.chance(0.1)) return String(ms);
  return `${ms}-${r.int(4)}`;
}

function rangeBound(r: Prng, start: boolean): string {
  if (r.chance(0.2)) return start ? '-' : '+';
  return r.chance(0.2) ? `(${id(r)}` : id(r);
}

function fields(r: Prng): Arg[] {
  const out: Arg[] = [];
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) out.push(pick(r, FIELDS), pick(r, VALUES));
  return out;
}

function trimSpec(r: Prng): Arg[] {
  const out: Arg[] = r.chance(0.6) ? ['MAXLEN'] : ['MINID'];
  const approx = r.chance(0.5);
  if (approx) out.push('~');
  else if (r.chance(0.3)) out.push('=');
  out.push(out[0] === 'MAXLEN' ? String(r.int(12)) : id(r));
  if (approx && r.chance(0.4)) out.push('LIMIT', String(r.int(8)));
  return out;
}

function xadd(r: Prng): Arg[] {
  const out: Arg[] = ['XADD', stream(r)];
  if (r.chance(0.1)) out.push('NOMKSTREAM');
  if (r.chance(0.3)) out.push(...trimSpec(r));
  const ms = 1 + r.int(40);
  out.push(r.chance(0.2) ? `${ms}-*` : id(r));
  return [...out, ...fields(r)];
}

function groupCommand(r: Prng): Arg[] {
  const s = stream(r);
  const g = pick(r, GROUPS);
  switch (r.int(6)) {
    case 0:
      return ['XGROUP', 'CREATE', s, g, r.chance(0.5) ? '$' : id(r), ...(r.chance(0.3) ? ['MKSTREAM'] : [])];
    case 1:
      return [
        'XGROUP',
        'SETID',
        s,
        g,
        r.chance(0.3) ? '$' : id(r),
        ...(r.chance(0.3) ? ['ENTRIESREAD', String(r.int(10))] : []),
      ];
    case 2:
      return ['XGROUP', 'DESTROY', s, g];
    case 3:
      return ['XGROUP', 'CREATECONSUMER', s, g, pick(r, CONSUMERS)];
    case 4:
      return ['XGROUP', 'DELCONSUMER', s, g, pick(r, CONSUMERS)];
    default:
      return ['XACK', s, g, id(r), id(r)];
  }
}

function readGroup(r: Prng): Arg[] {
  const out: Arg[] = ['XREADGROUP', 'GROUP', pick(r, GROUPS), pick(r, CONSUMERS)];
  if (r.chance(0.6)) out.push('COUNT', String(1 + r.int(4)));
  if (r.chance(0.2)) out.push('NOACK');
  return [...out, 'STREAMS', stream(r), r.chance(0.75) ? '>' : id(r)];
}

function claim(r: Prng): Arg[] {
  const idle = r.chance(0.8) ? '0' : '100000000';
  if (r.chance(0.5)) {
    const out: Arg[] = [
      'XAUTOCLAIM',
      stream(r),
      pick(r, GROUPS),
      pick(r, CONSUMERS),
      idle,
      rangeBound(r, true),
    ];
    if (r.chance(0.5)) out.push('COUNT', String(1 + r.int(4)));
    if (r.chance(0.3)) out.push('JUSTID');
    return out;
  }
  const out: Arg[] = ['XCLAIM', stream(r), pick(r, GROUPS), pick(r, CONSUMERS), idle, id(r), id(r)];
  if (r.chance(0.3)) out.push('TIME', String(1000 + r.int(1000)));
  if (r.chance(0.3)) out.push('RETRYCOUNT', String(r.int(5)));
  if (r.chance(0.2)) out.push('FORCE');
  if (r.chance(0.3)) out.push('JUSTID');
  if (r.chance(0.2)) out.push('LASTID', id(r));
  return out;
}

function inspect(r: Prng): Arg[] {
  const s = stream(r);
  switch (r.int(8)) {
    case 0:
      return [
        'XRANGE',
        s,
        rangeBound(r, true),
        rangeBound(r, false),
        ...(r.chance(0.3) ? ['COUNT', String(r.int(5))] : []),
      ];
    case 1:
      return [
        'XREVRANGE',
        s,
        rangeBound(r, false),
        rangeBound(r, true),
        ...(r.chance(0.3) ? ['COUNT', String(r.int(5))] : []),
      ];
    case 2:
      return ['XINFO', 'STREAM', s];
    case 3:
      return ['XINFO', 'STREAM', s, 'FULL', ...(r.chance(0.5) ? ['COUNT', String(r.int(4))] : [])];
    case 4:
      return ['XINFO', 'GROUPS', s];
    case 5:
      return ['XPENDING', s, pick(r, GROUPS), ...(r.chance(0.5) ? ['-', '+', '10'] : [])];
    case 6:
      return ['XREAD', 'COUNT', String(1 + r.int(5)), 'STREAMS', s, id(r)];
    default:
      return ['XINFO', 'CONSUMERS', s, pick(r, GROUPS)];
  }
}

function one(r: Prng): Arg[] {
  const k = r.int(100);
  if (k < 35) return xadd(r);
  if (k < 42) return ['XDEL', stream(r), id(r), ...(r.chance(0.4) ? [id(r)] : [])];
  if (k < 47) return ['XTRIM', stream(r), ...trimSpec(r)];
  if (k < 50)
    return ['XSETID', stream(r), id(r), ...(r.chance(0.3) ? ['ENTRIESADDED', String(r.int(60))] : [])];
  if (k < 53) return ['CONFIG', 'SET', 'stream-node-max-entries', pick(r, NODE_ENTRIES)];
  if (k < 63) return groupCommand(r);
  if (k < 70) return readGroup(r);
  if (k < 75) return claim(r);
  if (k < 76) return r.chance(0.5) ? ['DEL', stream(r)] : ['SET', 'str', 'v'];
  return inspect(r);
}

/** `n` commands for `seed`; stream-node-max-entries starts at Redis's default. */
export function generateStreams(seed: number, n: number): Arg[][] {
  const r = new Prng(seed);
  const out: Arg[][] = [
    ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
    ['CONFIG', 'SET', 'stream-node-max-bytes', pick(r, NODE_BYTES)],
  ];
  while (out.length < n) out.push(one(r));
  return out;
}

/** `normalise`, then times that depend on the clock: delivery and seen times (13-digit ms since
 * the epoch) and idle times (XPENDING's third field, XINFO CONSUMERS' idle). */
export function normaliseStreams(argv: readonly Arg[], reply: RespValue): string {
  let s = normalise(argv, reply);
  s = s.replace(/:\d{13}\b/g, ':<ms>');
  s = s.replace(/("idle"(?:, |: )):\d+/g, '$1:<idle>');
  if (String(argv[0]).toUpperCase() === 'XPENDING') s = s.replace(/(\["[^"]*", "[^"]*", ):\d+/g, '$1:<idle>');
  return s;
}
