// Checks the key-spec interpreter (key-specs.ts) on Redis 7.0.15's own key specs (command-docs.ts):
// index/keyword begin searches, range/keynum find-keys, incomplete and variable-flag specs that
// fall back to Redis's native procedures (SORT, SET, BITFIELD, MIGRATE, numkeys commands), and the
// key flags reported with each key. Independent of which commands Seshat implements.
// How: each case is an invocation and the reply of `COMMAND GETKEYSANDFLAGS <invocation>` on a
// real redis-server 7.0.15, written `key FLAG,flag; key ...` (`` when Redis finds no key, which it
// reports as "Invalid arguments specified for command"). Plus parsing and the command table's
// agreement with Redis.
import {
  COMMAND_DOCS,
  definitionMismatches,
  findKeys,
  getKeysFromSpecs,
  type KeyFinder,
  legacyKeySpec,
  lookupCommand,
  NATIVE_GET_KEYS,
  parseArgDoc,
  parseKeySpec,
  specsAreReliable,
} from '@seshat/kv';
import t from 'tap';

/** [invocation ("" is an empty argument), redis GETKEYSANDFLAGS rendering]. */
const REDIS_CASES: readonly [string, string][] = [
  ['GET a', 'a RO,access'],
  ['SET k v', 'k OW,update'],
  ['SET k v GET', 'k RW,access,update'],
  ['SET k v get EX 10', 'k RW,access,update'],
  ['SET k v GETX', 'k OW,update'],
  ['MSET a 1 b 2', 'a OW,update; b OW,update'],
  ['MSETNX a 1 b 2 c', 'a OW,insert; b OW,insert; c OW,insert'],
  ['DEL a b c', 'a RM,delete; b RM,delete; c RM,delete'],
  ['COPY a b DB 1', 'a RO,access; b OW,update'],
  ['LCS a b LEN', 'a RO,access; b RO,access'],
  ['OBJECT ENCODING k', 'k RO'],
  ['GETEX k PERSIST', 'k RW,access,update'],
  ['RENAME a b', 'a RW,access,delete; b OW,update'],
  ['ZUNION 2 a b WEIGHTS 1 2', 'a RO,access; b RO,access'],
  ['ZUNION 0 a', ''],
  ['ZUNION 3 a b', ''],
  ['ZUNION 1x a', 'a '],
  ['ZUNION -1 a', ''],
  ['ZUNIONSTORE d 2 a b', 'd OW,update; a RO,access; b RO,access'],
  ['ZUNIONSTORE d 2x a b', 'a ; b ; d '],
  ['ZUNIONSTORE d 0 a', ''],
  ['ZINTERSTORE d 1 a AGGREGATE MAX', 'd OW,update; a RO,access'],
  ['ZDIFFSTORE d 1 a', 'd OW,update; a RO,access'],
  ['ZDIFF 2 a b WITHSCORES', 'a RO,access; b RO,access'],
  ['ZINTERCARD 2 a b LIMIT 1', 'a RO,access; b RO,access'],
  ['SINTERCARD 2 a b', 'a RO,access; b RO,access'],
  ['SINTERCARD 5 a b', ''],
  ['LMPOP 2 a b LEFT COUNT 2', 'a RW,access,delete; b RW,access,delete'],
  ['BLMPOP 0 2 a b RIGHT', 'a RW,access,delete; b RW,access,delete'],
  ['ZMPOP 1 a MIN', 'a RW,access,delete'],
  ['BZMPOP 1.5 2 a b MAX', 'a RW,access,delete; b RW,access,delete'],
  ['BLPOP a b 0', 'a RW,access,delete; b RW,access,delete'],
  ['BRPOP a 0', 'a RW,access,delete'],
  ['BRPOPLPUSH a b 0', 'a RW,access,delete; b RW,insert'],
  ['BLMOVE a b LEFT RIGHT 0', 'a RW,access,delete; b RW,insert'],
  ['BZPOPMIN a b 1', 'a RW,access,delete; b RW,access,delete'],
  ['SMOVE a b m', 'a RW,access,delete; b RW,insert'],
  ['SORT k', 'k RO,access'],
  ['SORT k BY w_* LIMIT 0 1 GET # STORE dst', 'k RO,access; dst OW,update'],
  ['SORT k STORE d1 STORE d2', 'k RO,access; d2 OW,update'],
  ['SORT k STORE', 'k RO,access'],
  ['SORT k limit 0 store x', 'k RO,access'],
  ['SORT_RO k BY x', 'k RO,access'],
  ['BITFIELD k GET u8 0', 'k RO,access'],
  ['BITFIELD k INCRBY u8 0 1', 'k RW,access,update'],
  ['BITFIELD k OVERFLOW SAT GET u8 0', 'k RO,access'],
  ['BITFIELD k FOO', 'k RW,access,update'],
  ['BITFIELD_RO k GET u8 0', 'k RO,access'],
  ['BITOP AND d a b', 'd OW,update; a RO,access; b RO,access'],
  ['BITCOUNT k 0 1', 'k RO,access'],
  ['HSET h f v', 'h RW,update'],
  ['HMGET h a b', 'h RO,access'],
  ['SUNIONSTORE d a b', 'd OW,update; a RO,access; b RO,access'],
  ['SINTER a b c', 'a RO,access; b RO,access; c RO,access'],
  ['WATCH a b', 'a RO; b RO'],
  ['RPOPLPUSH a b', 'a RW,access,delete; b RW,insert'],
  ['LMOVE a b LEFT LEFT', 'a RW,access,delete; b RW,insert'],
  ['ZRANGESTORE d s 0 1', 'd OW,update; s RO,access'],
  ['SMISMEMBER s a b', 's RO,access'],
  ['MIGRATE h 6379 k 0 10', 'k RW,access,delete'],
  ['MIGRATE h 6379 "" 0 10 KEYS a b', 'a RW,access,delete; b RW,access,delete'],
  ['MIGRATE h 6379 "" 0 10 AUTH2 u p KEYS a b', 'a RW,access,delete; b RW,access,delete'],
  ['MIGRATE h 6379 k 0 10 KEYS a', ''],
  ['EXISTS a b', 'a RO; b RO'],
  ['TOUCH a b', 'a RO; b RO'],
  ['UNLINK a', 'a RM,delete'],
  ['RENAMENX a b', 'a RW,access,delete; b OW,insert'],
];

