// Redis 7.0 compatibility of sharded Pub/Sub: SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB
// SHARDCHANNELS / SHARDNUMSUB, on a standalone node.
// What: confirmation frames (RESP2 arrays, RESP3 pushes) whose count is the client's shard
// channels only (a SUBSCRIBE beside them counts its own); SUNSUBSCRIBE with and without names and
// without subscriptions; `smessage` frames and SPUBLISH receiver counts (shard channels are their
// own namespace: a plain subscriber or a pattern of the same name receives nothing); PUBSUB
// SHARDCHANNELS / SHARDNUMSUB and their errors; RESP2 subscribed mode entered by SSUBSCRIBE alone
// (PING's `pong` array, other commands refused) and left when the last subscription goes;
// CLIENT LIST's ssub field; SSUBSCRIBE inside MULTI refused at EXEC (Redis: not allowed for a
// client that may not block); scripts may not subscribe; a closed subscriber is forgotten.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); RESP3 push
// frames are read apart from replies. Orders Redis does not define are compared sorted.
import t, { type Test } from 'tap';
import { type Arg, type RespClient, type RespValue, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { checkCases, connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

async function open(t: Test, server: ServerHandle, proto: 2 | 3): Promise<RespClient> {
  const c = await connect(t, server);
  if (proto === 3) {
    t.equal((await c.send(['HELLO', '3'])).type, 'map');
    c.separatePushes();
  }
  return c;
}

function frame(c: RespClient, proto: 2 | 3): Promise<RespValue> {
  return proto === 3 ? c.readPush() : c.readReply();
}

async function frames(c: RespClient, proto: 2 | 3, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(show(await frame(c, proto)));
  return out;
}

function f(proto: 2 | 3, ...items: string[]): string {
  if (proto === 2) return `[${items.join(', ')}]`;
  return `>[${items.map((i) => (i === '$-1' ? '_' : i)).join(', ')}]`;
}

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
  await sub(t, c, proto, ['SUNSUBSCRIBE'], [F('"sunsubscribe"', '$-1', ':0')]);
  await sub(t, c, proto, ['SUNSUBSCRIBE', 'x'], [F('"sunsubscribe"', '"x"', ':0')]);
  await sub(
    t,
    c,
    proto,
    ['SSUBSCRIBE', 'a', 'b', 'a'],
    [F('"ssubscribe"', '"a"', ':1'), F('"ssubscribe"', '"b"', ':2'), F('"ssubscribe"', '"a"', ':2')],
  );
  // Channels and patterns count apart from shard channels.
  await sub(t, c, proto, ['SUBSCRIBE', 'a'], [F('"subscribe"', '"a"', ':1')]);
  await sub(t, c, proto, ['PSUBSCRIBE', '*'], [F('"psubscribe"', '"*"', ':2')]);
  await sub(t, c, proto, ['SSUBSCRIBE', 'c'], [F('"ssubscribe"', '"c"', ':3')]);
  await sub(
    t,
    c,
    proto,
    ['SUNSUBSCRIBE', 'b', 'zz'],
    [F('"sunsubscribe"', '"b"', ':2'), F('"sunsubscribe"', '"zz"', ':2')],
  );
  await sub(t, c, proto, ['UNSUBSCRIBE', 'a'], [F('"unsubscribe"', '"a"', ':1')]);
  await sub(t, c, proto, ['PUNSUBSCRIBE', '*'], [F('"punsubscribe"', '"*"', ':0')]);
  c.write(['SUNSUBSCRIBE']);
  const all = await frames(c, proto, 2);
  t.same(all.map((x) => x.split(', ')[1]).sort(), ['"a"', '"c"'], 'SUNSUBSCRIBE names every shard channel');
  t.match(all[1], /:0\]$/, 'down to 0');
  t.equal(await c.q('PING'), '+PONG', 'out of subscribed mode');
  t.equal(await c.q('SSUBSCRIBE'), "-ERR wrong number of arguments for 'ssubscribe' command");
}

