// Differential test of streams: seeded random sequences from helpers/diff-gen-streams.ts (XADD
// with trimming, XDEL, XTRIM, XSETID, node limits changing, consumer groups, claims, XINFO with
// its radix tree counts) are sent over raw RESP to a reference redis-server and to Seshat, and
// every reply is compared exactly, but for clock-dependent times (normaliseStreams). Even seeds
// run in RESP3, odd seeds in RESP2. A mismatch is shrunk (helpers/diff-gen.ts `shrink`) to a
// shortest reproducing sequence, printed with the seed and both servers' replies. With
// SESHAT_TARGETS=redis the subject is a second redis-server (proves the generator is
// deterministic). Skipped when redis-server is not installed.
//
// Env: SESHAT_DIFF_SEEDS (default 20), SESHAT_DIFF_COMMANDS (default 200),
//      SESHAT_DIFF_SEED (first seed, default 1; with SESHAT_DIFF_SEEDS unset runs only it).
import t from 'tap';
import { formatCommand, shrink } from './helpers/diff-gen.ts';
import { generateStreams, normaliseStreams } from './helpers/diff-gen-streams.ts';
import { type Arg, RespClient } from './helpers/resp-client.ts';
import { redisAvailable, type ServerHandle, startServer } from './helpers/server.ts';
import { targets } from './helpers/targets.ts';

const env = process.env;
const FIRST_SEED = Number(env.SESHAT_DIFF_SEED ?? 1);
const SEEDS = Number(env.SESHAT_DIFF_SEEDS ?? (env.SESHAT_DIFF_SEED ? 1 : 20));
const COMMANDS = Number(env.SESHAT_DIFF_COMMANDS ?? 200);
const FAILED_SEEDS_MAX = 3;

async function replay(server: ServerHandle, cmds: readonly Arg[][], proto: 2 | 3): Promise<string[]> {
  const c = await RespClient.connect(server.port, { host: server.host });
  try {
    if (proto === 3) await c.send(['HELLO', '3']);
    await c.send(['FLUSHALL']);
    const replies = await c.pipeline(cmds);
    return replies.map((r, i) => normaliseStreams(cmds[i]!, r));
  } finally {
    await c.close();
  }
}

function differsAt(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

function describe(seed: number, proto: number, cmds: readonly Arg[][], ref: string[], sub: string[]): string {
  const lines = cmds.map((c, i) =>
    ref[i] === sub[i]
      ? `  ${formatCommand(c)}  ${ref[i]}`
      : `! ${formatCommand(c)}  redis: ${ref[i]}  subject: ${sub[i]}`,
  );
  return [
    `seed ${seed} (RESP${proto}) differs; shortest reproducing sequence (${cmds.length} commands):`,
    ...lines,
    `reproduce: SESHAT_DIFF_SEED=${seed} SESHAT_DIFF_COMMANDS=${COMMANDS} npx tap test/differential-streams.test.ts`,
  ].join('\n');
}

t.test(
  'differential (streams): Seshat vs redis-server',
  { skip: !redisAvailable() && 'redis-server is not installed' },
  async (t) => {
    const reference = await startServer('redis', { t });
    const subject = await startServer(targets().includes('seshat') ? 'seshat' : 'redis', { t });
    t.comment(`seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${COMMANDS} commands each`);
    let failed = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS && failed < FAILED_SEEDS_MAX; seed++) {
      const proto = seed % 2 === 0 ? 3 : 2;
      const cmds = generateStreams(seed, COMMANDS);
      const at = differsAt(await replay(reference, cmds, proto), await replay(subject, cmds, proto));
      if (at === -1) continue;
      failed++;
      const minimal = await shrink(
        cmds.slice(0, at + 1),
        async (seq) =>
          differsAt(await replay(reference, seq, proto), await replay(subject, seq, proto)) !== -1,
      );
      t.fail(
        describe(
          seed,
          proto,
          minimal,
          await replay(reference, minimal, proto),
          await replay(subject, minimal, proto),
        ),
      );
    }
    t.equal(failed, 0, `${SEEDS} seeds x ${COMMANDS} commands agree`);
  },
);
