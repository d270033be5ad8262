// Redis 7.0 compatibility of client-side caching: CLIENT TRACKING (default mode, REDIRECT,
// BCAST with PREFIX, OPTIN/OPTOUT with CLIENT CACHING, NOLOOP), CLIENT GETREDIR, CLIENT
// TRACKINGINFO, the INFO tracking fields and CLIENT LIST's t/B flags and redir field.
// What: invalidation frames byte for byte (RESP3 push `invalidate`, RESP2 `message` on
// __redis__:invalidate to a subscribed redirect client, null on FLUSHALL/FLUSHDB, one frame per
// prefix in BCAST, `tracking-redir-broken` once the redirect client is gone), which reads are
// remembered (read-only commands, reads inside MULTI, scripts only once they ran a read-only
// command, OPTIN/OPTOUT with CACHING lasting one command), who hears about a change (NOLOOP, a
// key is forgotten once invalidated, tracking-table-max-keys evicts with an invalidation,
// active expiry and scripts invalidate like commands), and ORDER: a client's own invalidation
// follows the reply of the command that caused it (a write, a MULTI, a FLUSHDB in MULTI).
// How: raw RESP clients whose pushes stay in line with replies (readReply), against Seshat and
// a real redis-server (helpers/targets.ts); "nothing else came" is checked by a PING whose
// reply must be the next frame (both servers send a client's invalidations before the writer's
// reply, so they are already in the socket when the PING is answered).
import t, { type Test } from 'tap';
import { type Arg, type RespClient, show, text } from './helpers/resp-client.ts';
import { forEachTarget, type TargetContext } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

/** Sends `argv` and checks the next frames on `c` (replies and pushes, in order). */
async function expectFrames(t: Test, c: RespClient, argv: readonly Arg[], want: string[]): Promise<void> {
  c.write(argv);
  const got: string[] = [];
  for (let i = 0; i < want.length; i++) got.push(show(await c.readReply()));
  t.same(got, want, argv.join(' '));
}

/** A client in RESP2 or RESP3. */
async function client(t: Test, ctx: TargetContext, proto: 2 | 3): Promise<RespClient> {
  const c = await ctx.client(t);
  if (proto === 3) t.equal((await c.send(['HELLO', '3'])).type, 'map');
  return c;
}

const inv = (...keys: string[]) => `>["invalidate", [${keys.map((k) => `"${k}"`).join(', ')}]]`;
const msg = (...keys: string[]) =>
  `["message", "__redis__:invalidate", [${keys.map((k) => `"${k}"`).join(', ')}]]`;

t.test('default mode: reads remembered, others and self invalidated, order after the reply', (t) => {
  forEachTarget(t, async (t, ctx) => {
    const r = await client(t, ctx, 3);
    const w = await client(t, ctx, 2);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on'], ['+OK']);
    await w.send(['MSET', 'a', '1', 'b', '2']);
    await expectFrames(t, r, ['MGET', 'a', 'c'], ['["1", _]']);
    await expectFrames(t, w, ['INCR', 'b'], [':3']); // b was never read
    await expectFrames(t, w, ['INCR', 'a'], [':2']);
    await expectFrames(t, r, ['PING'], [inv('a'), '+PONG']);
    await expectFrames(t, w, ['INCR', 'a'], [':3']); // a was forgotten once invalidated
    await expectFrames(t, w, ['SET', 'c', 'x'], ['+OK']);
    await expectFrames(t, r, ['PING'], [inv('c'), '+PONG']);
    // The client's own write: the invalidation follows the write's reply.
    await r.send(['HSET', 'h', 'f', '1']);
    await expectFrames(t, r, ['HGET', 'h', 'f'], ['"1"']);
    await expectFrames(t, r, ['HDEL', 'h', 'f'], [':1', inv('h')]);
    // MULTI: the transaction's reads are remembered; its write's invalidation follows EXEC's reply.
    await r.send(['GET', 'a']);
    await r.send(['MULTI']);
    await r.send(['INCR', 'a']);
    await r.send(['GET', 'b']);
    await expectFrames(t, r, ['EXEC'], ['[:4, "3"]', inv('a')]);
    await expectFrames(t, w, ['INCR', 'b'], [':4']);
    await expectFrames(t, r, ['PING'], [inv('b'), '+PONG']);
    // A flush: one null invalidation, to every tracking client.
    await r.send(['GET', 'a']);
    await expectFrames(t, w, ['FLUSHDB'], ['+OK']);
    await expectFrames(t, r, ['PING'], ['>["invalidate", _]', '+PONG']);
    await r.send(['MULTI']);
    await r.send(['FLUSHALL']);
    await expectFrames(t, r, ['EXEC'], ['[+OK]', '>["invalidate", _]']);
    // A RESP2 client without redirect hears nothing, but its keys are still remembered.
    const r2 = await client(t, ctx, 2);
    await expectFrames(t, r2, ['CLIENT', 'TRACKING', 'on'], ['+OK']);
    await expectFrames(t, r2, ['GET', 'z'], ['$-1']);
    await expectFrames(t, w, ['SET', 'z', '1'], ['+OK']);
    await expectFrames(t, r2, ['PING'], ['+PONG']);
  });
  t.end();
});

