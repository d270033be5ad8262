// Durability across crashes: concurrent clients write keys and record which writes the server
// acknowledged; the server is killed with SIGKILL mid-stream and restarted on the same data
// dir; every acknowledged write must be there with its value (unacknowledged ones may or may
// not be). Also: a clean SIGTERM restart keeps data and exits 0, and a second Seshat on the
// same data dir refuses to start with a message containing "locked".
// How: real processes (helpers/server.ts). The same harness runs against redis-server with
// `--appendonly yes --appendfsync always` (which acknowledges only after fsync) to prove the
// harness itself; the lock case is Seshat only (Redis does not lock its dir).
import t, { type Test } from 'tap';
import { type RespClient, RespClient as Client, show } from './helpers/resp-client.ts';
import { type ServerHandle, type ServerKind, startServer } from './helpers/server.ts';
import { connect, targets } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const WRITERS = 16;
const IN_FLIGHT_PER_WRITER = 4;
const ACKS_BEFORE_KILL = 3_000;
const WRITES_PER_WRITER_MAX = 100_000;

const DURABLE_ARGS: Record<ServerKind, string[]> = {
  seshat: [],
  redis: ['--appendonly', 'yes', '--appendfsync', 'always'],
};

interface Ledger {
  /** key -> value of every acknowledged SET */
  acked: Map<string, string>;
  /** writer -> highest acknowledged sequence number written to `last:<writer>` */
  lastAcked: number[];
  count: number;
}

/** One writer: SETs of fresh keys plus an overwritten `last:<w>` key, N requests in flight. */
async function writer(c: RespClient, w: number, ledger: Ledger, stop: { now: boolean }): Promise<void> {
  let seq = 0;
  const lane = async (): Promise<void> => {
    while (!stop.now && seq < WRITES_PER_WRITER_MAX) {
      const i = seq++;
      const key = `d:${w}:${i}`;
      const value = `v:${w}:${i}:${'x'.repeat(i % 50)}`;
      try {
        const [a, b] = await c.pipeline([
          ['SET', key, value],
          ['SET', `last:${w}`, String(i)],
        ]);
        if (show(a!) === '+OK') {
          ledger.acked.set(key, value);
          ledger.count++;
        }
        if (show(b!) === '+OK') ledger.lastAcked[w] = Math.max(ledger.lastAcked[w]!, i);
      } catch {
        return; // connection died with the server
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT_PER_WRITER }, lane));
}

async function verify(t: Test, srv: ServerHandle, ledger: Ledger): Promise<void> {
  const c = await connect(t, srv);
  const keys = [...ledger.acked.keys()];
  let missing = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const r = await c.send(['MGET', ...batch]);
    if (r.type !== 'array') throw new Error(`MGET replied ${show(r)}`);
    r.value.forEach((v, j) => {
      const want = ledger.acked.get(batch[j]!)!;
      if (v.type !== 'bulk' || v.value.toString() !== want) {
        if (missing++ < 5) t.fail(`acknowledged ${batch[j]} = ${JSON.stringify(want)}, found ${show(v)}`);
      }
    });
  }
  t.equal(missing, 0, `all ${keys.length} acknowledged writes survived`);
  for (let w = 0; w < WRITERS; w++) {
    const got = await c.q('GET', `last:${w}`);
    const n = got.startsWith('"') ? Number(got.slice(1, -1)) : -1;
    if (n < ledger.lastAcked[w]!) t.fail(`last:${w} = ${got}, acknowledged ${ledger.lastAcked[w]}`);
  }
  t.pass('overwritten keys hold at least their last acknowledged value');
}

