// Redis 7.0 compatibility of the list commands (LPUSH/RPUSH/LPUSHX/RPUSHX, LPOP/RPOP with
// count, LLEN, LRANGE, LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH, LMPOP) and of
// OBJECT ENCODING for lists.
// How: every case runs against Seshat and a real redis-server 7.0.15 (helpers/targets.ts) over
// raw RESP, in RESP2 and RESP3; expectations were recorded from redis-server 7.0.15. Further
// tests cover binary-safe items, long lists (positions far from zero, LINDEX/LSET/LINSERT/LREM
// in the middle) checked against an in-test model, and ioredis.
import t from 'tap';
import { show } from './helpers/resp-client.ts';
import { type Case, checkCasesBothProtocols, connect, forEachTarget, ioredis } from './helpers/targets.ts';

const BASIC: Case[] = [
  [['LPUSH', 'l'], "-ERR wrong number of arguments for 'lpush' command"],
  [['LPUSH', 'l', 'a', 'b', 'c'], ':3'],
  [['RPUSH', 'l', 'd', 'e'], ':5'],
  [['LRANGE', 'l', '0', '-1'], '["c", "b", "a", "d", "e"]'],
  [['LLEN', 'l'], ':5'],
  [['LLEN', 'nol'], ':0'],
  [['LPUSHX', 'nol', 'a'], ':0'],
  [['RPUSHX', 'nol', 'a'], ':0'],
  [['EXISTS', 'nol'], ':0'],
  [['LPUSHX', 'l', 'x'], ':6'],
  [['RPUSHX', 'l', 'f', 'g'], ':8'],
  [['LRANGE', 'l', '0', '-1'], '["x", "c", "b", "a", "d", "e", "f", "g"]'],
  [['LRANGE', 'l', '-3', '-1'], '["e", "f", "g"]'],
  [['LRANGE', 'l', '-100', '100'], '["x", "c", "b", "a", "d", "e", "f", "g"]'],
  [['LRANGE', 'l', '5', '1'], '[]'],
  [['LRANGE', 'l', '2', '2'], '["b"]'],
  [['LRANGE', 'l', '0', '9223372036854775807'], '["x", "c", "b", "a", "d", "e", "f", "g"]'],
  [['LRANGE', 'l', '-9223372036854775808', '-1'], '["x", "c", "b", "a", "d", "e", "f", "g"]'],
  [
    ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
    '["x", "c", "b", "a", "d", "e", "f", "g"]',
  ],
  [['LRANGE', 'l', 'x', '1'], '-ERR value is not an integer or out of range'],
  [['LRANGE', 'l', '0', '1.5'], '-ERR value is not an integer or out of range'],
  [['LRANGE', 'nol', '0', '-1'], '[]'],
  [['LRANGE', 'nol', 'x', '1'], '-ERR value is not an integer or out of range'],
  [['LINDEX', 'l', '0'], '"x"'],
  [['LINDEX', 'l', '-1'], '"g"'],
  [['LINDEX', 'l', '3'], '"a"'],
  [['LINDEX', 'l', '-8'], '"x"'],
  [['LINDEX', 'l', '100'], '$-1'],
  [['LINDEX', 'l', '-100'], '$-1'],
  [['LINDEX', 'l', 'x'], '-ERR value is not an integer or out of range'],
  [['LINDEX', 'nol', 'x'], '$-1'],
  [['LINDEX', 'nol', '0'], '$-1'],
  [['LSET', 'l', '0', 'z'], '+OK'],
  [['LSET', 'l', '-1', 'last'], '+OK'],
  [['LSET', 'l', '100', 'z'], '-ERR index out of range'],
  [['LSET', 'l', '-100', 'z'], '-ERR index out of range'],
  [['LSET', 'l', 'x', 'z'], '-ERR value is not an integer or out of range'],
  [['LSET', 'nol', '0', 'z'], '-ERR no such key'],
  [['LSET', 'nol', 'x', 'z'], '-ERR no such key'],
  [['LRANGE', 'l', '0', '-1'], '["z", "c", "b", "a", "d", "e", "f", "last"]'],
  [['LPUSH', 'empty', ''], ':1'],
  [['LRANGE', 'empty', '0', '-1'], '[""]'],
];

