// Redis 7.0 compatibility of the server commands: INFO (sections, fields, format), DBSIZE,
// FLUSHDB, FLUSHALL, TIME, COMMAND (COUNT/INFO/DOCS/GETKEYS, list), CONFIG GET/SET/RESETSTAT (every Redis
// 7.0 parameter: aliases, bounds, memory and percent values, flags, atomic multi-pair SET, which
// error wins, every parameter accepting its own value as in Redis's "CONFIG sanity"),
// DEBUG SLEEP (only with enable-debug-command), SHUTDOWN and SIGTERM exit codes.
// How: exact replies against Seshat and a real redis-server (helpers/targets.ts). Values that
// legitimately differ between servers (versions, pids, counters, COMMAND COUNT) are checked by
// shape; COMMAND INFO/DOCS of foundation commands are compared exactly, in RESP2 and RESP3,
// because cluster-aware clients read key positions from them (every command Seshat has is
// compared with a live redis-server in compat-command-table.test.ts). SHUTDOWN gets its own server.
import t, { type Test } from 'tap';
import { redisCli, redisCliAvailable } from './helpers/redis-cli.ts';
import { type RespClient, type RespValue, show, text } from './helpers/resp-client.ts';
import { startServer } from './helpers/server.ts';
import {
  type Case,
  checkCases,
  checkCasesBothProtocols,
  connect,
  forEachTarget,
  ioredis,
  targets,
} from './helpers/targets.ts';

