// Redis 7.0 compatibility of the blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP,
// BZPOPMIN, BZPOPMAX, BZMPOP.
// What: immediate pops when data exists (exact replies, RESP2 and RESP3); timeouts with
// fractional seconds and their reply (a null array for every command once blocked, `_` in RESP3);
// timeout parsing (not a float, negative, values Redis converts oddly: a negative one above -1 ms = forever,
// hex, huge values "negative"); WRONGTYPE; blocking commands inside MULTI (no blocking, null
// replies); FIFO service of several clients blocked on one key; one push waking exactly as many
// clients as it has elements (everything popped is counted: nothing lost, nothing twice); a
// client blocked on several keys served from the key that gets data; BLMOVE with source ==
// destination; a key that changes type leaves its blocked client blocked; CLIENT UNBLOCK with
// TIMEOUT and ERROR and its 0/1 reply; INFO blocked_clients; a blocked client that disconnects
// does not swallow a later push; ioredis blpop in both protocols; a timeout under 1 ms is
// rounded up to 1 ms (not 0 = forever) and the element pushed afterwards stays; commands
// pipelined behind a blocked command wait for it and are answered after it, in request order.
// How: raw RESP clients (helpers/resp-client.ts) against Seshat and a real redis-server
// (helpers/targets.ts). A client is only considered blocked once INFO clients shows it
// (waitUntil on blocked_clients), so the order in which clients block is defined without sleeps.
import t, { type Test } from 'tap';
import { type Arg, type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { type Case, checkCasesBothProtocols, connect, forEachTarget, ioredis } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_FLOAT = '-ERR timeout is not a float or out of range';
const NEGATIVE = '-ERR timeout is negative';

/** Pops when data exists: the exact replies (RESP3: scores are doubles). */
const IMMEDIATE: readonly Case[] = [
  [['RPUSH', 'l', 'a', 'b', 'c'], ':3'],
  [['BLPOP', 'nope', 'l', '0'], '["l", "a"]'],
  [['BRPOP', 'l', 'nope', '0.5'], '["l", "c"]'],
  [['RPUSH', 'l', 'a', 'b', 'c'], ':4'],
  [['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '0'], '"b"'],
  [['BRPOPLPUSH', 'l', 'd', '0'], '"c"'],
  [['BLMOVE', 'l', 'l', 'LEFT', 'RIGHT', '0'], '"a"'],
  [['LRANGE', 'l', '0', '-1'], '["b", "a"]'],
  [['BLMPOP', '0', '2', 'nope', 'l', 'RIGHT', 'COUNT', '5'], '["l", ["a", "b"]]'],
  [['BLMPOP', '0.1', '1', 'd', 'LEFT'], '["d", ["c"]]'],
  [['EXISTS', 'l'], ':0'],
  [['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5.5', 'e'], ':5'],
  [['BZPOPMIN', 'nope', 'z', '0'], '["z", "a", "1"]', '["z", "a", ,1]'],
  [['BZPOPMAX', 'z', '0'], '["z", "e", "5.5"]', '["z", "e", ,5.5]'],
  [
    ['BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '2'],
    '["z", [["b", "2"], ["c", "3"]]]',
    '["z", [["b", ,2], ["c", ,3]]]',
  ],
  [['BZMPOP', '0', '2', 'nope', 'z', 'MAX', 'COUNT', '9'], '["z", [["d", "4"]]]', '["z", [["d", ,4]]]'],
  [['EXISTS', 'z'], ':0'],
  // Argument errors come first, even when data exists; the timeout is parsed first.
  [['RPUSH', 'l', 'x'], ':1'],
  [['BLPOP', 'l', 'abc'], NOT_FLOAT],
  [['BLPOP', 'l', ''], NOT_FLOAT],
  [['BLPOP', 'l', ' 1'], NOT_FLOAT],
  [['BLPOP', 'l', 'nan'], NOT_FLOAT],
  [['BLPOP', 'l', '-1'], NEGATIVE],
  [['BRPOP', 'l', '-0.5'], NEGATIVE],
  [['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '-1'], NEGATIVE],
  [['BRPOPLPUSH', 'l', 'd', 'x'], NOT_FLOAT],
  [['BLMPOP', '-1', '1', 'l', 'LEFT'], NEGATIVE],
  [['BLMPOP', 'x', '1', 'l', 'LEFT'], NOT_FLOAT],
  [['BZPOPMIN', 'z', '-2'], NEGATIVE],
  [['BZPOPMAX', 'z', 'zz'], NOT_FLOAT],
  [['BZMPOP', 'x', '1', 'z', 'MIN'], NOT_FLOAT],
  [['BZMPOP', '0', '0', 'z', 'MIN'], '-ERR numkeys should be greater than 0'],
  [['BLMPOP', '0', '1', 'l', 'UP'], '-ERR syntax error'],
  [['BLMOVE', 'l', 'd', 'UP', 'RIGHT', '0'], '-ERR syntax error'],
  // (long long)(seconds * 1000) out of range is LLONG_MIN: "negative".
  [['BLPOP', 'l', 'inf'], NEGATIVE],
  [['BLPOP', 'l', '1e400'], NEGATIVE],
  [['BLPOP', 'l', '9223372036854775807'], NEGATIVE],
  // strtold syntax (hex), and a negative timeout above -1 ms: ceill gives 0 (forever), valid.
  [['BLPOP', 'l', '0x10'], '["l", "x"]'],
  [['RPUSH', 'l', 'x'], ':1'],
  [['BLPOP', 'l', '-0.0001'], '["l", "x"]'],
  // WRONGTYPE: a wrong-typed key met before a non-empty one; a wrong-typed destination.
  [['SET', 's', 'v'], '+OK'],
  [['BLPOP', 's', '0'], WRONGTYPE],
  [['BRPOP', 'nope', 's', '0'], WRONGTYPE],
  [['BZPOPMIN', 's', '0'], WRONGTYPE],
  [['BZMPOP', '0', '2', 'nope', 's', 'MIN'], WRONGTYPE],
  [['BLMPOP', '0', '1', 's', 'LEFT'], WRONGTYPE],
  [['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'], WRONGTYPE],
  [['RPUSH', 'l', 'a'], ':1'],
  [['BLMOVE', 'l', 's', 'LEFT', 'LEFT', '0'], WRONGTYPE],
  [['BRPOPLPUSH', 'l', 's', '0'], WRONGTYPE],
  [['LRANGE', 'l', '0', '-1'], '["a"]'],
  // Inside MULTI nothing blocks: the timeout reply at once (a null bulk for the moves).
  [['MULTI'], '+OK'],
  [['BLMOVE', 'nope', 'd', 'LEFT', 'RIGHT', '0'], '+QUEUED'],
  [['BRPOPLPUSH', 'nope', 'd', '0'], '+QUEUED'],
  [['BLPOP', 'nope', '0'], '+QUEUED'],
  [['BRPOP', 'nope', '0'], '+QUEUED'],
  [['BLMPOP', '0', '1', 'nope', 'LEFT'], '+QUEUED'],
  [['BZPOPMIN', 'nope', '0'], '+QUEUED'],
  [['BZPOPMAX', 'nope', '0'], '+QUEUED'],
  [['BZMPOP', '0', '1', 'nope', 'MIN'], '+QUEUED'],
  [['BLPOP', 'l', '0'], '+QUEUED'],
  [['EXEC'], '[$-1, $-1, *-1, *-1, *-1, *-1, *-1, *-1, ["l", "a"]]'],
];

async function blockedClients(c: RespClient): Promise<number> {
  const v = await c.send(['INFO', 'clients']);
  const text = v.type === 'bulk' || v.type === 'verbatim' ? v.value.toString() : '';
  return Number(/blocked_clients:(\d+)/.exec(text)?.[1] ?? -1);
}

/** Waits until INFO clients reports exactly `n` blocked clients. */
async function waitBlocked(c: RespClient, n: number): Promise<void> {
  await waitUntil(async () => (await blockedClients(c)) === n, { what: `blocked_clients:${n}` });
}

/**
 * Sends a blocking command on `b`, waits until it is blocked (`n` blocked in all) and returns
 * its rendered reply, still pending (wrapped: an async function would wait for it).
 */
async function block(
  c: RespClient,
  b: RespClient,
  argv: readonly Arg[],
  n = 1,
): Promise<{ reply: Promise<string> }> {
  const reply = b.send(argv).then(show);
  reply.catch(() => {}); // a client closed on purpose never replies
  await waitBlocked(c, n);
  return { reply };
}

/** Fractional timeouts: every command waits at least its timeout, then a null array. */
async function timeouts(t: Test, server: ServerHandle): Promise<void> {
  const cmds: [argv: string[], seconds: number][] = [
    [['BLPOP', 'nope', '0.05'], 0.05],
    [['BRPOP', 'nope', 'nope2', '0.01'], 0.01],
    [['BLMOVE', 'nope', 'd', 'LEFT', 'RIGHT', '0.02'], 0.02],
    [['BRPOPLPUSH', 'nope', 'd', '0.02'], 0.02],
    [['BLMPOP', '0.02', '1', 'nope', 'LEFT', 'COUNT', '2'], 0.02],
    [['BZPOPMIN', 'nope', '0.02'], 0.02],
    [['BZPOPMAX', 'nope', '.03'], 0.03],
    [['BZMPOP', '0.02', '2', 'nope', 'nope2', 'MAX'], 0.02],
  ];
  for (const proto of [2, 3] as const) {
    const c = await connect(t, server);
    if (proto === 3) await c.send(['HELLO', '3']);
    for (const [argv, seconds] of cmds) {
      const t0 = performance.now();
      const got = show(await c.send(argv));
      const ms = performance.now() - t0;
      t.equal(got, proto === 2 ? '*-1' : '_', `[RESP${proto}] ${argv.join(' ')}`);
      t.ok(ms >= seconds * 1000 - 2 && ms < 3000, `waited ${Math.round(ms)} ms for ${seconds} s`);
    }
    t.equal(await blockedClients(c), 0, 'nobody blocked afterwards');
  }
}

async function fifo(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const clients = [await connect(t, server), await connect(t, server), await connect(t, server)];
  // Lists: the first blocked is served first.
  const replies: Promise<string>[] = [];
  for (const [i, b] of clients.entries()) replies.push((await block(c, b, ['BLPOP', 'l', '0'], i + 1)).reply);
  t.equal(await c.q('RPUSH', 'l', 'a', 'b', 'c'), ':3');
  t.same(await Promise.all(replies), ['["l", "a"]', '["l", "b"]', '["l", "c"]'], 'FIFO order');
  t.equal(await c.q('EXISTS', 'l'), ':0');
  await waitBlocked(c, 0);
  // Sorted sets, and pushes one at a time.
  const z: Promise<string>[] = [];
  for (const [i, b] of clients.entries()) z.push((await block(c, b, ['BZPOPMIN', 'z', '0'], i + 1)).reply);
  t.equal(await c.q('ZADD', 'z', '2', 'b', '1', 'a'), ':2');
  t.equal(await c.q('ZADD', 'z', '3', 'c'), ':1');
  t.same(await Promise.all(z), ['["z", "a", "1"]', '["z", "b", "2"]', '["z", "c", "3"]']);
  await waitBlocked(c, 0);
}

/** N blocked clients, pushes of fewer elements: exactly that many served, all counted. */
async function wakeCounts(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const n = 5;
  const clients: RespClient[] = [];
  for (let i = 0; i < n; i++) clients.push(await connect(t, server));
  // Replies on different connections arrive in no defined order: keyed by client.
  const popped = new Array<string | undefined>(n).fill(undefined);
  let served = 0;
  const pending = new Set<number>();
  const replies: Promise<void>[] = [];
  for (const [i, b] of clients.entries()) {
    pending.add(i);
    const p = (await block(c, b, ['BLMPOP', '0', '2', 'l', 'm', 'LEFT'], i + 1)).reply;
    replies.push(
      p.then((r) => {
        pending.delete(i);
        popped[i] = r;
        served++;
      }),
    );
  }
  t.equal(await c.q('RPUSH', 'l', 'a', 'b'), ':2');
  await waitBlocked(c, 3);
  await waitUntil(() => served === 2, { what: 'two replies' });
  t.same([...pending], [2, 3, 4], 'the first two blocked were served');
  t.equal(await c.q('EXISTS', 'l'), ':0', 'nothing left in l');
  t.equal(await c.q('RPUSH', 'm', 'c', 'd', 'e', 'f'), ':4');
  await Promise.all(replies);
  t.same(popped, ['["l", ["a"]]', '["l", ["b"]]', '["m", ["c"]]', '["m", ["d"]]', '["m", ["e"]]']);
  t.equal(await c.q('LRANGE', 'm', '0', '-1'), '["f"]', 'the extra element stays');
  t.equal(await blockedClients(c), 0);
}

async function multiKey(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const b = await connect(t, server);
  // Served by the key that gets data, whatever its position.
  let r = (await block(c, b, ['BLPOP', 'a', 'b', 'c', '0'])).reply;
  t.equal(await c.q('RPUSH', 'c', 'x'), ':1');
  t.equal(await r, '["c", "x"]');
  r = (await block(c, b, ['BZMPOP', '0', '3', 'a', 'b', 'c', 'MAX', 'COUNT', '3'])).reply;
  t.equal(await c.q('ZADD', 'b', '1', 'x', '2', 'y'), ':2');
  t.equal(await r, '["b", [["y", "2"], ["x", "1"]]]');
  // Several keys get data in one transaction: the first one that got it serves.
  r = (await block(c, b, ['BRPOP', 'a', 'b', 'c', '0'])).reply;
  t.same((await c.pipeline([['MULTI'], ['RPUSH', 'c', 'y'], ['RPUSH', 'a', 'x'], ['EXEC']])).map(show), [
    '+OK',
    '+QUEUED',
    '+QUEUED',
    '[:1, :1]',
  ]);
  t.equal(await r, '["c", "y"]');
  t.equal(await c.q('LRANGE', 'a', '0', '-1'), '["x"]');
  // A key that becomes another type does not serve (nor fail) the blocked client.
  await c.send(['DEL', 'a']);
  r = (await block(c, b, ['BLPOP', 'a', '0'])).reply;
  t.equal(await c.q('SET', 'a', 'string'), '+OK');
  t.equal(await c.q('DEL', 'a'), ':1');
  t.equal(await c.q('RPUSH', 'a', 'v'), ':1');
  t.equal(await r, '["a", "v"]', 'still blocked after SET, served by the push');
  // BLMOVE with source == destination: a rotation once data arrives.
  r = (await block(c, b, ['BLMOVE', 'rot', 'rot', 'RIGHT', 'LEFT', '0'])).reply;
  t.equal(await c.q('RPUSH', 'rot', 'a', 'b'), ':2');
  t.equal(await r, '"b"');
  t.equal(await c.q('LRANGE', 'rot', '0', '-1'), '["b", "a"]');
  // BRPOPLPUSH into another list.
  r = (await block(c, b, ['BRPOPLPUSH', 'src', 'dst', '0'])).reply;
  t.equal(await c.q('LPUSH', 'src', 'x', 'y'), ':2');
  t.equal(await r, '"x"');
  t.equal(await c.q('LRANGE', 'dst', '0', '-1'), '["x"]');
  t.equal(await c.q('LRANGE', 'src', '0', '-1'), '["y"]');
}

async function unblock(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  for (const proto of [2, 3] as const) {
    const b = await connect(t, server);
    if (proto === 3) await b.send(['HELLO', '3']);
    const id = (await b.q('CLIENT', 'ID')).slice(1);
    const nul = proto === 2 ? '*-1' : '_';
    t.equal(await c.q('CLIENT', 'UNBLOCK', id), ':0', 'not blocked: 0');
    let r = (await block(c, b, ['BLPOP', 'l', '0'])).reply;
    t.equal(await c.q('CLIENT', 'UNBLOCK', id), ':1', 'TIMEOUT (default): 1');
    t.equal(await r, nul, `[RESP${proto}] BLPOP unblocked as a timeout`);
    await waitBlocked(c, 0);
    r = (await block(c, b, ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', '0'])).reply;
    t.equal(await c.q('CLIENT', 'UNBLOCK', id, 'timeout'), ':1');
    t.equal(await r, nul, `[RESP${proto}] BLMOVE unblocked as a timeout: null array`);
    r = (await block(c, b, ['BZMPOP', '100', '1', 'z', 'MIN'])).reply;
    t.equal(await c.q('CLIENT', 'UNBLOCK', id, 'ERROR'), ':1', 'ERROR: 1');
    t.equal(await r, '-UNBLOCKED client unblocked via CLIENT UNBLOCK');
    r = (await block(c, b, ['BRPOPLPUSH', 'l', 'd', '0'])).reply;
    t.equal(await c.q('CLIENT', 'UNBLOCK', id, 'error'), ':1');
    t.equal(await r, '-UNBLOCKED client unblocked via CLIENT UNBLOCK');
    t.equal(await c.q('CLIENT', 'UNBLOCK', id), ':0', 'no longer blocked: 0');
    t.equal(await b.q('PING'), '+PONG', 'the connection is usable');
    await b.close();
  }
  t.equal(await c.q('CLIENT', 'UNBLOCK', '999999'), ':0', 'unknown id');
  t.equal(await c.q('CLIENT', 'UNBLOCK', 'x'), '-ERR value is not an integer or out of range');
  t.equal(
    await c.q('CLIENT', 'UNBLOCK', '1', 'maybe'),
    '-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
  );
  t.equal(await blockedClients(c), 0);
}

/** INFO blocked_clients and disconnected blocked clients. */
async function disconnects(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  t.equal(await blockedClients(c), 0);
  const a = await connect(t, server);
  const b = await connect(t, server);
  await block(c, a, ['BLPOP', 'l', '0'], 1);
  const rb = (await block(c, b, ['BLPOP', 'l', '0'], 2)).reply;
  t.equal(await blockedClients(c), 2);
  await a.close();
  await waitBlocked(c, 1);
  t.equal(await c.q('RPUSH', 'l', 'x'), ':1');
  t.equal(await rb, '["l", "x"]', 'the element goes to the next waiter');
  await waitBlocked(c, 0);
  // The only waiter leaves: the element stays in the list.
  const d = await connect(t, server);
  await block(c, d, ['BRPOPLPUSH', 'l', 'gone', '0'], 1);
  d.socket.destroy();
  await waitBlocked(c, 0);
  t.equal(await c.q('RPUSH', 'l', 'y'), ':1');
  t.equal(await c.q('LRANGE', 'l', '0', '-1'), '["y"]', 'nobody took it');
  t.equal(await c.q('EXISTS', 'gone'), ':0');
  // A timed out client is not blocked any more either.
  t.equal(await c.q('BZPOPMIN', 'nope', '0.01'), '*-1');
  t.equal(await blockedClients(c), 0);
}

/** Redis rounds a timeout up to whole milliseconds (ceill): under 1 ms is 1 ms, not forever. */
async function subMillisecond(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  for (const timeout of ['0.001', '0.0001', '1e-9', '0x1p-20', '0.0015']) {
    for (const argv of [
      ['BLPOP', 'sub', timeout],
      ['BLMOVE', 'sub', 'dst', 'LEFT', 'RIGHT', timeout],
      ['BZMPOP', timeout, '1', 'subz', 'MIN'],
    ]) {
      const b = await connect(t, server);
      const got = await Promise.race([
        b.send(argv).then(show),
        new Promise<string>((resolve) => setTimeout(() => resolve('no reply within 2 s'), 2000).unref()),
      ]);
      t.equal(got, '*-1', `${argv.join(' ')} times out`);
      b.socket.destroy();
    }
  }
  await waitBlocked(c, 0);
  t.equal(await c.q('RPUSH', 'sub', 'x'), ':1');
  t.equal(await c.q('LRANGE', 'sub', '0', '-1'), '["x"]', 'no timed-out client takes the element');
}

/**
 * Commands pipelined behind a blocked BLPOP wait for it (Redis stops reading the client's
 * queued commands while it is blocked): the SET behind it is not even executed until the BLPOP
 * is served, and the replies come in request order.
 */
async function pipelinedBehindBlocked(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const b = await connect(t, server);
  const replies = [
    b.send(['BLPOP', 'pq', '0']),
    b.send(['SET', 'pk', 'v']),
    b.send(['GET', 'pk']),
    b.send(['INCR', 'pn']),
  ].map((p) => p.then(show));
  await waitBlocked(c, 1);
  t.equal(await c.q('GET', 'pk'), '$-1', 'the SET behind the blocked BLPOP has not run');
  t.equal(await c.q('EXISTS', 'pn'), ':0');
  t.equal(await c.q('RPUSH', 'pq', 'x'), ':1');
  t.same(await Promise.all(replies), ['["pq", "x"]', '+OK', '"v"', ':1'], 'replies in request order');
  // The same behind a blocked command that times out.
  const more = [b.send(['BRPOP', 'pq', '0.05']), b.send(['INCR', 'pn'])].map((p) => p.then(show));
  t.same(await Promise.all(more), ['*-1', ':2']);
}

async function ioredisBlpop(t: Test, server: ServerHandle, protocol: 2 | 3): Promise<void> {
  const c = await connect(t, server);
  const r = await ioredis(t, server, { protocol });
  const p = r.blpop('iol', 0);
  await waitBlocked(c, 1);
  t.equal(await c.q('RPUSH', 'iol', 'v'), ':1');
  t.same(await p, ['iol', 'v']);
  t.equal(await r.blpop('nope', 0.02), null, 'timeout: null');
  t.same(await r.brpop('iol', 'nope', 0.02), null);
  await r.rpush('iol', 'a', 'b');
  t.same(await r.brpop('nope', 'iol', 0), ['iol', 'b']);
  t.equal(await r.blmove('iol', 'iol2', 'LEFT', 'RIGHT', 0), 'a');
  t.same(await r.bzpopmin('nope', 0.01), null);
}

forEachTarget(t, async (t, { server }) => {
  t.test('immediate pops, argument errors, WRONGTYPE, MULTI', (t) =>
    checkCasesBothProtocols(t, server, IMMEDIATE),
  );
  t.test('fractional timeouts (RESP2 and RESP3)', (t) => timeouts(t, server));
  t.test('FIFO service of clients blocked on one key', (t) => fifo(t, server));
  t.test('a push wakes as many clients as it has elements', (t) => wakeCounts(t, server));
  t.test('several keys, type changes, moves', (t) => multiKey(t, server));
  t.test('CLIENT UNBLOCK', (t) => unblock(t, server));
  t.test('blocked_clients and disconnects', (t) => disconnects(t, server));
  t.test('a timeout under 1 ms is 1 ms', (t) => subMillisecond(t, server));
  t.test('commands pipelined behind a blocked one wait for it', (t) => pipelinedBehindBlocked(t, server));
  for (const protocol of [2, 3] as const) {
    t.test(`ioredis blpop (protocol ${protocol})`, (t) => ioredisBlpop(t, server, protocol));
  }
  t.test('nobody left blocked', async (t) => {
    const c = await connect(t, server);
    t.equal(await blockedClients(c), 0);
  });
});
