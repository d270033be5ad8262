// Differential test of transactions: seeded random sequences from helpers/diff-gen-multi.ts mix
// plain commands of all the other differential generators (strings/keys/expiry, hashes/sets/
// bitmaps/SORT, lists/sorted sets) with MULTI ... EXEC/DISCARD blocks (queued commands that fail
// at EXEC time, SELECT inside MULTI, queue-time errors that make EXEC answer EXECABORT) and WATCH
// blocks in which a SECOND connection modifies (or not) the watched keys before EXEC. Each server
// gets two connections driven in lockstep (a run of steps on one connection is pipelined, then
// the other connection's steps follow), and every reply is compared exactly after normalisation
// (the elements of an EXEC array by their own commands' rules). Even seeds run in RESP3, odd
// seeds in RESP2. A mismatch is shrunk over whole blocks, then inside the remaining blocks, and
// printed with the seed and both servers' replies. With SESHAT_TARGETS=redis the subject is a
// second redis-server (proves the generator is deterministic). Skipped without redis-server.
//
// Env: SESHAT_DIFF_SEEDS (default 15), SESHAT_DIFF_COMMANDS (default 150),
//      SESHAT_DIFF_SEED (first seed, default 1; with SESHAT_DIFF_SEEDS unset runs only it).
import t from 'tap';
import {
  flatten,
  formatStep,
  generateMulti,
  Normaliser,
  type Step,
  shrinkUnits,
} from './helpers/diff-gen-multi.ts';
import { RespClient } from './helpers/resp-client.ts';
import { redisAvailable, type ServerHandle, startServer } from './helpers/server.ts';
import { targets } from './helpers/targets.ts';

const env = process.env;
const FIRST_SEED = Number(env.SESHAT_DIFF_SEED ?? 1);
const SEEDS = Number(env.SESHAT_DIFF_SEEDS ?? (env.SESHAT_DIFF_SEED ? 1 : 15));
const COMMANDS = Number(env.SESHAT_DIFF_COMMANDS ?? 150);
const FAILED_SEEDS_MAX = 3;
/** A hung reply fails the run quickly instead of after the client's 10 s default. */
const REPLY_TIMEOUT_MS = 5_000;

/** Replays steps on two fresh connections (after FLUSHALL); returns normalised replies. */
async function replay(server: ServerHandle, steps: readonly Step[], proto: 2 | 3): Promise<string[]> {
  const opts = { host: server.host, replyTimeoutMs: REPLY_TIMEOUT_MS };
  const conns = [await RespClient.connect(server.port, opts), await RespClient.connect(server.port, opts)];
  const out: string[] = [];
  try {
    for (const c of conns) if (proto === 3) await c.send(['HELLO', '3']);
    await conns[0]!.send(['FLUSHALL']);
    const norm = new Normaliser();
    for (let i = 0; i < steps.length; ) {
      let j = i;
      while (j < steps.length && steps[j]!.conn === steps[i]!.conn) j++;
      const run = steps.slice(i, j);
      const replies = await conns[steps[i]!.conn]!.pipeline(run.map((s) => s.argv));
      replies.forEach((r, k) => {
        out.push(norm.reply(run[k]!, r));
      });
      i = j;
    }
  } catch (e) {
    // A hang or a dropped connection is a difference too: mark every unanswered step.
    while (out.length < steps.length) out.push(`<no reply: ${(e as Error).message}>`);
  } finally {
    for (const c of conns) await c.close();
  }
  return out;
}

function differsAt(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

function describe(seed: number, proto: number, steps: readonly Step[], ref: string[], sub: string[]): string {
  let depth = 0;
  const lines = steps.map((s, i) => {
    const name = String(s.argv[0]).toUpperCase();
    if ((name === 'EXEC' || name === 'DISCARD') && depth > 0) depth--;
    const text = `${'  '.repeat(depth)}${formatStep(s)}`;
    if (name === 'MULTI' && ref[i] === '+OK') depth++;
    return ref[i] === sub[i] ? `  ${text}  ${ref[i]}` : `! ${text}  redis: ${ref[i]}  subject: ${sub[i]}`;
  });
  return [
    `seed ${seed} (RESP${proto}) differs; shortest reproducing sequence (${steps.length} commands):`,
    ...lines,
    `reproduce: SESHAT_DIFF_SEED=${seed} SESHAT_DIFF_COMMANDS=${COMMANDS} npx tap test/differential-multi.test.ts`,
  ].join('\n');
}

t.test(
  'differential (MULTI/EXEC, WATCH over two connections): Seshat vs redis-server',
  { skip: !redisAvailable() && 'redis-server is not installed' },
  async (t) => {
    const subjectKind = targets().includes('seshat') ? 'seshat' : 'redis';
    const reference = await startServer('redis', { t });
    const subject = await startServer(subjectKind, { t });
    t.comment(
      `seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ~${COMMANDS} commands each, subject ${subjectKind}`,
    );
    let failed = 0;
    let total = 0;
    let execs = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS && failed < FAILED_SEEDS_MAX; seed++) {
      const proto = seed % 2 === 0 ? 3 : 2;
      const units = generateMulti(seed, COMMANDS);
      const steps = flatten(units);
      total += steps.length;
      execs += steps.filter((s) => String(s.argv[0]) === 'EXEC').length;
      const at = differsAt(await replay(reference, steps, proto), await replay(subject, steps, proto));
      if (at === -1) continue;
      failed++;
      // Keep the units up to (and including) the one holding the first differing step.
      let unitsToFirst = 0;
      for (let seen = 0; seen <= at; unitsToFirst++) seen += units[unitsToFirst]!.length;
      const minimal = flatten(
        await shrinkUnits(
          units.slice(0, unitsToFirst),
          async (seq) =>
            differsAt(await replay(reference, seq, proto), await replay(subject, seq, proto)) !== -1,
        ),
      );
      const text = describe(
        seed,
        proto,
        minimal,
        await replay(reference, minimal, proto),
        await replay(subject, minimal, proto),
      );
      // The report goes in the diagnostics (a multi-line block); tap flattens a test name.
      t.fail(text.split('\n')[0]!, { diagnostic: true, report: text });
    }
    t.comment(`${total} commands sent to each server, ${execs} EXECs`);
    t.equal(failed, 0, `${SEEDS} seeds x ~${COMMANDS} commands agree`);
  },
);
