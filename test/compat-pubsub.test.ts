// Redis 7.0 compatibility of Pub/Sub: SUBSCRIBE/PSUBSCRIBE/UNSUBSCRIBE/PUNSUBSCRIBE, PUBLISH,
// PUBSUB CHANNELS/NUMSUB/NUMPAT/HELP.
// What: exact confirmation frames (RESP2 arrays, RESP3 push `>`), including UNSUBSCRIBE and
// PUNSUBSCRIBE without subscriptions; message and pmessage frames with binary-safe channels and
// payloads; PUBLISH receiver counts (a client subscribed to a channel and to a matching pattern
// counts twice); PUBSUB replies and errors; the RESP2 subscribed-mode restriction (error text,
// `pong` array) and RESP3 running any command while subscribed; RESET leaving subscribed mode;
// a closed subscriber removed (awaited); SUBSCRIBE queued in MULTI; ioredis subscriber mode in
// both protocols; redis-cli SUBSCRIBE.
// How: raw RESP (helpers/resp-client.ts): RESP2 frames are read in order with readReply(), RESP3
// push frames apart from command replies (separatePushes/readPush), against Seshat and a real
// redis-server (helpers/targets.ts). Orders Redis does not define (PUBSUB CHANNELS, several
// patterns matching one message, UNSUBSCRIBE of every channel) are compared sorted.
import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { redisCliAvailable } from './helpers/redis-cli.ts';
import { type Arg, type RespClient, type RespValue, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { checkCases, connect, forEachTarget, ioredis } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const RESTRICTED = (cmd: string) =>
  `-ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

/** A RESP2 connection, or a RESP3 one whose push frames are read apart (readPush). */
async function open(t: Test, server: ServerHandle, proto: 2 | 3): Promise<RespClient> {
  const c = await connect(t, server);
  if (proto === 3) {
    t.equal((await c.send(['HELLO', '3'])).type, 'map');
    c.separatePushes();
  }
  return c;
}

/** The next Pub/Sub frame: a RESP3 push, or (RESP2) the next reply. */
function frame(c: RespClient, proto: 2 | 3): Promise<RespValue> {
  return proto === 3 ? c.readPush() : c.readReply();
}

async function frames(c: RespClient, proto: 2 | 3, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(show(await frame(c, proto)));
  return out;
}

/** Renders the expected frame: `[a, b]` in RESP2, `>[a, b]` in RESP3 (null bulk -> `_`). */
function f(proto: 2 | 3, ...items: string[]): string {
  if (proto === 2) return `[${items.join(', ')}]`;
  return `>[${items.map((i) => (i === '$-1' ? '_' : i)).join(', ')}]`;
}

/** Sends a subscription command and checks the frames it produces, in order. */
async function sub(
  t: Test,
  c: RespClient,
  proto: 2 | 3,
  argv: readonly Arg[],
  want: string[],
): Promise<void> {
  c.write(argv);
  t.same(await frames(c, proto, want.length), want, argv.join(' '));
}

async function confirmations(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const c = await open(t, server, proto);
  const F = (...items: string[]) => f(proto, ...items);
  // Without any subscription: one frame with a null name and count 0.
  await sub(t, c, proto, ['UNSUBSCRIBE'], [F('"unsubscribe"', '$-1', ':0')]);
  await sub(t, c, proto, ['PUNSUBSCRIBE'], [F('"punsubscribe"', '$-1', ':0')]);
  await sub(
    t,
    c,
    proto,
    ['UNSUBSCRIBE', 'x', 'y'],
    [F('"unsubscribe"', '"x"', ':0'), F('"unsubscribe"', '"y"', ':0')],
  );
  // One frame per argument, repeated names included; the count is channels + patterns.
  await sub(
    t,
    c,
    proto,
    ['SUBSCRIBE', 'a', 'b', 'a'],
    [F('"subscribe"', '"a"', ':1'), F('"subscribe"', '"b"', ':2'), F('"subscribe"', '"a"', ':2')],
  );
  await sub(
    t,
    c,
    proto,
    ['PSUBSCRIBE', 'p*', '?', 'p*'],
    [F('"psubscribe"', '"p*"', ':3'), F('"psubscribe"', '"?"', ':4'), F('"psubscribe"', '"p*"', ':4')],
  );
  // A channel and a pattern with the same name are two subscriptions.
  await sub(t, c, proto, ['SUBSCRIBE', 'p*'], [F('"subscribe"', '"p*"', ':5')]);
  await sub(t, c, proto, ['UNSUBSCRIBE', 'zz'], [F('"unsubscribe"', '"zz"', ':5')]);
  await sub(
    t,
    c,
    proto,
    ['PUNSUBSCRIBE', 'zz', 'a'],
    [F('"punsubscribe"', '"zz"', ':5'), F('"punsubscribe"', '"a"', ':5')],
  );
  await sub(
    t,
    c,
    proto,
    ['UNSUBSCRIBE', 'a', 'p*'],
    [F('"unsubscribe"', '"a"', ':4'), F('"unsubscribe"', '"p*"', ':3')],
  );
  // Without arguments: every remaining one, in an order Redis does not define.
  await sub(t, c, proto, ['UNSUBSCRIBE'], [F('"unsubscribe"', '"b"', ':2')]);
  c.write(['PUNSUBSCRIBE']);
  const unsub = await frames(c, proto, 2);
  t.same(unsub.map((x) => x.split(', ')[1]).sort(), ['"?"', '"p*"'], 'PUNSUBSCRIBE names');
  t.ok(
    unsub.every((x) => x.startsWith(F('"punsubscribe"').slice(0, -1))),
    'punsubscribe frames',
  );
  t.match(unsub[0], /:1\]$/, 'count goes down: first 1');
  t.match(unsub[1], /:0\]$/, 'then 0');
  await sub(t, c, proto, ['PUNSUBSCRIBE'], [F('"punsubscribe"', '$-1', ':0')]);
  // Out of subscribed mode: ordinary commands again.
  t.equal(await c.q('PING'), '+PONG');
  t.equal(await c.q('SUBSCRIBE'), "-ERR wrong number of arguments for 'subscribe' command");
  t.equal(await c.q('PSUBSCRIBE'), "-ERR wrong number of arguments for 'psubscribe' command");
}

async function messages(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const s = await open(t, server, proto);
  const s2 = await open(t, server, proto);
  const p = await connect(t, server);
  const F = (...items: string[]) => f(proto, ...items);
  await sub(t, s, proto, ['SUBSCRIBE', 'ch'], [F('"subscribe"', '"ch"', ':1')]);
  await sub(t, s, proto, ['PSUBSCRIBE', 'c*'], [F('"psubscribe"', '"c*"', ':2')]);
  // Channel first, then the pattern: the subscriber receives it twice, PUBLISH counts 2.
  t.equal(await p.q('PUBLISH', 'ch', 'hello'), ':2');
  t.same(await frames(s, proto, 2), [
    F('"message"', '"ch"', '"hello"'),
    F('"pmessage"', '"c*"', '"ch"', '"hello"'),
  ]);
  t.equal(await p.q('PUBLISH', 'cx', ''), ':1');
  t.same(await frames(s, proto, 1), [F('"pmessage"', '"c*"', '"cx"', '""')]);
  t.equal(await p.q('PUBLISH', 'other', 'x'), ':0');
  // A second subscriber to the same channel.
  await sub(t, s2, proto, ['SUBSCRIBE', 'ch'], [F('"subscribe"', '"ch"', ':1')]);
  t.equal(await p.q('PUBLISH', 'ch', 'm2'), ':3');
  t.same(await frames(s2, proto, 1), [F('"message"', '"ch"', '"m2"')]);
  t.same(await frames(s, proto, 2), [
    F('"message"', '"ch"', '"m2"'),
    F('"pmessage"', '"c*"', '"ch"', '"m2"'),
  ]);
  // Binary-safe channel names and payloads (every byte value, CR LF, NUL).
  const chan = Buffer.from([0, 0xff, 13, 10, 0x2a, 0x80]);
  const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const binFrame = F(
    show({ type: 'bulk', value: Buffer.from('message') }),
    show({ type: 'bulk', value: chan }),
    show({ type: 'bulk', value: payload }),
  );
  await sub(t, s2, proto, ['SUBSCRIBE', chan], [F('"subscribe"', show({ type: 'bulk', value: chan }), ':2')]);
  t.equal(await p.q('PUBLISH', chan, payload), ':1');
  t.same(await frames(s2, proto, 1), [binFrame]);
  // Glob patterns: several patterns matching one channel (their order is not defined).
  await sub(
    t,
    s2,
    proto,
    ['PSUBSCRIBE', 'h?llo', 'h[ae]llo', 'h\\*llo', '*'],
    [
      F('"psubscribe"', '"h?llo"', ':3'),
      F('"psubscribe"', '"h[ae]llo"', ':4'),
      F('"psubscribe"', '"h\\\\*llo"', ':5'),
      F('"psubscribe"', '"*"', ':6'),
    ],
  );
  t.equal(await p.q('PUBLISH', 'hello', 'g'), ':3');
  t.same(
    (await frames(s2, proto, 3)).sort(),
    [
      F('"pmessage"', '"h?llo"', '"hello"', '"g"'),
      F('"pmessage"', '"h[ae]llo"', '"hello"', '"g"'),
      F('"pmessage"', '"*"', '"hello"', '"g"'),
    ].sort(),
  );
  t.equal(await p.q('PUBLISH', 'h*llo', 'g'), ':3');
  t.same(
    (await frames(s2, proto, 3)).sort(),
    [
      F('"pmessage"', '"h?llo"', '"h*llo"', '"g"'),
      F('"pmessage"', '"h\\\\*llo"', '"h*llo"', '"g"'),
      F('"pmessage"', '"*"', '"h*llo"', '"g"'),
    ].sort(),
  );
  // The publisher may be subscribed itself (RESP3 only: RESP2 forbids PUBLISH there).
  if (proto === 3) {
    t.equal(await s.q('PUBLISH', 'ch', 'self'), ':4');
    t.same(await frames(s, proto, 2), [
      F('"message"', '"ch"', '"self"'),
      F('"pmessage"', '"c*"', '"ch"', '"self"'),
    ]);
    t.same(
      (await frames(s2, proto, 2)).sort(),
      [F('"message"', '"ch"', '"self"'), F('"pmessage"', '"*"', '"ch"', '"self"')].sort(),
    );
  }
}

async function introspection(t: Test, server: ServerHandle): Promise<void> {
  const a = await open(t, server, 2);
  const b = await open(t, server, 3);
  const q = await connect(t, server);
  const sorted = async (...argv: Arg[]) => {
    const r = await q.send(argv);
    return r.type === 'array' ? r.value.map(show).sort() : show(r);
  };
  await checkCases(t, q, [
    [['PUBSUB', 'CHANNELS'], '[]'],
    [['PUBSUB', 'NUMSUB'], '[]'],
    [['PUBSUB', 'NUMSUB', 'a'], '["a", :0]'],
    [['PUBSUB', 'NUMPAT'], ':0'],
  ]);
  await sub(
    t,
    a,
    2,
    ['SUBSCRIBE', 'news.a', 'news.b', 'other'],
    ['["subscribe", "news.a", :1]', '["subscribe", "news.b", :2]', '["subscribe", "other", :3]'],
  );
  await sub(t, b, 3, ['SUBSCRIBE', 'news.a'], ['>["subscribe", "news.a", :1]']);
  await sub(
    t,
    a,
    2,
    ['PSUBSCRIBE', 'news.*', 'x?'],
    ['["psubscribe", "news.*", :4]', '["psubscribe", "x?", :5]'],
  );
  await sub(t, b, 3, ['PSUBSCRIBE', 'news.*'], ['>["psubscribe", "news.*", :2]']);
  t.same(await sorted('PUBSUB', 'CHANNELS'), ['"news.a"', '"news.b"', '"other"']);
  t.same(await sorted('PUBSUB', 'CHANNELS', 'news.*'), ['"news.a"', '"news.b"']);
  t.same(await sorted('pubsub', 'channels', '*.b'), ['"news.b"']);
  t.same(await sorted('PUBSUB', 'CHANNELS', 'nothing*'), []);
  await checkCases(t, q, [
    // Patterns are not channels; NUMPAT counts distinct patterns.
    [
      ['PUBSUB', 'NUMSUB', 'news.a', 'news.b', 'news.*', 'zz', 'news.a'],
      '["news.a", :2, "news.b", :1, "news.*", :0, "zz", :0, "news.a", :2]',
    ],
    [['PUBSUB', 'NUMPAT'], ':2'],
    [['PUBLISH', 'news.a', 'm'], ':4'],
    [['PUBLISH', 'xy', 'm'], ':1'],
    [
      ['PUBSUB', 'CHANNELS', 'a', 'b'],
      "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.",
    ],
    [
      ['pubsub', 'channels', 'a', 'b'],
      "-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.",
    ],
    [['PUBSUB', 'NUMPAT', 'x'], "-ERR wrong number of arguments for 'pubsub|numpat' command"],
    [['PUBSUB', 'FOO'], "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP."],
    [['PUBSUB'], "-ERR wrong number of arguments for 'pubsub' command"],
    [['PUBLISH', 'a'], "-ERR wrong number of arguments for 'publish' command"],
    [['PUBLISH', 'a', 'b', 'c'], "-ERR wrong number of arguments for 'publish' command"],
  ]);
  t.equal(await q.q('PUBSUB', 'HELP'), `[${PUBSUB_HELP.map((l) => `+${l}`).join(', ')}]`);
  // RESP3 replies of PUBSUB keep the array type.
  await checkCases(t, b, [[['PUBSUB', 'NUMSUB', 'other'], '["other", :1]']], 3);
}

async function resp2Restrictions(t: Test, server: ServerHandle): Promise<void> {
  const c = await open(t, server, 2);
  await sub(t, c, 2, ['SUBSCRIBE', 'r'], ['["subscribe", "r", :1]']);
  await checkCases(t, c, [
    [['PING'], '["pong", ""]'],
    [['PING', 'hi'], '["pong", "hi"]'],
    [['PING', 'a', 'b'], "-ERR wrong number of arguments for 'ping' command"],
    [['GET', 'x'], RESTRICTED('get')],
    [['SELECT', '0'], RESTRICTED('select')],
    [['HELLO', '3'], RESTRICTED('hello')],
    [['CLIENT', 'SETNAME', 'x'], RESTRICTED('client|setname')],
    [['PUBLISH', 'r', 'x'], RESTRICTED('publish')],
    [['MULTI'], RESTRICTED('multi')],
    [['UNWATCH'], RESTRICTED('unwatch')],
    [['EXEC'], `-EXECABORT Transaction discarded because of: ${RESTRICTED('exec').slice(5)}`],
    [['FOO'], "-ERR unknown command 'FOO', with args beginning with: "],
  ]);
  // Pattern subscriptions alone also restrict; leaving both lifts the restriction.
  await sub(t, c, 2, ['PSUBSCRIBE', 'r*'], ['["psubscribe", "r*", :2]']);
  await sub(t, c, 2, ['UNSUBSCRIBE'], ['["unsubscribe", "r", :1]']);
  t.equal(await c.q('GET', 'x'), RESTRICTED('get'));
  await sub(t, c, 2, ['PUNSUBSCRIBE'], ['["punsubscribe", "r*", :0]']);
  t.equal(await c.q('GET', 'x'), '$-1');
  t.equal(await c.q('PING'), '+PONG');
  // QUIT is allowed and closes.
  await sub(t, c, 2, ['SUBSCRIBE', 'r'], ['["subscribe", "r", :1]']);
  t.equal(await c.q('QUIT'), '+OK');
  await c.closed;
}

async function resp3Commands(t: Test, server: ServerHandle): Promise<void> {
  const c = await open(t, server, 3);
  const p = await connect(t, server);
  await sub(t, c, 3, ['SUBSCRIBE', 'r'], ['>["subscribe", "r", :1]']);
  await checkCases(
    t,
    c,
    [
      [['PING'], '+PONG'],
      [['SET', 'k', 'v'], '+OK'],
      [['GET', 'k'], '"v"'],
      [['GET', 'missing'], '_'],
      [['CLIENT', 'SETNAME', 'sub3'], '+OK'],
      [['MULTI'], '+OK'],
      [['GET', 'k'], '+QUEUED'],
      [['EXEC'], '["v"]'],
    ],
    3,
  );
  // Messages interleave with command replies without taking their place.
  const N = 50;
  const gets: Promise<string>[] = [];
  for (let i = 0; i < N; i++) {
    gets.push(c.q('GET', 'k'));
    await p.send(['PUBLISH', 'r', String(i)]);
  }
  t.same(await Promise.all(gets), Array(N).fill('"v"'));
  const got = await frames(c, 3, N);
  t.same(
    got,
    Array.from({ length: N }, (_, i) => `>["message", "r", "${i}"]`),
  );
}

async function resetLeaves(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const c = await open(t, server, proto);
  const q = await connect(t, server);
  await sub(t, c, proto, ['SUBSCRIBE', 'rs'], [f(proto, '"subscribe"', '"rs"', ':1')]);
  await sub(t, c, proto, ['PSUBSCRIBE', 'rs*'], [f(proto, '"psubscribe"', '"rs*"', ':2')]);
  t.equal(await q.q('PUBSUB', 'NUMSUB', 'rs'), '["rs", :1]');
  t.equal(await c.q('RESET'), '+RESET');
  t.equal(await c.q('GET', 'x'), '$-1', 'RESP2 and not subscribed after RESET');
  t.equal(await c.q('PING'), '+PONG');
  t.equal(await q.q('PUBSUB', 'NUMSUB', 'rs'), '["rs", :0]');
  t.equal(await q.q('PUBSUB', 'NUMPAT'), ':0');
  t.equal(await q.q('PUBLISH', 'rs', 'x'), ':0');
}

async function closedSubscriber(t: Test, server: ServerHandle): Promise<void> {
  const c = await open(t, server, 2);
  const q = await connect(t, server);
  await sub(t, c, 2, ['SUBSCRIBE', 'gone'], ['["subscribe", "gone", :1]']);
  await sub(t, c, 2, ['PSUBSCRIBE', 'gone*'], ['["psubscribe", "gone*", :2]']);
  t.equal(await q.q('PUBLISH', 'gone', 'x'), ':2');
  c.socket.destroy();
  await c.closed;
  await waitUntil(async () => (await q.q('PUBSUB', 'NUMSUB', 'gone')) === '["gone", :0]', {
    what: 'NUMSUB to drop the closed subscriber',
  });
  await waitUntil(async () => (await q.q('PUBSUB', 'NUMPAT')) === ':0', { what: 'NUMPAT 0' });
  t.equal(await q.q('PUBLISH', 'gone', 'x'), ':0');
  t.equal(await q.q('PUBSUB', 'CHANNELS'), '[]');
}

async function subscribeInMulti(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const c = await connect(t, server);
  if (proto === 3) await c.send(['HELLO', '3']);
  const q = await connect(t, server);
  // The confirmation is the queued command's reply inside the EXEC array.
  await checkCases(
    t,
    c,
    [
      [['MULTI'], '+OK'],
      [['SUBSCRIBE', 'mx'], '+QUEUED'],
      [['PING'], '+QUEUED'],
      [['EXEC'], '[["subscribe", "mx", :1], ["pong", ""]]', '[>["subscribe", "mx", :1], +PONG]'],
    ],
    proto,
  );
  t.equal(await q.q('PUBLISH', 'mx', 'hi'), ':1');
  t.equal(show(await c.readReply()), f(proto, '"message"', '"mx"', '"hi"'));
}

async function ioredisSubscriber(t: Test, server: ServerHandle, protocol: 2 | 3): Promise<void> {
  const s = await ioredis(t, server, { protocol });
  const p = await ioredis(t, server, { protocol });
  const got: string[] = [];
  s.on('message', (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
  s.on('pmessage', (pat: string, ch: string, msg: string) => got.push(`pmessage ${pat} ${ch} ${msg}`));
  const bin: Buffer[] = [];
  s.on('messageBuffer', (_ch: Buffer, msg: Buffer) => bin.push(msg));
  t.equal(await s.subscribe('io1', 'io2'), 2);
  t.equal(await s.psubscribe('io*'), 3);
  t.equal(await p.publish('io1', 'a'), 2);
  t.equal(await p.publish('io3', 'b'), 1);
  const payload = Buffer.from([0, 1, 2, 13, 10, 0xff, 0xfe]);
  t.equal(await p.publish('io2', payload), 2);
  await waitUntil(() => got.length >= 5, { what: 'ioredis messages' });
  t.same(got, [
    'message io1 a',
    'pmessage io* io1 a',
    'pmessage io* io3 b',
    `message io2 ${payload.toString()}`,
    `pmessage io* io2 ${payload.toString()}`,
  ]);
  await waitUntil(() => bin.length >= 2, { what: 'messageBuffer events' });
  t.same(bin.at(-1), payload, 'binary payload intact');
  t.same(await p.pubsub('NUMSUB', 'io1', 'io2'), ['io1', 1, 'io2', 1]);
  t.equal(await s.unsubscribe('io1'), 2);
  // Named: ioredis 6's promise for a no-argument (P)UNSUBSCRIBE never settles here, with
  // redis-server too.
  t.equal(await s.punsubscribe('io*'), 1);
  t.equal(await p.publish('io1', 'c'), 0);
  t.equal(await s.unsubscribe('io2'), 0);
  // Out of subscriber mode, ordinary commands work on the same connection.
  t.equal(await s.set('after', 'x'), 'OK');
  t.equal(await s.get('after'), 'x');
}

async function redisCliSubscribe(t: Test, server: ServerHandle): Promise<void> {
  const q = await connect(t, server);
  const cli = spawn('redis-cli', ['-h', server.host, '-p', String(server.port), 'SUBSCRIBE', 'cli'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    cli.kill('SIGKILL');
  });
  let out = '';
  cli.stdout.setEncoding('utf8');
  cli.stdout.on('data', (s: string) => {
    out += s;
  });
  await waitUntil(async () => (await q.q('PUBSUB', 'NUMSUB', 'cli')) === '["cli", :1]', {
    what: 'redis-cli to subscribe',
  });
  t.equal(await q.q('PUBLISH', 'cli', 'hello from test'), ':1');
  await waitUntil(() => out.includes('hello from test'), { what: 'redis-cli to print the message' });
  t.equal(out, 'subscribe\ncli\n1\nmessage\ncli\nhello from test\n');
}

forEachTarget(t, async (t, { server }) => {
  for (const proto of [2, 3] as const) {
    t.test(`subscription confirmations (RESP${proto})`, (t) => confirmations(t, server, proto));
    t.test(`messages, pmessages and PUBLISH counts (RESP${proto})`, (t) => messages(t, server, proto));
  }
  t.test('PUBSUB CHANNELS/NUMSUB/NUMPAT', (t) => introspection(t, server));
  t.test('RESP2 subscribed mode: allowed commands and errors', (t) => resp2Restrictions(t, server));
  t.test('RESP3: any command while subscribed', (t) => resp3Commands(t, server));
  for (const proto of [2, 3] as const) {
    t.test(`RESET leaves subscribed mode (RESP${proto})`, (t) => resetLeaves(t, server, proto));
    t.test(`SUBSCRIBE queued in MULTI (RESP${proto})`, (t) => subscribeInMulti(t, server, proto));
  }
  t.test('a closed subscriber is removed', (t) => closedSubscriber(t, server));
  for (const protocol of [3, 2] as const) {
    t.test(`ioredis subscriber (protocol ${protocol})`, (t) => ioredisSubscriber(t, server, protocol));
  }
  t.test('redis-cli SUBSCRIBE', { skip: !redisCliAvailable() && 'redis-cli not installed' }, (t) =>
    redisCliSubscribe(t, server),
  );
});
