// FUNCTION DUMP / FUNCTION RESTORE against a real redis-server 7.0.15 (kv scripting/
// function-dump.ts): a dump taken from Redis restores on Seshat and the reverse, with the same
// FUNCTION LIST WITHCODE afterwards and callable functions; an empty registry dumps to the same
// bytes; the policies (APPEND, REPLACE, FLUSH) and every error (bad policy, extra argument,
// wrong checksum or version, short payload, a key's DUMP instead of functions, duplicate
// libraries or functions, code that registers nothing) answer as Redis does, payloads built
// on Redis and sent to both.
// How: two servers side by side (helpers/server.ts), raw RESP2; libraries and their functions
// compared sorted by name (Redis lists both in its dicts' order). Skipped when redis-server is not installed.
import { crc64 } from '@seshat/kv';
import t from 'tap';
import { RespClient, type RespValue, show } from './helpers/resp-client.ts';
import { redisAvailable, startServer } from './helpers/server.ts';

const LIB1 =
  "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return 'one' end)\nredis.register_function{function_name='f2', callback=function() return 2 end, flags={'no-writes'}, description='the second'}";
const LIB2 =
  "#!lua name=lib2\nredis.register_function('g', function(keys, args) return redis.call('incr', keys[1]) end)";
const LIB1_OTHER = "#!lua name=lib1\nredis.register_function('f9', function() return 9 end)";
const CLASH = "#!lua name=lib3\nredis.register_function('f1', function() return 3 end)";
const BAD = '#!lua name=bad\nlocal x = 1';

function bulk(v: RespValue): Buffer {
  if (v.type !== 'bulk') throw new Error(`expected a bulk string, got ${show(v)}`);
  return v.value;
}

/** A library entry of FUNCTION LIST with its functions sorted (Redis: dict order). */
function sortedFunctions(lib: RespValue): string {
  if (lib.type !== 'array') return show(lib);
  return lib.value
    .map((v, i) => {
      const prev = lib.value[i - 1];
      const isFunctions = prev !== undefined && show(prev) === '"functions"';
      return isFunctions && v.type === 'array' ? v.value.map(show).sort().join(', ') : show(v);
    })
    .join(' ');
}

/** FUNCTION LIST WITHCODE, libraries sorted by name, their functions sorted. */
async function libraries(c: RespClient): Promise<string> {
  const r = await c.send(['FUNCTION', 'LIST', 'WITHCODE']);
  if (r.type !== 'array') return show(r);
  return r.value.map(sortedFunctions).sort().join('\n');
}

/** A payload with its footer's checksum recomputed (to reach the checks after it). */
function withChecksum(body: Buffer): Buffer {
  const out = Buffer.concat([body, Buffer.alloc(8)]);
  out.writeBigUInt64LE(crc64(out, 0, out.length - 8), out.length - 8);
  return out;
}

