// LinkProxy, the per-direction TCP proxy the chaos supervisor puts on every node-to-node link,
// against a real echo server on loopback:
//   - pass-through both ways; stats count the bytes;
//   - cut: bytes are held (nothing reaches the target), a new connection is accepted but the
//     target is not dialled; heal delivers everything in order and dials;
//   - cut with reset: the client's connection is aborted;
//   - delay: a round trip takes at least the delay; with jitter, order is kept;
//   - loss: chunks are retransmitted late, never lost, reordered or changed;
//   - bad settings are refused; close() is idempotent and closes the clients.
// How: port 0 everywhere; bounded polls (helpers/wait.ts) instead of sleeps; all sockets and
// servers closed on teardown.
import net from 'node:net';
import t, { type Test } from 'tap';
import { SeededRandom } from '@seshat/common';
import { waitUntil } from '../../test/helpers/wait.ts';
import { LinkProxy } from '../net/link-proxy.ts';

interface Echo {
  port: number;
  received: () => number;
  connections: () => number;
  close: () => Promise<void>;
}

async function echoServer(): Promise<Echo> {
  let bytes = 0;
  let conns = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    conns++;
    sockets.add(s);
    s.on('data', (d) => {
      bytes += d.length;
      s.write(d);
    });
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => bytes,
    connections: () => conns,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A client of the proxy collecting what comes back. */
async function client(port: number): Promise<{ s: net.Socket; got: () => string; closed: () => boolean }> {
  const s = net.connect(port, '127.0.0.1');
  let got = '';
  let closed = false;
  s.setEncoding('utf8');
  s.on('data', (d: string) => {
    got += d;
  });
  s.on('error', () => {});
  s.on('close', () => {
    closed = true;
  });
  await new Promise<void>((r) => s.once('connect', () => r()));
  return { s, got: () => got, closed: () => closed };
}

async function setup(t: Test, seed = 1) {
  const echo = await echoServer();
  const proxy = await LinkProxy.start({
    target: { host: '127.0.0.1', port: echo.port },
    name: 'a->b',
    random: new SeededRandom(seed),
    retransmitTimeoutMs: 20,
  });
  t.teardown(async () => {
    await proxy.close();
    await echo.close();
  });
  return { echo, proxy };
}
const opts = { timeoutMs: 5000, intervalMs: 5 };

t.test('pass-through both ways', async (t) => {
  const { echo, proxy } = await setup(t);
  const c = await client(proxy.port);
  t.teardown(() => c.s.destroy());
  c.s.write('hello');
  await waitUntil(() => c.got() === 'hello', { ...opts, what: 'the echo' });
  t.equal(echo.received(), 5);
  const st = proxy.stats();
  t.equal(st.forwardBytes, 5);
  t.equal(st.backwardBytes, 5);
  t.equal(st.connectionsOpen, 1);
  t.equal(proxy.address, `127.0.0.1:${proxy.port}`);
});

t.test('cut holds bytes and dials; heal delivers in order', async (t) => {
  const { echo, proxy } = await setup(t);
  const c = await client(proxy.port);
  t.teardown(() => c.s.destroy());
  c.s.write('a');
  await waitUntil(() => c.got() === 'a', { ...opts, what: 'first echo' });
  proxy.cut();
  t.equal(proxy.isCut, true);
  c.s.write('bc');
  c.s.write('de');
  await waitUntil(() => proxy.stats().heldBytes === 4, { ...opts, what: 'the bytes held in the proxy' });
  t.equal(echo.received(), 1, 'nothing reached the target during the cut');
  const late = await client(proxy.port);
  t.teardown(() => late.s.destroy());
  late.s.write('x');
  await waitUntil(() => proxy.stats().connectionsAccepted === 2 && proxy.stats().heldBytes === 5, {
    ...opts,
    what: 'the second connection accepted and its byte held',
  });
  t.equal(echo.connections(), 1, 'the target is not dialled while cut');
  proxy.heal();
  await waitUntil(() => c.got() === 'abcde' && late.got() === 'x', { ...opts, what: 'delivery after heal' });
  t.equal(echo.connections(), 2);
  t.equal(proxy.stats().heldBytes, 0);
});

t.test('cut with reset aborts the connections', async (t) => {
  const { proxy } = await setup(t);
  const c = await client(proxy.port);
  t.teardown(() => c.s.destroy());
  c.s.write('a');
  await waitUntil(() => c.got() === 'a', { ...opts, what: 'first echo' });
  proxy.cut({ reset: true });
  await waitUntil(() => c.closed(), { ...opts, what: 'the client sees its connection closed' });
  proxy.heal();
  const again = await client(proxy.port);
  t.teardown(() => again.s.destroy());
  again.s.write('b');
  await waitUntil(() => again.got() === 'b', { ...opts, what: 'a new connection works after heal' });
});

t.test('delay and jitter keep order', async (t) => {
  const { proxy } = await setup(t);
  const c = await client(proxy.port);
  t.teardown(() => c.s.destroy());
  proxy.delay(100);
  const t0 = performance.now();
  c.s.write('p');
  await waitUntil(() => c.got() === 'p', { ...opts, what: 'the delayed echo' });
  t.ok(performance.now() - t0 >= 199, 'a round trip through a 100 ms link takes at least 200 ms');
  proxy.delay(5, 30);
  t.same(proxy.faults(), { cut: false, delayMs: 5, jitterMs: 30, lossFraction: 0 });
  let want = 'p';
  for (let i = 0; i < 40; i++) {
    const chunk = `<${i}>`;
    want += chunk;
    c.s.write(chunk);
    await new Promise((r) => setImmediate(r));
  }
  await waitUntil(() => c.got().length === want.length, { ...opts, what: 'every jittered chunk' });
  t.equal(c.got(), want, 'in order');
});

t.test('loss retransmits late, never drops or reorders', async (t) => {
  const { proxy } = await setup(t, 7);
  const c = await client(proxy.port);
  t.teardown(() => c.s.destroy());
  proxy.loss(0.5);
  let want = '';
  for (let i = 0; i < 30; i++) {
    const chunk = `[${i}]`;
    want += chunk;
    c.s.write(chunk);
    await new Promise((r) => setImmediate(r));
  }
  await waitUntil(() => c.got().length === want.length, { ...opts, what: 'every chunk despite loss' });
  t.equal(c.got(), want);
  t.ok(proxy.stats().retransmits > 0, 'some chunks took the retransmission path');
});

t.test('bad settings are refused; close is idempotent', async (t) => {
  const { proxy } = await setup(t);
  t.throws(() => proxy.loss(1));
  t.throws(() => proxy.loss(-0.1));
  t.throws(() => proxy.delay(-1));
  t.throws(() => proxy.delay(10, 10_000_000));
  const c = await client(proxy.port);
  await proxy.close();
  await proxy.close();
  await waitUntil(() => c.closed(), { ...opts, what: 'the client closed by close()' });
});
