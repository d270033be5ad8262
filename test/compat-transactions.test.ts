// Redis 7.0 compatibility of MULTI/EXEC/DISCARD/WATCH/UNWATCH.
// What: exact replies in RESP2 and RESP3 of queueing (+QUEUED), EXEC arrays with inline errors
// found at exec time (WRONGTYPE, syntax, range), EXECABORT after a queueing error (unknown
// command, wrong arity, command not allowed in MULTI) or a refused EXEC, the MULTI/EXEC/DISCARD/
// WATCH misuse errors, empty transactions, SELECT and connection commands (PING, ECHO, CLIENT
// SETNAME/GETNAME) queued in MULTI, RESET and QUIT inside MULTI; WATCH aborted (`*-1` / RESP3 `_`)
// or not by a table of writes from another connection or the watcher itself (no-op writes such as
// SET NX on an existing key do not abort, as in Redis), FLUSHDB/FLUSHALL, expiry of a key that had
// a TTL at WATCH time, UNWATCH/DISCARD/RESET/EXEC forgetting the watched keys; optimistic locking
// with concurrent clients (the counter equals the number of successful EXECs) and isolation
// (no reader ever sees half a transaction); ioredis multi()/exec(), WATCH and inline
// transactions in pipelines, in both protocols.
// How: raw RESP (helpers/resp-client.ts) with exact reply types against Seshat and a real
// redis-server (helpers/targets.ts); time-driven conditions are awaited with waitUntil.
import type { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { type Arg, type RespClient, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import {
  type Case,
  checkCases,
  checkCasesBothProtocols,
  connect,
  forEachTarget,
  ioredis,
} from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const WRONG_ARGS = (cmd: string) => `-ERR wrong number of arguments for '${cmd}' command`;
const EXECABORT = '-EXECABORT Transaction discarded because of previous errors.';
const EXECABORT_BECAUSE = (why: string) => `-EXECABORT Transaction discarded because of: ${why}`;
const NOT_INT = '-ERR value is not an integer or out of range';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';
const NO_EXEC = '-ERR EXEC without MULTI';

const EXEC_REPLIES: Case[] = [
  [['MULTI'], '+OK'],
  [['SET', 'a', '1'], '+QUEUED'],
  [['INCR', 'a'], '+QUEUED'],
  [['GET', 'a'], '+QUEUED'],
  [['GET', 'missing'], '+QUEUED'],
  [['MGET', 'a', 'missing'], '+QUEUED'],
  [['EXEC'], '[+OK, :2, "2", $-1, ["2", $-1]]'],
  [['GET', 'a'], '"2"'],
  // Errors found when the command runs are inline; the other commands still run.
  [['MULTI'], '+OK'],
  [['SET', 's', 'hello'], '+QUEUED'],
  [['INCR', 's'], '+QUEUED'],
  [['SET', 'x', '1', 'EX', '0'], '+QUEUED'],
  [['SET', 'x', '1', 'FOO'], '+QUEUED'],
  [['SELECT', '99'], '+QUEUED'],
  [['SELECT', 'x'], '+QUEUED'],
  [['INCRBY', 'a', '10'], '+QUEUED'],
  [
    ['EXEC'],
    `[+OK, ${NOT_INT}, -ERR invalid expire time in 'set' command, -ERR syntax error, -ERR DB index is out of range, ${NOT_INT}, :12]`,
  ],
  // Empty transaction.
  [['MULTI'], '+OK'],
  [['EXEC'], '[]'],
  // Misuse.
  [['EXEC'], NO_EXEC],
  [['DISCARD'], '-ERR DISCARD without MULTI'],
  [['MULTI'], '+OK'],
  [['MULTI'], '-ERR MULTI calls can not be nested'],
  [['WATCH', 'a'], '-ERR WATCH inside MULTI is not allowed'],
  [['SET', 'a', '3'], '+QUEUED'],
  [['EXEC'], '[+OK]'], // neither error aborts the transaction
  [['WATCH'], WRONG_ARGS('watch')],
  [['UNWATCH', 'x'], WRONG_ARGS('unwatch')],
  // DISCARD.
  [['MULTI'], '+OK'],
  [['SET', 'a', '4'], '+QUEUED'],
  [['DISCARD', 'x'], WRONG_ARGS('discard')],
  [['DISCARD'], '+OK'],
  [['EXEC'], NO_EXEC],
  [['GET', 'a'], '"3"'],
];

const EXEC_ABORTS: Case[] = [
  [['SET', 'q', 'before'], '+OK'],
  // Unknown command while queueing.
  [['MULTI'], '+OK'],
  [['SET', 'q', '1'], '+QUEUED'],
  [['FOO', 'bar'], "-ERR unknown command 'FOO', with args beginning with: 'bar' "],
  [['GET', 'q'], '+QUEUED'],
  [['EXEC'], EXECABORT],
  [['GET', 'q'], '"before"'],
  [['EXEC'], NO_EXEC],
  // Wrong arity while queueing.
  [['MULTI'], '+OK'],
  [['SET', 'q', '2'], '+QUEUED'],
  [['SET', 'q'], WRONG_ARGS('set')],
  [['EXEC'], EXECABORT],
  [['GET', 'q'], '"before"'],
  // A command that may not run in a transaction.
  [['MULTI'], '+OK'],
  [['SHUTDOWN'], '-ERR Command not allowed inside a transaction'],
  [['EXEC'], EXECABORT],
  // An EXEC refused before it runs discards the transaction and says why.
  [['MULTI'], '+OK'],
  [['SET', 'q', '3'], '+QUEUED'],
  [['EXEC', 'x'], EXECABORT_BECAUSE("wrong number of arguments for 'exec' command")],
  [['EXEC'], NO_EXEC],
  [['GET', 'q'], '"before"'],
  [['EXEC', 'x'], EXECABORT_BECAUSE("wrong number of arguments for 'exec' command")],
];

const SELECT_AND_CONNECTION: Case[] = [
  // A queued SELECT changes the database of the commands queued after it, and stays.
  [['MULTI'], '+OK'],
  [['SELECT', '1'], '+QUEUED'],
  [['SET', 'k', 'db1'], '+QUEUED'],
  [['SELECT', '0'], '+QUEUED'],
  [['GET', 'k'], '+QUEUED'],
  [['SELECT', '2'], '+QUEUED'],
  [['SET', 'k', 'db2'], '+QUEUED'],
  [['EXEC'], '[+OK, +OK, +OK, $-1, +OK, +OK]'],
  [['GET', 'k'], '"db2"'],
  [['SELECT', '1'], '+OK'],
  [['GET', 'k'], '"db1"'],
  [['SELECT', '0'], '+OK'],
  [['GET', 'k'], '$-1'],
  // Connection commands run at EXEC time, in order.
  [['MULTI'], '+OK'],
  [['PING'], '+QUEUED'],
  [['PING', 'x'], '+QUEUED'],
  [['ECHO', 'e'], '+QUEUED'],
  [['CLIENT', 'SETNAME', 'nm'], '+QUEUED'],
  [['CLIENT', 'GETNAME'], '+QUEUED'],
  [['SET', 'k', 'v'], '+QUEUED'],
  [['EXEC'], '[+PONG, "x", "e", +OK, "nm", +OK]'],
  [['CLIENT', 'GETNAME'], '"nm"'],
];

// RESET leaves MULTI (and RESP3: the connection is RESP2 afterwards, hence the third column).
const RESET_IN_MULTI: Case[] = [
  [['MULTI'], '+OK'],
  [['SET', 'r', '1'], '+QUEUED'],
  [['RESET'], '+RESET'],
  [['EXEC'], NO_EXEC],
  [['GET', 'r'], '$-1', '$-1'],
  [['MULTI'], '+OK'],
  [['EXEC'], '[]'],
];

type Cmds = readonly (readonly Arg[])[];

interface WatchCase {
  name: string;
  /** Run before WATCH, on the watcher's connection (after FLUSHALL). */
  setup?: Cmds;
  /** Keys to WATCH (default: w). */
  watch?: string[];
  /** After WATCH, before MULTI: by another connection... */
  other?: Cmds;
  /** ...and by the watcher itself. */
  self?: Cmds;
  aborted: boolean;
}

const W = ['SET', 'w', '1'] as const;
const WATCH_CASES: WatchCase[] = [
  { name: 'other connection SET', setup: [W], other: [['SET', 'w', '2']], aborted: true },
  { name: 'own SET before MULTI', setup: [W], self: [['SET', 'w', '2']], aborted: true },
  { name: 'SET of another key', setup: [W], other: [['SET', 'x', '2']], aborted: false },
  { name: 'SET to the same value', setup: [W], other: [['SET', 'w', '1']], aborted: true },
  {
    name: 'SET NX on the existing key (no change)',
    setup: [W],
    other: [['SET', 'w', '3', 'NX']],
    aborted: false,
  },
  { name: 'SETNX on the existing key (no change)', setup: [W], other: [['SETNX', 'w', '3']], aborted: false },
  { name: 'SET XX on the existing key', setup: [W], other: [['SET', 'w', '1', 'XX']], aborted: true },
  { name: 'SET XX on a missing key (no change)', other: [['SET', 'w', '1', 'XX']], aborted: false },
  { name: 'a read (GET) of the key', setup: [W], other: [['GET', 'w']], aborted: false },
  { name: 'DEL of the key', setup: [W], other: [['DEL', 'w']], aborted: true },
  { name: 'DEL of the missing watched key', other: [['DEL', 'w']], aborted: false },
  { name: 'GETDEL of the missing watched key', other: [['GETDEL', 'w']], aborted: false },
  { name: 'the missing watched key created', other: [['SET', 'w', 'new']], aborted: true },
  {
    name: 'created and deleted again',
    other: [
      ['SET', 'w', 'new'],
      ['DEL', 'w'],
    ],
    aborted: true,
  },
  { name: 'FLUSHDB with the key', setup: [W], other: [['FLUSHDB']], aborted: true },
  { name: 'FLUSHALL with the key', setup: [W], other: [['FLUSHALL']], aborted: true },
  { name: 'FLUSHDB without the key', setup: [['SET', 'x', '1']], other: [['FLUSHDB']], aborted: false },
  {
    name: 'same key in another database',
    setup: [W],
    other: [
      ['SELECT', '1'],
      ['SET', 'w', '2'],
    ],
    aborted: false,
  },
  { name: 'EXPIRE of the key', setup: [W], other: [['EXPIRE', 'w', '1000']], aborted: true },
  {
    name: 'EXPIRE GT that does not apply',
    setup: [W],
    other: [['EXPIRE', 'w', '100', 'GT']],
    aborted: false,
  },
  { name: 'PERSIST of a key without TTL', setup: [W], other: [['PERSIST', 'w']], aborted: false },
  {
    name: 'PERSIST of a key with a TTL',
    setup: [['SET', 'w', '1', 'EX', '1000']],
    other: [['PERSIST', 'w']],
    aborted: true,
  },
  { name: 'APPEND of an empty string', setup: [W], other: [['APPEND', 'w', '']], aborted: true },
  { name: 'INCRBY 0', setup: [W], other: [['INCRBY', 'w', '0']], aborted: true },
  { name: 'SETRANGE with an empty string', setup: [W], other: [['SETRANGE', 'w', '0', '']], aborted: false },
  { name: 'RENAME away', setup: [W], other: [['RENAME', 'w', 'w2']], aborted: true },
  { name: 'RENAME onto the key', setup: [['SET', 'x', '1']], other: [['RENAME', 'x', 'w']], aborted: true },
  { name: 'MOVE to another database', setup: [W], other: [['MOVE', 'w', '3']], aborted: true },
  {
    name: 'one of several watched keys',
    setup: [W],
    watch: ['a', 'w', 'w', 'b'],
    other: [['SET', 'b', '1']],
    aborted: true,
  },
  {
    name: 'UNWATCH after the write',
    setup: [W],
    other: [['SET', 'w', '2']],
    self: [['UNWATCH']],
    aborted: false,
  },
  {
    name: 'TTL still running at EXEC',
    setup: [['SET', 'w', '1', 'PX', '100000']],
    other: [['GET', 'w']],
    aborted: false,
  },
];

function aborted(proto: 2 | 3): string {
  return proto === 2 ? '*-1' : '_';
}

async function openBoth(t: Test, server: ServerHandle, proto: 2 | 3): Promise<[RespClient, RespClient]> {
  const a = await connect(t, server);
  const b = await connect(t, server);
  if (proto === 3) await a.send(['HELLO', '3']);
  return [a, b];
}

async function runAll(t: Test, c: RespClient, cmds: Cmds | undefined, who: string): Promise<void> {
  for (const argv of cmds ?? []) {
    const r = show(await c.send(argv));
    if (r.startsWith('-')) t.fail(`${who} ${argv.join(' ')}: ${r}`);
  }
}

async function watchCases(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const [a, b] = await openBoth(t, server, proto);
  for (const wc of WATCH_CASES) {
    await b.send(['SELECT', '0']);
    t.equal(await a.q('FLUSHALL'), '+OK');
    await runAll(t, a, wc.setup, 'setup');
    t.equal(await a.q('WATCH', ...(wc.watch ?? ['w'])), '+OK');
    await runAll(t, b, wc.other, 'other');
    await runAll(t, a, wc.self, 'self');
    t.equal(await a.q('MULTI'), '+OK');
    t.equal(await a.q('PING'), '+QUEUED');
    t.equal(await a.q('EXEC'), wc.aborted ? aborted(proto) : '[+PONG]', `${wc.name} (RESP${proto})`);
  }
}

/** Sequences where what forgets the watched keys matters (watcher a, writer b). */
async function watchLifecycle(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const [a, b] = await openBoth(t, server, proto);
  const ab = aborted(proto);
  await a.q('FLUSHALL');
  await a.q('SET', 'w', '1');
  await checkCases(
    t,
    a,
    [
      // A write between MULTI and EXEC aborts too.
      [['WATCH', 'w'], '+OK'],
      [['MULTI'], '+OK'],
      [['GET', 'w'], '+QUEUED'],
    ],
    proto,
  );
  await b.q('SET', 'w', '2');
  t.equal(await a.q('EXEC'), ab, 'write after MULTI aborts');
  // EXEC (even an aborted one) unwatches: the next transaction runs.
  await b.q('SET', 'w', '3');
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['GET', 'w'], '+QUEUED'],
      [['EXEC'], '["3"]'],
    ],
    proto,
  );
  // The watcher's own writes inside the transaction do not abort it.
  await checkCases(
    t,
    a,
    [
      [['WATCH', 'w'], '+OK'],
      [['MULTI'], '+OK'],
      [['SET', 'w', '4'], '+QUEUED'],
      [['EXEC'], '[+OK]'],
    ],
    proto,
  );
  // DISCARD unwatches.
  t.equal(await a.q('WATCH', 'w'), '+OK');
  t.equal(await a.q('MULTI'), '+OK');
  t.equal(await a.q('DISCARD'), '+OK');
  await b.q('SET', 'w', '5');
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['GET', 'w'], '+QUEUED'],
      [['EXEC'], '["5"]'],
    ],
    proto,
  );
  // An EXECABORT unwatches.
  t.equal(await a.q('WATCH', 'w'), '+OK');
  await b.q('SET', 'w', '6');
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['FOO'], /^-ERR unknown command 'FOO'/],
      [['EXEC'], EXECABORT],
    ],
    proto,
  );
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['GET', 'w'], '+QUEUED'],
      [['EXEC'], '["6"]'],
    ],
    proto,
  );
  // A refused EXEC unwatches.
  t.equal(await a.q('WATCH', 'w'), '+OK');
  await b.q('SET', 'w', '7');
  t.equal(await a.q('EXEC', 'x'), EXECABORT_BECAUSE("wrong number of arguments for 'exec' command"));
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['GET', 'w'], '+QUEUED'],
      [['EXEC'], '["7"]'],
    ],
    proto,
  );
  // RESET unwatches (and returns the connection to RESP2).
  t.equal(await a.q('WATCH', 'w'), '+OK');
  await b.q('SET', 'w', '8');
  t.equal(await a.q('RESET'), '+RESET');
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['GET', 'w'], '+QUEUED'],
      [['EXEC'], '["8"]'],
    ],
    2,
  );
}

