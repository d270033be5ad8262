// Redis 7.0 compatibility of EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (kv scripting/).
// What: exact replies in RESP2 and RESP3 of scripts returning every Lua type, redis.call and
// redis.pcall with the command's own errors, error tables and status tables, redis.setresp(3)
// conversions, shebang flags (no-writes) and the *_RO refusals, the refusals of redis.call
// (unknown command, arity, noscript commands), globals protection and read-only library tables,
// KEYS/ARGV and SELECT inside a script, EVALSHA after EVAL and SCRIPT LOAD/EXISTS/FLUSH, the bit
// library, and EVAL inside MULTI.
// How: raw RESP (helpers/resp-client.ts) with exact reply types against Seshat and a real
// redis-server (helpers/targets.ts), each sequence on a RESP2 and on a RESP3 connection.
import t from 'tap';
import { type Case, checkCasesBothProtocols, forEachTarget } from './helpers/targets.ts';

const sha = (s: string) => s; // SHAs below were computed by redis-server (SCRIPT LOAD).
const RET = 'return redis.call("get", KEYS[1])';

const CONVERSIONS: Case[] = [
  [
    ['EVAL', 'return {1, "a", {ok="fine"}, 3.7, -2.9, true, false, nil, 5}', '0'],
    '[:1, "a", +fine, :3, :-2, :1, $-1]',
    '[:1, "a", +fine, :3, :-2, :1, _]',
  ],
  [['EVAL', 'return {err="My Error"}', '0'], '-My Error'],
  [['EVAL', 'return redis.error_reply("XX bad")', '0'], '-XX bad'],
  [['EVAL', 'return redis.status_reply("FINE")', '0'], '+FINE'],
  [['EVAL', 'return {double=3.5}', '0'], '"3.5"', ',3.5'],
  [['EVAL', 'return {map={a=1}}', '0'], '["a", :1]', '{"a": :1}'],
  [['SET', 'k', 'v'], '+OK'],
  [['EVAL', RET, '1', 'k'], '"v"'],
  [['EVAL', 'return redis.call("get", KEYS[1])', '1', 'nokey'], '$-1', '_'],
  [['EVAL', 'redis.setresp(3) return redis.call("get", KEYS[1]) == nil', '1', 'nokey'], ':1', '#t'],
  [
    ['EVAL', 'return redis.call("incr", "k")', '0'],
    /^-ERR value is not an integer or out of range script: \w+, on @user_script:1\.$/,
  ],
  [['EVAL', 'return redis.pcall("incr", "k")', '0'], '-ERR value is not an integer or out of range'],
  [['EVAL', 'return redis.call("nope")', '0'], /^-ERR Unknown Redis command called from script script: /],
  [
    ['EVAL', 'return redis.call("get")', '0'],
    /^-ERR Wrong number of args calling Redis command from script script: /,
  ],
  [
    ['EVAL', 'return redis.call("eval", "return 1", 0)', '0'],
    /^-ERR This Redis command is not allowed from script script: /,
  ],
  [
    ['EVAL', 'return redis.call()', '0'],
    /^-ERR Please specify at least one argument for this redis lib call script: /,
  ],
  [
    ['EVAL', 'return redis.call("set", {}, 1)', '0'],
    /^-ERR Lua redis lib command arguments must be strings or integers script: /,
  ],
  [['EVAL', 'return redis.call("set", "n", 3.5) and redis.call("get", "n")', '0'], '"3.5"'],
  [['EVAL', 'return KEYS[1] .. ARGV[1] .. #KEYS .. #ARGV', '1', 'a', 'b', 'c'], '"ab12"'],
  [['EVAL', 'return 1', '-1'], "-ERR Number of keys can't be negative"],
  [['EVAL', 'return 1', '2', 'a'], "-ERR Number of keys can't be greater than number of args"],
  [['EVAL', 'return 1', 'x'], '-ERR value is not an integer or out of range'],
  [['EVAL', 'return +', '0'], /^-ERR Error compiling script \(new function\): user_script:1: /],
  [['EVAL', 'return bit.tohex(65535, -4) .. bit.band(0xff, 0x0f, 7)', '0'], '"FFFF7"'],
  [['EVAL', 'return redis.sha1hex("")', '0'], '"da39a3ee5e6b4b0d3255bfef95601890afd80709"'],
  [['EVAL', 'return redis.call("select", 1) and redis.call("set", "indb1", "x")', '0'], '+OK'],
  [['GET', 'indb1'], '$-1', '_'],
];

