// Deferred writes at the server (docs/storage.md, "Deferred writes"): plain SETs leave their
// records dirty; the first write that is not a plain replacement must wait until every dirty
// record is written. That backlog is written a chunk per event-loop turn, so another connection
// is answered while it drains: its INFO shows the backlog shrinking before the INCR's reply
// arrives (a node that wrote the whole backlog in one go would answer only before or after).
// Then the values survive kill -9: replay from the durable index gives them back.
import t from 'tap';
import { RespClient, show, text } from './helpers/resp-client.ts';
import { startServer } from './helpers/server.ts';

const KEYS = 40_000;
const BATCH = 2_000;

function deferredKeys(info: string): number {
  const m = /deferred_keys:(\d+)/.exec(info);
  if (m === null) throw new Error(`no deferred_keys in INFO: ${info}`);
  return Number(m[1]);
}

t.test('a write after a SET streak waits for the backlog while other clients are served', async (t) => {
  const srv = await startServer('seshat', { t });
  const writer = await RespClient.connect(srv.port);
  const reader = await RespClient.connect(srv.port);
  t.teardown(async () => {
    await writer.close();
    await reader.close();
  });
  for (let i = 0; i < KEYS; i += BATCH) {
    const sets = Array.from({ length: BATCH }, (_, j) => ['SET', `k:${i + j}`, `v:${i + j}`]);
    await writer.pipeline(sets);
  }
  // The records live in the meta cache's arena: at least one 1 MB page of it.
  const arena = /meta_cache_arena_bytes:(\d+)/.exec(await reader.q('INFO', 'memory'));
  t.ok(arena !== null && Number(arena[1]) >= 1024 * 1024, `INFO memory shows the arena (${arena?.[1]})`);
  const before = deferredKeys(await reader.q('INFO', 'persistence'));
  // Well past one chunk (4,096 records): several turns of draining.
  t.ok(before > 4 * 4096, `a backlog of deferred records (${before})`);

  const incr = writer.send(['INCR', 'counter']);
  let replied = false;
  void incr.then(() => {
    replied = true;
  });
  const seen: number[] = [];
  while (!replied) {
    const n = deferredKeys(await reader.q('INFO', 'persistence'));
    if (!replied) seen.push(n);
  }
  t.equal(show(await incr), ':1');
  const during = seen.filter((n) => n > 0 && n < before);
  t.ok(
    during.length > 0,
    `INFO answered mid-drain (backlog seen: ${[...new Set(seen)].slice(0, 8).join(', ')})`,
  );
  t.equal(deferredKeys(await reader.q('INFO', 'persistence')), 0, 'no deferred records left');

  await srv.kill9();
  await srv.restart();
  const after = await RespClient.connect(srv.port);
  t.teardown(() => after.close());
  t.equal(text(await after.send(['GET', 'k:0'])), 'v:0');
  t.equal(text(await after.send(['GET', `k:${KEYS - 1}`])), `v:${KEYS - 1}`);
  t.equal(text(await after.send(['GET', 'counter'])), '1');
  t.equal(await after.q('DBSIZE'), `:${KEYS + 1}`);
});
