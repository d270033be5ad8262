// Scripts compute the same thing in every Seshat process, as replicas must: the order in which
// pairs() walks a table with string keys (Lua 5.4 seeds its string hashes from the clock and
// the state's address; kv runtime.ts newState and engine.ts pin both), in EVAL scripts and in
// functions, on two separate servers started at different times that ran different commands
// before, and after a restart.
// How: two standalone Seshat processes, the same scripts on both, their replies compared.
import t from 'tap';
import { RespClient, type RespValue, show } from './helpers/resp-client.ts';
import { startServer } from './helpers/server.ts';

const KEYS = Array.from({ length: 40 }, (_, i) => `key:${i}:${'x'.repeat(i % 7)}`);
const PAIRS_ORDER = `local t = {} for _, k in ipairs(ARGV) do t[k] = true end
local out = {} for k in pairs(t) do out[#out + 1] = k end return table.concat(out, ',')`;
const LIBRARY = `#!lua name=order
redis.register_function('order', function(keys, args)
  local t = {} for _, k in ipairs(args) do t[k] = #k end
  local out = {} for k, v in pairs(t) do out[#out + 1] = k .. '=' .. v end
  return table.concat(out, ',')
end)`;

async function orders(c: RespClient): Promise<string[]> {
  const replies: RespValue[] = [
    await c.send(['EVAL', PAIRS_ORDER, '0', ...KEYS]),
    await c.send(['FCALL', 'order', '0', ...KEYS]),
  ];
  return replies.map(show);
}

t.test('pairs() order is the same in every process', async (t) => {
  const a = await startServer('seshat', { t });
  const ca = await RespClient.connect(a.port);
  // Server A: an EVAL first, then the library. B, started later: the library first.
  await ca.send(['EVAL', 'return 1', '0']);
  t.equal(show(await ca.send(['FUNCTION', 'LOAD', LIBRARY])), '"order"');
  const fromA = await orders(ca);
  await ca.close();

  await new Promise((r) => setTimeout(r, 1100)); // another second of the clock Lua would seed from
  const b = await startServer('seshat', { t });
  const cb = await RespClient.connect(b.port);
  t.equal(show(await cb.send(['FUNCTION', 'LOAD', LIBRARY])), '"order"');
  await cb.send(['SCRIPT', 'LOAD', 'return 2']);
  t.same(await orders(cb), fromA, 'the same order on another server');
  await cb.close();

  await b.stop();
  await b.restart();
  const cb2 = await RespClient.connect(b.port);
  t.same(await orders(cb2), fromA, 'and after a restart (the library reloaded from storage)');
  await cb2.close();
});