const POP: Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g'], ':7'],
  [['LPOP', 'l'], '"a"'],
  [['RPOP', 'l'], '"g"'],
  [['LPOP', 'l', '0'], '[]'],
  [['LPOP', 'l', '2'], '["b", "c"]'],
  [['RPOP', 'l', '2'], '["f", "e"]'],
  [['RPOP', 'l', '1'], '["d"]'],
  [['LPOP', 'l', '-1'], '-ERR value is out of range, must be positive'],
  [['LPOP', 'l', 'x'], '-ERR value is out of range, must be positive'],
  [['LPOP', 'l', '1', '2'], "-ERR wrong number of arguments for 'lpop' command"],
  [['LPOP', 'nol'], '$-1'],
  [['LPOP', 'nol', '2'], '*-1'],
  [['LPOP', 'nol', '0'], '*-1'],
  [['RPOP', 'nol'], '$-1'],
  [['RPOP', 'nol', '3'], '*-1'],
  [['LLEN', 'l'], ':0'],
  [['LPOP', 'l', '100'], '*-1'],
  [['EXISTS', 'l'], ':0'],
  [['RPUSH', 'l', 'a', 'b', 'c'], ':3'],
  [['RPOP', 'l', '9223372036854775807'], '["c", "b", "a"]'],
  [['EXISTS', 'l'], ':0'],
  [['RPUSH', 'l', 'x'], ':1'],
  [['LPOP', 'l'], '"x"'],
  [['LPOP', 'l'], '$-1'],
  [['LPOP', 'l', '1'], '*-1'],
];

const INSERT: Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'], ':5'],
  [['LINSERT', 'l', 'BEFORE', 'a', 'X'], ':6'],
  [['LINSERT', 'l', 'AFTER', 'e', 'Y'], ':7'],
  [['LINSERT', 'l', 'before', 'c', 'M'], ':8'],
  [['LINSERT', 'l', 'after', 'c', 'N'], ':9'],
  [['LRANGE', 'l', '0', '-1'], '["X", "a", "b", "M", "c", "N", "d", "e", "Y"]'],
  [['LINSERT', 'l', 'AFTER', 'nope', 'X'], ':-1'],
  [['LINSERT', 'l', 'MIDDLE', 'c', 'X'], '-ERR syntax error'],
  [['LINSERT', 'nol', 'BEFORE', 'a', 'b'], ':0'],
  [['EXISTS', 'nol'], ':0'],
  [['LINSERT', 'l', 'BEFORE', 'b', 'B1'], ':10'],
  [['LINSERT', 'l', 'AFTER', 'd', 'D1'], ':11'],
  [['LRANGE', 'l', '0', '-1'], '["X", "a", "B1", "b", "M", "c", "N", "d", "D1", "e", "Y"]'],
  [['LINDEX', 'l', '3'], '"b"'],
  [['LINDEX', 'l', '-3'], '"D1"'],
  [['LLEN', 'l'], ':11'],
  [['RPUSH', 'dup', 'a', 'x', 'a', 'x', 'a'], ':5'],
  [['LINSERT', 'dup', 'AFTER', 'a', 'Q'], ':6'],
  [['LRANGE', 'dup', '0', '-1'], '["a", "Q", "x", "a", "x", "a"]'],
  [['LINSERT', 'dup', 'BEFORE', 'x', ''], ':7'],
  [['LRANGE', 'dup', '0', '-1'], '["a", "Q", "", "x", "a", "x", "a"]'],
];

