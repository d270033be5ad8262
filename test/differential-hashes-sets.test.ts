// Differential test for hashes, sets, bitmaps and SORT: seeded random sequences from
// helpers/diff-gen-hashes-sets.ts are sent over raw RESP to a reference redis-server and to
// Seshat, and the normalised replies are compared (even seeds RESP3, odd seeds RESP2). A
// mismatch is shrunk with diff-gen's delta debugging and printed with both servers' replies.
// With SESHAT_TARGETS=redis the subject is a second redis-server (checks the generator is
// deterministic). Skipped when redis-server is not installed.
//
// Env: SESHAT_DIFF_SEEDS (default 20), SESHAT_DIFF_COMMANDS (default 200),
//      SESHAT_DIFF_SEED (first seed, default 1; with SESHAT_DIFF_SEEDS unset runs only it).
import t from 'tap';
import { formatCommand, shrink } from './helpers/diff-gen.ts';
import { generateHashesSets, normaliseHashesSets } from './helpers/diff-gen-hashes-sets.ts';
import { type Arg, RespClient } from './helpers/resp-client.ts';
import { redisAvailable, type ServerHandle, startServer } from './helpers/server.ts';
import { targets } from './helpers/targets.ts';

const env = process.env;
const FIRST_SEED = Number(env.SESHAT_DIFF_SEED ?? 1);
const SEEDS = Number(env.SESHAT_DIFF_SEEDS ?? (env.SESHAT_DIFF_SEED ? 1 : 20));
const COMMANDS = Number(env.SESHAT_DIFF_COMMANDS ?? 200);

async function run(server: ServerHandle, cmds: readonly Arg[][], proto: 2 | 3): Promise<string[]> {
  const c = await RespClient.connect(server.port, { host: server.host });
  try {
    if (proto === 3) await c.send(['HELLO', '3']);
    await c.send(['FLUSHALL']);
    const replies = await c.pipeline(cmds);
    return replies.map((r, i) => normaliseHashesSets(cmds[i]!, r));
  } finally {
    await c.close();
  }
}

function firstDifference(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

function report(seed: number, proto: number, cmds: readonly Arg[][], ref: string[], sub: string[]): string {
  const lines = cmds.map((c, i) => {
    const same = ref[i] === sub[i];
    return `${same ? ' ' : '!'} ${formatCommand(c)}  ${same ? ref[i] : `redis: ${ref[i]}   subject: ${sub[i]}`}`;
  });
  return [
    `seed ${seed} (RESP${proto}) differs; shortest reproducing sequence (${cmds.length} commands):`,
    ...lines,
    `reproduce: SESHAT_DIFF_SEED=${seed} SESHAT_DIFF_COMMANDS=${COMMANDS} npx tap test/differential-hashes-sets.test.ts`,
  ].join('\n');
}

t.test(
  'differential (hashes, sets, bitmaps, SORT): Seshat vs redis-server',
  { skip: !redisAvailable() && 'redis-server is not installed' },
  async (t) => {
    const subjectKind = targets().includes('seshat') ? 'seshat' : 'redis';
    const reference = await startServer('redis', { t });
    const subject = await startServer(subjectKind, { t });
    t.comment(
      `seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${COMMANDS} commands each, subject ${subjectKind}`,
    );
    let failed = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS && failed < 3; seed++) {
      const proto = seed % 2 === 0 ? 3 : 2;
      const cmds = generateHashesSets(seed, COMMANDS);
      const at = firstDifference(await run(reference, cmds, proto), await run(subject, cmds, proto));
      if (at === -1) continue;
      failed++;
      const differs = async (seq: readonly Arg[][]): Promise<boolean> =>
        firstDifference(await run(reference, seq, proto), await run(subject, seq, proto)) !== -1;
      const minimal = await shrink(cmds.slice(0, at + 1), differs);
      t.fail(
        report(
          seed,
          proto,
          minimal,
          await run(reference, minimal, proto),
          await run(subject, minimal, proto),
        ),
      );
    }
    t.equal(failed, 0, `${SEEDS} seeds x ${COMMANDS} commands agree`);
  },
);