/** WATCH of a key with a TTL: its expiry aborts the transaction, even if nobody touched it. */
async function watchExpiry(t: Test, server: ServerHandle, proto: 2 | 3): Promise<void> {
  const [a, b] = await openBoth(t, server, proto);
  const gone = () => waitUntil(async () => (await b.q('PTTL', 'e')) === ':-2', { what: 'e to expire' });
  await a.q('FLUSHALL');
  // SET and WATCH in one write: the key surely still exists when WATCH runs.
  const [set, watch] = await a.pipeline([
    ['SET', 'e', '1', 'PX', '150'],
    ['WATCH', 'e'],
  ]);
  t.equal(show(set!), '+OK');
  t.equal(show(watch!), '+OK');
  await gone();
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['PING'], '+QUEUED'],
      [['EXEC'], aborted(proto)],
    ],
    proto,
  );
  // The same when no command touched the key (active expiry deleted it: DBSIZE reaches 0).
  await a.pipeline([
    ['SET', 'e', '1', 'PX', '150'],
    ['WATCH', 'e'],
  ]);
  await waitUntil(async () => (await b.q('DBSIZE')) === ':0', { what: 'active expiry of e' });
  await checkCases(
    t,
    a,
    [
      [['MULTI'], '+OK'],
      [['EXEC'], aborted(proto)],
    ],
    proto,
  );
  // A key that had already expired when it was watched does not abort.
  await a.q('SET', 'e', '1', 'PX', '100');
  await gone();
  await checkCases(
    t,
    a,
    [
      [['WATCH', 'e'], '+OK'],
      [['MULTI'], '+OK'],
      [['PING'], '+QUEUED'],
      [['EXEC'], '[+PONG]'],
    ],
    proto,
  );
}

