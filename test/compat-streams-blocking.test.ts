// Redis 7.0 compatibility of blocking stream reads: XREAD BLOCK and XREADGROUP BLOCK.
// What: a blocked XREAD served by an XADD (only the stream that got data, `$` meaning the last ID
// when the client blocked, COUNT and the default of 1000 when blocked, the same key named twice,
// an entry added and deleted in one transaction serving an empty list), timeouts (null array,
// `_` in RESP3), keys deleted and re-created or changed to another type (XREAD keeps waiting);
// a blocked XREADGROUP served with PEL entries (or none with NOACK), one XADD serving one of two
// consumers of a group, and its errors when the key is deleted, overwritten, flushed or the
// group destroyed (UNBLOCKED, NOGROUP; counted in failed_calls); CLIENT UNBLOCK TIMEOUT/ERROR;
// XREADGROUP with a history ID never blocks; a write sent together with the blocking read
// (before the client shows as blocked) still reaches it; ioredis xread/xreadgroup in both
// protocols.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts). A client
// counts as blocked only once INFO clients shows it (waitUntil on blocked_clients): no sleeps.
import t, { type Test } from 'tap';
import { type Arg, type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget, ioredis } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

async function blockedClients(c: RespClient): Promise<number> {
  const v = await c.send(['INFO', 'clients']);
  const text = v.type === 'bulk' || v.type === 'verbatim' ? v.value.toString() : '';
  return Number(/blocked_clients:(\d+)/.exec(text)?.[1] ?? -1);
}

async function waitBlocked(c: RespClient, n: number): Promise<void> {
  await waitUntil(async () => (await blockedClients(c)) === n, { what: `blocked_clients:${n}` });
}

/**
 * Sends `argv` on `b`, waits until `n` clients are blocked and returns the rendered reply, still
 * pending (wrapped: an async function would wait for a promise it returns).
 */
async function block(
  c: RespClient,
  b: RespClient,
  argv: readonly Arg[],
  n = 1,
): Promise<{ reply: Promise<string> }> {
  const reply = b.send(argv).then(show);
  reply.catch(() => {});
  await waitBlocked(c, n);
  return { reply };
}