const REM: Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'd', 'a'], ':7'],
  [['LREM', 'l', '2', 'a'], ':2'],
  [['LRANGE', 'l', '0', '-1'], '["b", "c", "a", "d", "a"]'],
  [['LREM', 'l', '-1', 'a'], ':1'],
  [['LRANGE', 'l', '0', '-1'], '["b", "c", "a", "d"]'],
  [['LREM', 'l', '0', 'a'], ':1'],
  [['LRANGE', 'l', '0', '-1'], '["b", "c", "d"]'],
  [['LREM', 'l', '0', 'zz'], ':0'],
  [['LREM', 'l', 'x', 'a'], '-ERR value is not an integer or out of range'],
  [['LREM', 'nol', '0', 'a'], ':0'],
  [['RPUSH', 'm', 'x', 'y', 'x', 'y', 'x', 'y', 'x', 'y', 'x'], ':9'],
  [['LREM', 'm', '-2', 'x'], ':2'],
  [['LRANGE', 'm', '0', '-1'], '["x", "y", "x", "y", "x", "y", "y"]'],
  [['LREM', 'm', '1', 'y'], ':1'],
  [['LRANGE', 'm', '0', '-1'], '["x", "x", "y", "x", "y", "y"]'],
  [['LREM', 'm', '0', 'y'], ':3'],
  [['LRANGE', 'm', '0', '-1'], '["x", "x", "x"]'],
  [['LREM', 'm', '0', 'x'], ':3'],
  [['EXISTS', 'm'], ':0'],
  [['RPUSH', 'n', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], ':10'],
  [['LREM', 'n', '1', '9'], ':1'],
  [['LREM', 'n', '1', '2'], ':1'],
  [['LREM', 'n', '-1', '5'], ':1'],
  [['LRANGE', 'n', '0', '-1'], '["1", "3", "4", "6", "7", "8", "10"]'],
  [['LINDEX', 'n', '0'], '"1"'],
  [['LINDEX', 'n', '-1'], '"10"'],
  [['LPUSH', 'n', '0'], ':8'],
  [['RPUSH', 'n', '11'], ':9'],
  [['LRANGE', 'n', '0', '-1'], '["0", "1", "3", "4", "6", "7", "8", "10", "11"]'],
];

const TRIM: Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'], ':6'],
  [['LTRIM', 'l', '1', '-2'], '+OK'],
  [['LRANGE', 'l', '0', '-1'], '["b", "c", "d", "e"]'],
  [['LTRIM', 'l', '0', '100'], '+OK'],
  [['LRANGE', 'l', '0', '-1'], '["b", "c", "d", "e"]'],
  [['LTRIM', 'l', '-2', '-1'], '+OK'],
  [['LRANGE', 'l', '0', '-1'], '["d", "e"]'],
  [['LTRIM', 'l', '5', '1'], '+OK'],
  [['EXISTS', 'l'], ':0'],
  [['LTRIM', 'nol', '0', '1'], '+OK'],
  [['LTRIM', 'l', 'x', '1'], '-ERR value is not an integer or out of range'],
  [['RPUSH', 'l', 'a', 'b', 'c'], ':3'],
  [['LTRIM', 'l', '-100', '0'], '+OK'],
  [['LRANGE', 'l', '0', '-1'], '["a"]'],
  [['LTRIM', 'l', '0', '-100'], '+OK'],
  [['EXISTS', 'l'], ':0'],
  [['RPUSH', 'l', 'a', 'b', 'c'], ':3'],
  [['LTRIM', 'l', '1', '1'], '+OK'],
  [['LRANGE', 'l', '0', '-1'], '["b"]'],
];