const WRONG_ARGS = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command`;
const SYNTAX = '-ERR syntax error';

const DEFAULT_INFO_SECTIONS = [
  'Server',
  'Clients',
  'Memory',
  'Persistence',
  'Stats',
  'Replication',
  'CPU',
  'Modules',
  'Errorstats',
  'Cluster',
  'Keyspace',
];

/** Every command of the foundation set; each must appear in COMMAND and COMMAND INFO. */
const FOUNDATION_COMMANDS = [
  'ping', 'echo', 'hello', 'auth', 'quit', 'reset', 'select', 'client', 'info', 'dbsize', 'flushdb',
  'flushall', 'time', 'command', 'config', 'shutdown', 'debug', 'get', 'set', 'setnx', 'setex', 'psetex',
  'getset', 'getdel', 'getex', 'mget', 'mset', 'msetnx', 'append', 'strlen', 'getrange', 'setrange',
  'substr', 'incr', 'decr', 'incrby', 'decrby', 'incrbyfloat', 'lcs', 'del', 'unlink', 'exists', 'type',
  'rename', 'renamenx', 'copy', 'move', 'keys', 'scan', 'randomkey', 'touch', 'object', 'expire',
  'pexpire', 'expireat', 'pexpireat', 'ttl', 'pttl', 'expiretime', 'pexpiretime', 'persist',
]; // biome-ignore format: a table

/** The commands in ACL category @string in Redis 7.0.15, sorted. */
const STRING_COMMANDS = [
  'append', 'decr', 'decrby', 'get', 'getdel', 'getex', 'getrange', 'getset', 'incr', 'incrby',
  'incrbyfloat', 'lcs', 'mget', 'mset', 'msetnx', 'psetex', 'set', 'setex', 'setnx', 'setrange',
  'strlen', 'substr',
]; // biome-ignore format: a table

const KEY_SPEC_1 = (flags: string, lastkey: number) =>
  `[["flags", [${flags}], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :${lastkey}, "keystep", :1, "limit", :0]]]]`;
const KEY_SPEC_3 = (flags: string, lastkey: number, notes = '') =>
  `~[{${notes}"flags": ~[${flags}], "begin_search": {"type": "index", "spec": {"index": :1}}, "find_keys": {"type": "range", "spec": {"lastkey": :${lastkey}, "keystep": :1, "limit": :0}}}]`;

const COMMAND_INFO: Case[] = [
  [
    ['COMMAND', 'INFO', 'get'],
    `[["get", :2, [+readonly, +fast], :1, :1, :1, [+@read, +@string, +@fast], [], ${KEY_SPEC_1('+RO, +access', 0)}, []]]`,
    `[["get", :2, ~[+readonly, +fast], :1, :1, :1, ~[+@read, +@string, +@fast], ~[], ${KEY_SPEC_3('+RO, +access', 0)}, ~[]]]`,
  ],
  [
    ['COMMAND', 'INFO', 'mget', 'nosuch'],
    `[["mget", :-2, [+readonly, +fast], :1, :-1, :1, [+@read, +@string, +@fast], ["request_policy:multi_shard"], ${KEY_SPEC_1('+RO, +access', -1)}, []], $-1]`,
    `[["mget", :-2, ~[+readonly, +fast], :1, :-1, :1, ~[+@read, +@string, +@fast], ~["request_policy:multi_shard"], ${KEY_SPEC_3('+RO, +access', -1)}, ~[]], _]`,
  ],
  [
    ['COMMAND', 'INFO', 'DEL'],
    `[["del", :-2, [+write], :1, :-1, :1, [+@keyspace, +@write, +@slow], ["request_policy:multi_shard", "response_policy:agg_sum"], ${KEY_SPEC_1('+RM, +delete', -1)}, []]]`,
    `[["del", :-2, ~[+write], :1, :-1, :1, ~[+@keyspace, +@write, +@slow], ~["request_policy:multi_shard", "response_policy:agg_sum"], ${KEY_SPEC_3('+RM, +delete', -1)}, ~[]]]`,
  ],
  [
    ['COMMAND', 'INFO', 'set'],
    '[["set", :-3, [+write, +denyoom], :1, :1, :1, [+@write, +@string, +@slow], [], [["notes", "RW and ACCESS due to the optional `GET` argument", "flags", [+RW, +access, +update, +variable_flags], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]',
    `[["set", :-3, ~[+write, +denyoom], :1, :1, :1, ~[+@write, +@string, +@slow], ~[], ${KEY_SPEC_3('+RW, +access, +update, +variable_flags', 0, '"notes": "RW and ACCESS due to the optional `GET` argument", ')}, ~[]]]`,
  ],
  [['COMMAND', 'INFO', 'nosuch'], '[$-1]', '[_]'],
  [
    ['COMMAND', 'DOCS', 'get'],
    '["get", ["summary", "Get the value of a key", "since", "1.0.0", "group", "string", "complexity", "O(1)", "arguments", [["name", "key", "type", "key", "key_spec_index", :0]]]]',
    '{"get": {"summary": "Get the value of a key", "since": "1.0.0", "group": "string", "complexity": "O(1)", "arguments": [{"name": "key", "type": "key", "key_spec_index": :0}]}}',
  ],
  [['COMMAND', 'DOCS', 'nosuch'], '[]', '{}'],
  [['COMMAND', 'GETKEYS', 'SET', 'a', 'b'], '["a"]'],
  [['COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'], '["a", "b"]'],
  [['COMMAND', 'GETKEYS', 'COPY', 'src', 'dst'], '["src", "dst"]'],
  [['COMMAND', 'GETKEYS', 'GET'], WRONG_ARGS('command|getkeys')],
  [['COMMAND', 'GETKEYS', 'PING'], WRONG_ARGS('command|getkeys')],
  [['COMMAND', 'GETKEYS', 'PING', 'x'], '-ERR The command has no key arguments'],
  [['COMMAND', 'GETKEYS', 'nosuch', 'a'], '-ERR Invalid command specified'],
  [['COMMAND', 'GETKEYS', 'GET', 'a', 'b'], '-ERR Invalid number of arguments specified for command'],
  [['COMMAND', 'FOO'], "-ERR unknown subcommand 'FOO'. Try COMMAND HELP."],
  [['COMMAND', 'COUNT', 'x'], WRONG_ARGS('command|count')],
  // Key specs with notes, keynum and subcommands; DOCS with doc_flags, history, nested arguments.
  [
    ['COMMAND', 'INFO', 'getex', 'zunionstore'],
    '[["getex", :-2, [+write, +fast], :1, :1, :1, [+@write, +@string, +@fast], [], [["notes", "RW and UPDATE because it changes the TTL", "flags", [+RW, +access, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []], ["zunionstore", :-4, [+write, +denyoom, +movablekeys], :1, :1, :1, [+@write, +@sortedset, +@slow], [], [["flags", [+OW, +update], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]], ["flags", [+RO, +access], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "keynum", "spec", ["keynumidx", :0, "firstkey", :1, "keystep", :1]]]], []]]',
    '[["getex", :-2, ~[+write, +fast], :1, :1, :1, ~[+@write, +@string, +@fast], ~[], ~[{"notes": "RW and UPDATE because it changes the TTL", "flags": ~[+RW, +access, +update], "begin_search": {"type": "index", "spec": {"index": :1}}, "find_keys": {"type": "range", "spec": {"lastkey": :0, "keystep": :1, "limit": :0}}}], ~[]], ["zunionstore", :-4, ~[+write, +denyoom, +movablekeys], :1, :1, :1, ~[+@write, +@sortedset, +@slow], ~[], ~[{"flags": ~[+OW, +update], "begin_search": {"type": "index", "spec": {"index": :1}}, "find_keys": {"type": "range", "spec": {"lastkey": :0, "keystep": :1, "limit": :0}}}, {"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": :2}}, "find_keys": {"type": "keynum", "spec": {"keynumidx": :0, "firstkey": :1, "keystep": :1}}}], ~[]]]',
  ],
  [
    ['COMMAND', 'INFO', 'lmpop', 'OBJECT|encoding'],
    '[["lmpop", :-4, [+write, +movablekeys], :0, :0, :0, [+@write, +@list, +@slow], [], [["flags", [+RW, +access, +delete], "begin_search", ["type", "index", "spec", ["index", :1]], "find_keys", ["type", "keynum", "spec", ["keynumidx", :0, "firstkey", :1, "keystep", :1]]]], []], ["object|encoding", :3, [+readonly], :2, :2, :1, [+@keyspace, +@read, +@slow], ["nondeterministic_output"], [["flags", [+RO], "begin_search", ["type", "index", "spec", ["index", :2]], "find_keys", ["type", "range", "spec", ["lastkey", :0, "keystep", :1, "limit", :0]]]], []]]',
    '[["lmpop", :-4, ~[+write, +movablekeys], :0, :0, :0, ~[+@write, +@list, +@slow], ~[], ~[{"flags": ~[+RW, +access, +delete], "begin_search": {"type": "index", "spec": {"index": :1}}, "find_keys": {"type": "keynum", "spec": {"keynumidx": :0, "firstkey": :1, "keystep": :1}}}], ~[]], ["object|encoding", :3, ~[+readonly], :2, :2, :1, ~[+@keyspace, +@read, +@slow], ~["nondeterministic_output"], ~[{"flags": ~[+RO], "begin_search": {"type": "index", "spec": {"index": :2}}, "find_keys": {"type": "range", "spec": {"lastkey": :0, "keystep": :1, "limit": :0}}}], ~[]]]',
  ],
  [
    ['COMMAND', 'DOCS', 'getset'],
    '["getset", ["summary", "Set the string value of a key and return its old value", "since", "1.0.0", "group", "string", "complexity", "O(1)", "doc_flags", [+deprecated], "deprecated_since", "6.2.0", "replaced_by", "`SET` with the `!GET` argument", "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "value", "type", "string"]]]]',
    '{"getset": {"summary": "Set the string value of a key and return its old value", "since": "1.0.0", "group": "string", "complexity": "O(1)", "doc_flags": ~[+deprecated], "deprecated_since": "6.2.0", "replaced_by": "`SET` with the `!GET` argument", "arguments": [{"name": "key", "type": "key", "key_spec_index": :0}, {"name": "value", "type": "string"}]}}',
  ],
  [
    ['COMMAND', 'DOCS', 'lmpop'],
    '["lmpop", ["summary", "Pop elements from a list", "since", "7.0.0", "group", "list", "complexity", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", "arguments", [["name", "numkeys", "type", "integer"], ["name", "key", "type", "key", "key_spec_index", :0, "flags", [+multiple]], ["name", "where", "type", "oneof", "arguments", [["name", "left", "type", "pure-token", "token", "LEFT"], ["name", "right", "type", "pure-token", "token", "RIGHT"]]], ["name", "count", "type", "integer", "token", "COUNT", "flags", [+optional]]]]]',
    '{"lmpop": {"summary": "Pop elements from a list", "since": "7.0.0", "group": "list", "complexity": "O(N+M) where N is the number of provided keys and M is the number of elements returned.", "arguments": [{"name": "numkeys", "type": "integer"}, {"name": "key", "type": "key", "key_spec_index": :0, "flags": ~[+multiple]}, {"name": "where", "type": "oneof", "arguments": [{"name": "left", "type": "pure-token", "token": "LEFT"}, {"name": "right", "type": "pure-token", "token": "RIGHT"}]}, {"name": "count", "type": "integer", "token": "COUNT", "flags": ~[+optional]}]}}',
  ],
  [
    ['COMMAND', 'DOCS', 'expire'],
    '["expire", ["summary", "Set a key\'s time to live in seconds", "since", "1.0.0", "group", "generic", "complexity", "O(1)", "history", [["7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."]], "arguments", [["name", "key", "type", "key", "key_spec_index", :0], ["name", "seconds", "type", "integer"], ["name", "condition", "type", "oneof", "since", "7.0.0", "flags", [+optional], "arguments", [["name", "nx", "type", "pure-token", "token", "NX"], ["name", "xx", "type", "pure-token", "token", "XX"], ["name", "gt", "type", "pure-token", "token", "GT"], ["name", "lt", "type", "pure-token", "token", "LT"]]]]]]',
    '{"expire": {"summary": "Set a key\'s time to live in seconds", "since": "1.0.0", "group": "generic", "complexity": "O(1)", "history": ~[["7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."]], "arguments": [{"name": "key", "type": "key", "key_spec_index": :0}, {"name": "seconds", "type": "integer"}, {"name": "condition", "type": "oneof", "since": "7.0.0", "flags": ~[+optional], "arguments": [{"name": "nx", "type": "pure-token", "token": "NX"}, {"name": "xx", "type": "pure-token", "token": "XX"}, {"name": "gt", "type": "pure-token", "token": "GT"}, {"name": "lt", "type": "pure-token", "token": "LT"}]}]}}',
  ],
  [['COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'], '["d", "a", "b"]'],
  [['COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT'], '["a", "b"]'],
  [['COMMAND', 'GETKEYS', 'ZINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '1'], '["a", "b", "c"]'],
  [['COMMAND', 'GETKEYS', 'ZUNION', '3', 'a', 'b'], '-ERR Invalid arguments specified for command'],
  [['COMMAND', 'GETKEYS', 'LMPOP', '1', 'a'], '-ERR Invalid number of arguments specified for command'],
  [
    ['COMMAND', 'GETKEYSANDFLAGS', 'LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
    '[["a", [+RW, +access, +delete]], ["b", [+RW, +insert]]]',
    '[["a", ~[+RW, +access, +delete]], ["b", ~[+RW, +insert]]]',
  ],
  [['COMMAND', 'GETKEYS', 'CONFIG', 'GET', 'x'], '-ERR The command has no key arguments'],
  [['COMMAND', 'GETKEYS', 'CONFIG', 'NOSUCH', 'x'], '-ERR Invalid command specified'],
  [['COMMAND', 'GETKEYS', 'OBJECT', 'ENCODING', 'k'], '["k"]'],
  [
    ['COMMAND', 'INFO', 'get|x', 'CONFIG|GET'],
    '[$-1, ["config|get", :-3, [+admin, +noscript, +loading, +stale], :0, :0, :0, [+@admin, +@slow, +@dangerous], [], [], []]]',
    '[_, ["config|get", :-3, ~[+admin, +noscript, +loading, +stale], :0, :0, :0, ~[+@admin, +@slow, +@dangerous], ~[], ~[], ~[]]]',
  ],
  [['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT'], '-ERR syntax error'],
  [['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch'], '[]'],
];

const CONFIG_CASES: Case[] = [
  [['CONFIG', 'GET', 'maxclients'], '["maxclients", "10000"]', '{"maxclients": "10000"}'],
  [['CONFIG', 'GET', 'databases'], '["databases", "16"]', '{"databases": "16"}'],
  [['CONFIG', 'GET', 'timeout'], '["timeout", "0"]', '{"timeout": "0"}'],
  [['CONFIG', 'GET', 'requirepass'], '["requirepass", ""]', '{"requirepass": ""}'],
  [['CONFIG', 'GET', 'save'], '["save", ""]', '{"save": ""}'],
  [
    ['CONFIG', 'GET', 'proto-max-bulk-len'],
    '["proto-max-bulk-len", "536870912"]',
    '{"proto-max-bulk-len": "536870912"}',
  ],
  [['CONFIG', 'GET', 'nosuch'], '[]', '{}'],
  [['CONFIG', 'GET'], WRONG_ARGS('config|get')],
  [['CONFIG', 'SET', 'timeout', '5'], '+OK'],
  [['CONFIG', 'GET', 'timeout'], '["timeout", "5"]', '{"timeout": "5"}'],
  [['CONFIG', 'SET', 'timeout', '0', 'maxclients', '10000'], '+OK'],
  [['CONFIG', 'GET', 'timeout'], '["timeout", "0"]', '{"timeout": "0"}'],
  [['CONFIG', 'SET', 'timeout'], WRONG_ARGS('config|set')],
  [['CONFIG', 'SET', 'nosuch', 'x'], "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"],
  [
    ['CONFIG', 'SET', 'maxclients', 'x'],
    "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer",
  ],
  [
    ['CONFIG', 'SET', 'timeout', '-1'],
    "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive",
  ],
  [
    ['CONFIG', 'SET', 'timeout', '5', 'timeout', '6'],
    "-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter",
  ],
  [
    ['CONFIG', 'SET', 'databases', '20'],
    "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
  ],
  [['CONFIG', 'RESETSTAT'], '+OK'],
  [['CONFIG', 'RESETSTAT', 'x'], WRONG_ARGS('config|resetstat')],
  [['CONFIG', 'FOO'], "-ERR unknown subcommand 'FOO'. Try CONFIG HELP."],
];

const FAILED = (arg: string, why: string) =>
  `-ERR CONFIG SET failed (possibly related to argument '${arg}') - ${why}`;

/** Redis 7.0's parameters: Seshat keeps them (most without effect) with Redis's rules. */
const CONFIG_PARAM_CASES: Case[] = [
  // Aliases: both names work and CONFIG GET echoes the name asked for.
  [['CONFIG', 'SET', 'list-max-ziplist-size', '5'], '+OK'],
  [
    ['CONFIG', 'GET', 'list-max-ziplist-size'],
    '["list-max-ziplist-size", "5"]',
    '{"list-max-ziplist-size": "5"}',
  ],
  [
    ['CONFIG', 'GET', 'list-max-listpack-size'],
    '["list-max-listpack-size", "5"]',
    '{"list-max-listpack-size": "5"}',
  ],
  [['CONFIG', 'SET', 'lua-time-limit', '10', 'busy-reply-threshold', '20'], '+OK'],
  [['CONFIG', 'GET', 'lua-time-limit'], '["lua-time-limit", "20"]', '{"lua-time-limit": "20"}'],
  [['CONFIG', 'SET', 'hash-max-ziplist-value', '1kb'], '+OK'],
  [
    ['CONFIG', 'GET', 'hash-max-listpack-value'],
    '["hash-max-listpack-value", "1024"]',
    '{"hash-max-listpack-value": "1024"}',
  ],
  [
    [
      'CONFIG',
      'SET',
      'set-max-intset-entries',
      '1',
      'zset-max-ziplist-entries',
      '0',
      'list-compress-depth',
      '2',
    ],
    '+OK',
  ],
  [
    ['CONFIG', 'GET', 'zset-max-listpack-entries'],
    '["zset-max-listpack-entries", "0"]',
    '{"zset-max-listpack-entries": "0"}',
  ],
  [
    ['CONFIG', 'SET', 'tracking-table-max-keys', '-1'],
    FAILED('tracking-table-max-keys', 'argument must be between 0 and 9223372036854775807 inclusive'),
  ],
  [['CONFIG', 'SET', 'stream-node-max-bytes', '4kb'], '+OK'],
  [
    ['CONFIG', 'GET', 'stream-node-max-bytes'],
    '["stream-node-max-bytes", "4096"]',
    '{"stream-node-max-bytes": "4096"}',
  ],
  // save: pairs of seconds and changes.
  [['CONFIG', 'SET', 'save', '3000 5'], '+OK'],
  [['CONFIG', 'GET', 'save'], '["save", "3000 5"]', '{"save": "3000 5"}'],
  [['CONFIG', 'SET', 'save', '3000'], FAILED('save', 'Invalid save parameters')],
  [['CONFIG', 'SET', 'save', 'abc 5'], FAILED('save', 'Invalid save parameters')],
  [['CONFIG', 'SET', 'save', ''], '+OK'],
  [['CONFIG', 'GET', 'save'], '["save", ""]', '{"save": ""}'],
  // All or nothing: an invalid value leaves the earlier ones unset.
  [['CONFIG', 'SET', 'maxmemory', '10000002'], '+OK'],
  [
    [
      'CONFIG',
      'SET',
      'maxmemory',
      '10000001',
      'maxmemory-clients',
      '200%',
      'client-query-buffer-limit',
      'invalid',
    ],
    FAILED('maxmemory-clients', 'percentage argument must be less or equal to 100'),
  ],
  [['CONFIG', 'GET', 'maxmemory'], '["maxmemory", "10000002"]', '{"maxmemory": "10000002"}'],
  [['CONFIG', 'GET', 'maxmemory-clients'], '["maxmemory-clients", "0"]', '{"maxmemory-clients": "0"}'],
  [['CONFIG', 'SET', 'maxmemory-clients', '20%'], '+OK'],
  [['CONFIG', 'GET', 'maxmemory-clients'], '["maxmemory-clients", "20%"]', '{"maxmemory-clients": "20%"}'],
  [['CONFIG', 'SET', 'maxmemory', '-1'], FAILED('maxmemory', 'argument must be a memory value')],
  [['CONFIG', 'SET', 'maxmemory', '1.5'], FAILED('maxmemory', 'argument must be a memory value')],
  [['CONFIG', 'SET', 'maxmemory', ''], '+OK'],
  [['CONFIG', 'GET', 'maxmemory'], '["maxmemory", "0"]', '{"maxmemory": "0"}'],
  [['CONFIG', 'SET', 'maxmemory', '18446744073709551615'], '+OK'],
  [
    ['CONFIG', 'GET', 'maxmemory'],
    '["maxmemory", "18446744073709551615"]',
    '{"maxmemory": "18446744073709551615"}',
  ],
  [['CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'allkeys-lru', 'maxmemory-clients', '0'], '+OK'],
  [
    ['CONFIG', 'SET', 'maxmemory-policy', 'bad'],
    FAILED(
      'maxmemory-policy',
      'argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction',
    ),
  ],
  [['CONFIG', 'SET', 'maxmemory-policy', 'NOEVICTION'], '+OK'],
  [
    ['CONFIG', 'SET', 'proto-max-bulk-len', '18446744073709551615'],
    FAILED('proto-max-bulk-len', 'argument must be between 1048576 and 9223372036854775807 inclusive'),
  ],
  [
    ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'],
    FAILED('slowlog-log-slower-than', 'argument must be between -1 and 9223372036854775807 inclusive'),
  ],
  [['CONFIG', 'SET', 'slowlog-log-slower-than', '9223372036854775807'], '+OK'],
  [
    ['CONFIG', 'GET', 'slowlog-log-slower-than'],
    '["slowlog-log-slower-than", "9223372036854775807"]',
    '{"slowlog-log-slower-than": "9223372036854775807"}',
  ],
  [['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'], '+OK'],
  [
    ['CONFIG', 'SET', 'maxclients', '0'],
    FAILED('maxclients', 'argument must be between 1 and 4294967295 inclusive'),
  ],
  [['CONFIG', 'SET', 'unixsocketperm', '999'], FAILED('unixsocketperm', "can't set immutable config")],
  [['CONFIG', 'GET', 'unixsocketperm'], '["unixsocketperm", "0"]', '{"unixsocketperm": "0"}'],
  [
    ['CONFIG', 'SET', 'repl-backlog-size', '0'],
    FAILED('repl-backlog-size', 'argument must be between 1 and 9223372036854775807 inclusive'),
  ],
  // Which error wins: the first of unknown / immutable / protected / repeated names.
  [['CONFIG', 'SET', 'daemonize', 'yes'], FAILED('daemonize', "can't set immutable config")],
  [['CONFIG', 'SET', 'dir', '/tmp'], FAILED('dir', "can't set protected config")],
  [
    ['CONFIG', 'SET', 'nosuch', '1', 'daemonize', 'yes'],
    "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
  ],
  [['CONFIG', 'SET', 'daemonize', 'yes', 'nosuch', '1'], FAILED('daemonize', "can't set immutable config")],
  [['CONFIG', 'SET', 'timeout', '1', 'TIMEOUT', '2'], FAILED('TIMEOUT', 'duplicate parameter')],
  [['CONFIG', 'SET', 'timeout', '0', 'maxclients'], '-ERR syntax error'],
  [['CONFIG', 'SET', 'appendonly', 'maybe'], FAILED('appendonly', "argument must be 'yes' or 'no'")],
  [
    ['CONFIG', 'SET', 'activedefrag', 'yes'],
    FAILED(
      'activedefrag',
      'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution',
    ),
  ],
  [
    ['CONFIG', 'SET', 'enable-debug-command', 'yes'],
    FAILED('enable-debug-command', "can't set immutable config"),
  ],
  [
    ['CONFIG', 'SET', 'loglevel', 'nothing'],
    FAILED('loglevel', 'argument(s) must be one of the following: debug, verbose, notice, warning'),
  ],
  // Flags, enum synonyms, lists.
  [['CONFIG', 'SET', 'shutdown-on-sigint', 'NOW nosave'], '+OK'],
  [
    ['CONFIG', 'GET', 'shutdown-on-sigint'],
    '["shutdown-on-sigint", "nosave now"]',
    '{"shutdown-on-sigint": "nosave now"}',
  ],
  [
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'save nosave'],
    FAILED('shutdown-on-sigint', "shutdown options SAVE and NOSAVE can't be used simultaneously"),
  ],
  [['CONFIG', 'SET', 'shutdown-on-sigint', 'default'], '+OK'],
  [['CONFIG', 'SET', 'oom-score-adj', 'relative'], '+OK'],
  [['CONFIG', 'GET', 'oom-score-adj'], '["oom-score-adj", "yes"]', '{"oom-score-adj": "yes"}'],
  [
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'],
    FAILED('oom-score-adj-values', 'wrong number of arguments'),
  ],
  [
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2 3000'],
    FAILED('oom-score-adj-values', 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.'),
  ],
  [['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99.90 1e1'], '+OK'],
  [
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    '["latency-tracking-info-percentiles", "50 99.9 10"]',
    '{"latency-tracking-info-percentiles": "50 99.9 10"}',
  ],
  [
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '101'],
    FAILED(
      'latency-tracking-info-percentiles',
      'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]',
    ),
  ],
  [['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 2k 3'], '+OK'],
  [
    ['CONFIG', 'GET', 'client-output-buffer-limit'],
    '["client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 3"]',
    '{"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 3"}',
  ],
  [
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'master 1 2 3'],
    FAILED('client-output-buffer-limit', 'Invalid client class specified in buffer limit configuration.'),
  ],
  [
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2 -1'],
    FAILED(
      'client-output-buffer-limit',
      'Error in hard, soft or soft_seconds setting in buffer limit configuration.',
    ),
  ],
  [['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60'], '+OK'],
  [['CONFIG', 'SET', 'hz', '0'], '+OK'],
  [['CONFIG', 'GET', 'hz'], '["hz", "1"]', '{"hz": "1"}'],
  [['CONFIG', 'SET', 'hz', '100000'], '+OK'],
  [['CONFIG', 'GET', 'hz'], '["hz", "500"]', '{"hz": "500"}'],
  [['CONFIG', 'SET', 'hz', '10'], '+OK'],
  [
    ['CONFIG', 'SET', 'proc-title-template', '{title} {bad}'],
    FAILED('proc-title-template', 'template format is invalid or contains unknown variables'),
  ],
  [
    ['CONFIG', 'SET', 'proc-title-template', '{title}'],
    FAILED('proc-title-template', 'template format is invalid or contains unknown variables'),
  ],
  [
    ['CONFIG', 'SET', 'cluster-announce-hostname', 'a_b'],
    FAILED(
      'cluster-announce-hostname',
      'Hostnames may only contain alphanumeric characters, hyphens or dots',
    ),
  ],
  // Names: case-insensitive, echoed as asked, once per reply; hidden ones only by exact name.
  [['CONFIG', 'GET', 'MAXCLIENTS'], '["MAXCLIENTS", "10000"]', '{"MAXCLIENTS": "10000"}'],
  [
    ['CONFIG', 'GET', 'maxclients', 'MAXCLIENTS', 'maxc*'],
    '["maxclients", "10000"]',
    '{"maxclients": "10000"}',
  ],
  [['CONFIG', 'GET', 'key-load-delay'], '["key-load-delay", "0"]', '{"key-load-delay": "0"}'],
  [['CONFIG', 'GET', 'key-load*'], '[]', '{}'],
  [['CONFIG', 'GET', 'list-max-z*'], '["list-max-ziplist-size", "5"]', '{"list-max-ziplist-size": "5"}'],
  [
    ['CONFIG', 'GET', '*-max-listpack-size'],
    '["list-max-listpack-size", "5"]',
    '{"list-max-listpack-size": "5"}',
  ],
];

/** Redis's skip list of "CONFIG sanity" (tests/unit/introspection.tcl): the rest can be set. */
const SANITY_SKIP = new Set(
  `rdbchecksum daemonize io-threads-do-reads tcp-backlog always-show-logo syslog-enabled cluster-enabled
  disable-thp aclfile unixsocket pidfile syslog-ident appendfilename appenddirname supervised syslog-facility
  databases io-threads logfile unixsocketperm replicaof slaveof requirepass server_cpulist bio_cpulist
  aof_rewrite_cpulist bgsave_cpulist set-proc-title cluster-config-file cluster-port oom-score-adj
  oom-score-adj-values enable-protected-configs enable-debug-command enable-module-command dbfilename dir
  socket-mark-id`.split(/\s+/),
);

/** Every parameter CONFIG GET * shows (but Redis's skip list, and TLS) is set to its own value. */
async function configSanity(t: Test, c: RespClient): Promise<void> {
  const all = async () => {
    const r = await c.send(['CONFIG', 'GET', '*']);
    const flat = r.type === 'map' ? r.value.flat() : r.type === 'array' ? r.value : [];
    const out = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(text(flat[i]!), text(flat[i + 1]!));
    return out;
  };
  const before = await all();
  t.ok(before.size > 150, `${before.size} parameters`);
  const failed: string[] = [];
  for (const [name, value] of before) {
    if (SANITY_SKIP.has(name) || name.startsWith('tls-')) continue;
    const r = await c.q('CONFIG', 'SET', name, value);
    if (r !== '+OK') failed.push(`${name}: ${r}`);
  }
  t.same(failed, [], 'every parameter accepts its own value');
  const after = await all();
  const changed = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
  t.same(changed, [], 'and shows the same value afterwards');
}

const DB_CASES: Case[] = [
  [['DBSIZE'], ':0'],
  [['MSET', 'a', '1', 'b', '2', 'c', '3'], '+OK'],
  [['DBSIZE'], ':3'],
  [['SELECT', '1'], '+OK'],
  [['SET', 'x', '1'], '+OK'],
  [['DBSIZE'], ':1'],
  [['FLUSHDB'], '+OK'],
  [['DBSIZE'], ':0'],
  [['SELECT', '0'], '+OK'],
  [['DBSIZE'], ':3'],
  [['SELECT', '2'], '+OK'],
  [['SET', 'y', '1'], '+OK'],
  [['FLUSHALL'], '+OK'],
  [['DBSIZE'], ':0'],
  [['SELECT', '0'], '+OK'],
  [['DBSIZE'], ':0'],
  [['SET', 'z', '1'], '+OK'],
  [['FLUSHDB', 'ASYNC'], '+OK'],
  [['FLUSHDB', 'SYNC'], '+OK'],
  [['FLUSHALL', 'sync'], '+OK'],
  [['FLUSHALL', 'ASYNC'], '+OK'],
  [['DBSIZE'], ':0'],
  [['FLUSHDB', 'FOO'], SYNTAX],
  [['FLUSHALL', 'FOO'], SYNTAX],
  [['FLUSHDB', 'SYNC', 'ASYNC'], SYNTAX],
  [['DBSIZE', 'x'], WRONG_ARGS('dbsize')],
  [['TIME', 'x'], WRONG_ARGS('time')],
];

/** INFO text -> ordered section names and a field map. */
function parseInfo(body: string): { sections: string[]; fields: Map<string, string> } {
  const sections: string[] = [];
  const fields = new Map<string, string>();
  for (const line of body.split('\r\n')) {
    if (line.startsWith('# ')) sections.push(line.slice(2));
    else if (line) {
      const i = line.indexOf(':');
      fields.set(line.slice(0, i), line.slice(i + 1));
    }
  }
  return { sections, fields };
}

async function info(c: RespClient, ...sections: string[]): Promise<{ raw: RespValue; body: string }> {
  const raw = await c.send(['INFO', ...sections]);
  return { raw, body: text(raw) };
}

async function checkInfo(t: Test, c: RespClient, port: number): Promise<void> {
  const all = await info(c);
  t.equal(all.raw.type, 'bulk', 'RESP2 INFO is a bulk string');
  t.ok(all.body.endsWith('\r\n'), 'lines end with CRLF');
  const { sections, fields } = parseInfo(all.body);
  t.same(sections, DEFAULT_INFO_SECTIONS, 'default sections, in Redis order');
  t.match(fields.get('redis_version'), /^\d+\.\d+\.\d+$/);
  t.equal(fields.get('redis_mode'), 'standalone');
  t.equal(fields.get('tcp_port'), String(port));
  t.match(fields.get('process_id'), /^\d+$/);
  t.match(fields.get('run_id'), /^[0-9a-f]{40}$/);
  t.match(fields.get('uptime_in_seconds'), /^\d+$/);
  t.match(fields.get('connected_clients'), /^[1-9]\d*$/);
  t.equal(fields.get('maxclients'), '10000');
  t.equal(fields.get('role'), 'master');
  t.match(fields.get('used_memory'), /^\d+$/);
  t.match(fields.get('total_commands_processed'), /^\d+$/);
  t.match(fields.get('total_connections_received'), /^\d+$/);
  t.match(fields.get('keyspace_hits'), /^\d+$/);
  t.match(fields.get('db0'), /^keys=2,expires=1,avg_ttl=\d+$/, 'keyspace line format');
  t.match(fields.get('db3'), /^keys=1,expires=0,avg_ttl=0$/);
  t.notOk(fields.has('db1'), 'empty databases are not listed');
  const two = parseInfo((await info(c, 'server', 'KEYSPACE')).body);
  t.same(two.sections, ['Server', 'Keyspace'], 'several sections, any case');
  t.same(parseInfo((await info(c, 'everything')).body).sections.slice(0, 2), ['Server', 'Clients']);
  t.equal((await info(c, 'nosuchsection')).body, '', 'unknown section: empty bulk');
  await c.send(['HELLO', '3']);
  const v = await c.send(['INFO', 'keyspace']);
  t.ok(v.type === 'verbatim' && v.format === 'txt', `RESP3 INFO is verbatim txt (${show(v).slice(0, 20)})`);
}

forEachTarget(t, async (t, { kind, server, client }) => {
  t.test('DBSIZE, FLUSHDB, FLUSHALL', (t) => checkCasesBothProtocols(t, server, DB_CASES));
  t.test('COMMAND INFO/DOCS/GETKEYS', (t) => checkCasesBothProtocols(t, server, COMMAND_INFO));
  t.test('CONFIG GET/SET/RESETSTAT', (t) => checkCasesBothProtocols(t, server, CONFIG_CASES));
  t.test("CONFIG of Redis 7.0's parameters", (t) => checkCasesBothProtocols(t, server, CONFIG_PARAM_CASES));
  t.test('CONFIG SET of every parameter to its own value', async (t) =>
    configSanity(t, await connect(t, server)),
  );

  t.test('INFO sections and fields', async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    await c.q('MSET', 'a', '1', 'b', '2');
    await c.q('EXPIRE', 'b', '1000');
    await c.q('SELECT', '3');
    await c.q('SET', 'c', '3');
    await c.q('SELECT', '0');
    await checkInfo(t, c, server.port);
  });

  t.test('INFO: rdb_changes_since_last_save, SAVE, BGSAVE, LASTSAVE', async (t) => {
    const c = await client(t);
    const changes = async () =>
      Number(parseInfo((await info(c, 'persistence')).body).fields.get('rdb_changes_since_last_save'));
    await c.q('DEL', 'foo', 'bar');
    t.equal(await c.q('SAVE'), '+OK');
    t.equal(await changes(), 0, 'none after SAVE');
    await c.q('SET', 'foo', 'v');
    await c.q('SETBIT', 'bar', '0', '0');
    t.equal(await changes(), 2, 'a created key counts');
    await c.q('SETBIT', 'bar', '0', '0');
    await c.q('SET', 'foo', 'v', 'NX');
    t.equal(await changes(), 2, 'writes that change nothing do not');
    await c.q('SETBIT', 'bar', '0', '1');
    t.equal(await changes(), 3);
    const before = Math.floor(Date.now() / 1000);
    t.equal(await c.q('SAVE'), '+OK');
    t.equal(await changes(), 0);
    const last = Number((await c.q('LASTSAVE')).slice(1));
    t.ok(last >= before - 1 && last <= before + 2, `LASTSAVE ${last} near ${before}`);
    t.equal(await c.q('BGSAVE', 'x'), '-ERR syntax error');
    t.same((await c.pipeline([['MULTI'], ['SAVE'], ['EXEC']])).map(show), [
      '+OK',
      '-ERR Command not allowed inside a transaction',
      '-EXECABORT Transaction discarded because of previous errors.',
    ]);
    t.equal(await c.q('BGSAVE'), '+Background saving started');
  });

  t.test('INFO replication and commandstats of writes', async (t) => {
    const c = await client(t);
    t.match((await info(c, 'replication')).body, /\r\nmaster_repl_offset:\d+\r\n/);
    t.equal(await c.q('CONFIG', 'RESETSTAT'), '+OK');
    const many = Array.from({ length: 2000 }, (_, i) => String(i));
    await c.q('DEL', 'cs', 'csn');
    t.equal(await c.q('RPUSH', 'cs', ...many), ':2000');
    await c.q('SET', 'csn', 'x');
    t.match(await c.q('INCR', 'csn'), /^-ERR/);
    const stats = (await info(c, 'commandstats')).body;
    const rpush =
      /cmdstat_rpush:calls=1,usec=(\d+),usec_per_call=([\d.]+),rejected_calls=0,failed_calls=0/.exec(stats);
    t.ok(rpush !== null && Number(rpush[1]) > 0, `RPUSH of 2,000 elements took some time: ${rpush?.[0]}`);
    t.match(stats, /cmdstat_incr:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=1/);
  });

  t.test('CONFIG RESETSTAT clears keyspace hits', async (t) => {
    const c = await client(t);
    await c.q('SET', 'hit', '1');
    await c.q('GET', 'hit');
    await c.q('GET', 'miss-key');
    const before = parseInfo((await info(c, 'stats')).body).fields;
    t.ok(Number(before.get('keyspace_hits')) >= 1 && Number(before.get('keyspace_misses')) >= 1);
    t.equal(await c.q('CONFIG', 'RESETSTAT'), '+OK');
    const after = parseInfo((await info(c, 'stats')).body).fields;
    t.equal(after.get('keyspace_hits'), '0');
    t.equal(after.get('keyspace_misses'), '0');
  });

  t.test('TIME', async (t) => {
    const c = await client(t);
    for (const proto of [2, 3]) {
      if (proto === 3) await c.send(['HELLO', '3']);
      const r = await c.send(['TIME']);
      t.match(show(r), /^\["\d+", "\d+"\]$/, `TIME shape (RESP${proto}): two bulk strings`);
      if (r.type === 'array') {
        const secs = Number(text(r.value[0]!));
        const usecs = Number(text(r.value[1]!));
        t.ok(Math.abs(secs - Date.now() / 1000) < 5, 'seconds close to our clock');
        t.ok(usecs >= 0 && usecs < 1_000_000, 'microseconds in [0, 1e6)');
      }
    }
  });

  t.test('COMMAND LIST FILTERBY ACLCAT string', async (t) => {
    const c = await client(t);
    const r = await c.send(['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'string']);
    t.equal(r.type, 'array');
    // Redis lists in hash order; every @string command of Redis 7.0.15 is a Seshat command.
    const names = r.type === 'array' ? r.value.map(text).sort() : [];
    t.same(names, STRING_COMMANDS, 'the @string commands');
  });

  t.test('COMMAND and COMMAND COUNT', async (t) => {
    const c = await client(t);
    const count = await c.send(['COMMAND', 'COUNT']);
    t.equal(count.type, 'integer');
    const all = await c.send(['COMMAND']);
    t.ok(
      all.type === 'array' && count.type === 'integer' && BigInt(all.value.length) === count.value,
      'COUNT = entries',
    );
    if (all.type !== 'array') return;
    const names = new Set<string>();
    for (const e of all.value) {
      if (e.type !== 'array' || e.value.length !== 10) t.fail(`entry shape: ${show(e).slice(0, 100)}`);
      else names.add(text(e.value[0]!));
    }
    const missing = FOUNDATION_COMMANDS.filter((n) => !names.has(n));
    t.same(missing, [], 'every foundation command is listed');
    if (kind === 'redis') t.equal(show(count), ':240', 'Redis 7.0.15 has 240 top-level commands');
  });

  t.test('DEBUG is refused unless enable-debug-command is set', async (t) => {
    const c = await client(t);
    t.equal(
      await c.q('DEBUG', 'SLEEP', '0'),
      '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
    t.equal(await c.q('DEBUG'), WRONG_ARGS('debug'));
  });

  t.test('ioredis server commands', async (t) => {
    const r = await ioredis(t, server);
    await r.flushall();
    await r.set('a', '1');
    t.equal(await r.dbsize(), 1);
    const [secs] = await r.time();
    t.ok(Math.abs(Number(secs) - Date.now() / 1000) < 5);
    t.same(await r.config('GET', 'databases'), ['databases', '16']);
    t.match(await r.info('server'), /^# Server\r\n/);
    t.equal(await r.flushdb(), 'OK');
    t.equal(await r.dbsize(), 0);
  });

  t.test(
    'redis-cli INFO and DBSIZE',
    { skip: !redisCliAvailable() && 'redis-cli not installed' },
    async (t) => {
      const c = await client(t);
      await c.q('FLUSHALL');
      await c.q('SET', 'k', 'v');
      t.equal((await redisCli(server.port, ['DBSIZE'])).stdout, '1\n');
      const out = await redisCli(server.port, ['INFO', 'keyspace']);
      t.match(out.stdout, /^# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n/);
      const cfg = await redisCli(server.port, ['CONFIG', 'GET', 'databases']);
      t.equal(cfg.stdout, 'databases\n16\n');
    },
  );
});

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('DEBUG SLEEP', async (t) => {
      const c = await connect(t, server);
      await checkCases(t, c, [
        [['DEBUG', 'SLEEP', '0'], '+OK'],
        [['DEBUG', 'SLEEP', '0.01'], '+OK'],
      ]);
      const started = Date.now();
      t.equal(await c.q('DEBUG', 'SLEEP', '0.2'), '+OK');
      t.ok(Date.now() - started >= 150, 'DEBUG SLEEP 0.2 blocks for about 200 ms');
    });
  },
  { config: { 'enable-debug-command': 'local' }, name: 'enable-debug-command local' },
);

// Each of these needs a server of its own.
for (const kind of targets()) {
  t.test(`${kind} (shutdown)`, async (t) => {
    t.test('SHUTDOWN closes connections and exits 0', async (t) => {
      const srv = await startServer(kind, { t });
      const a = await connect(t, srv);
      const b = await connect(t, srv);
      const exited = new Promise<number | null>((resolve) => srv.proc.once('exit', (code) => resolve(code)));
      a.sendRaw('*1\r\n$8\r\nSHUTDOWN\r\n');
      await a.closed;
      await b.closed;
      t.equal(await exited, 0, 'exit code 0');
      t.ok(a.isClosed && b.isClosed);
    });

    t.test('SHUTDOWN argument errors keep the server up', async (t) => {
      const srv = await startServer(kind, { t });
      const c = await connect(t, srv);
      t.equal(await c.q('SHUTDOWN', 'FOO'), SYNTAX);
      t.equal(await c.q('PING'), '+PONG');
    });

    t.test('SIGTERM exits 0', async (t) => {
      const srv = await startServer(kind, { t });
      const c = await connect(t, srv);
      t.equal(await c.q('SET', 'k', 'v'), '+OK');
      t.equal(await srv.stop(), 0);
      await c.closed;
    });
  });
}