const PROTECTION: Case[] = [
  [
    ['EVAL', 'a = 1', '0'],
    /^-ERR user_script:1: Attempt to modify a readonly table script: \w+, on @user_script:1\.$/,
  ],
  [
    ['EVAL', 'return b', '0'],
    /^-ERR user_script:1: Script attempted to access nonexistent global variable 'b' script: /,
  ],
  [['EVAL', 'redis.call = 1', '0'], /^-ERR user_script:1: Attempt to modify a readonly table/],
  [['EVAL', 'setmetatable(_G, {})', '0'], /^-ERR Attempt to modify a readonly table script: /],
  [['EVAL', 'bit.lshift = 1', '0'], /Attempt to modify a readonly table/],
  [['EVAL', 'print("x")', '0'], /Script attempted to access nonexistent global variable 'print'/],
  [
    ['EVAL', 'return loadstring(string.dump(function() return 1 end))()', '0'],
    /^-ERR user_script:1: attempt to call a nil value/,
  ],
];

const FLAGS_AND_CACHE: Case[] = [
  [['SCRIPT', 'FLUSH'], '+OK'],
  [['SCRIPT', 'LOAD', RET], `"${sha('a5260dd66ce02462c5b5231c727b3f7772c0bcc5')}"`],
  [['EVALSHA', 'a5260dd66ce02462c5b5231c727b3f7772c0bcc5', '1', 'nokey'], '$-1', '_'],
  [['EVALSHA', 'A5260DD66CE02462C5B5231C727B3F7772C0BCC5', '1', 'nokey'], '$-1', '_'],
  [['EVALSHA_RO', 'a5260dd66ce02462c5b5231c727b3f7772c0bcc5', '1', 'nokey'], '$-1', '_'],
  [
    [
      'SCRIPT',
      'EXISTS',
      'a5260dd66ce02462c5b5231c727b3f7772c0bcc5',
      'ffffffffffffffffffffffffffffffffffffffff',
    ],
    '[:1, :0]',
  ],
  [['SCRIPT', 'FLUSH', 'x'], '-ERR SCRIPT FLUSH only support SYNC|ASYNC option'],
  [['SCRIPT', 'FLUSH', 'ASYNC'], '+OK'],
  [
    ['EVALSHA', 'a5260dd66ce02462c5b5231c727b3f7772c0bcc5', '1', 'nokey'],
    '-NOSCRIPT No matching script. Please use EVAL.',
  ],
  [['EVALSHA', 'short', '0'], '-NOSCRIPT No matching script. Please use EVAL.'],
  [['SCRIPT', 'KILL'], '-NOTBUSY No scripts in execution right now.'],
  [
    ['EVAL_RO', 'return redis.call("set", "k", "v")', '0'],
    /^-ERR Write commands are not allowed from read-only scripts\. script: /,
  ],
  [['EVAL_RO', '#!lua\nreturn 1', '0'], '-ERR Can not execute a script with write flag using *_ro command.'],
  [['EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0'], ':1'],
  [
    ['EVAL', '#!lua flags=no-writes\nreturn redis.call("set", "k", "v")', '0'],
    /^-ERR Write commands are not allowed from read-only scripts\. script: \w+, on @user_script:2\.$/,
  ],
  [['EVAL', '#!lua flags=bogus\nreturn 1', '0'], '-ERR Unexpected flag in script shebang: bogus'],
  [['EVAL', '#!lua foo=bar\nreturn 1', '0'], '-ERR Unknown lua shebang option: foo=bar'],
  [['EVAL', '#!python\nreturn 1', '0'], '-ERR Unexpected engine in script shebang: #!python'],
  [['EVAL', '#!lua', '0'], '-ERR Invalid script shebang'],
  [['MULTI'], '+OK'],
  [['EVAL', 'return redis.call("incr", KEYS[1])', '1', 'cnt'], '+QUEUED'],
  [['EVAL', 'return redis.call("incr", KEYS[1])', '1', 'cnt'], '+QUEUED'],
  [['EXEC'], '[:1, :2]'],
];

/** Commands a script may not run as a client would (Redis: CLIENT_SCRIPT checks). */
const REFUSED_IN_SCRIPTS: Case[] = [
  [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'], '+OK'],
  [['EVAL', "return redis.pcall('xread', 'STREAMS', 's', '$')", '1', 's'], '$-1', '_'],
  [
    ['EVAL', "return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', 's', '$')", '1', 's'],
    '-ERR xread command is not allowed with BLOCK option from scripts',
  ],
  [
    [
      'EVAL',
      "return redis.pcall('xreadgroup', 'group', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>')",
      '1',
      's',
    ],
    '-ERR xreadgroup command is not allowed with BLOCK option from scripts',
  ],
  [['MULTI'], '+OK'],
  [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'], '+QUEUED'],
  [['EXEC'], '[*-1]', '[_]'],
];

forEachTarget(t, async (t, { server }) => {
  t.test('conversions and redis.call', (t) => checkCasesBothProtocols(t, server, CONVERSIONS));
  t.test('globals protection', (t) => checkCasesBothProtocols(t, server, PROTECTION));
  t.test('flags, *_RO and the script cache', (t) => checkCasesBothProtocols(t, server, FLAGS_AND_CACHE));
  t.test('stream reads with BLOCK refused in scripts', (t) =>
    checkCasesBothProtocols(t, server, REFUSED_IN_SCRIPTS),
  );
});
