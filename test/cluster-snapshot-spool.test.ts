// Incoming snapshot images that do not fit in memory are spooled to `<data dir>/snapshot-spool`
// (crates-ts/seshat/src/snapshot-spool.ts). A node killed mid-transfer leaves a partial image
// there; the long chaos runs left such files in the system temp dir, where nothing ever
// removed them. This test plants one in a one-node cluster's data dir, restarts the node and
// checks that the file is gone, the directory is there and the node still serves.
// How: helpers/cluster.ts (process, free ports, temp dir removed on t.teardown). Needs
// `npm run build` (runs dist/).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startCluster } from './helpers/cluster.ts';
import { show } from './helpers/resp-client.ts';

t.test('a partial snapshot image left by a dead process is removed at start', async (t) => {
  const c = await startCluster({ t, size: 1 });
  await c.waitForLeader({ writable: true });
  t.equal(show(await c.query(1, ['SET', 'k', 'v'])), '+OK');
  const spool = path.join(c.node(1).dir, 'snapshot-spool');
  t.ok(existsSync(spool), 'the spool dir is created in the data dir');
  await c.kill9(1);
  mkdirSync(spool, { recursive: true });
  const stale = path.join(spool, 'seshat-snapshot-n1-from2-0000.tmp');
  writeFileSync(stale, Buffer.alloc(4096, 1));
  await c.restart(1);
  t.notOk(existsSync(stale), 'the partial image is gone');
  t.same(readdirSync(spool), [], 'the spool dir is empty');
  await c.waitForLeader({ writable: true });
  t.equal(show(await c.query(1, ['GET', 'k'])), '"v"', 'the node serves its data');
});