for (const kind of targets()) {
  t.test(kind, async (t) => {
    t.test('kill -9 mid-stream loses no acknowledged write', async (t) => {
      const srv = await startServer(kind, { t, args: DURABLE_ARGS[kind] });
      const ledger: Ledger = { acked: new Map(), lastAcked: Array(WRITERS).fill(-1), count: 0 };
      const stop = { now: false };
      const clients = await Promise.all(Array.from({ length: WRITERS }, () => Client.connect(srv.port)));
      t.teardown(() => Promise.all(clients.map((c) => c.close())));
      const writing = Promise.all(clients.map((c, w) => writer(c, w, ledger, stop)));
      await waitUntil(() => ledger.count >= ACKS_BEFORE_KILL, {
        timeoutMs: 60_000,
        what: `${ACKS_BEFORE_KILL} acks`,
      });
      await srv.kill9();
      stop.now = true;
      await writing;
      t.ok(ledger.count >= ACKS_BEFORE_KILL, `${ledger.count} writes acknowledged before the kill`);
      await srv.restart();
      await verify(t, srv, ledger);
    });

    t.test('SIGTERM exits 0 and a restart keeps the data', async (t) => {
      const srv = await startServer(kind, { t, args: DURABLE_ARGS[kind] });
      const c = await connect(t, srv);
      await c.q('MSET', 'a', '1', 'b', '2');
      await c.q('SET', 'ttl', 'v', 'EX', '1000');
      await c.q('SELECT', '7');
      await c.q('SET', 'in-db7', 'x');
      t.equal(await srv.stop(), 0, 'exit code 0 on SIGTERM');
      await srv.restart();
      const d = await connect(t, srv);
      t.equal(await d.q('MGET', 'a', 'b'), '["1", "2"]');
      const ttl = Number((await d.q('TTL', 'ttl')).slice(1));
      t.ok(ttl > 900 && ttl <= 1000, `TTL survives the restart (${ttl})`);
      t.equal(await d.q('SELECT', '7'), '+OK');
      t.equal(await d.q('GET', 'in-db7'), '"x"', 'other databases survive');
    });

    t.test(
      'after a restart the meta cache holds the whole keyspace, or reads RocksDB when it cannot',
      { skip: kind !== 'seshat' && 'Seshat only (INFO memory meta_cache_*)' },
      async (t) => {
        const srv = await startServer(kind, { t });
        const c = await connect(t, srv);
        const cacheInfo = async (client: RespClient) => {
          const body = await client.q('INFO', 'memory');
          const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(body)?.[1]);
          return { keys: field('meta_cache_keys'), complete: field('meta_cache_complete') };
        };
        t.same(await cacheInfo(c), { keys: 0, complete: 1 }, 'an empty data dir: complete');
        const sets = Array.from({ length: 200 }, (_, i) => ['SET', `k${i}`, `v${i}:${'y'.repeat(i)}`]);
        await c.pipeline(sets);
        await c.q('DEL', 'k7');
        t.equal(await srv.stop(), 0);
        await srv.restart();
        const d = await connect(t, srv);
        t.same(await cacheInfo(d), { keys: 199, complete: 1 }, 'every record loaded at start');
        const check = async (label: string) => {
          t.equal(await d.q('GET', 'k150'), `"v150:${'y'.repeat(150)}"`, `${label}: loaded value`);
          t.equal(await d.q('GET', 'k7'), '$-1', `${label}: deleted key`);
          t.equal(await d.q('GET', 'never'), '$-1', `${label}: key never written`);
          t.equal(await d.q('SET', 'k7', 'back'), '+OK');
          t.equal(await d.q('GET', 'k7'), '"back"', `${label}: new key`);
          t.equal(await d.q('DEL', 'k7'), ':1');
        };
        await check('complete');
        // A budget smaller than the keyspace: incomplete, and misses read RocksDB.
        t.equal(await d.q('CONFIG', 'SET', 'meta-cache-bytes', '4096'), '+OK');
        t.equal((await cacheInfo(d)).complete, 0, 'incomplete after CONFIG SET');
        await check('incomplete');
        t.equal(await d.q('DBSIZE'), ':199');
      },
    );

    t.test(
      'a second server on the same dir fails with "locked"',
      { skip: kind !== 'seshat' && 'Redis does not lock its dir' },
      async (t) => {
        const first = await startServer(kind, { t });
        const err = await startServer(kind, { t, dir: first.dir, startTimeoutMs: 15_000 }).then(
          (second) => {
            t.fail(`second server started on port ${second.port}`);
            return '';
          },
          (e: Error) => e.message,
        );
        t.match(err, /locked/, 'message mentions the lock');
        t.match(err, /exited before ready \(code [1-9]\d*/, 'non-zero exit code');
        const c = await connect(t, first);
        t.equal(await c.q('PING'), '+PONG', 'the first server still serves');
      },
    );
  });
}
