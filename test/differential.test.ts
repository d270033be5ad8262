// Differential test: seeded random sequences of string/key/expiry commands over a small
// keyspace (helpers/diff-gen.ts) are sent over raw RESP to a reference redis-server and to
// Seshat, and the replies are compared exactly (type and value, after normalising the few
// nondeterministic ones). Even seeds run in RESP3, odd seeds in RESP2. On a mismatch the
// sequence is shrunk by delta debugging (replaying on FLUSHALL'd servers) to a shortest
// sequence that still differs, which is printed with the seed and both servers' replies.
// With SESHAT_TARGETS=redis the subject is a second redis-server, which proves the generator
// has no nondeterminism of its own. Skipped when redis-server is not installed.
//
// Env: SESHAT_DIFF_SEEDS (default 30), SESHAT_DIFF_COMMANDS (default 200),
//      SESHAT_DIFF_SEED (first seed, default 1; with SESHAT_DIFF_SEEDS unset runs only it).
import t from 'tap';
import { formatCommand, generate, normalise, shrink } from './helpers/diff-gen.ts';
import { type Arg, RespClient } from './helpers/resp-client.ts';
import { redisAvailable, type ServerHandle, startServer } from './helpers/server.ts';
import { targets } from './helpers/targets.ts';

const env = process.env;
const FIRST_SEED = Number(env.SESHAT_DIFF_SEED ?? 1);
const SEEDS = Number(env.SESHAT_DIFF_SEEDS ?? (env.SESHAT_DIFF_SEED ? 1 : 30));
const COMMANDS = Number(env.SESHAT_DIFF_COMMANDS ?? 200);

/** Runs a sequence on a fresh connection after FLUSHALL; returns normalised replies. */
async function run(server: ServerHandle, cmds: readonly Arg[][], proto: 2 | 3): Promise<string[]> {
  const c = await RespClient.connect(server.port, { host: server.host });
  try {
    if (proto === 3) await c.send(['HELLO', '3']);
    await c.send(['FLUSHALL']);
    const replies = await c.pipeline(cmds);
    return replies.map((r, i) => normalise(cmds[i]!, r));
  } finally {
    await c.close();
  }
}

function firstDifference(a: readonly string[], b: readonly string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function report(
  seed: number,
  proto: number,
  cmds: readonly Arg[][],
  ref: string[],
  sub: string[],
  subName: string,
): string {
  const width = Math.min(60, Math.max(...cmds.map((c) => formatCommand(c).length)));
  const lines = cmds.map((c, i) => {
    const mark = ref[i] === sub[i] ? ' ' : '!';
    const diff = ref[i] === sub[i] ? ref[i] : `redis: ${ref[i]}   ${subName}: ${sub[i]}`;
    return `${mark} ${formatCommand(c).padEnd(width)}  ${diff}`;
  });
  return [
    `seed ${seed} (RESP${proto}) differs; shortest reproducing sequence (${cmds.length} commands):`,
    ...lines,
    `reproduce: SESHAT_DIFF_SEED=${seed} SESHAT_DIFF_COMMANDS=${COMMANDS} npx tap test/differential.test.ts`,
  ].join('\n');
}

t.test(
  'differential: Seshat vs redis-server',
  { skip: !redisAvailable() && 'redis-server is not installed' },
  async (t) => {
    const subjectKind = targets().includes('seshat') ? 'seshat' : 'redis';
    const reference = await startServer('redis', { t });
    const subject = await startServer(subjectKind, { t });
    t.comment(`reference redis:${reference.port}, subject ${subjectKind}:${subject.port}`);
    t.comment(`seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${COMMANDS} commands each`);
    let failed = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      const proto = seed % 2 === 0 ? 3 : 2;
      const cmds = generate(seed, COMMANDS);
      const ref = await run(reference, cmds, proto);
      const sub = await run(subject, cmds, proto);
      const at = firstDifference(ref, sub);
      if (at === -1) continue;
      failed++;
      const differs = async (seq: readonly Arg[][]): Promise<boolean> =>
        firstDifference(await run(reference, seq, proto), await run(subject, seq, proto)) !== -1;
      const minimal = await shrink(cmds.slice(0, at + 1), differs);
      const [r, s] = [await run(reference, minimal, proto), await run(subject, minimal, proto)];
      t.fail(report(seed, proto, minimal, r, s, subjectKind));
      if (failed >= 3) {
        t.comment('stopping after 3 failing seeds');
        break;
      }
    }
    t.equal(failed, 0, `${SEEDS} seeds x ${COMMANDS} commands agree`);
  },
);
