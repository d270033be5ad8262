/**
 * Writes a run's report: `<dir>/<scenario>-<seed>-<start time>.json` (the whole RunResult,
 * history included; an unknown operation's return time Infinity is written as null) and the
 * picture `<dir>/<scenario>-<seed>-<start time>.svg`. The start time keeps a rerun with the
 * same seed from overwriting the evidence of an earlier one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunResult } from './run-result.ts';
import { renderSvg } from './svg.ts';

export function toJson(r: RunResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);
}

export function writeReport(r: RunResult, dir: string): { json: string; svg: string } {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = path.join(dir, `${r.scenario}-${r.seed}-${stamp}`);
  const files = { json: `${base}.json`, svg: `${base}.svg` };
  fs.writeFileSync(files.json, toJson(r));
  fs.writeFileSync(files.svg, renderSvg(r));
  return files;
}