/** The key finder Redis has for `name` (`container|sub` for subcommands). */
function finder(name: string): KeyFinder {
  const doc = COMMAND_DOCS[name];
  if (doc === undefined) throw new Error(`no Redis data for ${name}`);
  const keySpecs = (doc.keys ?? []).map(parseKeySpec);
  return { keySpecs, getKeys: NATIVE_GET_KEYS.get(name) ?? null, keysBySpecs: specsAreReliable(keySpecs) };
}

function render(invocation: string): string {
  const argv = invocation.split(' ').map((a) => Buffer.from(a === '""' ? '' : a));
  const name = argv[0]!.toString().toLowerCase();
  const sub = argv.length > 1 ? `${name}|${argv[1]!.toString().toLowerCase()}` : '';
  const cmd = finder(COMMAND_DOCS[sub] ? sub : name);
  const positions: number[] = [];
  const flags: (readonly string[])[] = [];
  findKeys(cmd, argv, positions, flags);
  return positions.map((p, i) => `${argv[p]!.toString()} ${flags[i]!.join(',')}`).join('; ');
}

t.test('keys and flags as Redis 7.0.15 finds them', async (t) => {
  for (const [invocation, want] of REDIS_CASES) t.equal(render(invocation), want, invocation);
});

t.test('spec parsing', async (t) => {
  const k = parseKeySpec('OW update | keyword STORE 6 | range 0 1 0');
  t.same(
    [k.flags, k.beginSearch, k.keyword, k.startFrom, k.findKeys, k.lastKey, k.keyStep, k.limit],
    [['OW', 'update'], 'keyword', 'STORE', 6, 'range', 0, 1, 0],
  );
  const n = parseKeySpec('RO access | index 1 | keynum 0 1 1');
  t.same([n.index, n.findKeys, n.keyNumIdx, n.firstKey, n.keyStep], [1, 'keynum', 0, 1, 1]);
  const s = parseKeySpec('RW access update variable_flags | index 1 | range 0 1 0 | a note');
  t.ok(s.variableFlags);
  t.equal(s.notes, 'a note');
  t.throws(() => parseKeySpec('RO | index 1'), 'two parts');
  t.throws(() => parseKeySpec('XX | index 1 | range 0 1 0'), 'unknown flag');
  const legacy = legacyKeySpec(1, -2, 2, ['RW']);
  t.same(
    [legacy.index, legacy.lastKey, legacy.keyStep],
    [1, -2, 2],
    'negative last key stays relative to the end',
  );
  t.same(legacyKeySpec(2, 4, 1, []).lastKey, 2, 'positive last key becomes relative to the first');
});