/** Optimistic locking: N clients retry WATCH/GET/MULTI/SET/EXEC; the counter counts the wins. */
async function optimisticCounter(t: Test, server: ServerHandle): Promise<void> {
  const CLIENTS = 8;
  const ATTEMPTS = 40;
  const setup = await connect(t, server);
  await setup.q('FLUSHALL');
  await setup.q('SET', 'counter', '0');
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connect(t, server)));
  let wins = 0;
  let losses = 0;
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < ATTEMPTS; i++) {
        await c.send(['WATCH', 'counter']);
        const got = await c.send(['GET', 'counter']);
        const v = got.type === 'bulk' ? Number(got.value.toString()) : Number.NaN;
        const [m, q1, q2, ex] = await c.pipeline([
          ['MULTI'],
          ['SET', 'counter', String(v + 1)],
          ['INCR', 'execs'],
          ['EXEC'],
        ]);
        if (show(m!) !== '+OK' || show(q1!) !== '+QUEUED' || show(q2!) !== '+QUEUED') t.fail('queueing');
        if (ex!.type === 'nullArray') losses++;
        else if (ex!.type === 'array' && show(ex!.value[0]!) === '+OK') wins++;
        else t.fail(`unexpected EXEC reply ${show(ex!)}`);
      }
    }),
  );
  t.equal(wins + losses, CLIENTS * ATTEMPTS);
  t.ok(wins > 0, 'some transactions won');
  t.equal(
    await setup.q('GET', 'counter'),
    `"${wins}"`,
    `counter = ${wins} successful EXECs (${losses} aborted)`,
  );
  t.equal(await setup.q('GET', 'execs'), `"${wins}"`, 'INCR ran once per successful EXEC');
}

