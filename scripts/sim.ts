// Runs a deterministic simulator over many seeds and prints a summary; exits non-zero if any
// seed fails. Every failure line names its seed; `--seed S` replays one bit for bit.
//
// Default: the simulator of production code (crates-ts/cluster/test/sim: NodeHost +
// GroupDriver + KvStateMachine over the crash-modelling MemoryStorage, several groups per
// node). `--core`: the Raft core simulator (crates-ts/raft/test/sim: RawNode with a
// test-only driver; faster, and the only one with the leader-churn profile and --unsafe).
//
//   npm run sim -- --seeds 1000 [--start 0] [--steps 2000] [--nodes 3-6] [--groups 1-4] [-v]
//   npm run sim -- --seed 42 -v
//   npm run sim -- --core --seeds 1000 [--nodes 3|5] [--steps 3000] [--profile mixed|leader-churn]
//                  [--unsafe] [--no-membership]
import {
  runSeed as runCoreSeed,
  type SimResult as CoreResult,
} from '../crates-ts/raft/test/sim/simulator.js';
import { runSeed, type SimResult } from '../crates-ts/cluster/test/sim/simulator.js';

interface Args {
  core: boolean;
  start: number;
  seeds: number;
  nodes: number;
  groups: number;
  steps: number | null;
  unsafe: boolean;
  membership: boolean;
  profile: 'mixed' | 'leader-churn';
  verbose: boolean;
}

/** Steps per seed unless --steps: the production simulator's steps do more work each. */
const STEPS_DEFAULT = 2000;
const CORE_STEPS_DEFAULT = 3000;
const PROGRESS_EVERY_SEEDS = 1000;

function parseArgs(argv: string[]): Args {
  const args: Args = {
    core: false,
    start: 0,
    seeds: 100,
    nodes: 0,
    groups: 0,
    steps: null,
    unsafe: false,
    membership: true,
    profile: 'mixed',
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v)) throw new Error(`${a} needs an integer`);
      return v;
    };
    if (a === '--core') args.core = true;
    else if (a === '--seed') {
      args.start = next();
      args.seeds = 1;
    } else if (a === '--seeds') args.seeds = next();
    else if (a === '--start') args.start = next();
    else if (a === '--steps') args.steps = next();
    else if (a === '--nodes') args.nodes = next();
    else if (a === '--groups') args.groups = next();
    else if (a === '--profile') {
      const p = argv[++i];
      if (p !== 'mixed' && p !== 'leader-churn') throw new Error('--profile must be mixed or leader-churn');
      args.profile = p;
    } else if (a === '--unsafe') args.unsafe = true;
    else if (a === '--no-membership') args.membership = false;
    else if (a === '-v' || a === '--verbose') args.verbose = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (args.core && args.nodes !== 0 && args.nodes !== 3 && args.nodes !== 5)
    throw new Error('--core: --nodes must be 3 or 5');
  if (!args.core && args.nodes !== 0 && (args.nodes < 3 || args.nodes > 6))
    throw new Error('--nodes must be 3 to 6');
  if (args.groups !== 0 && (args.groups < 1 || args.groups > 4)) throw new Error('--groups must be 1 to 4');
  return args;
}

interface Outcome {
  ok: boolean;
  line: string;
  stats: Record<string, number>;
}

function coreSeed(args: Args, seed: number): Outcome {
  // Without --nodes, seeds alternate between 3 and 5 nodes.
  const nodes = args.nodes === 0 ? (seed % 2 === 0 ? 3 : 5) : (args.nodes as 3 | 5);
  const steps = args.steps ?? CORE_STEPS_DEFAULT;
  const r: CoreResult = runCoreSeed({
    seed,
    nodes,
    steps,
    unsafeCommitPreviousTermByCounting: args.unsafe,
    membership: args.membership,
    profile: args.profile,
  });
  const flags = `${args.profile === 'mixed' ? '' : ` --profile ${args.profile}`}${args.unsafe ? ' --unsafe' : ''}`;
  const line = r.ok
    ? `ok seed=${seed} nodes=${nodes} ${JSON.stringify(r.stats)}`
    : `FAIL seed=${seed} nodes=${nodes} step=${r.step} ${r.failure}: ${r.message}\n` +
      `  reproduce: npm run sim -- --core --seed ${seed} --nodes ${nodes} --steps ${steps}${flags}`;
  return { ok: r.ok, line, stats: { ...r.stats } };
}

async function productionSeed(args: Args, seed: number): Promise<Outcome> {
  const steps = args.steps ?? STEPS_DEFAULT;
  const r: SimResult = await runSeed({ seed, steps, nodes: args.nodes, groups: args.groups });
  const shape = `${args.nodes === 0 ? '' : ` --nodes ${args.nodes}`}${args.groups === 0 ? '' : ` --groups ${args.groups}`}`;
  const line = r.ok
    ? `ok seed=${seed} ${r.fingerprint} ${JSON.stringify(r.stats)}`
    : `FAIL seed=${seed} step=${r.step} ${r.failure}: ${r.message}\n` +
      `  reproduce: npm run sim -- --seed ${seed} --steps ${steps}${shape}`;
  return { ok: r.ok, line, stats: { ...r.stats } };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  let failed = 0;
  const totals: Record<string, number> = {};
  for (let seed = args.start; seed < args.start + args.seeds; seed++) {
    const out = args.core ? coreSeed(args, seed) : await productionSeed(args, seed);
    for (const [k, v] of Object.entries(out.stats)) totals[k] = (totals[k] ?? 0) + v;
    if (!out.ok) failed++;
    if (!out.ok || args.verbose) console.log(out.line);
    if ((seed - args.start + 1) % PROGRESS_EVERY_SEEDS === 0) {
      const s = (performance.now() - started) / 1000;
      console.log(`progress: ${seed - args.start + 1} seeds, ${failed} failed, ${s.toFixed(0)} s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${args.core ? 'core ' : ''}seeds ${args.start}..${args.start + args.seeds - 1}: ` +
      `${args.seeds - failed} passed, ${failed} failed in ${seconds.toFixed(1)} s ` +
      `(${(args.seeds / seconds).toFixed(1)} seeds/s)`,
  );
  console.log(`totals: ${JSON.stringify(totals)}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