const POS: Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'd'], ':6'],
  [['LPOS', 'l', 'a'], ':0'],
  [['LPOS', 'l', 'a', 'RANK', '2'], ':2'],
  [['LPOS', 'l', 'a', 'RANK', '-1'], ':4'],
  [['LPOS', 'l', 'a', 'RANK', '-2'], ':2'],
  [['LPOS', 'l', 'a', 'RANK', '4'], '$-1'],
  [['LPOS', 'l', 'a', 'COUNT', '0'], '[:0, :2, :4]'],
  [['LPOS', 'l', 'a', 'COUNT', '2'], '[:0, :2]'],
  [['LPOS', 'l', 'a', 'COUNT', '2', 'RANK', '2'], '[:2, :4]'],
  [['LPOS', 'l', 'a', 'COUNT', '0', 'RANK', '-1'], '[:4, :2, :0]'],
  [
    ['LPOS', 'l', 'a', 'rank', '0'],
    "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
  ],
  [['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'], ':4'],
  [['LPOS', 'l', 'a', 'RANK', '-9223372036854775808', 'COUNT', '1'], '[:4, :2, :0]'],
  [['LPOS', 'l', 'a', 'RANK', '9223372036854775807'], '$-1'],
  [['LPOS', 'l', 'a', 'COUNT', '-1'], "-ERR COUNT can't be negative"],
  [['LPOS', 'l', 'a', 'MAXLEN', '-1'], "-ERR MAXLEN can't be negative"],
  [['LPOS', 'l', 'a', 'MAXLEN', '2', 'COUNT', '0'], '[:0]'],
  [['LPOS', 'l', 'a', 'MAXLEN', '1', 'RANK', '2'], '$-1'],
  [['LPOS', 'l', 'a', 'MAXLEN', '2', 'RANK', '-1'], ':4'],
  [['LPOS', 'l', 'd', 'MAXLEN', '0'], ':5'],
  [['LPOS', 'l', 'x'], '$-1'],
  [['LPOS', 'l', 'x', 'COUNT', '0'], '[]'],
  [['LPOS', 'nol', 'a'], '$-1'],
  [['LPOS', 'nol', 'a', 'COUNT', '1'], '[]'],
  [['LPOS', 'l', 'a', 'foo'], '-ERR syntax error'],
  [['LPOS', 'l', 'a', 'RANK'], '-ERR syntax error'],
  [['LPOS', 'l', 'a', 'RANK', 'x'], '-ERR value is not an integer or out of range'],
  [['LPOS', 'l', 'a', 'COUNT', '1', 'COUNT', '2'], '[:0, :2]'],
];

