// docs/compatibility.md's "Every Redis 7.0 command" list against the servers themselves.
// What: the list has one row per top-level command of redis-server 7.0.15's COMMAND LIST (240),
// no row for anything else, and a status per row that agrees with Seshat's own COMMAND LIST: a
// `missing` command is unknown to Seshat, a `done` or `partial` one is known. So the page cannot
// claim a command Seshat lacks, nor forget one it gains.
// How: the rows are parsed from the markdown; COMMAND LIST is asked of a Seshat node and of a
// real redis-server (that half is skipped when redis-server is not installed).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { text } from './helpers/resp-client.ts';
import { REPO_ROOT, redisAvailable, type ServerHandle, startServer } from './helpers/server.ts';
import { connect } from './helpers/targets.ts';

const SECTION = '## Every Redis 7.0 command';
const STATUSES = new Set(['done', 'partial', 'missing']);
/** Seshat's own commands, which Redis does not have (compat-command-table lists them too). */
const SESHAT_ONLY = new Set(['raft']);

/** The rows of the section: command name (lower case) -> status. */
function documentedCommands(): Map<string, string> {
  const md = readFileSync(path.join(REPO_ROOT, 'docs', 'compatibility.md'), 'utf8');
  const start = md.indexOf(SECTION);
  if (start < 0) throw new Error(`docs/compatibility.md has no "${SECTION}" section`);
  const end = md.indexOf('\n## ', start + SECTION.length);
  const rows = new Map<string, string>();
  for (const line of md.slice(start, end < 0 ? undefined : end).split('\n')) {
    const m = /^\| `([A-Z0-9_-]+)` \| ([a-z]+) \|/.exec(line);
    if (m === null) continue;
    const name = m[1]!.toLowerCase();
    if (rows.has(name)) throw new Error(`${name} is listed twice`);
    rows.set(name, m[2]!);
  }
  return rows;
}

async function commandList(t: Test, server: ServerHandle): Promise<Set<string>> {
  const c = await connect(t, server);
  const reply = await c.send(['COMMAND', 'LIST']);
  if (reply.type !== 'array') throw new Error(`COMMAND LIST: ${reply.type}`);
  return new Set(reply.value.map((v) => text(v)).filter((n) => !n.includes('|')));
}

t.test('every row has a known status', async (t) => {
  const rows = documentedCommands();
  t.ok(rows.size > 0, 'rows found');
  for (const [name, status] of rows) t.ok(STATUSES.has(status), `${name}: status ${status}`);
});

t.test("statuses agree with Seshat's COMMAND LIST", async (t) => {
  const rows = documentedCommands();
  const seshat = await commandList(t, await startServer('seshat', { t }));
  for (const [name, status] of rows) {
    if (status === 'missing') t.notOk(seshat.has(name), `${name} is missing: Seshat must not know it`);
    else t.ok(seshat.has(name), `${name} is ${status}: Seshat must know it`);
  }
  for (const name of seshat) {
    if (!SESHAT_ONLY.has(name)) t.ok(rows.has(name), `Seshat's ${name} is listed`);
  }
});

t.test(
  "the list is redis-server's COMMAND LIST",
  { skip: !redisAvailable() && 'no redis-server' },
  async (t) => {
    const rows = documentedCommands();
    const redis = await commandList(t, await startServer('redis', { t }));
    t.equal(redis.size, 240, 'Redis 7.0.15 has 240 top-level commands');
    for (const name of redis) t.ok(rows.has(name), `${name} is listed`);
    for (const name of rows.keys()) t.ok(redis.has(name), `${name} is a Redis 7.0 command`);
  },
);