t.test(
  'FUNCTION DUMP / RESTORE against redis-server',
  { skip: !redisAvailable() && 'redis-server not installed' },
  async (t) => {
    const [seshat, redis] = await Promise.all([startServer('seshat', { t }), startServer('redis', { t })]);
    const s = await RespClient.connect(seshat.port);
    const r = await RespClient.connect(redis.port);
    t.teardown(() => Promise.all([s.close(), r.close()]));
    const both = async (argv: (string | Buffer)[]): Promise<[string, string]> => {
      const [a, b] = await Promise.all([s.send(argv), r.send(argv)]);
      return [show(a), show(b)];
    };

    t.test('empty registry', async (t) => {
      const [a, b] = await Promise.all([s.send(['FUNCTION', 'DUMP']), r.send(['FUNCTION', 'DUMP'])]);
      t.same(bulk(a), bulk(b), 'the same bytes');
    });

    t.test('a dump from Redis restores here, and the reverse', async (t) => {
      for (const lib of [LIB1, LIB2])
        t.equal(show(await r.send(['FUNCTION', 'LOAD', lib])), show(await s.send(['FUNCTION', 'LOAD', lib])));
      const fromRedis = bulk(await r.send(['FUNCTION', 'DUMP']));
      const fromSeshat = bulk(await s.send(['FUNCTION', 'DUMP']));
      t.same(await both(['FUNCTION', 'FLUSH']), ['+OK', '+OK']);
      t.equal(show(await s.send(['FUNCTION', 'RESTORE', fromRedis])), '+OK');
      t.equal(show(await r.send(['FUNCTION', 'RESTORE', fromSeshat])), '+OK');
      t.equal(await libraries(s), await libraries(r), 'the same libraries');
      t.same(await both(['FCALL', 'f1', '0']), ['"one"', '"one"']);
      t.same(await both(['FCALL', 'g', '1', 'k']), [':1', ':1']);
    });

    t.test('policies and errors as Redis', async (t) => {
      const dump = bulk(await r.send(['FUNCTION', 'DUMP']));
      // Redis names the first clashing library in its dict's order, which follows a hash seeded
      // at random per process: lib1 in one run, lib2 in the next. Any library of the dump is right.
      const anyLibrary = ([a, b]: [string, string]): [string, string] => {
        const norm = (x: string) =>
          x.replace(/^-ERR Library lib[12] already exists$/, '-ERR Library <lib> already exists');
        return [norm(a), norm(b)];
      };
      t.same(...anyLibrary(await both(['FUNCTION', 'RESTORE', dump])), 'APPEND onto the same libraries');
      t.same(...anyLibrary(await both(['FUNCTION', 'RESTORE', dump, 'APPEND'])));
      t.same(...(await both(['FUNCTION', 'RESTORE', dump, 'REPLACE'])));
      t.same(...(await both(['FUNCTION', 'RESTORE', dump, 'nope'])));
      t.same(...(await both(['FUNCTION', 'RESTORE', dump, 'FLUSH', 'x'])));
      const corrupt = Buffer.from(dump);
      corrupt[0] ^= 1;
      t.same(...(await both(['FUNCTION', 'RESTORE', corrupt])));
      const newer = Buffer.from(dump);
      newer.writeUInt16LE(11, newer.length - 10);
      t.same(...(await both(['FUNCTION', 'RESTORE', newer])));
      t.same(...(await both(['FUNCTION', 'RESTORE', 'short'])));
      t.same(...(await both(['FUNCTION', 'RESTORE', dump.subarray(dump.length - 10)])), 'only a footer');
      await Promise.all([s.send(['SET', 'str', 'value']), r.send(['SET', 'str', 'value'])]);
      t.same(
        ...(await both(['FUNCTION', 'RESTORE', bulk(await r.send(['DUMP', 'str']))])),
        'a key, not functions',
      );
      const lib1Other = await onRedisAlone(r, LIB1_OTHER);
      t.same(...(await both(['FUNCTION', 'RESTORE', lib1Other])), 'a library of the same name');
      t.same(...(await both(['FUNCTION', 'RESTORE', lib1Other, 'REPLACE'])));
      t.equal(await libraries(s), await libraries(r));
      const clash = await onRedisAlone(r, CLASH);
      t.same(...(await both(['FUNCTION', 'RESTORE', clash])), 'a function of another library');
      const twice = withChecksum(
        Buffer.concat([clash.subarray(0, clash.length - 10), clash.subarray(0, clash.length - 8)]),
      );
      t.same(...(await both(['FUNCTION', 'RESTORE', twice, 'FLUSH'])), 'the same library twice');
      const bad = withChecksum(
        Buffer.concat([Buffer.from([0xf5, BAD.length]), Buffer.from(BAD), Buffer.from([10, 0])]),
      );
      t.same(...(await both(['FUNCTION', 'RESTORE', bad])), 'code that registers no function');
      t.same(...(await both(['FUNCTION', 'RESTORE', clash, 'FLUSH'])));
      t.equal(await libraries(s), await libraries(r));
      t.same(...(await both(['FUNCTION', 'RESTORE'])));
    });
  },
);

/** The DUMP of a registry holding only `code` (built on Redis, which is then restored). */
async function onRedisAlone(r: RespClient, code: string): Promise<Buffer> {
  const saved = bulk(await r.send(['FUNCTION', 'DUMP']));
  await r.send(['FUNCTION', 'FLUSH']);
  const loaded = await r.send(['FUNCTION', 'LOAD', code]);
  if (loaded.type === 'error') throw new Error(`FUNCTION LOAD: ${show(loaded)}`);
  const out = bulk(await r.send(['FUNCTION', 'DUMP']));
  await r.send(['FUNCTION', 'RESTORE', saved, 'FLUSH']);
  return out;
}