t.test('range limit and keyword search from the end', async (t) => {
  const b = (s: string) => s.split(' ').map((x) => Buffer.from(x));
  const positions: number[] = [];
  // Half of the remaining arguments are keys (like XREAD's STREAMS k1 k2 id1 id2).
  t.ok(
    getKeysFromSpecs(
      [parseKeySpec('RO | keyword STREAMS 1 | range -1 1 2')],
      b('X STREAMS a b 1 2'),
      positions,
    ),
  );
  t.same(positions, [2, 3]);
  positions.length = 0;
  // Searching backwards from the end for KEYS (like MIGRATE).
  t.ok(
    getKeysFromSpecs(
      [parseKeySpec('RW | keyword KEYS -2 | range -1 1 0')],
      b('M h p "" KEYS a b'),
      positions,
    ),
  );
  t.same(positions, [5, 6]);
  positions.length = 0;
  t.ok(
    getKeysFromSpecs([parseKeySpec('RW | keyword KEYS -2 | range -1 1 0')], b('M h p k'), positions),
    'no keyword',
  );
  t.same(positions, []);
  t.notOk(getKeysFromSpecs([parseKeySpec('RO | unknown | unknown')], b('S k'), positions), 'unknown spec');
  t.notOk(getKeysFromSpecs([parseKeySpec('RO incomplete | index 1 | range 0 1 0')], b('S k'), positions));
  t.same(positions, [], 'an invalid spec leaves no partial result');
});

t.test('argument docs', async (t) => {
  const a = parseArgDoc([
    'condition oneof @3.0.2 ?',
    ['nx pure-token =NX', 'ip:port string =ADDR @6.2.0 !7.0.0 ?*+'],
  ]);
  t.same(
    [a.name, a.type, a.since, a.flags, a.token, a.keySpecIndex],
    ['condition', 'oneof', '3.0.2', ['optional'], null, -1],
  );
  const sub = a.args![1]!;
  t.same(
    [sub.name, sub.token, sub.since, sub.deprecatedSince, sub.flags],
    ['ip:port', 'ADDR', '6.2.0', '7.0.0', ['optional', 'multiple', 'multiple_token']],
  );
  t.equal(parseArgDoc('key key #0').keySpecIndex, 0);
  t.equal(parseArgDoc('empty_string pure-token =').token, '');
});

t.test('every Redis entry parses', async (t) => {
  let n = 0;
  for (const [name, doc] of Object.entries(COMMAND_DOCS)) {
    for (const k of doc.keys ?? []) parseKeySpec(k);
    for (const a of doc.args ?? []) parseArgDoc(a);
    if (!name.includes('|')) n++;
  }
  t.ok(n > 150, `${n} commands`);
});

t.test('the table takes Redis metadata and its inline definitions agree with Redis', async (t) => {
  const del = lookupCommand('del');
  t.same(del?.aclCategories, ['@keyspace', '@write', '@slow']);
  t.same(del?.tips, ['request_policy:multi_shard', 'response_policy:agg_sum']);
  t.equal(del?.summary, 'Delete a key');
  t.same(definitionMismatches(), [], 'inline arity and key ranges match Redis 7.0.15');
});