async function messages(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const s = await open(t, server, proto);
  const plain = await open(t, server, proto);
  const p = await connect(t, server);
  const F = (...items: string[]) => f(proto, ...items);
  await sub(
    t,
    s,
    proto,
    ['SSUBSCRIBE', 'ch', Buffer.from('bin\x00\xff', 'latin1')],
    [F('"ssubscribe"', '"ch"', ':1'), F('"ssubscribe"', '"bin\\x00\\xff"', ':2')],
  );
  await sub(t, plain, proto, ['SUBSCRIBE', 'ch'], [F('"subscribe"', '"ch"', ':1')]);
  await sub(t, plain, proto, ['PSUBSCRIBE', 'c*'], [F('"psubscribe"', '"c*"', ':2')]);
  t.equal(await p.q('SPUBLISH', 'ch', 'hello'), ':1', 'only the shard subscriber counts');
  t.equal(show(await frame(s, proto)), F('"smessage"', '"ch"', '"hello"'));
  t.equal(await p.q('SPUBLISH', Buffer.from('bin\x00\xff', 'latin1'), Buffer.from([0, 1, 255])), ':1');
  t.equal(show(await frame(s, proto)), F('"smessage"', '"bin\\x00\\xff"', '"\\x00\\x01\\xff"'));
  t.equal(await p.q('SPUBLISH', 'nobody', 'x'), ':0');
  // PUBLISH does not reach shard subscribers; the plain subscriber gets its message and pmessage.
  t.equal(await p.q('PUBLISH', 'ch', 'plain'), ':2');
  t.equal(show(await frame(plain, proto)), F('"message"', '"ch"', '"plain"'));
  t.equal(show(await frame(plain, proto)), F('"pmessage"', '"c*"', '"ch"', '"plain"'));
  t.equal(await p.q('SPUBLISH', 'ch', 'again'), ':1');
  t.equal(show(await frame(s, proto)), F('"smessage"', '"ch"', '"again"'), 'nothing else arrived before');
}

async function introspection(t: Test, server: ServerHandle): Promise<void> {
  const s1 = await connect(t, server);
  const s2 = await connect(t, server);
  const c = await connect(t, server);
  s1.write(['SSUBSCRIBE', 'news.a', 'news.b', 'other']);
  await frames(s1, 2, 3);
  s2.write(['SSUBSCRIBE', 'news.a']);
  await frames(s2, 2, 1);
  const chans = await c.send(['PUBSUB', 'SHARDCHANNELS']);
  t.same(chans.type === 'array' ? chans.value.map(show).sort() : show(chans), [
    '"news.a"',
    '"news.b"',
    '"other"',
  ]);
  const news = await c.send(['PUBSUB', 'SHARDCHANNELS', 'news.*']);
  t.same(news.type === 'array' ? news.value.map(show).sort() : show(news), ['"news.a"', '"news.b"']);
  await checkCases(t, c, [
    [['PUBSUB', 'SHARDNUMSUB', 'news.a', 'news.b', 'none'], '["news.a", :2, "news.b", :1, "none", :0]'],
    [['PUBSUB', 'SHARDNUMSUB'], '[]'],
    [['PUBSUB', 'NUMSUB', 'news.a'], '["news.a", :0]'],
    [['PUBSUB', 'CHANNELS'], '[]'],
    [
      ['PUBSUB', 'SHARDCHANNELS', 'a', 'b'],
      "-ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP.",
    ],
    [['SPUBLISH', 'x'], "-ERR wrong number of arguments for 'spublish' command"],
    [
      ['EVAL', "return redis.call('ssubscribe', 'x')", '0'],
      /^-ERR This Redis command is not allowed from script/,
    ],
  ]);
  // CLIENT LIST's ssub field.
  const list = await c.send(['CLIENT', 'LIST']);
  const text = list.type === 'bulk' || list.type === 'verbatim' ? list.value.toString() : '';
  t.match(text, / ssub=3 /, 'ssub counts the shard channels of a subscriber');
  // A closed subscriber is forgotten.
  await s2.close();
  await waitUntil(async () => (await c.q('PUBSUB', 'SHARDNUMSUB', 'news.a')) === '["news.a", :1]', {
    what: 'SHARDNUMSUB after close',
  });
}

async function subscribedMode(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  c.write(['SSUBSCRIBE', 's']);
  await frames(c, 2, 1);
  t.equal(await c.q('PING'), '["pong", ""]', 'RESP2 subscribed mode: PING answers an array');
  t.equal(
    await c.q('GET', 'k'),
    "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
  );
  c.write(['SUNSUBSCRIBE', 's']);
  t.equal(show(await c.readReply()), '["sunsubscribe", "s", :0]');
  t.equal(await c.q('GET', 'k'), '$-1', 'left subscribed mode');
  // Inside MULTI, SSUBSCRIBE is refused when EXEC runs it.
  await checkCases(t, c, [
    [['MULTI'], '+OK'],
    [['SSUBSCRIBE', 'm'], '+QUEUED'],
    [['PING'], '+QUEUED'],
    [['EXEC'], "[-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client, +PONG]"],
    [['PUBSUB', 'SHARDNUMSUB', 'm'], '["m", :0]'],
  ]);
}

forEachTarget(t, async (t, { server }) => {
  for (const proto of [2, 3] as const) {
    t.test(`confirmations (RESP${proto})`, (t) => confirmations(t, server, proto));
    t.test(`smessage and SPUBLISH counts (RESP${proto})`, (t) => messages(t, server, proto));
  }
  t.test('PUBSUB SHARDCHANNELS / SHARDNUMSUB, CLIENT LIST', (t) => introspection(t, server));
  t.test('RESP2 subscribed mode and MULTI', (t) => subscribedMode(t, server));
});