/** Isolation: concurrent MULTI { INCR a; INCR b } never shows a != b to a reader. */
async function isolation(t: Test, server: ServerHandle): Promise<void> {
  const READS = 300;
  const setup = await connect(t, server);
  await setup.q('FLUSHALL');
  await setup.q('MSET', 'ia', '0', 'ib', '0');
  const writers = await Promise.all(Array.from({ length: 4 }, () => connect(t, server)));
  const reader = await connect(t, server);
  let readerDone = false;
  let torn = 0;
  let execs = 0;
  const readLoop = (async () => {
    for (let i = 0; i < READS; i++) {
      const r = await reader.send(['MGET', 'ia', 'ib']);
      if (r.type !== 'array' || show(r.value[0]!) !== show(r.value[1]!)) torn++;
    }
    readerDone = true;
  })();
  await Promise.all(
    writers.map(async (w) => {
      for (let i = 0; i < 10 || !readerDone; i++) {
        const rs = await w.pipeline([['MULTI'], ['INCR', 'ia'], ['INCR', 'ib'], ['EXEC']]);
        if (rs[3]!.type === 'array') execs++;
        else t.fail(`EXEC: ${show(rs[3]!)}`);
      }
    }),
  );
  await readLoop;
  t.equal(torn, 0, `no torn read in ${READS} MGETs during ${execs} transactions`);
  t.equal(await setup.q('MGET', 'ia', 'ib'), `["${execs}", "${execs}"]`);
}

