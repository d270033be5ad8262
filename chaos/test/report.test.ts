// The run report: the text (operations by outcome, availability strip, outages, faults,
// verdicts, scenario checks, the final VERDICT line), the SVG picture (fault windows drawn,
// every coordinate finite, escaped text) and the files (JSON with unknown returns as null).
// Built from a generated history with a fault window and a stretch without service.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { History } from '../history.ts';
import {
  outages,
  renderSvg,
  renderText,
  type RunResult,
  timeline,
  toJson,
  writeReport,
} from '../report/index.ts';
import { genCounters, genRegisters } from './gen-history.ts';

/** Generated ops stretched over 0..10 s, with nothing acknowledged between 4 s and 6.5 s. */
function history(): History {
  const scale = <T extends { call: number; ret: number }>(ops: T[]): T[] =>
    ops
      .map((o) => ({ ...o, call: o.call * 40, ret: o.ret * 40 }))
      .filter((o) => !(o.ret > 4000 && o.ret < 6500 && Number.isFinite(o.ret)));
  return {
    registers: scale(genRegisters({ seed: 5, processes: 6, ops: 200 })),
    counters: scale(genCounters({ seed: 6, processes: 4, ops: 150 })),
    sets: [],
    lists: [],
  };
}

function result(valid: boolean): RunResult {
  const h = history();
  return {
    scenario: 'kill-leader',
    seed: 42,
    startedAt: '2026-11-22T00:00:00.000Z',
    durationMs: 10_000,
    nodes: 3,
    history: h,
    faults: [
      { kind: 'kill', detail: 'node 1 <leader>', start: 4000, end: 6500 },
      { kind: 'partition', detail: '[1] | [2,3]', start: 5000, end: null },
    ],
    verdicts: {
      registers: { valid: true, outcome: 'valid', problems: [], stats: { keys: 1, ops: h.registers.length } },
      counters: {
        valid: false,
        outcome: 'invalid',
        problems: ['key k: something <wrong>'],
        stats: { keys: 1 },
      },
    },
    checks: [{ name: 'a new leader within 2 s', ok: valid, detail: 'node 2 after 640 ms' }],
    valid,
    events: [{ at: 4000, text: 'kill node 1' }],
  };
}

t.test('timeline buckets every operation once', async (t) => {
  const r = result(true);
  const tl = timeline(r.history, r.durationMs);
  const counted = tl.buckets.reduce((n, b) => n + b.ok + b.fail + b.info, 0);
  t.equal(counted, r.history.registers.length + r.history.counters.length);
  t.ok(tl.bucketMs >= 100 && tl.end >= r.durationMs);
  const gaps = outages(r);
  t.ok(
    gaps.some((g) => g.from <= 4100 && g.to >= 6400),
    'the stretch without acknowledged operations is found',
    { gaps },
  );
});

t.test('text report', async (t) => {
  const r = result(true);
  const text = renderText(r);
  t.match(text, /== chaos kill-leader, seed 42, 3 nodes/);
  t.match(text, /registers\s+\d+\s+\d+\s+\d+/);
  t.match(text, /total\s+\d+/);
  t.match(text, /availability \(acknowledged ops per \d+ ms/);
  t.match(text, /no acknowledged operation from 4\.\d s to 6\.\d s/);
  t.match(text, /kill node 1 <leader>/);
  t.match(text, /5\.0 s - end\s+partition/);
  t.match(text, /registers\s+VALID\s+keys=1 ops=\d+/);
  t.match(text, /counters\s+INVALID\s+keys=1\n\s+key k: something <wrong>/);
  t.match(text, /\[ok\] a new leader within 2 s: node 2 after 640 ms/);
  t.match(text, /VERDICT: PASS$/);
  const bad = renderText(result(false));
  t.match(bad, /\[FAILED\] a new leader/);
  t.match(bad, /VERDICT: FAIL$/);
});

t.test('svg picture', async (t) => {
  const svg = renderSvg(result(true));
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.match(svg, /<\/svg>\n$/);
  t.notMatch(svg, /NaN|Infinity|undefined/);
  t.match(svg, /kill-leader \(seed 42\): PASS/);
  t.match(
    svg,
    /<title>kill node 1 &#60;leader&#62;: 4\.0-6\.5 s<\/title>/,
    'fault windows are drawn, text escaped',
  );
  t.match(svg, /<title>partition \[1\] \| \[2,3\]: 5\.0-10\.0 s<\/title>/, 'an open fault runs to the end');
  const opens = (svg.match(/<(rect|text|line|svg|title)\b/g) ?? []).length;
  const closes = (svg.match(/<\/(rect|text|svg|title)>|\/>/g) ?? []).length;
  t.equal(
    opens,
    closes + (svg.match(/<title>/g) ?? []).length - (svg.match(/<\/title>/g) ?? []).length,
    'tags balance',
  );
  const empty = renderSvg({
    ...result(true),
    history: { registers: [], counters: [], sets: [], lists: [] },
    durationMs: 0,
  });
  t.notMatch(empty, /NaN|Infinity/, 'an empty run draws too');
});

t.test('files', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-report-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = result(true);
  const files = writeReport(r, path.join(dir, 'out'));
  t.equal(files.json, path.join(dir, 'out', 'kill-leader-42-20261122T000000Z.json'));
  t.equal(files.svg, path.join(dir, 'out', 'kill-leader-42-20261122T000000Z.svg'));
  const back = JSON.parse(fs.readFileSync(files.json, 'utf8')) as RunResult;
  t.equal(back.scenario, 'kill-leader');
  t.equal(back.history.registers.length, r.history.registers.length);
  const info = back.history.registers.find((o) => o.status === 'info');
  t.ok(info !== undefined, 'the history has unknown operations');
  t.equal(info?.ret, null, 'an unknown return is null in JSON');
  t.equal(fs.readFileSync(files.svg, 'utf8'), renderSvg(r));
  t.notMatch(toJson(r), /Infinity|NaN/);
});
