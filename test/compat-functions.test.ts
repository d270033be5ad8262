// Redis 7.0 compatibility of FUNCTION and FCALL (scripting/function-commands.ts).
// What: exact replies in RESP2 and RESP3 of FUNCTION FLUSH/DELETE/LIST/STATS/KILL/HELP and their
// argument errors; FLUSHALL leaves the libraries alone.
// How: raw RESP (helpers/resp-client.ts) with exact reply types against Seshat and a real
// redis-server (helpers/targets.ts), each sequence on a RESP2 and on a RESP3 connection.
import t from 'tap';
import { type Case, checkCasesBothProtocols, forEachTarget } from './helpers/targets.ts';

const REGISTRY_EMPTY: Case[] = [
  [['FUNCTION', 'FLUSH'], '+OK'],
  [['FUNCTION', 'FLUSH', 'ASYNC'], '+OK'],
  [['FUNCTION', 'FLUSH', 'sync'], '+OK'],
  [['FUNCTION', 'FLUSH', 'x'], '-ERR FUNCTION FLUSH only supports SYNC|ASYNC option'],
  [
    ['FUNCTION', 'FLUSH', 'a', 'b'],
    "-ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.",
  ],
  [['FUNCTION', 'LIST'], '[]'],
  [['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'x*'], '[]'],
  [['FUNCTION', 'LIST', 'LIBRARYNAME'], '-ERR library name argument was not given'],
  [['FUNCTION', 'LIST', 'foo'], '-ERR Unknown argument foo'],
  [['FUNCTION', 'DELETE', 'nolib'], '-ERR Library not found'],
  [['FUNCTION', 'KILL'], '-NOTBUSY No scripts in execution right now.'],
  [
    ['FUNCTION', 'STATS'],
    '["running_script", $-1, "engines", ["LUA", ["libraries_count", :0, "functions_count", :0]]]',
    '{"running_script": _, "engines": {"LUA": {"libraries_count": :0, "functions_count": :0}}}',
  ],
  [['FUNCTION', 'NOPE'], "-ERR unknown subcommand 'NOPE'. Try FUNCTION HELP."],
  [['FUNCTION'], "-ERR wrong number of arguments for 'function' command"],
];

forEachTarget(t, async (t, { server }) => {
  t.test('empty registry', (t) => checkCasesBothProtocols(t, server, REGISTRY_EMPTY));
});