async function ioredisTransactions(t: Test, server: ServerHandle, protocol: 2 | 3): Promise<void> {
  const r: Redis = await ioredis(t, server, { protocol });
  const other: Redis = await ioredis(t, server, { protocol });
  await r.flushall();
  t.same(await r.multi().set('foo', '1').incr('foo').get('foo').get('nope').exec(), [
    [null, 'OK'],
    [null, 2],
    [null, '2'],
    [null, null],
  ]);
  // Exec-time error: inline, the rest still runs.
  const mixed = await r.multi().set('s', 'x').incr('s').set('t', 'y').exec();
  t.equal(mixed!.length, 3);
  t.same(mixed![0], [null, 'OK']);
  t.match(String(mixed![1]![0]), /ERR value is not an integer or out of range/);
  t.same(mixed![2], [null, 'OK']);
  // Queueing error: EXECABORT with the queueing errors attached.
  const err = await r
    .multi([
      ['set', 'foo'],
      ['set', 'foo', 'new'],
    ])
    .exec()
    .then(
      () => null,
      (e: Error & { previousErrors?: Error[] }) => e,
    );
  t.match(err?.message, /^EXECABORT Transaction discarded because of previous errors\.$/);
  t.match(String(err?.previousErrors?.[0]?.message), /wrong number of arguments for 'set' command/);
  t.equal(await r.get('foo'), '2');
  // WATCH: another client's write makes exec() resolve to null.
  t.equal(await r.watch('foo'), 'OK');
  await other.set('foo', 'changed');
  t.equal(await r.multi().set('foo', 'mine').exec(), null);
  t.equal(await r.get('foo'), 'changed');
  t.equal(await r.watch('foo'), 'OK');
  t.same(await r.multi().set('foo', 'mine').exec(), [[null, 'OK']]);
  // multi without pipelining: every command is sent at once and answers QUEUED.
  t.equal(await r.multi({ pipeline: false }), 'OK');
  t.equal(await r.set('np', '1'), 'QUEUED');
  t.equal(await r.incr('np'), 'QUEUED');
  t.same(await r.exec(), [
    [null, 'OK'],
    [null, 2],
  ]);
  // An inline transaction inside a pipeline (README "Inline transactions"; the inner
  // multi()/exec() exist on a pipeline but are not in its type).
  const pl = r.pipeline();
  const inline = pl as unknown as { multi(): unknown; exec(): unknown };
  pl.set('p', '1');
  inline.multi();
  pl.incr('p').incr('p');
  inline.exec();
  pl.get('p');
  const res = await pl.exec();
  t.same(res, [
    [null, 'OK'],
    [null, 'OK'],
    [null, 'QUEUED'],
    [null, 'QUEUED'],
    [null, [2, 3]],
    [null, '3'],
  ]);
}

