/**
 * What Redis 7.0.15 reports about the HyperLogLog and geo commands in COMMAND INFO and COMMAND
 * DOCS, in the compact form described in command-docs.ts (which merges this table into
 * COMMAND_DOCS). Extracted once from a real redis-server 7.0.15 (COMMAND INFO and COMMAND DOCS
 * over RESP3); edit by hand only to follow Redis.
 */
import type { CommandDoc } from './command-docs.js';

// biome-ignore format: a generated table, one command per block
export const HLL_GEO_COMMAND_DOCS: { readonly [name: string]: CommandDoc } = {
  // ---- hyperloglog ---------------------------------------------------------
  pfadd: {
    info: [-2, 'write denyoom fast', 1, 1, 1, '@write @hyperloglog @fast'],
    keys: ['RW insert | index 1 | range 0 1 0'],
    doc: ['Adds the specified elements to the specified HyperLogLog.', '2.8.9', 'hyperloglog', 'O(1) to add every element.'],
    args: ['key key #0', 'element string ?*'],
  },
  pfcount: {
    info: [-2, 'readonly', 1, -1, 1, '@read @hyperloglog @slow'],
    keys: ['RW access | index 1 | range -1 1 0 | RW because it may change the internal representation of the key, and propagate to replicas'],
    doc: ['Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).', '2.8.9', 'hyperloglog', 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.'],
    args: ['key key #0 *'],
  },
  pfdebug: {
    info: [3, 'write denyoom admin', 2, 2, 1, '@write @hyperloglog @admin @slow @dangerous'],
    keys: ['RW access | index 2 | range 0 1 0'],
    doc: ['Internal commands for debugging HyperLogLog values', '2.8.9', 'hyperloglog', 'N/A'],
    docFlags: 'syscmd',
    args: ['subcommand string', 'key key #0'],
  },
  pfmerge: {
    info: [-2, 'write denyoom', 1, -1, 1, '@write @hyperloglog @slow'],
    keys: ['RW access insert | index 1 | range 0 1 0', 'RO access | index 2 | range -1 1 0'],
    doc: ['Merge N different HyperLogLogs into a single one.', '2.8.9', 'hyperloglog', 'O(N) to merge N HyperLogLogs, but with high constant times.'],
    args: ['destkey key #0', 'sourcekey key #1 *'],
  },
  pfselftest: {
    info: [1, 'admin', 0, 0, 0, '@hyperloglog @admin @slow @dangerous'],
    doc: ['An internal command for testing HyperLogLog values', '2.8.9', 'hyperloglog', 'N/A'],
    docFlags: 'syscmd',
  },
  // ---- geo -----------------------------------------------------------------
  geoadd: {
    info: [-5, 'write denyoom', 1, 1, 1, '@write @geo @slow'],
    keys: ['RW update | index 1 | range 0 1 0'],
    doc: ['Add one or more geospatial items in the geospatial index represented using a sorted set', '3.2.0', 'geo', 'O(log(N)) for each item added, where N is the number of elements in the sorted set.'],
    history: [['6.2.0', 'Added the `CH`, `NX` and `XX` options.']],
    args: ['key key #0', ['condition oneof @6.2.0 ?', ['nx pure-token =NX', 'xx pure-token =XX']], 'change pure-token =CH @6.2.0 ?', ['longitude_latitude_member block *', ['longitude double', 'latitude double', 'member string']]],
  },
  geodist: {
    info: [-4, 'readonly', 1, 1, 1, '@read @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Returns the distance between two members of a geospatial index', '3.2.0', 'geo', 'O(log(N))'],
    args: ['key key #0', 'member1 string', 'member2 string', ['unit oneof ?', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']]],
  },
  geohash: {
    info: [-2, 'readonly', 1, 1, 1, '@read @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Returns members of a geospatial index as standard geohash strings', '3.2.0', 'geo', 'O(log(N)) for each member requested, where N is the number of elements in the sorted set.'],
    args: ['key key #0', 'member string *'],
  },
  geopos: {
    info: [-2, 'readonly', 1, 1, 1, '@read @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Returns longitude and latitude of members of a geospatial index', '3.2.0', 'geo', 'O(N) where N is the number of members requested.'],
    args: ['key key #0', 'member string *'],
  },
  georadius: {
    info: [-6, 'write denyoom movablekeys', 1, 1, 1, '@write @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0', 'OW update | keyword STORE 6 | range 0 1 0', 'OW update | keyword STOREDIST 6 | range 0 1 0'],
    doc: ['Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point', '3.2.0', 'geo', 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument'],
    history: [['6.2.0', 'Added the `ANY` option for `COUNT`.'], ['7.0.0', 'Added support for uppercase unit names.']],
    args: ['key key #0', 'longitude double', 'latitude double', 'radius double', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']], 'withcoord pure-token =WITHCOORD ?', 'withdist pure-token =WITHDIST ?', 'withhash pure-token =WITHHASH ?', ['count block ?', ['count integer =COUNT', 'any pure-token =ANY @6.2.0 ?']], ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']], 'key key #1 =STORE ?', 'key key #2 =STOREDIST ?'],
  },
  georadius_ro: {
    info: [-6, 'readonly', 1, 1, 1, '@read @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['A read-only variant for GEORADIUS', '3.2.10', 'geo', 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`GEOSEARCH` with the `BYRADIUS` argument'],
    history: [['6.2.0', 'Added the `ANY` option for `COUNT`.']],
    args: ['key key #0', 'longitude double', 'latitude double', 'radius double', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']], 'withcoord pure-token =WITHCOORD ?', 'withdist pure-token =WITHDIST ?', 'withhash pure-token =WITHHASH ?', ['count block ?', ['count integer =COUNT', 'any pure-token =ANY @6.2.0 ?']], ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']]],
  },
  georadiusbymember: {
    info: [-5, 'write denyoom movablekeys', 1, 1, 1, '@write @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0', 'OW update | keyword STORE 5 | range 0 1 0', 'OW update | keyword STOREDIST 5 | range 0 1 0'],
    doc: ['Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member', '3.2.0', 'geo', 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments'],
    history: [['7.0.0', 'Added support for uppercase unit names.']],
    args: ['key key #0', 'member string', 'radius double', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']], 'withcoord pure-token =WITHCOORD ?', 'withdist pure-token =WITHDIST ?', 'withhash pure-token =WITHHASH ?', ['count block ?', ['count integer =COUNT', 'any pure-token =ANY ?']], ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']], 'key key #1 =STORE ?', 'key key #2 =STOREDIST ?'],
  },
  georadiusbymember_ro: {
    info: [-5, 'readonly', 1, 1, 1, '@read @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['A read-only variant for GEORADIUSBYMEMBER', '3.2.10', 'geo', 'O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.'],
    docFlags: 'deprecated',
    deprecated: ['6.2.0', '`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments'],
    args: ['key key #0', 'member string', 'radius double', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']], 'withcoord pure-token =WITHCOORD ?', 'withdist pure-token =WITHDIST ?', 'withhash pure-token =WITHHASH ?', ['count block ?', ['count integer =COUNT', 'any pure-token =ANY ?']], ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']]],
  },
  geosearch: {
    info: [-7, 'readonly', 1, 1, 1, '@read @geo @slow'],
    keys: ['RO access | index 1 | range 0 1 0'],
    doc: ['Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.', '6.2.0', 'geo', 'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape'],
    history: [['7.0.0', 'Added support for uppercase unit names.']],
    args: ['key key #0', ['from oneof', ['member string =FROMMEMBER', ['longitude_latitude block =FROMLONLAT', ['longitude double', 'latitude double']]]], ['by oneof', [['circle block', ['radius double =BYRADIUS', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']]]], ['box block', ['width double =BYBOX', 'height double', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']]]]]], ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']], ['count block ?', ['count integer =COUNT', 'any pure-token =ANY ?']], 'withcoord pure-token =WITHCOORD ?', 'withdist pure-token =WITHDIST ?', 'withhash pure-token =WITHHASH ?'],
  },
  geosearchstore: {
    info: [-8, 'write denyoom', 1, 2, 1, '@write @geo @slow'],
    keys: ['OW update | index 1 | range 0 1 0', 'RO access | index 2 | range 0 1 0'],
    doc: ['Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.', '6.2.0', 'geo', 'O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape'],
    history: [['7.0.0', 'Added support for uppercase unit names.']],
    args: ['destination key #0', 'source key #1', ['from oneof', ['member string =FROMMEMBER', ['longitude_latitude block =FROMLONLAT', ['longitude double', 'latitude double']]]], ['by oneof', [['circle block', ['radius double =BYRADIUS', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']]]], ['box block', ['width double =BYBOX', 'height double', ['unit oneof', ['m pure-token =M', 'km pure-token =KM', 'ft pure-token =FT', 'mi pure-token =MI']]]]]], ['order oneof ?', ['asc pure-token =ASC', 'desc pure-token =DESC']], ['count block ?', ['count integer =COUNT', 'any pure-token =ANY ?']], 'storedist pure-token =STOREDIST ?'],
  },
};
