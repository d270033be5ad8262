// Redis 7.0 compatibility of SORT and SORT_RO over lists, sets and sorted sets: numeric and
// ALPHA order, ASC/DESC, LIMIT, BY (patterns, hash fields, nosort), GET (#, keys, hash
// fields), STORE (a list; empty results delete the destination), C strtod's number rules and
// the error texts.
// How: every case runs against Seshat and a real redis-server 7.0.15 (helpers/targets.ts), on
// RESP2 and RESP3, with exact replies. Sets are only sorted (their own order is unspecified)
// except intsets, whose order Redis defines.
import t from 'tap';
import { type Case, checkCasesBothProtocols, forEachTarget } from './helpers/targets.ts';

const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INT = '-ERR value is not an integer or out of range';
const SYNTAX = '-ERR syntax error';
const NOT_DOUBLE = "-ERR One or more scores can't be converted into double";

const SETUP: Case[] = [
  [['RPUSH', 'l', '3', '1', '10', '2', '-1.5'], ':5'],
  [['SADD', 's', 'b', 'a', 'c'], ':3'],
  [['SADD', 'si', '30', '10', '20'], ':3'],
  [['ZADD', 'z', '3', 'x', '1', 'y', '2', 'w'], ':3'],
  [['MSET', 'w_3', '1', 'w_1', '3', 'w_10', '2', 'w_2', '5', 'w_-1.5', '4'], '+OK'],
  [['MSET', 'n_3', 'three', 'n_1', 'one', 'n_10', 'ten', 'n_2', 'two'], '+OK'],
  [['HSET', 'h_x', 'f', '9'], ':1'],
  [['HSET', 'h_y', 'f', '7'], ':1'],
  [['HSET', 'h_w', 'f', '8'], ':1'],
];

