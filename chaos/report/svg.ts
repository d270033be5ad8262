/**
 * The picture of a run: acknowledged, failed and unknown operations per second over run
 * time as stacked bars, the fault windows shaded behind them with their names, and the
 * verdict in the title, so a person sees at a glance when service stopped and came back.
 * Plain SVG with no script or external reference; every number is finite.
 */
import type { RunResult } from './run-result.ts';
import { timeline } from './timeline.ts';

const W = 1000;
const H = 420;
const LEFT = 64;
const RIGHT = 20;
const TOP = 56;
const BOTTOM = 48;
const LANE = 14;
const COLORS = { ok: '#2e7d32', fail: '#ef6c00', info: '#c62828' } as const;
const FAULT_FILL = ['#90caf9', '#ce93d8', '#ffe082', '#80cbc4', '#bcaaa4'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function n(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 10) / 10) : '0';
}

/** A round step for axis ticks so that about `count` fit in `max`. */
function tickStep(max: number, count: number): number {
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

export function renderSvg(r: RunResult): string {
  const t = timeline(r.history, r.durationMs);
  const perSec = 1000 / t.bucketMs;
  const tops = t.buckets.map((b) => (b.ok + b.fail + b.info) * perSec);
  const yMax = Math.max(10, ...tops) * 1.05;
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const x = (ms: number): number => LEFT + (Math.min(Math.max(ms, 0), t.end) / t.end) * plotW;
  const y = (v: number): number => TOP + plotH - (v / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
  );
  const verdict = r.valid ? 'PASS' : 'FAIL';
  out.push(
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${esc(`${r.scenario} (seed ${r.seed}): ${verdict}`)}</text>`,
    `<text x="${LEFT}" y="38" fill="#555">${esc(
      `operations per second over run time (s); shaded: fault windows; ${r.nodes} nodes`,
    )}</text>`,
  );

  // Fault windows, each on its own label lane when they overlap.
  const laneEnds: number[] = [];
  r.faults.forEach((f, i) => {
    const end = f.end ?? r.durationMs;
    let lane = laneEnds.findIndex((e) => e <= f.start);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = end;
    const x0 = x(f.start);
    const w = Math.max(1, x(end) - x0);
    const fill = FAULT_FILL[i % FAULT_FILL.length];
    out.push(
      `<rect x="${n(x0)}" y="${TOP}" width="${n(w)}" height="${plotH}" fill="${fill}" fill-opacity="0.35"><title>${esc(
        `${f.kind} ${f.detail}: ${(f.start / 1000).toFixed(1)}-${(end / 1000).toFixed(1)} s`,
      )}</title></rect>`,
    );
    if (lane < 3)
      out.push(`<text x="${n(x0 + 2)}" y="${TOP + 11 + lane * LANE}" fill="#333">${esc(f.kind)}</text>`);
  });

  // Stacked bars: ok at the bottom, then fail, then info.
  const bw = Math.max(1, plotW / t.buckets.length - 0.5);
  for (const b of t.buckets) {
    let base = 0;
    for (const k of ['ok', 'fail', 'info'] as const) {
      const v = b[k] * perSec;
      if (v <= 0) continue;
      out.push(
        `<rect x="${n(x(b.start))}" y="${n(y(base + v))}" width="${n(bw)}" height="${n(y(base) - y(base + v))}" fill="${COLORS[k]}"/>`,
      );
      base += v;
    }
  }

  // Axes and ticks.
  out.push(
    `<line x1="${LEFT}" y1="${TOP + plotH}" x2="${W - RIGHT}" y2="${TOP + plotH}" stroke="#000"/>`,
    `<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotH}" stroke="#000"/>`,
  );
  const ys = tickStep(yMax, 5);
  for (let v = 0; v <= yMax; v += ys)
    out.push(
      `<line x1="${LEFT - 4}" y1="${n(y(v))}" x2="${LEFT}" y2="${n(y(v))}" stroke="#000"/>`,
      `<text x="${LEFT - 6}" y="${n(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  const xs = tickStep(t.end / 1000, 10);
  for (let s = 0; s <= t.end / 1000; s += xs)
    out.push(
      `<line x1="${n(x(s * 1000))}" y1="${TOP + plotH}" x2="${n(x(s * 1000))}" y2="${TOP + plotH + 4}" stroke="#000"/>`,
      `<text x="${n(x(s * 1000))}" y="${TOP + plotH + 16}" text-anchor="middle">${n(s)}</text>`,
    );
  out.push(
    `<text x="${n(LEFT + plotW / 2)}" y="${H - 10}" text-anchor="middle">run time (s)</text>`,
    `<text x="14" y="${n(TOP + plotH / 2)}" transform="rotate(-90 14 ${n(TOP + plotH / 2)})" text-anchor="middle">ops/s</text>`,
  );

  // Legend.
  const legend: [string, string][] = [
    ['acknowledged', COLORS.ok],
    ['failed (did not happen)', COLORS.fail],
    ['unknown (may have happened)', COLORS.info],
  ];
  legend.forEach(([label, color], i) => {
    const lx = W - RIGHT - 520 + i * 175;
    out.push(
      `<rect x="${lx}" y="28" width="10" height="10" fill="${color}"/>`,
      `<text x="${lx + 14}" y="37">${esc(label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