t.test('REDIRECT to a RESP2 subscriber, NOLOOP, redirect broken', (t) => {
  forEachTarget(t, async (t, ctx) => {
    const red = await client(t, ctx, 2);
    const id = show(await red.send(['CLIENT', 'ID'])).slice(1);
    await expectFrames(
      t,
      red,
      ['SUBSCRIBE', '__redis__:invalidate'],
      ['["subscribe", "__redis__:invalidate", :1]'],
    );
    const r = await client(t, ctx, 2);
    const w = await client(t, ctx, 2);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id, 'NOLOOP'], ['+OK']);
    await expectFrames(t, r, ['CLIENT', 'GETREDIR'], [`:${id}`]);
    await expectFrames(t, r, ['MGET', 'k1', 'loop', 'k2'], ['[$-1, $-1, $-1]']);
    await expectFrames(t, w, ['SET', 'k1', '1'], ['+OK']);
    await expectFrames(t, r, ['SET', 'loop', '1'], ['+OK']); // NOLOOP: not sent
    await expectFrames(t, w, ['SET', 'k2', '1'], ['+OK']);
    await expectFrames(t, red, ['PING'], [msg('k1'), msg('k2'), '["pong", ""]']);
    t.match(text(await r.send(['CLIENT', 'INFO'])), / flags=t .* redir=\d+ /);
    // The redirect client goes away: the RESP3 tracking client hears tracking-redir-broken.
    const r3 = await client(t, ctx, 3);
    await expectFrames(t, r3, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id], ['+OK']);
    await expectFrames(t, r3, ['GET', 'k3'], ['_']);
    await expectFrames(t, red, ['QUIT'], ['+OK']);
    await waitUntil(async () => !text(await w.send(['CLIENT', 'LIST'])).includes(`id=${id} `));
    await expectFrames(t, w, ['SET', 'k3', '1'], ['+OK']);
    await expectFrames(t, r3, ['PING'], [`>["tracking-redir-broken", :${id}]`, '+PONG']);
    await expectFrames(
      t,
      r3,
      ['CLIENT', 'TRACKINGINFO'],
      [`{"flags": ~["on", "broken_redirect"], "redirect": :${id}, "prefixes": []}`],
    );
  });
  t.end();
});