const CASES: Case[] = [
  ...SETUP,
  [['SORT', 'l'], '["-1.5", "1", "2", "3", "10"]'],
  [['SORT', 'l', 'DESC'], '["10", "3", "2", "1", "-1.5"]'],
  [['SORT', 'l', 'ALPHA'], '["-1.5", "1", "10", "2", "3"]'],
  [['SORT', 'l', 'LIMIT', '1', '2'], '["1", "2"]'],
  [['SORT', 'l', 'LIMIT', '-5', '2'], '["-1.5", "1"]'],
  [['SORT', 'l', 'LIMIT', '3', '-1'], '["3", "10"]'],
  [['SORT', 'l', 'LIMIT', '10', '2'], '[]'],
  [['SORT', 'l', 'LIMIT', '0', '0'], '[]'],
  [['SORT', 'l', 'BY', 'nosort'], '["3", "1", "10", "2", "-1.5"]'],
  [['SORT', 'l', 'BY', 'nosort', 'DESC'], '["-1.5", "2", "10", "1", "3"]'],
  [['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2'], '["1", "10"]'],
  [['SORT', 'l', 'BY', 'w_*'], '["3", "10", "1", "-1.5", "2"]'],
  [['SORT', 'l', 'BY', 'w_*', 'DESC', 'LIMIT', '0', '2'], '["2", "-1.5"]'],
  [['SORT', 'l', 'BY', 'missing_*'], '["-1.5", "1", "10", "2", "3"]'],
  [['SORT', 'l', 'BY', 'n_*', 'ALPHA'], '["-1.5", "1", "10", "3", "2"]'],
  [['SORT', 'l', 'GET', 'n_*'], '[$-1, "one", "two", "three", "ten"]', '[_, "one", "two", "three", "ten"]'],
  [['SORT', 'l', 'GET', '#', 'GET', 'w_*', 'LIMIT', '0', '2'], '["-1.5", "4", "1", "3"]'],
  [['SORT', 'l', 'GET', 'nostar', 'LIMIT', '0', '1'], '[$-1]', '[_]'],
  [['SORT', 's', 'ALPHA'], '["a", "b", "c"]'],
  [['SORT', 's', 'ALPHA', 'DESC'], '["c", "b", "a"]'],
  [['SORT', 's'], NOT_DOUBLE],
  [['SORT', 'si'], '["10", "20", "30"]'],
  [['SORT', 'si', 'BY', 'nosort', 'DESC'], '["10", "20", "30"]'],
  [['SORT', 'z', 'ALPHA'], '["w", "x", "y"]'],
  [['SORT', 'z', 'BY', 'nosort'], '["y", "w", "x"]'],
  [['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '0', '2'], '["x", "w"]'],
  [['SORT', 'z', 'BY', 'h_*->f'], '["y", "w", "x"]'],
  [
    ['SORT', 'z', 'ALPHA', 'GET', 'h_*->f', 'GET', 'h_*->nofield', 'GET', '#'],
    '["8", $-1, "w", "9", $-1, "x", "7", $-1, "y"]',
    '["8", _, "w", "9", _, "x", "7", _, "y"]',
  ],
  [['SORT', 'z', 'ALPHA', 'GET', 'h_*->'], '[$-1, $-1, $-1]', '[_, _, _]'],
  [['SORT', 'l', 'STORE', 'dst'], ':5'],
  [['LRANGE', 'dst', '0', '-1'], '["-1.5", "1", "2", "3", "10"]'],
  [['TYPE', 'dst'], '+list'],
  [['SORT', 'l', 'GET', 'n_*', 'STORE', 'dst'], ':5'],
  [['LRANGE', 'dst', '0', '-1'], '["", "one", "two", "three", "ten"]'],
  [['SORT', 's', 'BY', 'nosort', 'STORE', 'dst'], ':3'],
  [['LRANGE', 'dst', '0', '-1'], '["a", "b", "c"]'],
  [['SORT', 'nokey', 'STORE', 'dst'], ':0'],
  [['EXISTS', 'dst'], ':0'],
  [['SORT', 'nokey'], '[]'],
  [['SORT_RO', 'l', 'LIMIT', '0', '2'], '["-1.5", "1"]'],
  [['SORT_RO', 'l', 'STORE', 'dst'], SYNTAX],
  [['SORT', 'l', 'LIMIT', 'x', '1'], NOT_INT],
  [['SORT', 'l', 'LIMIT', '0'], SYNTAX],
  [['SORT', 'l', 'FOO'], SYNTAX],
  [['SORT', 'l', 'BY'], SYNTAX],
  [['SET', 'str', 'x'], '+OK'],
  [['SORT', 'str'], WRONGTYPE],
  [['SORT_RO', 'h_x'], WRONGTYPE],
  [['SORT', 'str', 'FOO'], SYNTAX],
  [['OBJECT', 'ENCODING', 'z'], '"skiplist"'],
];

/** C strtod rules: leading space, hex, inf, empty string accepted; trailing text, nan,
 * overflow and subnormal results refused. */
const NUMBERS: Case[] = [
  [
    [
      'RPUSH',
      'ok',
      ' 5',
      '',
      '0x10',
      '-inf',
      'infinity',
      '1e2',
      '+3',
      '.5',
      '5.',
      '0X1P-2',
      '-0',
      '2.2250738585072014e-308',
    ],
    ':12',
  ],
  [
    ['SORT', 'ok'],
    '["-inf", "", "-0", "2.2250738585072014e-308", "0X1P-2", ".5", "+3", " 5", "5.", "0x10", "1e2", "infinity"]',
  ],
  ...['5 ', '0x', '1e', 'nan', '1e400', '1e-310', '  ', 'abc'].flatMap((bad): Case[] => [
    [['DEL', 'bad'], /^:[01]$/],
    [['RPUSH', 'bad', '1', bad], ':2'],
    [['SORT', 'bad'], NOT_DOUBLE],
    [['SORT', 'bad', 'BY', 'nosort'], `["1", "${bad}"]`],
  ]),
];

forEachTarget(t, async (t, { server }) => {
  t.test('SORT and SORT_RO over lists, sets and sorted sets', (t) =>
    checkCasesBothProtocols(t, server, CASES),
  );
  t.test('numeric conversion follows C strtod', (t) => checkCasesBothProtocols(t, server, NUMBERS));
});
