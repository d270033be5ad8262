// CLIENT TRACKING on a 3-node cluster: invalidations come from applied entries, so a tracking
// client connected to a FOLLOWER hears about writes made through the LEADER (and through
// another node), whether its reads were forwarded to the leader (cluster-redirect forward, the
// default) or served locally (READONLY); a BCAST client on the other follower hears them too,
// and a FLUSHALL on the leader reaches followers' clients as the null invalidation.
// How: helpers/cluster.ts (processes, free ports, temp dirs removed on t.teardown), raw RESP3
// clients whose pushes stay in line with replies; each push is awaited with a bounded read
// (the follower applies the entry a heartbeat or so after the leader). Needs `npm run build`.
import t, { type Test } from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

async function connect3(t: Test, port: number): Promise<RespClient> {
  const c = await RespClient.connect(port, { replyTimeoutMs: 10_000 });
  t.teardown(() => c.socket.destroy());
  t.equal((await c.send(['HELLO', '3'])).type, 'map');
  return c;
}

t.test('a follower client is invalidated by writes through the leader', async (t) => {
  const c = await startCluster({ t });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const [f1, f2] = c.nodes.filter((n) => n.id !== leader).map((n) => n.id);
  const w = await connect3(t, c.node(leader).clientPort);
  t.equal(show(await w.send(['MSET', 'k', 'v1', 'ro', 'x'])), '+OK');
  // Both followers have applied it (else its late apply would itself invalidate, correctly).
  for (const f of [f1!, f2!]) {
    const probe = await RespClient.connect(c.node(f).clientPort);
    t.teardown(() => probe.socket.destroy());
    await probe.send(['READONLY']);
    await waitUntil(async () => show(await probe.send(['GET', 'ro'])) === '"x"', {
      what: `node ${f} to apply`,
    });
  }

  const r = await connect3(t, c.node(f1!).clientPort);
  t.equal(show(await r.send(['CLIENT', 'TRACKING', 'on'])), '+OK');
  t.equal(show(await r.send(['GET', 'k'])), '"v1"', 'read forwarded to the leader');
  const b = await connect3(t, c.node(f2!).clientPort);
  t.equal(show(await b.send(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'k'])), '+OK');

  t.equal(show(await w.send(['SET', 'k', 'v2'])), '+OK');
  t.equal(show(await r.readReply()), '>["invalidate", ["k"]]', 'follower 1 tracking client');
  t.equal(show(await b.readReply()), '>["invalidate", ["k"]]', 'follower 2 BCAST client');

  // A read served by the follower itself (READONLY), then a write through the other follower.
  t.equal(show(await r.send(['READONLY'])), '+OK');
  t.equal(show(await r.send(['GET', 'ro'])), '"x"');
  const w2 = await connect3(t, c.node(f2!).clientPort);
  t.equal(show(await w2.send(['SET', 'ro', 'y'])), '+OK');
  t.equal(show(await r.readReply()), '>["invalidate", ["ro"]]');
  t.equal(show(await r.send(['PING'])), '+PONG', 'nothing else for k (forgotten once invalidated)');

  t.equal(show(await r.send(['GET', 'ro'])), '"y"');
  t.equal(show(await w.send(['FLUSHALL'])), '+OK');
  t.equal(show(await r.readReply()), '>["invalidate", _]', 'FLUSHALL on the leader');
  t.equal(show(await b.readReply()), '>["invalidate", _]');
});