forEachTarget(t, async (t, { server, client }) => {
  t.test('MULTI/EXEC/DISCARD replies', (t) => checkCasesBothProtocols(t, server, EXEC_REPLIES));
  t.test('EXECABORT', (t) => checkCasesBothProtocols(t, server, EXEC_ABORTS));
  t.test('SELECT and connection commands in MULTI', (t) =>
    checkCasesBothProtocols(t, server, SELECT_AND_CONNECTION),
  );
  t.test('RESET inside MULTI', (t) => checkCasesBothProtocols(t, server, RESET_IN_MULTI));
  t.test('QUIT inside MULTI closes the connection', async (t) => {
    const c = await client(t);
    t.equal(await c.q('MULTI'), '+OK');
    t.equal(await c.q('SET', 'quit', '1'), '+QUEUED');
    t.equal(await c.q('QUIT'), '+OK');
    await c.closed;
    const d = await client(t);
    t.equal(await d.q('GET', 'quit'), '$-1');
  });
  t.test('WRONGTYPE at EXEC time (needs LPUSH)', async (t) => {
    const c = await client(t);
    await c.q('FLUSHALL');
    await checkCases(t, c, [
      [['MULTI'], '+OK'],
      [['SET', 's', 'v'], '+QUEUED'],
      [['LPUSH', 's', 'x'], '+QUEUED'],
      [['GET', 's'], '+QUEUED'],
      [['EXEC'], `[+OK, ${WRONGTYPE}, "v"]`],
    ]);
  });
  for (const proto of [2, 3] as const) {
    t.test(`WATCH: what aborts EXEC (RESP${proto})`, (t) => watchCases(t, server, proto));
    t.test(`WATCH: UNWATCH/DISCARD/EXEC/RESET forget the keys (RESP${proto})`, (t) =>
      watchLifecycle(t, server, proto),
    );
    t.test(`WATCH: expiry of a watched key (RESP${proto})`, (t) => watchExpiry(t, server, proto));
  }
  t.test('optimistic locking with concurrent clients', (t) => optimisticCounter(t, server));
  t.test('isolation: no torn reads', (t) => isolation(t, server));
  for (const protocol of [3, 2] as const) {
    t.test(`ioredis multi/exec/watch/pipeline (protocol ${protocol})`, (t) =>
      ioredisTransactions(t, server, protocol),
    );
  }
});

forEachTarget(
  t,
  async (t, { client }) => {
    t.test('NOAUTH: a refused EXEC says why', async (t) => {
      const c = await client(t);
      await checkCases(t, c, [
        [['MULTI'], '-NOAUTH Authentication required.'],
        [['EXEC'], EXECABORT_BECAUSE('NOAUTH Authentication required.')],
        [['AUTH', 'pw'], '+OK'],
        [['MULTI'], '+OK'],
        [['SET', 'a', '1'], '+QUEUED'],
        [['EXEC'], '[+OK]'],
      ]);
    });
  },
  { config: { requirepass: 'pw' }, name: 'requirepass' },
);