const MOVE: Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'c'], ':3'],
  [['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], '"a"'],
  [['LMOVE', 'l', 'l2', 'RIGHT', 'LEFT'], '"c"'],
  [['LRANGE', 'l', '0', '-1'], '["b"]'],
  [['LRANGE', 'l2', '0', '-1'], '["c", "a"]'],
  [['LMOVE', 'l', 'l2', 'up', 'right'], '-ERR syntax error'],
  [['LMOVE', 'nol', 'l2', 'left', 'left'], '$-1'],
  [['EXISTS', 'nol'], ':0'],
  [['LMOVE', 'l', 'l2', 'left', 'left'], '"b"'],
  [['EXISTS', 'l'], ':0'],
  [['LRANGE', 'l2', '0', '-1'], '["b", "c", "a"]'],
  [['LMOVE', 'l2', 'l2', 'LEFT', 'RIGHT'], '"b"'],
  [['LRANGE', 'l2', '0', '-1'], '["c", "a", "b"]'],
  [['LMOVE', 'l2', 'l2', 'RIGHT', 'LEFT'], '"b"'],
  [['LRANGE', 'l2', '0', '-1'], '["b", "c", "a"]'],
  [['RPUSH', 'one', 'x'], ':1'],
  [['LMOVE', 'one', 'one', 'LEFT', 'LEFT'], '"x"'],
  [['LRANGE', 'one', '0', '-1'], '["x"]'],
  [['RPOPLPUSH', 'one', 'one'], '"x"'],
  [['LRANGE', 'one', '0', '-1'], '["x"]'],
  [['RPOPLPUSH', 'l2', 'l3'], '"a"'],
  [['RPOPLPUSH', 'nol', 'l3'], '$-1'],
  [['LRANGE', 'l3', '0', '-1'], '["a"]'],
  [['SET', 's', 'v'], '+OK'],
  [
    ['LMOVE', 'one', 's', 'LEFT', 'LEFT'],
    '-WRONGTYPE Operation against a key holding the wrong kind of value',
  ],
  [['LRANGE', 'one', '0', '-1'], '["x"]'],
  [['LMOVE', 'nol', 's', 'LEFT', 'LEFT'], '$-1'],
  [
    ['LMOVE', 's', 'one', 'LEFT', 'LEFT'],
    '-WRONGTYPE Operation against a key holding the wrong kind of value',
  ],
  [['RPOPLPUSH', 'one', 's'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['RPOPLPUSH', 's', 'one'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
];

const MPOP: Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'c', 'd'], ':4'],
  [['LMPOP', '1', 'l', 'LEFT'], '["l", ["a"]]'],
  [['LMPOP', '1', 'l', 'RIGHT', 'COUNT', '2'], '["l", ["d", "c"]]'],
  [['LMPOP', '1', 'l', 'left', 'count', '10'], '["l", ["b"]]'],
  [['EXISTS', 'l'], ':0'],
  [['LMPOP', '1', 'nol', 'LEFT'], '*-1'],
  [['RPUSH', 'l2', 'x', 'y'], ':2'],
  [['LMPOP', '3', 'nol', 'l2', 'l', 'RIGHT'], '["l2", ["y"]]'],
  [['LMPOP', '2', 'nol', 'l2', 'LEFT', 'COUNT', '5'], '["l2", ["x"]]'],
  [['LMPOP', '0', 'l', 'LEFT'], '-ERR numkeys should be greater than 0'],
  [['LMPOP', '-1', 'l', 'LEFT'], '-ERR numkeys should be greater than 0'],
  [['LMPOP', 'x', 'l', 'LEFT'], '-ERR numkeys should be greater than 0'],
  [['LMPOP', '2', 'l', 'LEFT'], '-ERR syntax error'],
  [['LMPOP', '1', 'l', 'MIDDLE'], '-ERR syntax error'],
  [['LMPOP', '1', 'l', 'LEFT', 'COUNT', '0'], '-ERR count should be greater than 0'],
  [['LMPOP', '1', 'l', 'LEFT', 'COUNT', '-1'], '-ERR count should be greater than 0'],
  [['LMPOP', '1', 'l', 'LEFT', 'COUNT', 'x'], '-ERR count should be greater than 0'],
  [['LMPOP', '1', 'l', 'LEFT', 'COUNT', '1', 'COUNT', '2'], '-ERR syntax error'],
  [['LMPOP', '1', 'l', 'LEFT', 'FOO'], '-ERR syntax error'],
  [['LMPOP', '1', 'l', 'LEFT', 'COUNT'], '-ERR syntax error'],
  [['SET', 's', 'v'], '+OK'],
  [['RPUSH', 'l3', 'q'], ':1'],
  [['LMPOP', '2', 's', 'l3', 'LEFT'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LMPOP', '2', 'l3', 's', 'LEFT'], '["l3", ["q"]]'],
  [['LMPOP', '2', 'nol', 's', 'LEFT'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
];

const WRONGTYPE: Case[] = [
  [['SET', 's', 'v'], '+OK'],
  [['LPUSH', 's', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['RPUSH', 's', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LPUSHX', 's', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['RPUSHX', 's', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LPOP', 's'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['RPOP', 's', '2'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LLEN', 's'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LRANGE', 's', '0', '-1'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LINDEX', 's', '0'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LSET', 's', '0', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [
    ['LINSERT', 's', 'BEFORE', 'a', 'b'],
    '-WRONGTYPE Operation against a key holding the wrong kind of value',
  ],
  [['LREM', 's', '0', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LTRIM', 's', '0', '1'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['LPOS', 's', 'a'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['RPUSH', 'l', 'a'], ':1'],
  [['GET', 'l'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['INCR', 'l'], '-WRONGTYPE Operation against a key holding the wrong kind of value'],
  [['TYPE', 'l'], '+list'],
  [['OBJECT', 'ENCODING', 'l'], '"quicklist"'],
];

/** A deterministic walk of list operations mirrored on a JS array (positions far from zero). */
function modelOps(): { argv: (string | Buffer)[]; want: (model: string[]) => string }[] {
  const ops: { argv: (string | Buffer)[]; want: (model: string[]) => string }[] = [];
  let x = 12345;
  const rnd = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  for (let i = 0; i < 400; i++) {
    const v = `v${rnd(50)}`;
    const k = rnd(12);
    if (k < 3) ops.push({ argv: ['LPUSH', 'big', v], want: (m) => `:${m.unshift(v)}` });
    else if (k < 6) ops.push({ argv: ['RPUSH', 'big', v], want: (m) => `:${m.push(v)}` });
    else if (k === 6) {
      const idx = rnd(60) - 30;
      ops.push({
        argv: ['LINDEX', 'big', String(idx)],
        want: (m) => {
          const j = idx < 0 ? m.length + idx : idx;
          return j >= 0 && j < m.length ? `"${m[j]}"` : '$-1';
        },
      });
    } else if (k === 7) {
      const idx = rnd(40);
      ops.push({
        argv: ['LSET', 'big', String(idx), `set${i}`],
        want: (m) => {
          if (idx >= m.length) return '-ERR index out of range';
          m[idx] = `set${i}`;
          return '+OK';
        },
      });
    } else if (k === 8) {
      const after = rnd(2) === 0;
      ops.push({
        argv: ['LINSERT', 'big', after ? 'AFTER' : 'BEFORE', v, `ins${i}`],
        want: (m) => {
          const j = m.indexOf(v);
          if (j < 0) return ':-1';
          m.splice(after ? j + 1 : j, 0, `ins${i}`);
          return `:${m.length}`;
        },
      });
    } else if (k === 9) {
      const count = rnd(5) - 2;
      ops.push({ argv: ['LREM', 'big', String(count), v], want: (m) => `:${lremModel(m, count, v)}` });
    } else if (k === 10) {
      ops.push({ argv: ['LPOP', 'big'], want: (m) => (m.length ? `"${m.shift()}"` : '$-1') });
    } else {
      ops.push({ argv: ['RPOP', 'big'], want: (m) => (m.length ? `"${m.pop()}"` : '$-1') });
    }
  }
  return ops;
}

function lremModel(m: string[], count: number, v: string): number {
  let removed = 0;
  const limit = count === 0 ? Number.POSITIVE_INFINITY : Math.abs(count);
  if (count >= 0) {
    for (let i = 0; i < m.length && removed < limit; ) {
      if (m[i] === v) {
        m.splice(i, 1);
        removed++;
      } else i++;
    }
  } else {
    for (let i = m.length - 1; i >= 0 && removed < limit; i--) {
      if (m[i] === v) {
        m.splice(i, 1);
        removed++;
      }
    }
  }
  return removed;
}

forEachTarget(t, async (t, { server }) => {
  t.test('LPUSH/RPUSH/LPUSHX/RPUSHX, LLEN, LRANGE, LINDEX, LSET', (t) =>
    checkCasesBothProtocols(t, server, BASIC),
  );
  t.test('LPOP/RPOP with and without count', (t) => checkCasesBothProtocols(t, server, POP));
  t.test('LINSERT', (t) => checkCasesBothProtocols(t, server, INSERT));
  t.test('LREM', (t) => checkCasesBothProtocols(t, server, REM));
  t.test('LTRIM', (t) => checkCasesBothProtocols(t, server, TRIM));
  t.test('LPOS with RANK/COUNT/MAXLEN', (t) => checkCasesBothProtocols(t, server, POS));
  t.test('LMOVE and RPOPLPUSH', (t) => checkCasesBothProtocols(t, server, MOVE));
  t.test('LMPOP', (t) => checkCasesBothProtocols(t, server, MPOP));
  t.test('WRONGTYPE, TYPE and OBJECT ENCODING', (t) => checkCasesBothProtocols(t, server, WRONGTYPE));

  t.test('binary-safe items (all 256 byte values)', async (t) => {
    const c = await connect(t, server);
    await c.send(['FLUSHALL']);
    const items = Array.from({ length: 256 }, (_, i) => Buffer.from([i, 0, 255 - i]));
    const bulk = (v: Buffer) => show({ type: 'bulk', value: v });
    t.equal(show(await c.send(['RPUSH', 'bin', ...items])), ':256');
    t.equal(show(await c.send(['LRANGE', 'bin', '0', '-1'])), `[${items.map(bulk).join(', ')}]`);
    t.equal(show(await c.send(['LPOS', 'bin', items[13]!])), ':13');
    t.equal(show(await c.send(['LINSERT', 'bin', 'BEFORE', items[0]!, Buffer.from([0])])), ':257');
    t.equal(show(await c.send(['LINDEX', 'bin', '0'])), bulk(Buffer.from([0])));
    t.equal(show(await c.send(['LREM', 'bin', '0', items[200]!])), ':1');
    t.equal(show(await c.send(['LINDEX', 'bin', '-1'])), bulk(items[255]!));
    t.equal(show(await c.send(['LINDEX', 'bin', '200'])), bulk(items[199]!));
    t.equal(show(await c.send(['LINDEX', 'bin', '201'])), bulk(items[201]!));
  });

  t.test('a long list against a model (LINDEX/LSET/LINSERT/LREM in the middle)', async (t) => {
    const c = await connect(t, server);
    await c.send(['FLUSHALL']);
    const m: string[] = [];
    for (let i = 0; i < 300; i++) m.push(`v${i % 50}`);
    await c.send(['RPUSH', 'big', ...m.slice(150)]);
    await c.send(['LPUSH', 'big', ...m.slice(0, 150).reverse()]);
    const replies = await c.pipeline(modelOps().map((o) => o.argv));
    const ops = modelOps();
    let bad = 0;
    for (let i = 0; i < ops.length; i++) {
      const want = ops[i]!.want(m);
      const got = replies[i]!;
      const shown =
        got.type === 'bulk'
          ? `"${got.value.toString()}"`
          : got.type === 'integer'
            ? `:${got.value}`
            : got.type === 'nullBulk'
              ? '$-1'
              : got.type === 'simple'
                ? `+${got.value}`
                : got.type === 'error'
                  ? `-${got.value}`
                  : '?';
      if (shown !== want && bad++ < 5) t.equal(shown, want, `${ops[i]!.argv.join(' ')} (op ${i})`);
    }
    t.equal(bad, 0, 'every reply matches the model');
    t.equal(show(await c.send(['LRANGE', 'big', '0', '-1'])), `[${m.map((v) => `"${v}"`).join(', ')}]`);
    t.equal(show(await c.send(['LLEN', 'big'])), `:${m.length}`);
    t.equal(show(await c.send(['OBJECT', 'ENCODING', 'big'])), '"quicklist"');
  });

  for (const protocol of [2, 3] as const) {
    t.test(`ioredis (protocol ${protocol})`, async (t) => {
      const r = await ioredis(t, server, { protocol });
      await r.flushall();
      t.equal(await r.rpush('q', 'a', 'b', 'c', 'd'), 4);
      t.same(await r.lrange('q', 0, -1), ['a', 'b', 'c', 'd']);
      t.equal(await r.lpop('q'), 'a');
      t.same(await r.rpop('q', 2), ['d', 'c']);
      t.equal(await r.lmove('q', 'p', 'LEFT', 'RIGHT'), 'b');
      t.equal(await r.exists('q'), 0);
      t.same(await r.lmpop(1, 'p', 'LEFT', 'COUNT', 5), ['p', ['b']]);
      t.equal(await r.lpop('p'), null);
    });
  }
});
