// Streams on a real 3-node cluster: writes with `*` IDs, trimming, consumer groups, deliveries
// and claims on the leader (and forwarded from a follower) leave every replica with the same
// bytes (RAFT DIGEST at the same applied index), so delivery and seen times, which come from
// entry stamps, agree too; a blocked XREAD and a blocked XREADGROUP on the leader are served by
// an XADD through a follower; a blocking read on a follower is redirected (-MOVED); a READONLY
// follower serves XRANGE / XINFO from its own state.
// How: helpers/cluster.ts (processes, free ports, temp dirs removed on t.teardown), raw RESP,
// bounded polls instead of sleeps. Needs `npm run build` (runs dist/).
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { RespClient, show } from './helpers/resp-client.ts';
import { waitUntil } from './helpers/wait.ts';

t.test('streams replicate deterministically and block on the leader', async (t) => {
  const c = await startCluster({ t });
  const { id: leader } = await c.waitForLeader({ writable: true });
  const [f1, f2] = c.nodes.filter((n) => n.id !== leader).map((n) => n.id);
  const q = async (id: number, ...argv: string[]) => show(await c.query(id, argv));

  t.match(await q(leader, 'XADD', 's', '*', 'a', '1'), /^"\d+-0"$/);
  t.match(
    await q(f1!, 'XADD', 's', 'MAXLEN', '~', '100', '*', 'b', '2'),
    /^"\d+-\d+"$/,
    'forwarded by a follower',
  );
  t.equal(await q(leader, 'XGROUP', 'CREATE', 's', 'g', '0'), '+OK');
  t.match(
    await q(leader, 'XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'),
    /^\[\["s", \[\["\d+-0", \["a", "1"\]\]\]\]\]$/,
  );
  t.match(
    await q(f2!, 'XAUTOCLAIM', 's', 'g', 'bob', '0', '0'),
    /^\["0-0", \[\[/,
    'a claim forwarded by a follower',
  );

  // Blocking reads on the leader, woken by writes that come through a follower.
  const b1 = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 15_000 });
  const b2 = await RespClient.connect(c.node(leader).clientPort, { replyTimeoutMs: 15_000 });
  t.teardown(() => {
    b1.socket.destroy();
    b2.socket.destroy();
  });
  const xread = b1.send(['XREAD', 'BLOCK', '0', 'STREAMS', 'w', '$']).then(show);
  t.equal(await q(leader, 'XGROUP', 'CREATE', 's', 'g2', '$'), '+OK');
  const xreadgroup = b2
    .send(['XREADGROUP', 'GROUP', 'g2', 'carol', 'BLOCK', '0', 'STREAMS', 's', '>'])
    .then(show);
  await waitUntil(async () => /blocked_clients:2/.test(await q(leader, 'INFO', 'clients')), {
    what: '2 blocked',
  });
  t.equal(await q(f1!, 'XADD', 'w', '5-0', 'x', 'y'), '"5-0"');
  t.equal(await xread, '[["w", [["5-0", ["x", "y"]]]]]', 'XREAD served');
  t.equal(
    await q(f2!, 'XADD', 's', '*', 'c', '3'),
    (await q(leader, 'XREVRANGE', 's', '+', '-', 'COUNT', '1')).match(/"\d+-\d+"/)![0],
  );
  t.match(await xreadgroup, /^\[\["s", \[\["\d+-\d+", \["c", "3"\]\]\]\]\]$/, 'XREADGROUP served');

  // A blocking read on a follower goes to the leader.
  t.match(await q(f1!, 'XREAD', 'BLOCK', '0', 'STREAMS', 'w', '$'), /^-MOVED \d+ 127\.0\.0\.1:\d+$/);

  await c.waitConverged();
  const digests = await Promise.all(c.nodes.map((n) => q(n.id, 'RAFT', 'DIGEST')));
  t.equal(new Set(digests).size, 1, `every replica holds the same bytes: ${digests[0]}`);
  const info = await Promise.all(
    c.nodes.map((n) => c.query(n.id, ['XINFO', 'STREAM', 's', 'FULL'], { readonly: true }).then(show)),
  );
  t.equal(new Set(info).size, 1, 'XINFO STREAM FULL (delivery and seen times included) agrees on every node');
  t.match(
    info[0]!,
    /"name", "g2", .*"pending", \[\["\d+-0", "carol", :\d+, :1\]\]/,
    'the blocked consumer holds its entry',
  );
});
