// Redis 7.0 compatibility of expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT,
// TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, the expiry side effects of SET/GETSET/APPEND/
// INCR/RENAME/COPY/MOVE, and keys actually disappearing.
// How: exact replies against Seshat and a real redis-server (helpers/targets.ts). Long TTLs
// (>= 100 s) make TTL exact within a test; PTTL is checked as a range. Disappearance uses
// PEXPIRE with tens of milliseconds and a bounded poll of the key (helpers/wait.ts), no sleeps.
import t from 'tap';
import { show } from './helpers/resp-client.ts';
import { type Case, checkCases, checkCasesBothProtocols, forEachTarget, ioredis } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const WRONG_ARGS = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command`;
const NOT_INT = '-ERR value is not an integer or out of range';

const OPTIONS: Case[] = [
  [['SET', 'k', 'v'], '+OK'],
  [['TTL', 'k'], ':-1'],
  [['PTTL', 'k'], ':-1'],
  [['EXPIRETIME', 'k'], ':-1'],
  [['PEXPIRETIME', 'k'], ':-1'],
  [['TTL', 'nokey'], ':-2'],
  [['PTTL', 'nokey'], ':-2'],
  [['EXPIRETIME', 'nokey'], ':-2'],
  [['PEXPIRETIME', 'nokey'], ':-2'],
  [['EXPIRE', 'nokey', '100'], ':0'],
  [['PERSIST', 'nokey'], ':0'],
  [['PERSIST', 'k'], ':0'],
  // GT on a key without TTL never applies (no TTL = infinite); LT always does.
  [['EXPIRE', 'k', '100', 'GT'], ':0'],
  [['EXPIRE', 'k', '100', 'XX'], ':0'],
  [['EXPIRE', 'k', '100', 'NX'], ':1'],
  [['TTL', 'k'], ':100'],
  [['EXPIRE', 'k', '200', 'NX'], ':0'],
  [['EXPIRE', 'k', '200', 'XX'], ':1'],
  [['TTL', 'k'], ':200'],
  [['EXPIRE', 'k', '150', 'GT'], ':0'],
  [['EXPIRE', 'k', '500', 'GT'], ':1'],
  [['EXPIRE', 'k', '1000', 'LT'], ':0'],
  [['EXPIRE', 'k', '300', 'LT'], ':1'],
  [['TTL', 'k'], ':300'],
  [['EXPIRE', 'k', '200', 'xx', 'gt'], ':0'],
  [['EXPIRE', 'k', '10', 'NX', 'XX'], '-ERR NX and XX, GT or LT options at the same time are not compatible'],
  [['EXPIRE', 'k', '10', 'NX', 'GT'], '-ERR NX and XX, GT or LT options at the same time are not compatible'],
  [['EXPIRE', 'k', '10', 'GT', 'LT'], '-ERR GT and LT options at the same time are not compatible'],
  [['EXPIRE', 'k', '10', 'FOO'], '-ERR Unsupported option FOO'],
  [['EXPIRE', 'k', 'x'], NOT_INT],
  [['EXPIRE', 'k', '1.5'], NOT_INT],
  [['EXPIRE', 'k'], WRONG_ARGS('expire')],
  [['EXPIRE', 'k', '9223372036854775807'], "-ERR invalid expire time in 'expire' command"],
  [['EXPIRE', 'k', '9223372036854775'], "-ERR invalid expire time in 'expire' command"],
  [['PEXPIRE', 'k', '9223372036854775807'], "-ERR invalid expire time in 'pexpire' command"],
  [['EXPIREAT', 'k', '9223372036854775807'], "-ERR invalid expire time in 'expireat' command"],
  [['PEXPIREAT', 'k', 'x'], NOT_INT],
  [['TTL', 'k'], ':300'],
  [['PERSIST', 'k'], ':1'],
  [['TTL', 'k'], ':-1'],
  [['EXPIREAT', 'k', '4000000000'], ':1'],
  [['EXPIRETIME', 'k'], ':4000000000'],
  [['PEXPIRETIME', 'k'], ':4000000000000'],
  [['PEXPIREAT', 'k', '4000000000123'], ':1'],
  [['PEXPIRETIME', 'k'], ':4000000000123'],
  [['EXPIRETIME', 'k'], ':4000000000'],
  [['EXPIREAT', 'k', '4000000001', 'LT'], ':0'],
  [['EXPIREAT', 'k', '4000000001', 'GT'], ':1'],
  [['PEXPIREAT', 'k', '4000000000000', 'NX'], ':0'],
  [['EXPIRETIME', 'k'], ':4000000001'],
  [['TTL'], WRONG_ARGS('ttl')],
  [['PERSIST'], WRONG_ARGS('persist')],
];

const PAST_DELETES: Case[] = [
  [['SET', 'k', 'v'], '+OK'],
  [['EXPIRE', 'k', '0'], ':1'],
  [['EXISTS', 'k'], ':0'],
  [['SET', 'k', 'v'], '+OK'],
  [['EXPIRE', 'k', '-1'], ':1'],
  [['GET', 'k'], '$-1'],
  [['SET', 'k', 'v'], '+OK'],
  [['EXPIREAT', 'k', '1'], ':1'],
  [['TTL', 'k'], ':-2'],
  [['SET', 'k', 'v'], '+OK'],
  [['PEXPIRE', 'k', '-100'], ':1'],
  [['EXISTS', 'k'], ':0'],
  [['SET', 'k', 'v'], '+OK'],
  [['PEXPIREAT', 'k', '0'], ':1'],
  [['DBSIZE'], ':0'],
  // A past time with a condition that fails leaves the key alone.
  [['SET', 'k', 'v', 'EX', '100'], '+OK'],
  [['EXPIRE', 'k', '0', 'GT'], ':0'],
  [['EXISTS', 'k'], ':1'],
  [['EXPIRE', 'k', '0', 'LT'], ':1'],
  [['EXISTS', 'k'], ':0'],
];

const SIDE_EFFECTS: Case[] = [
  [['SET', 'k', 'v', 'EX', '100'], '+OK'],
  [['SET', 'k', 'v2'], '+OK'],
  [['TTL', 'k'], ':-1'],
  [['SET', 'k', 'v', 'EX', '100'], '+OK'],
  [['SET', 'k', 'v2', 'KEEPTTL'], '+OK'],
  [['TTL', 'k'], ':100'],
  [['SET', 'k', 'v3', 'XX', 'KEEPTTL', 'GET'], '"v2"'],
  [['TTL', 'k'], ':100'],
  [['GETSET', 'k', 'z'], '"v3"'],
  [['TTL', 'k'], ':-1'],
  [['SET', 'k', 'v', 'PX', '100000'], '+OK'],
  [['APPEND', 'k', 'x'], ':2'],
  [['SETRANGE', 'k', '0', 'y'], ':2'],
  [['TTL', 'k'], ':100'],
  [['SET', 'n', '1', 'EX', '100'], '+OK'],
  [['INCR', 'n'], ':2'],
  [['INCRBYFLOAT', 'n', '1.5'], '"3.5"'],
  [['TTL', 'n'], ':100'],
  [['RENAME', 'n', 'm'], '+OK'],
  [['TTL', 'm'], ':100'],
  [['COPY', 'm', 'm2'], ':1'],
  [['TTL', 'm2'], ':100'],
  [['MOVE', 'm2', '1'], ':1'],
  [['SELECT', '1'], '+OK'],
  [['TTL', 'm2'], ':100'],
  [['SELECT', '0'], '+OK'],
  [['MSET', 'm', 'new'], '+OK'],
  [['TTL', 'm'], ':-1'],
  [['SETEX', 'm', '100', 'x'], '+OK'],
  [['SET', 'm', 'y', 'EXAT', '4000000000'], '+OK'],
  [['EXPIRETIME', 'm'], ':4000000000'],
  [['SET', 'm', 'y', 'PXAT', '4000000000123'], '+OK'],
  [['PEXPIRETIME', 'm'], ':4000000000123'],
  [['GETDEL', 'm'], '"y"'],
  [['TTL', 'm'], ':-2'],
];

forEachTarget(t, async (t, { server, client }) => {
  t.test('EXPIRE options, TTL, EXPIRETIME, PERSIST', (t) => checkCasesBothProtocols(t, server, OPTIONS));
  t.test('expiry in the past deletes the key', (t) => checkCasesBothProtocols(t, server, PAST_DELETES));
  t.test('what keeps and what clears a TTL', (t) => checkCasesBothProtocols(t, server, SIDE_EFFECTS));

  t.test('PTTL and TTL ranges', async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    await c.q('SET', 'k', 'v', 'PX', '100000');
    const pttl = Number((await c.q('PTTL', 'k')).slice(1));
    t.ok(pttl > 95_000 && pttl <= 100_000, `PTTL ${pttl} in (95000, 100000]`);
    await c.q('PEXPIRE', 'k', '1500');
    // TTL rounds to the nearest second: 1.5 s reads as 2 (Redis adds 500 ms before dividing).
    t.match(await c.q('TTL', 'k'), /^:[12]$/);
    const now = Math.floor(Date.now() / 1000);
    await c.q('EXPIRE', 'k', '100');
    const at = Number((await c.q('EXPIRETIME', 'k')).slice(1));
    t.ok(Math.abs(at - (now + 100)) <= 2, `EXPIRETIME ${at} close to now + 100 (${now + 100})`);
    const pat = Number((await c.q('PEXPIRETIME', 'k')).slice(1));
    t.ok(Math.abs(pat - at * 1000) < 1000, 'PEXPIRETIME agrees with EXPIRETIME');
  });

  t.test('keys disappear once their time has passed', async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    await c.q('SET', 'short', 'v', 'PX', '30');
    await c.q('SET', 'long', 'v', 'EX', '1000');
    await c.q('SET', 'gone-by-pexpire', 'v');
    t.equal(await c.q('PEXPIRE', 'gone-by-pexpire', '40'), ':1');
    await waitUntil(async () => (await c.q('GET', 'short')) === '$-1', { what: 'short to expire' });
    await waitUntil(async () => (await c.q('EXISTS', 'gone-by-pexpire')) === ':0', { what: 'PEXPIRE 40' });
    await checkCases(t, c, [
      [['TTL', 'short'], ':-2'],
      [['PTTL', 'gone-by-pexpire'], ':-2'],
      [['GET', 'long'], '"v"'],
      [['KEYS', '*'], '["long"]'],
      [['SCAN', '0', 'COUNT', '100'], '["0", ["long"]]'],
      [['DBSIZE'], ':1'],
      [['SET', 'short', 'again', 'NX'], '+OK'],
      [['TTL', 'short'], ':-1'],
    ]);
    // An expired key is invisible to every read, including KEYS, EXISTS and MGET, before any
    // command touched it (lazy deletion must not leak the value).
    await c.q('MSET', 'a', '1', 'b', '2');
    await c.q('PEXPIRE', 'a', '20');
    await c.q('PEXPIRE', 'b', '20');
    await waitUntil(async () => show(await c.send(['KEYS', '?'])) === '[]', { what: 'KEYS to hide a and b' });
    t.equal(await c.q('MGET', 'a', 'b'), '[$-1, $-1]');
    t.equal(await c.q('EXISTS', 'a', 'b'), ':0');
    t.equal(await c.q('APPEND', 'a', 'x'), ':1', 'APPEND on an expired key starts from empty');
    t.equal(await c.q('INCR', 'b'), ':1', 'INCR on an expired key starts from 0');
    t.equal(await c.q('TTL', 'b'), ':-1');
  });

  t.test('SET EX / GETEX PX make keys expire', async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    await c.q('SET', 'a', 'v', 'PX', '25');
    await c.q('SET', 'b', 'v');
    t.equal(await c.q('GETEX', 'b', 'PX', '25'), '"v"');
    await c.q('PSETEX', 'c', '25', 'v');
    await waitUntil(async () => (await c.q('EXISTS', 'a', 'b', 'c')) === ':0', { what: 'a, b, c to expire' });
    t.equal(await c.q('GETEX', 'a', 'PERSIST'), '$-1');
  });

  t.test('ioredis expiry commands', async (t) => {
    const r = await ioredis(t, server);
    await r.flushall();
    await r.set('k', 'v');
    t.equal(await r.expire('k', 100), 1);
    t.equal(await r.ttl('k'), 100);
    t.equal(await r.expire('k', 50, 'GT'), 0);
    t.equal(await r.persist('k'), 1);
    t.equal(await r.ttl('k'), -1);
    t.equal(await r.pexpireat('k', 4000000000123), 1);
    t.equal(await r.pexpiretime('k'), 4000000000123);
    t.equal(await r.ttl('nokey'), -2);
  });
});