async function xreadServed(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  for (const proto of [2, 3] as const) {
    await c.send(['FLUSHALL']);
    const b = await connect(t, server);
    if (proto === 3) await b.send(['HELLO', '3']);
    await c.send(['XADD', 's2', '1-0', 'old', 'x']);
    let r = (await block(c, b, ['XREAD', 'BLOCK', '0', 'STREAMS', 's1', 's2', 's3', '$', '$', '$'])).reply;
    t.equal(await c.q('XADD', 's2', '2-0', 'new', 'y'), '"2-0"');
    const want = proto === 2 ? '[["s2", [["2-0", ["new", "y"]]]]]' : '{"s2": [["2-0", ["new", "y"]]]}';
    t.equal(await r, want, `[RESP${proto}] only the stream that got data, after $`);
    // An ID before the last one serves at once; one at the last blocks.
    t.equal(await b.q('XREAD', 'BLOCK', '0', 'STREAMS', 's2', '1-0'), want);
    r = (await block(c, b, ['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's2', '2-0'])).reply;
    t.same(
      (
        await c.pipeline([
          ['MULTI'],
          ['XADD', 's2', '3-0', 'a', '1'],
          ['XADD', 's2', '4-0', 'b', '2'],
          ['EXEC'],
        ])
      ).map(show),
      ['+OK', '+QUEUED', '+QUEUED', '["3-0", "4-0"]'],
    );
    t.equal(
      await r,
      proto === 2 ? '[["s2", [["3-0", ["a", "1"]]]]]' : '{"s2": [["3-0", ["a", "1"]]]}',
      'COUNT 1',
    );
    // Without COUNT every new entry (up to 1000); a key named twice is served once.
    r = (await block(c, b, ['XREAD', 'BLOCK', '0', 'STREAMS', 's2', 's2', '$', '$'])).reply;
    await c.pipeline([['MULTI'], ['XADD', 's2', '5-0', 'c', '3'], ['XADD', 's2', '6-0', 'd', '4'], ['EXEC']]);
    const two = '[["5-0", ["c", "3"]], ["6-0", ["d", "4"]]]';
    t.equal(await r, proto === 2 ? `[["s2", ${two}]]` : `{"s2": ${two}}`);
    await b.close();
  }
}

async function xreadTimeoutsAndTypes(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.send(['FLUSHALL']);
  const b = await connect(t, server);
  const t0 = performance.now();
  t.equal(await b.q('XREAD', 'BLOCK', '30', 'STREAMS', 'nope', '$'), '*-1', 'timeout: null array');
  t.ok(performance.now() - t0 >= 28, 'waited for the timeout');
  await b.send(['HELLO', '3']);
  t.equal(await b.q('XREAD', 'BLOCK', '10', 'STREAMS', 'nope', '0'), '_', 'RESP3 timeout: null');
  await b.send(['HELLO', '2']);
  // A deleted and re-created stream serves its new entries; another type is ignored.
  await c.send(['XADD', 'k', '666', 'f', 'v']);
  let r = (await block(c, b, ['XREAD', 'BLOCK', '0', 'STREAMS', 'k', '$'])).reply;
  await c.pipeline([['MULTI'], ['XADD', 'k', '667', 'a', 'b'], ['DEL', 'k'], ['EXEC']]);
  t.equal(await c.q('SET', 'k', 'str'), '+OK');
  t.equal(await blockedClients(c), 1, 'still blocked after XADD+DEL and SET');
  await c.send(['DEL', 'k']);
  t.equal(await c.q('XADD', 'k', '668', 'new', 'v'), '"668-0"');
  t.equal(await r, '[["k", [["668-0", ["new", "v"]]]]]');
  // An entry added and deleted in one transaction: served with no entries (the last ID moved).
  r = (await block(c, b, ['XREAD', 'BLOCK', '0', 'STREAMS', 'k', '668'])).reply;
  await c.pipeline([['MULTI'], ['XADD', 'k', '669', 'a', 'b'], ['XDEL', 'k', '669'], ['EXEC']]);
  t.equal(await r, '[["k", []]]');
  // When the entry after the ID was deleted before blocking, XREAD blocks (and times out).
  t.equal(await b.q('XREAD', 'BLOCK', '20', 'STREAMS', 'k', '668'), '*-1');
  t.equal(await blockedClients(c), 0);
}

async function xreadgroupServed(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.send(['FLUSHALL']);
  const [b1, b2] = [await connect(t, server), await connect(t, server)];
  await c.send(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
  const r1 = (await block(c, b1, ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'], 1))
    .reply;
  const r2 = (await block(c, b2, ['XREADGROUP', 'GROUP', 'g', 'bob', 'BLOCK', '0', 'STREAMS', 's', '>'], 2))
    .reply;
  t.equal(await c.q('XADD', 's', '1-0', 'f', 'v'), '"1-0"');
  t.equal(await r1, '[["s", [["1-0", ["f", "v"]]]]]', 'the first blocked consumer gets the entry');
  await waitBlocked(c, 1);
  t.equal(await c.q('XADD', 's', '2-0', 'g', 'w'), '"2-0"');
  t.equal(await r2, '[["s", [["2-0", ["g", "w"]]]]]', 'the second one the next entry');
  t.match(
    await c.q('XPENDING', 's', 'g', '-', '+', '10'),
    /^\[\["1-0", "alice", :\d+, :1\], \["2-0", "bob", :\d+, :1\]\]$/,
  );
  t.equal(
    await c.q('XINFO', 'GROUPS', 's'),
    '[["name", "g", "consumers", :2, "pending", :2, "last-delivered-id", "2-0", "entries-read", :2, "lag", :0]]',
  );
  // NOACK: delivered, nothing pending; a history ID answers at once even with BLOCK.
  const r3 = (
    await block(c, b1, ['XREADGROUP', 'GROUP', 'g', 'carol', 'BLOCK', '0', 'NOACK', 'STREAMS', 's', '>'])
  ).reply;
  t.equal(await c.q('XADD', 's', '3-0', 'h', 'x'), '"3-0"');
  t.equal(await r3, '[["s", [["3-0", ["h", "x"]]]]]');
  t.equal(await c.q('XPENDING', 's', 'g', '-', '+', '10', 'carol'), '[]');
  t.equal(
    await b1.q('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '0'),
    '[["s", [["1-0", ["f", "v"]]]]]',
  );
  t.equal(await b1.q('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '10', 'STREAMS', 's', '>'), '*-1');
  t.equal(await blockedClients(c), 0);
}

async function xreadgroupErrors(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.send(['FLUSHALL']);
  const b = await connect(t, server);
  const gone = '-UNBLOCKED the stream key no longer exists';
  const cmd = ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>'];
  const setups: [string, Arg[][], string][] = [
    ['DEL', [['DEL', 's']], gone],
    ['SET', [['SET', 's', 'v']], gone],
    ['MULTI DEL + SADD', [['MULTI'], ['DEL', 's'], ['SADD', 's', 'e'], ['EXEC']], gone],
    ['FLUSHALL', [['FLUSHALL']], gone],
    [
      'XGROUP DESTROY',
      [['XGROUP', 'DESTROY', 's', 'g']],
      '-NOGROUP the consumer group this client was blocked on no longer exists',
    ],
    [
      'RENAME from a stream without the group',
      [
        ['XADD', 'o', '9-0', 'f', 'v'],
        ['RENAME', 'o', 's'],
      ],
      '-NOGROUP the consumer group this client was blocked on no longer exists',
    ],
  ];
  t.equal(await c.q('CONFIG', 'RESETSTAT'), '+OK');
  for (const [what, writes, want] of setups) {
    await c.send(['DEL', 's']);
    await c.send(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    const r = (await block(c, b, cmd)).reply;
    await c.pipeline(writes);
    t.equal(await r, want, what);
    await waitBlocked(c, 0);
  }
  const stats = await c.q('INFO', 'commandstats');
  t.match(
    stats,
    /cmdstat_xreadgroup:calls=6,.*,rejected_calls=0,failed_calls=6/,
    'each ended as a failed call',
  );
  // RENAME of a stream that has the group serves its entries.
  await c.send(['DEL', 's']);
  await c.send(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
  const r = (await block(c, b, cmd)).reply;
  await c.pipeline([
    ['XGROUP', 'CREATE', 'o', 'g', '$', 'MKSTREAM'],
    ['XADD', 'o', '100', 'f1', 'v1'],
    ['RENAME', 'o', 's'],
  ]);
  t.equal(await r, '[["s", [["100-0", ["f1", "v1"]]]]]');
}

/**
 * A write sent together with the blocking read, from another connection (the suite's
 * "Blocking XREADGROUP: key deleted" does this): whichever the server sees first, the reader
 * must not miss it. The read then fails at once (NOGROUP: the DEL came first) or is unblocked by
 * it (UNBLOCKED), and an XREAD is served; it must never sit out its timeout.
 */
async function raceAfterBlock(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.send(['FLUSHALL']);
  const b = await connect(t, server);
  let missed = 0;
  for (let i = 0; i < 30; i++) {
    await c.send(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    const [r] = await Promise.all([
      b.send(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '1000', 'STREAMS', 's', '>']).then(show),
      c.send(['DEL', 's']),
    ]);
    if (!/^-(UNBLOCKED the stream key no longer exists|NOGROUP No such key 's')/.test(r)) missed++;
    const [x] = await Promise.all([
      b.send(['XREAD', 'BLOCK', '1000', 'STREAMS', 'k', '$']).then(show),
      c.send(['XADD', 'k', '*', 'f', 'v']),
    ]);
    if (x === '*-1') missed++;
  }
  t.equal(missed, 0, 'no blocked read missed the write sent with it');
}

async function unblock(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  await c.send(['FLUSHALL']);
  const b = await connect(t, server);
  const id = (await b.q('CLIENT', 'ID')).slice(1);
  await c.send(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
  let r = (await block(c, b, ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'])).reply;
  t.equal(await c.q('CLIENT', 'UNBLOCK', id), ':1');
  t.equal(await r, '*-1', 'XREAD unblocked as a timeout');
  r = (await block(c, b, ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'])).reply;
  t.equal(await c.q('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1');
  t.equal(await r, '-UNBLOCKED client unblocked via CLIENT UNBLOCK');
  r = (await block(c, b, ['XREADGROUP', 'GROUP', 'g', 'x', 'BLOCK', '0', 'STREAMS', 's', '>'])).reply;
  t.equal(await c.q('CLIENT', 'UNBLOCK', id, 'TIMEOUT'), ':1');
  t.equal(await r, '*-1', 'XREADGROUP unblocked as a timeout');
  t.equal(await c.q('XADD', 's', '1-0', 'f', 'v'), '"1-0"');
  t.equal(
    await c.q('XPENDING', 's', 'g'),
    '[:0, $-1, $-1, *-1]',
    'nothing delivered to the unblocked client',
  );
  t.equal(await b.q('PING'), '+PONG');
}

async function ioredisReads(t: Test, server: ServerHandle, protocol: 2 | 3): Promise<void> {
  const c = await connect(t, server);
  await c.send(['FLUSHALL']);
  const r = await ioredis(t, server, { protocol });
  await c.send(['XGROUP', 'CREATE', 'io', 'g', '$', 'MKSTREAM']);
  const p = r.xread('BLOCK', 0, 'STREAMS', 'io', '$');
  await waitBlocked(c, 1);
  t.equal(await c.q('XADD', 'io', '1-0', 'f', 'v'), '"1-0"');
  t.same(await p, [['io', [['1-0', ['f', 'v']]]]]);
  const q = r.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 'io', '>');
  t.same(await q, [['io', [['1-0', ['f', 'v']]]]], 'served at once: the group had not read 1-0');
  t.equal(await r.xread('BLOCK', 10, 'STREAMS', 'io', '$'), null);
}

forEachTarget(t, async (t, { server }) => {
  t.test('XREAD BLOCK served by XADD', (t) => xreadServed(t, server));
  t.test('XREAD timeouts, deleted and retyped keys', (t) => xreadTimeoutsAndTypes(t, server));
  t.test('XREADGROUP BLOCK served, PEL, NOACK, history', (t) => xreadgroupServed(t, server));
  t.test('XREADGROUP unblocked with errors', (t) => xreadgroupErrors(t, server));
  t.test('a write sent together with the blocking read reaches it', (t) => raceAfterBlock(t, server));
  t.test('CLIENT UNBLOCK', (t) => unblock(t, server));
  t.test('ioredis RESP2', (t) => ioredisReads(t, server, 2));
  t.test('ioredis RESP3', (t) => ioredisReads(t, server, 3));
});
