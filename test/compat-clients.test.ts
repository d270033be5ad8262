// Many clients and big pipelines: 10k pipelined commands answered in order (raw RESP and
// ioredis), 200 concurrent connections updating shared and private keys, maxclients
// (`-ERR max number of clients reached`, then close), and the idle `timeout` closing a
// connection while a busy one stays open.
// How: against Seshat and a real redis-server (helpers/targets.ts); the maxclients and timeout
// cases start servers with `--maxclients 10` / `--timeout 1`. Closes are awaited (bounded) on
// the client's `closed` promise; no sleeps.
import t from 'tap';
import { type RespClient, RespClient as Client, show } from './helpers/resp-client.ts';
import { connect, forEachTarget, ioredis } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const PIPELINE_COMMANDS = 10_000;
const CONCURRENT_CLIENTS = 200;
const INCRS_PER_CLIENT = 20;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

forEachTarget(t, async (t, { server, client }) => {
  t.test(`${PIPELINE_COMMANDS} pipelined commands reply in order`, async (t) => {
    const c = await client(t);
    await c.q('DEL', 'ctr');
    const cmds: string[][] = [];
    for (let i = 0; i < PIPELINE_COMMANDS; i++) {
      if (i % 3 === 0) cmds.push(['INCR', 'ctr']);
      else if (i % 3 === 1) cmds.push(['SET', `p:${i}`, String(i)]);
      else cmds.push(['GET', `p:${i - 1}`]);
    }
    const replies = await c.pipeline(cmds);
    let bad = 0;
    replies.forEach((r, i) => {
      const want = i % 3 === 0 ? `:${i / 3 + 1}` : i % 3 === 1 ? '+OK' : `"${i - 1}"`;
      if (show(r) !== want && bad++ < 5) t.fail(`reply ${i}: ${show(r)} != ${want}`);
    });
    t.equal(bad, 0, 'every reply matches its command');
    t.equal(await c.q('GET', 'ctr'), `"${Math.ceil(PIPELINE_COMMANDS / 3)}"`);
  });

  t.test('ioredis pipeline of 10k commands', async (t) => {
    const r = await ioredis(t, server);
    await r.del('io:ctr');
    const p = r.pipeline();
    for (let i = 0; i < PIPELINE_COMMANDS; i++) p.incr('io:ctr');
    const res = await p.exec();
    t.equal(res?.length, PIPELINE_COMMANDS);
    t.ok(
      res?.every(([e, v], i) => e === null && v === i + 1),
      'replies 1..N in order',
    );
  });

  t.test(`${CONCURRENT_CLIENTS} concurrent clients`, async (t) => {
    const setup = await client(t);
    await setup.q('DEL', 'shared');
    const clients: RespClient[] = await Promise.all(
      Array.from({ length: CONCURRENT_CLIENTS }, () => client(t)),
    );
    await Promise.all(
      clients.map(async (c, n) => {
        for (let i = 0; i < INCRS_PER_CLIENT; i++) {
          const [incr, set, get] = await c.pipeline([
            ['INCR', 'shared'],
            ['SET', `own:${n}`, String(i)],
            ['GET', `own:${n}`],
          ]);
          if (incr?.type !== 'integer' || show(set!) !== '+OK' || show(get!) !== `"${i}"`) {
            t.fail(`client ${n} round ${i}: ${show(incr!)} ${show(set!)} ${show(get!)}`);
          }
        }
      }),
    );
    t.equal(
      await setup.q('GET', 'shared'),
      `"${CONCURRENT_CLIENTS * INCRS_PER_CLIENT}"`,
      'no lost increments',
    );
    const dbsize = await setup.q('DBSIZE');
    t.ok(Number(dbsize.slice(1)) >= CONCURRENT_CLIENTS + 1, 'every private key exists');
    await Promise.all(clients.map((c) => c.close()));
  });

  t.test('a client closing mid-pipeline does not disturb others', async (t) => {
    const a = await client(t);
    const b = await client(t);
    const cmds = Array.from({ length: 2000 }, () => ['PING']);
    const pending = a.pipeline(cmds).catch(() => 'closed');
    a.socket.destroy();
    await pending;
    t.equal(await b.q('PING'), '+PONG');
  });
});

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('the client over maxclients gets an error and is closed', async (t) => {
      const held: RespClient[] = [];
      for (let i = 0; i < 10; i++) {
        const c = await connect(t, server);
        t.equal(await c.q('PING'), '+PONG', `client ${i + 1} of 10`);
        held.push(c);
      }
      const extra = await connect(t, server);
      t.equal(show(await extra.readReply()), '-ERR max number of clients reached', 'sent without a command');
      await withTimeout(extra.closed, 5_000, 'close of the rejected client');
      t.pass('rejected client closed');
      t.equal(await held[0]!.q('PING'), '+PONG', 'existing clients keep working');
      await held.pop()!.close();
      // The server notices the close asynchronously: retry until a slot is free again.
      const again = await waitUntil(
        async () => {
          const c = await Client.connect(server.port);
          const r = await Promise.race([c.q('PING'), c.closed.then(() => 'closed')]).catch(() => 'closed');
          if (r === '+PONG') return c;
          await c.close();
          return undefined;
        },
        { what: 'a free client slot' },
      );
      t.teardown(() => again.close());
      t.pass('a slot frees up after a client leaves');
    });
  },
  { config: { maxclients: 10 }, name: 'maxclients 10' },
);

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('idle clients are closed after timeout, busy ones are not', async (t) => {
      const idle = await connect(t, server);
      const busy = await connect(t, server);
      t.equal(await idle.q('PING'), '+PONG');
      const started = Date.now();
      let busyRounds = 0;
      const keepBusy = (async () => {
        while (!idle.isClosed) {
          if ((await busy.q('PING')) === '+PONG') busyRounds++;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await withTimeout(idle.closed, 6_000, 'idle client close');
      const elapsed = Date.now() - started;
      await keepBusy;
      t.ok(elapsed >= 900, `closed after ${elapsed} ms (timeout 1 s)`);
      t.ok(busyRounds > 0 && !busy.isClosed, 'busy client still connected');
      t.equal(await busy.q('PING'), '+PONG');
    });
  },
  { config: { timeout: 1 }, name: 'timeout 1' },
);
