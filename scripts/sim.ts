// Runs the Raft simulator over many seeds and prints a summary; exits non-zero if any
// seed fails. Every failure line names its seed; `--seed S` replays one bit for bit.
//
//   npm run sim -- --seeds 1000 [--start 0] [--nodes 3|5] [--steps 3000] [--profile mixed|leader-churn]
//                  [--unsafe] [--no-membership]
//   npm run sim -- --seed 42 --nodes 5 -v
import { runSeed, type SimResult } from '../crates-ts/raft/test/sim/simulator.js';

interface Args {
  start: number;
  seeds: number;
  nodes: 3 | 5 | 0;
  steps: number;
  unsafe: boolean;
  membership: boolean;
  profile: 'mixed' | 'leader-churn';
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    start: 0,
    seeds: 100,
    nodes: 0,
    steps: 3000,
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
    if (a === '--seed') {
      args.start = next();
      args.seeds = 1;
    } else if (a === '--seeds') args.seeds = next();
    else if (a === '--start') args.start = next();
    else if (a === '--steps') args.steps = next();
    else if (a === '--nodes') {
      const n = next();
      if (n !== 3 && n !== 5) throw new Error('--nodes must be 3 or 5');
      args.nodes = n;
    } else if (a === '--profile') {
      const p = argv[++i];
      if (p !== 'mixed' && p !== 'leader-churn') throw new Error('--profile must be mixed or leader-churn');
      args.profile = p;
    } else if (a === '--unsafe') args.unsafe = true;
    else if (a === '--no-membership') args.membership = false;
    else if (a === '-v' || a === '--verbose') args.verbose = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const failures: SimResult[] = [];
  const totals = { commits: 0, acked: 0, reads: 0, crashes: 0, snapshots: 0, confChanges: 0, messages: 0 };
  for (let seed = args.start; seed < args.start + args.seeds; seed++) {
    // Without --nodes, seeds alternate between 3 and 5 nodes.
    const nodes = args.nodes === 0 ? (seed % 2 === 0 ? 3 : 5) : args.nodes;
    const result = runSeed({
      seed,
      nodes,
      steps: args.steps,
      unsafeCommitPreviousTermByCounting: args.unsafe,
      membership: args.membership,
      profile: args.profile,
    });
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += result.stats[k];
    if (!result.ok) {
      failures.push(result);
      console.log(
        `FAIL seed=${seed} nodes=${nodes} step=${result.step} ${result.failure}: ${result.message}`,
      );
      const flags = `${args.profile === 'mixed' ? '' : ` --profile ${args.profile}`}${args.unsafe ? ' --unsafe' : ''}`;
      console.log(
        `  reproduce: npm run sim -- --seed ${seed} --nodes ${nodes} --steps ${args.steps}${flags}`,
      );
    } else if (args.verbose) {
      console.log(`ok seed=${seed} nodes=${nodes}`, JSON.stringify(result.stats));
    }
    if ((seed - args.start + 1) % 5000 === 0) {
      const s = (performance.now() - started) / 1000;
      console.log(`progress: ${seed - args.start + 1} seeds, ${failures.length} failed, ${s.toFixed(0)} s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `seeds ${args.start}..${args.start + args.seeds - 1}: ${args.seeds - failures.length} passed, ` +
      `${failures.length} failed in ${seconds.toFixed(1)} s (${(args.seeds / seconds).toFixed(1)} seeds/s)`,
  );
  console.log(`totals: ${JSON.stringify(totals)}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main();
