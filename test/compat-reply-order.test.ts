// What a write's changes show to other clients, relative to its own reply (appendfsync always,
// Seshat's default). Seshat: a keyspace notification reaches a subscriber on another connection
// no earlier than the write's reply, which goes out once the write is durable (it used to be
// published as soon as the entry applied, a full fsync before the reply, so other clients saw
// writes that a crash could still lose; Redis too writes every reply of an event-loop turn after
// its AOF fsync). Redis does not order frames across connections (it sends both in one turn, in
// either order), so that part runs against Seshat only. On the writer's own RESP3 connection the
// notification push comes before the reply, as Redis queues it: checked against both servers.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); the order
// in which the test process receives the frames is recorded.
import t, { type Test } from 'tap';
import { show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';

const ROUNDS = 20;

async function otherSubscriber(t: Test, server: ServerHandle): Promise<void> {
  const w = await connect(t, server);
  const s = (await connect(t, server)).separatePushes();
  t.equal(await w.q('CONFIG', 'SET', 'notify-keyspace-events', 'KA'), '+OK');
  await s.send(['HELLO', '3']);
  s.write(['SUBSCRIBE', '__keyspace@0__:k']);
  t.equal(show(await s.readPush()), '>["subscribe", "__keyspace@0__:k", :1]');
  for (let i = 0; i < ROUNDS; i++) {
    const order: string[] = [];
    const reply = w.send(['SET', 'k', String(i)]).then((r) => order.push(`reply ${show(r)}`));
    const push = s.readPush().then((p) => order.push(`push ${show(p)}`));
    await Promise.all([reply, push]);
    t.same(order, ['reply +OK', 'push >["message", "__keyspace@0__:k", "set"]'], `round ${i}`);
  }
}

async function ownConnection(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  t.equal(await c.q('CONFIG', 'SET', 'notify-keyspace-events', 'KA'), '+OK');
  await c.send(['HELLO', '3']);
  t.equal(await c.q('SUBSCRIBE', '__keyspace@0__:k'), '>["subscribe", "__keyspace@0__:k", :1]');
  c.write(['SET', 'k', 'v']);
  t.equal(show(await c.readReply()), '>["message", "__keyspace@0__:k", "set"]');
  t.equal(show(await c.readReply()), '+OK');
}

forEachTarget(t, async (t, { server }) => {
  t.test('a notification on the writer connection precedes the reply', (t) => ownConnection(t, server));
});

forEachTarget(
  t,
  async (t, { server }) => {
    t.test('a notification to another connection follows the reply', (t) => otherSubscriber(t, server));
  },
  { only: ['seshat'], name: 'durable first' },
);