t.test('BCAST with prefixes: one frame per prefix, NOLOOP, expiry', (t) => {
  forEachTarget(t, async (t, ctx) => {
    const r = await client(t, ctx, 3);
    const w = await client(t, ctx, 2);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a:', 'PREFIX', 'b:'], ['+OK']);
    await w.send(['MULTI']);
    for (const k of ['a:2', 'a:1', 'b:1', 'c:1']) await w.send(['INCR', k]);
    await expectFrames(t, w, ['EXEC'], ['[:1, :1, :1, :1]']);
    await expectFrames(t, r, ['PING'], [inv('a:1', 'a:2'), inv('b:1'), '+PONG']);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c:'], ['+OK']);
    await expectFrames(
      t,
      r,
      ['CLIENT', 'TRACKINGINFO'],
      ['{"flags": ~["on", "bcast"], "redirect": :0, "prefixes": ["a:", "b:", "c:"]}'],
    );
    await expectFrames(t, w, ['SET', 'c:9', 'x'], ['+OK']);
    await expectFrames(t, r, ['PING'], [inv('c:9'), '+PONG']);
    const info = text(await w.send(['INFO']));
    t.match(info, /tracking_clients:1\r\n/);
    t.match(info, /tracking_total_prefixes:3\r\n/);
    // NOLOOP in BCAST: keys this client changed are left out.
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'off'], ['+OK']);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'], ['+OK']);
    await expectFrames(t, r, ['SET', 'mine', '1'], ['+OK']);
    await expectFrames(t, w, ['SET', 'theirs', '1'], ['+OK']);
    await expectFrames(t, r, ['PING'], [inv('theirs'), '+PONG']);
    // Active expiry deletes through the log: heard like any change.
    await expectFrames(t, r, ['SET', 'gone', '1', 'PX', '1'], ['+OK']);
    t.equal(show(await r.readReply(3000)), inv('gone'));
  });
  t.end();
});

t.test('OPTIN / OPTOUT with CLIENT CACHING, and TRACKINGINFO', (t) => {
  forEachTarget(t, async (t, ctx) => {
    const r = await client(t, ctx, 3);
    const w = await client(t, ctx, 2);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on', 'OPTIN'], ['+OK']);
    await r.send(['GET', 'x']); // not remembered
    await expectFrames(t, r, ['CLIENT', 'CACHING', 'yes'], ['+OK']);
    await expectFrames(
      t,
      r,
      ['CLIENT', 'TRACKINGINFO'],
      ['{"flags": ~["on", "optin", "caching-yes"], "redirect": :0, "prefixes": []}'],
    );
    await r.send(['GET', 'y']); // remembered
    await r.send(['GET', 'z']); // CACHING lasted one command
    await w.send(['MSET', 'x', '1', 'y', '1', 'z', '1']);
    await expectFrames(t, r, ['PING'], [inv('y'), '+PONG']);
    await expectFrames(
      t,
      r,
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
      [
        "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      ],
    );
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'off'], ['+OK']);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on', 'OPTOUT'], ['+OK']);
    await expectFrames(t, r, ['CLIENT', 'CACHING', 'no'], ['+OK']);
    await r.send(['GET', 'x']); // not remembered
    await r.send(['GET', 'y']); // remembered
    await w.send(['MSET', 'x', '2', 'y', '2']);
    await expectFrames(t, r, ['PING'], [inv('y'), '+PONG']);
    await expectFrames(
      t,
      r,
      ['CLIENT', 'CACHING', 'yes'],
      ['-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.'],
    );
  });
  t.end();
});

t.test('scripts: declared keys remembered once a script ran a read-only command', (t) => {
  forEachTarget(t, async (t, ctx) => {
    const r = await client(t, ctx, 3);
    const w = await client(t, ctx, 2);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on'], ['+OK']);
    await r.send(['EVAL', "redis.call('set', 'k3', 'bar')", '2', 'k1', 'k2']);
    await w.send(['MSET', 'k2', '1', 'k1', '1']);
    await expectFrames(t, r, ['PING'], ['+PONG']);
    await r.send(['EVAL', "redis.call('get', 'k3')", '2', 'k1', 'k2']);
    await w.send(['MSET', 'k2', '2', 'k1', '2']);
    await expectFrames(t, r, ['PING'], [inv('k2'), inv('k1'), '+PONG']);
    await r.send(['EVAL_RO', "redis.call('ping')", '2', 'k1', 'k2']);
    await w.send(['MSET', 'k2', '3', 'k1', '3']);
    await expectFrames(t, r, ['PING'], ['+PONG']);
    await r.send(['EVAL_RO', "return redis.call('get', 'k1')", '2', 'k1', 'k2']);
    await w.send(['MSET', 'k2', '4', 'k1', '4']);
    await expectFrames(t, r, ['PING'], [inv('k2'), inv('k1'), '+PONG']);
    // NOLOOP covers a script's writes.
    const n = await client(t, ctx, 3);
    await expectFrames(t, n, ['CLIENT', 'TRACKING', 'on', 'NOLOOP'], ['+OK']);
    await expectFrames(t, n, ['GET', 'k1'], ['"4"']);
    await expectFrames(t, n, ['EVAL', "return redis.call('set', KEYS[1], '5')", '1', 'k1'], ['+OK']);
    await expectFrames(t, n, ['GET', 'k1'], ['"5"']);
  });
  t.end();
});

