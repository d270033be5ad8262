/**
 * The text report of a run: operations by workload and outcome, availability over time
 * (a strip of acknowledged operations per bucket and every stretch without any), the
 * faults and events, each checker's verdict, the scenario's pass criteria, and the verdict.
 */
import { okTimes } from '../scenario/probes.ts';
import type { RunResult } from './run-result.ts';
import { timeline, totals } from './timeline.ts';

const BARS = ' ▁▂▃▄▅▆▇█';
/** Stretches without an acknowledged operation at least this long are listed. */
const OUTAGE_MS = 1000;

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function pad(x: string | number, w: number): string {
  return String(x).padStart(w);
}

/** Intervals of at least OUTAGE_MS with no acknowledged operation, within [0, end]. */
export function outages(r: RunResult): { from: number; to: number }[] {
  const times = okTimes(r.history);
  const out: { from: number; to: number }[] = [];
  let prev = 0;
  for (const t of [...times, r.durationMs]) {
    if (t - prev >= OUTAGE_MS) out.push({ from: prev, to: t });
    prev = Math.max(prev, t);
  }
  return out;
}

export function renderText(r: RunResult): string {
  const lines: string[] = [];
  lines.push(
    `== chaos ${r.scenario}, seed ${r.seed}, ${r.nodes} nodes, ${s(r.durationMs)} (started ${r.startedAt})`,
    '',
    'operations       ok   failed  unknown',
  );
  let all = { ok: 0, fail: 0, info: 0 };
  for (const t of totals(r)) {
    lines.push(`${t.workload.padEnd(10)} ${pad(t.ok, 8)} ${pad(t.fail, 8)} ${pad(t.info, 8)}`);
    all = { ok: all.ok + t.ok, fail: all.fail + t.fail, info: all.info + t.info };
  }
  lines.push(`${'total'.padEnd(10)} ${pad(all.ok, 8)} ${pad(all.fail, 8)} ${pad(all.info, 8)}`, '');

  const tl = timeline(r.history, r.durationMs, 100);
  const max = Math.max(1, ...tl.buckets.map((b) => b.ok));
  const strip = tl.buckets
    .map((b) => BARS[b.ok === 0 ? 0 : Math.max(1, Math.round((b.ok / max) * 8))])
    .join('');
  const faultStrip = tl.buckets
    .map((b) =>
      r.faults.some((f) => f.start < b.start + tl.bucketMs && (f.end ?? r.durationMs) > b.start) ? '^' : ' ',
    )
    .join('');
  lines.push(
    `availability (acknowledged ops per ${tl.bucketMs} ms, peak ${max}; ^ = fault on):`,
    `|${strip}|`,
    `|${faultStrip}|`,
  );
  const gaps = outages(r);
  if (gaps.length === 0)
    lines.push(`no stretch of ${s(OUTAGE_MS)} or more without an acknowledged operation`);
  else
    for (const g of gaps)
      lines.push(`no acknowledged operation from ${s(g.from)} to ${s(g.to)} (${s(g.to - g.from)})`);
  lines.push('', `faults (${r.faults.length}):`);
  for (const f of r.faults)
    lines.push(`  ${s(f.start)} - ${f.end === null ? 'end' : s(f.end)}  ${f.kind} ${f.detail}`);
  lines.push('', 'events:');
  for (const e of r.events) lines.push(`  ${pad(s(e.at), 8)}  ${e.text}`);
  lines.push('', 'checkers:');
  for (const [name, v] of Object.entries(r.verdicts)) {
    const stats = Object.entries(v.stats)
      .map(([k, x]) => `${k}=${x}`)
      .join(' ');
    lines.push(`  ${name.padEnd(12)} ${v.outcome.toUpperCase().padEnd(8)} ${stats}`);
    for (const p of v.problems) lines.push(`      ${p}`);
  }
  lines.push('', 'scenario checks:');
  for (const c of r.checks) lines.push(`  [${c.ok ? 'ok' : 'FAILED'}] ${c.name}: ${c.detail}`);
  lines.push('', `VERDICT: ${r.valid ? 'PASS' : 'FAIL'}`);
  return lines.join('\n');
}
