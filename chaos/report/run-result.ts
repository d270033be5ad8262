/**
 * The result of one chaos run, as the runner produces it and the report renders it
 * (text on stdout, JSON and an SVG picture on disk).
 */
import type { History, Verdict } from '../history.ts';

/** A fault in effect from `start` to `end` (run ms); `end` null while it is still on. */
export interface FaultWindow {
  kind: string;
  detail: string;
  start: number;
  end: number | null;
}

/** One of the scenario's pass criteria, with what was observed. */
export interface ScenarioCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunResult {
  scenario: string;
  seed: number;
  /** Wall-clock ISO time the run started. */
  startedAt: string;
  /** Run length in ms (through the final reads and checks). */
  durationMs: number;
  /** Nodes that took part (started at least once). */
  nodes: number;
  history: History;
  faults: FaultWindow[];
  /** Checker verdicts by workload, plus `convergence` (replicas' state hashes). */
  verdicts: Record<string, Verdict>;
  checks: ScenarioCheck[];
  /** Every verdict valid and every check ok. */
  valid: boolean;
  /** Timestamped notes of what the scenario did (run ms). */
  events: { at: number; text: string }[];
}