t.test('errors, tracking-table-max-keys, INFO, RESET', (t) => {
  forEachTarget(t, async (t, ctx) => {
    const r = await client(t, ctx, 2);
    const rid = show(await r.send(['CLIENT', 'ID'])).slice(1);
    const bad: [Arg[], string][] = [
      [['CLIENT', 'TRACKING', 'on', 'PREFIX', 'x'], '-ERR PREFIX option requires BCAST mode to be enabled'],
      [['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'], '-ERR OPTIN and OPTOUT are not compatible with BCAST'],
      [
        ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
        "-ERR You can't specify both OPTIN mode and OPTOUT mode",
      ],
      [
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '999999'],
        '-ERR The client ID you want redirect to does not exist',
      ],
      [['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x'], '-ERR value is not an integer or out of range'],
      [
        ['CLIENT', 'TRACKING', 'on', 'REDIRECT', rid, 'REDIRECT', rid],
        '-ERR A client can only redirect to a single other client',
      ],
      [['CLIENT', 'TRACKING', 'maybe'], '-ERR syntax error'],
      [['CLIENT', 'TRACKING', 'on', 'bogus'], '-ERR syntax error'],
      [
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOOBAR', 'PREFIX', 'FOO'],
        "-ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not overlap.",
      ],
      [
        ['CLIENT', 'CACHING', 'yes'],
        '-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
      ],
      [['CLIENT', 'GETREDIR'], ':-1'],
      [['CLIENT', 'TRACKINGINFO'], '["flags", ["off"], "redirect", :-1, "prefixes", []]'],
      [['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'BAR'], '+OK'],
      [
        ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'BARB'],
        "-ERR Prefix 'BARB' overlaps with an existing prefix 'BAR'. Prefixes for a single client must not overlap.",
      ],
      [
        ['CLIENT', 'TRACKING', 'on'],
        "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      ],
      [['RESET'], '+RESET'],
      [['CLIENT', 'GETREDIR'], ':-1'],
    ];
    for (const [argv, want] of bad) await expectFrames(t, r, argv, [want]);
    // The table's limit: the oldest remembered keys are dropped with an invalidation.
    const red = await client(t, ctx, 3);
    const id = show(await red.send(['CLIENT', 'ID'])).slice(1);
    await expectFrames(t, r, ['CLIENT', 'TRACKING', 'on', 'REDIRECT', id], ['+OK']);
    for (const k of ['e1', 'e2', 'e3']) await r.send(['GET', k]);
    const info = text(await r.send(['INFO']));
    t.match(info, /tracking_total_keys:3\r\n/);
    t.match(info, /tracking_total_items:3\r\n/);
    await expectFrames(t, r, ['CONFIG', 'SET', 'tracking-table-max-keys', '1'], ['+OK']);
    const got = [show(await red.readReply(3000)), show(await red.readReply(3000))];
    t.equal(got.length, 2);
    for (const g of got) t.match(g, /^>\["invalidate", \["e[123]"\]\]$/);
    await expectFrames(t, red, ['PING'], ['+PONG']);
    await waitUntil(async () => text(await r.send(['INFO'])).includes('tracking_total_keys:1\r\n'));
    await expectFrames(t, r, ['CONFIG', 'SET', 'tracking-table-max-keys', '0'], ['+OK']);
  });
  t.end();
});
