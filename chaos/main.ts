/**
 * `npm run chaos -- --scenario <name> --duration <s> --seed <n> [--out DIR] [--workers N]`
 * runs one scenario; `npm run chaos:all` (`--all`) runs every scenario in turn. Each run
 * prints its report and writes `<out>/<scenario>-<seed>-<start time>.json` and `.svg` (default out:
 * chaos/results). Exit code 0 when every run passed, 1 when one failed, 2 on bad usage.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderText, writeReport } from './report/index.ts';
import { SCENARIOS } from './scenario/catalog.ts';
import { runScenario } from './runner.ts';

const USAGE = `Usage: npm run chaos -- --scenario <name> [--duration <s>] [--seed <n>] [--out DIR] [--workers N]
       npm run chaos:all [-- --duration <s> --seed <n>]
Scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`;

const DEFAULT_OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

interface Args {
  scenarios: string[];
  durationS: number;
  seed: number;
  out: string;
  workers: number;
}

function parse(argv: string[]): Args | string {
  const a: Args = { scenarios: [], durationS: 30, seed: 1, out: DEFAULT_OUT, workers: 3 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--all') {
      a.scenarios = SCENARIOS.map((s) => s.name);
      continue;
    }
    if (flag === '--help' || flag === '-h') return USAGE;
    const v = argv[++i];
    if (v === undefined) return `${flag} needs a value\n${USAGE}`;
    if (flag === '--scenario') a.scenarios.push(...v.split(','));
    else if (flag === '--out') a.out = path.resolve(v);
    else if (flag === '--duration' || flag === '--seed' || flag === '--workers') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < (flag === '--seed' ? 0 : 1)) return `bad ${flag} '${v}'`;
      if (flag === '--duration') a.durationS = n;
      else if (flag === '--seed') a.seed = n;
      else a.workers = n;
    } else return `unknown option '${flag}'\n${USAGE}`;
  }
  if (a.scenarios.length === 0) return USAGE;
  const unknown = a.scenarios.find((s) => !SCENARIOS.some((x) => x.name === s));
  if (unknown !== undefined) return `unknown scenario '${unknown}'\n${USAGE}`;
  return a;
}

async function main(): Promise<number> {
  const a = parse(process.argv.slice(2));
  if (typeof a === 'string') {
    process.stderr.write(`${a}\n`);
    return 2;
  }
  const summary: string[] = [];
  for (const name of a.scenarios) {
    const r = await runScenario({
      scenario: name,
      durationMs: a.durationS * 1000,
      seed: a.seed,
      workersPer: a.workers,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const files = writeReport(r, a.out);
    process.stdout.write(`${renderText(r)}\nreport: ${files.json}\npicture: ${files.svg}\n\n`);
    summary.push(`${r.valid ? 'PASS' : 'FAIL'} ${name}`);
  }
  if (a.scenarios.length > 1) process.stdout.write(`${summary.join('\n')}\n`);
  return summary.every((s) => s.startsWith('PASS')) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`chaos: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
