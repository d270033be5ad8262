// Redis 7.0 compatibility of the introspection bits Redis's introspection-2 and querybuf units
// check.
// What: COMMAND LIST FILTERBY PATTERN finds CLUSTER HELP next to CLIENT HELP, and CLUSTER
// HELP / KEYSLOT on a node without cluster support answer "cluster support disabled"; CLIENT
// LIST's qbuf + qbuf-free grows past 32 KB for a large request and, while the client keeps
// sending small commands, shrinks back (not to 0) within a second, as Redis's
// clientsCronResizeQueryBuffer does.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); the
// shrink is awaited with waitUntil, never a sleep.
import t, { type Test } from 'tap';
import { type RespClient, text } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const BIG_REQUEST_BYTES = 400_000;
const RESIZE_THRESHOLD_BYTES = 32 * 1024;

async function clusterSubcommands(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  // Redis lists commands in its command dict's order, which follows a hash seeded at random
  // per process: either order is Redis's.
  t.match(
    await c.q('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'cl*help'),
    /^\["(client\|help", "cluster\|help|cluster\|help", "client\|help)"\]$/,
  );
  t.equal(await c.q('CLUSTER', 'HELP'), '-ERR This instance has cluster support disabled');
  t.equal(await c.q('CLUSTER', 'KEYSLOT', 'foo'), '-ERR This instance has cluster support disabled');
  t.equal(await c.q('CLUSTER', 'KEYSLOT'), "-ERR wrong number of arguments for 'cluster|keyslot' command");
}

/** qbuf + qbuf-free of the client named `name`, from another connection's CLIENT LIST. */
async function queryBuffer(c: RespClient, name: string): Promise<number> {
  const line = text(await c.send(['CLIENT', 'LIST']))
    .split('\n')
    .find((l) => l.includes(` name=${name} `));
  const m = /qbuf=(\d+) qbuf-free=(\d+)/.exec(line ?? '');
  return m === null ? -1 : Number(m[1]) + Number(m[2]);
}

async function queryBufferShrinks(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const d = await connect(t, server);
  t.equal(await d.q('CLIENT', 'SETNAME', 'qb'), '+OK');
  t.equal(await d.q('SET', 'x', 'A'.repeat(BIG_REQUEST_BYTES)), '+OK');
  const grown = await queryBuffer(c, 'qb');
  t.ok(grown > RESIZE_THRESHOLD_BYTES, `grown to ${grown} bytes`);
  const shrunk = await waitUntil(
    async () => {
      await d.q('SET', 'x', 'A'.repeat(100));
      const now = await queryBuffer(c, 'qb');
      return now < grown ? now : 0;
    },
    { what: 'the query buffer shrinks', timeoutMs: 3000, intervalMs: 10 },
  );
  t.ok(shrunk > 0 && shrunk < grown, `shrunk to ${shrunk} bytes`);
}

forEachTarget(t, async (t, { server }) => {
  t.test('CLUSTER HELP and KEYSLOT', (t) => clusterSubcommands(t, server));
  t.test('query buffer shrinks to its recent peak', (t) => queryBufferShrinks(t, server));
});
