/**
 * LATENCY (Redis 7.0.15's latency.c and the per-command histograms of `latency-tracking`).
 *
 * Events: a command that took at least latency-monitor-threshold milliseconds (0: monitoring
 * off) adds a sample to its event, "fast-command" for commands flagged fast and "command" for
 * the others, as Redis's call() does. Each event keeps its all-time maximum and the newest
 * LATENCY_TS_LEN samples, one per second (a later sample in the same second keeps the larger).
 * Histograms: with latency-tracking on, every command's duration lands in a cumulative
 * power-of-two histogram, reported as Redis reports its HDR histogram (buckets from 1,024 ns,
 * each twice the last, labelled with the bucket's highest equivalent value in microseconds).
 * Durations are what the server measures: a read or server command while it runs, a write while
 * the state machine applies it (on every replica, as a Redis replica times the commands it
 * applies).
 */
import { MapReply, SeshatError, SimpleString, VerbatimReply } from '@seshat/common';
import { type CommandSpec, findCommand } from '@seshat/kv';
import { def, sub } from './server-commands.js';
import type { SeshatServer } from './server.js';

/** Redis's LATENCY_TS_LEN: samples kept per event. */
const SAMPLES_PER_EVENT = 160;
/** Redis's LATENCY_HISTOGRAM_MIN_VALUE / MAX_VALUE (ns): durations are clamped to them. */
const HISTOGRAM_MIN_NS = 1024;
const HISTOGRAM_MAX_NS = 1_000_000_000;
/** Buckets from HISTOGRAM_MIN_NS doubling up to past HISTOGRAM_MAX_NS. */
const HISTOGRAM_BUCKETS = 21;
/** LATENCY GRAPH's width and height (Redis's LATENCY_GRAPH_COLS, 4 rows). */
const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;

interface Sample {
  timeSec: number;
  ms: number;
}

interface Series {
  max: number;
  /** Ring of SAMPLES_PER_EVENT; `idx` is where the next one goes. */
  samples: (Sample | null)[];
  idx: number;
}

interface Histogram {
  calls: number;
  /** Count per bucket (not cumulative). */
  buckets: number[];
}

export class LatencyMonitor {
  private readonly events = new Map<string, Series>();
  private readonly histograms = new Map<string, Histogram>();

  constructor(
    private readonly thresholdMs: () => number,
    private readonly trackingOn: () => boolean,
    private readonly nowSec: () => number,
  ) {}

  /** A command ran for `usec` microseconds. */
  recordCommand(spec: CommandSpec, usec: number): void {
    if (this.trackingOn()) this.addToHistogram(spec.name, usec);
    const threshold = this.thresholdMs();
    const ms = Math.floor(usec / 1000);
    if (threshold > 0 && ms >= threshold)
      this.addSample(spec.flags.includes('fast') ? 'fast-command' : 'command', ms);
  }

  private addToHistogram(name: string, usec: number): void {
    let h = this.histograms.get(name);
    if (h === undefined) {
      h = { calls: 0, buckets: new Array<number>(HISTOGRAM_BUCKETS).fill(0) };
      this.histograms.set(name, h);
    }
    const ns = Math.min(HISTOGRAM_MAX_NS, Math.max(HISTOGRAM_MIN_NS, Math.round(usec * 1000)));
    let b = 0;
    while (b < HISTOGRAM_BUCKETS - 1 && ns > bucketTopNs(b)) b++;
    h.buckets[b]!++;
    h.calls++;
  }

  /** Redis's latencyAddSample. */
  addSample(event: string, ms: number): void {
    let s = this.events.get(event);
    if (s === undefined) {
      s = { max: 0, samples: new Array<Sample | null>(SAMPLES_PER_EVENT).fill(null), idx: 0 };
      this.events.set(event, s);
    }
    if (ms > s.max) s.max = ms;
    const now = this.nowSec();
    const prev = s.samples[(s.idx + SAMPLES_PER_EVENT - 1) % SAMPLES_PER_EVENT];
    if (prev?.timeSec === now) {
      if (ms > prev.ms) prev.ms = ms;
      return;
    }
    s.samples[s.idx] = { timeSec: now, ms };
    s.idx = (s.idx + 1) % SAMPLES_PER_EVENT;
  }

  /** Samples oldest first. */
  private history(s: Series): Sample[] {
    const out: Sample[] = [];
    for (let j = 0; j < SAMPLES_PER_EVENT; j++) {
      const x = s.samples[(s.idx + j) % SAMPLES_PER_EVENT];
      if (x) out.push(x);
    }
    return out;
  }

  latest(): (string | number)[][] {
    return [...this.events].map(([event, s]) => {
      const last = s.samples[(s.idx + SAMPLES_PER_EVENT - 1) % SAMPLES_PER_EVENT]!;
      return [event, last.timeSec, last.ms, s.max];
    });
  }

  historyOf(event: string): number[][] {
    const s = this.events.get(event);
    return s === undefined ? [] : this.history(s).map((x) => [x.timeSec, x.ms]);
  }

  /** LATENCY RESET [event ...]: how many events were dropped (events match in any case). */
  reset(events: string[] | null): number {
    let n = 0;
    for (const e of [...this.events.keys()]) {
      if (events === null || events.some((x) => x.toLowerCase() === e.toLowerCase())) {
        this.events.delete(e);
        n++;
      }
    }
    return n;
  }

  resetHistograms(): void {
    this.histograms.clear();
  }

  /** Redis's fillCommandCDF for one command, or undefined without data. */
  histogramOf(name: string): MapReply | undefined {
    const h = this.histograms.get(name);
    if (h === undefined) return undefined;
    const cdf: number[] = [];
    let cumulative = 0;
    for (let b = 0; b < HISTOGRAM_BUCKETS; b++) {
      if (h.buckets[b] === 0) continue;
      cumulative += h.buckets[b]!;
      cdf.push(Math.floor(bucketTopNs(b) / 1000), cumulative);
    }
    return new MapReply(['calls', h.calls, 'histogram_usec', new MapReply(cdf)]);
  }

  /** Names with a histogram, including subcommands (container|sub). */
  histogramNames(): string[] {
    return [...this.histograms.keys()];
  }

  /** LATENCY GRAPH: Redis's latencyCommandGenSparkeline. */
  graph(event: string): string | null {
    const s = this.events.get(event);
    if (s === undefined) return null;
    const samples = this.history(s);
    const now = this.nowSec();
    let min = 0;
    let max = 0;
    samples.forEach((x, i) => {
      if (i === 0 || x.ms > max) max = i === 0 ? x.ms : x.ms;
      if (i === 0 || x.ms < min) min = x.ms;
    });
    const labels = samples.map((x) => ageLabel(now - x.timeSec));
    let out = `${event} - high ${max} ms, low ${min} ms (all time high ${s.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
    out += sparkline(
      samples.map((x) => x.ms),
      labels,
    );
    return out;
  }

  /** LATENCY DOCTOR: Redis's createLatencyReport for the events Seshat records. */
  doctor(slowlogUsec: number, hz: number): string {
    const threshold = this.thresholdMs();
    if (this.events.size === 0 && threshold === 0) return DOCTOR_DISABLED;
    const advice = new Set<string>();
    let out = '';
    let n = 0;
    for (const [event, s] of this.events) {
      if (++n === 1) out += DOCTOR_SPIKES;
      const samples = this.history(s);
      const sum = samples.reduce((a, x) => a + x.ms, 0);
      const avg = samples.length ? Math.floor(sum / samples.length) : 0;
      const mad = samples.length
        ? Math.floor(samples.reduce((a, x) => a + Math.abs(avg - x.ms), 0) / samples.length)
        : 0;
      const oldest = samples.reduce((a, x) => (a === 0 || x.timeSec < a ? x.timeSec : a), 0);
      const period = samples.length ? Math.max(1, this.nowSec() - oldest) : 0;
      out += `${n}. ${event}: ${samples.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${(period / samples.length).toFixed(2)} sec). Worst all time event ${s.max}ms.`;
      if (event === 'command') {
        if (slowlogUsec < 0) advice.add('slowlog-enabled');
        else if (Math.floor(slowlogUsec / 1000) > threshold) advice.add('slowlog-tuning');
        advice.add('slowlog-inspect');
        advice.add('large-objects');
      }
      if (event === 'fast-command') advice.add('scheduler');
      out += '\n';
    }
    if (n > 0 && advice.size === 0) return `${out}${DOCTOR_NO_FIX}`;
    if (n === 0) return DOCTOR_NOTHING;
    return `${out}\nI have a few advices for you:\n\n${doctorAdvice(advice, threshold, hz)}`;
  }
}

/** Highest equivalent value (ns) of bucket `b` of an HDR histogram with 2 significant digits
 * (1,024 ns doubling, each with a sub-bucket of 2^(b+3) ns): what Redis prints, / 1000. */
function bucketTopNs(b: number): number {
  return HISTOGRAM_MIN_NS * 2 ** b + 2 ** (b + 3) - 1;
}

function ageLabel(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
  if (elapsed < 86400) return `${Math.floor(elapsed / 3600)}h`;
  return `${Math.floor(elapsed / 86400)}d`;
}

const CHARSET_FILL = '_o#';

/** Redis's sparklineRender with SPARKLINE_FILL, GRAPH_ROWS rows, labels below, one block per
 * GRAPH_COLS samples. */
function sparkline(values: number[], labels: string[]): string {
  let out = '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  for (let j = 0; j < values.length; j += GRAPH_COLS) {
    if (j !== 0) out += '\n';
    out += sparklineRange(values.slice(j, j + GRAPH_COLS), labels.slice(j, j + GRAPH_COLS), min, max);
  }
  return out;
}

function sparklineRange(values: number[], labels: string[], min: number, max: number): string {
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = CHARSET_FILL.length * GRAPH_ROWS;
  const longest = Math.max(...labels.map((l) => l.length));
  let out = '';
  for (let row = 0; row < GRAPH_ROWS + 1 + longest; row++) {
    let line = '';
    for (let j = 0; j < values.length; j++) {
      let step = Math.trunc(Math.trunc((values[j]! - min) * steps) / relmax);
      step = Math.min(steps - 1, Math.max(0, step));
      if (row < GRAPH_ROWS) {
        const idx = step - (GRAPH_ROWS - row - 1) * CHARSET_FILL.length;
        line +=
          idx >= 0 && idx < CHARSET_FILL.length ? CHARSET_FILL[idx] : idx >= CHARSET_FILL.length ? '|' : ' ';
      } else if (row === GRAPH_ROWS) line += ' ';
      else line += labels[j]![row - GRAPH_ROWS - 1] ?? ' ';
    }
    out += `${line}\n`;
  }
  return out;
}

const DOCTOR_DISABLED =
  "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
const DOCTOR_SPIKES =
  "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
const DOCTOR_NOTHING =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
const DOCTOR_NO_FIX =
  "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";

/** The advice paragraphs, in Redis's order. */
function doctorAdvice(advice: Set<string>, thresholdMs: number, hz: number): string {
  let out = '';
  const slowlog = thresholdMs * 1000;
  if (advice.has('slowlog-enabled'))
    out += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${slowlog}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  if (advice.has('slowlog-tuning'))
    out += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${slowlog}'.\n`;
  if (advice.has('slowlog-inspect'))
    out +=
      '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  if (advice.has('scheduler'))
    out +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  if (advice.has('hz') && hz < 100)
    out +=
      "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  if (advice.has('large-objects'))
    out +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  return out;
}

// ---- the command ---------------------------------------------------------------------------

const S = 'server';
const FLAGS = 'admin noscript loading stale';

def(
  {
    name: 'latency',
    arity: -2,
    flags: '',
    group: S,
    summary: 'A container for latency diagnostics commands',
    since: '2.8.13',
    complexity: 'Depends on subcommand.',
  },
  null,
);
sub(
  'latency',
  {
    name: 'latest',
    arity: 2,
    flags: FLAGS,
    group: S,
    summary: 'Return the latest latency samples for all events.',
    since: '2.8.13',
  },
  (server: SeshatServer) => server.latency.latest(),
);
sub(
  'latency',
  {
    name: 'history',
    arity: 3,
    flags: FLAGS,
    group: S,
    summary: 'Return timestamp-latency samples for the event.',
    since: '2.8.13',
  },
  (server: SeshatServer, _c, argv) => server.latency.historyOf(argv[2]!.toString('latin1')),
);
sub(
  'latency',
  {
    name: 'reset',
    arity: -2,
    flags: FLAGS,
    group: S,
    summary: 'Reset latency data for one or more events.',
    since: '2.8.13',
  },
  (server: SeshatServer, _c, argv) =>
    server.latency.reset(argv.length === 2 ? null : argv.slice(2).map((a) => a.toString('latin1'))),
);
sub(
  'latency',
  {
    name: 'graph',
    arity: 3,
    flags: FLAGS,
    group: S,
    summary: 'Return a latency graph for the event.',
    since: '2.8.13',
  },
  (server: SeshatServer, c, argv) => {
    const event = argv[2]!.toString('latin1');
    const graph = server.latency.graph(event);
    if (graph === null) throw new SeshatError('ERR', `No samples available for event '${event}'`);
    return c.resp === 3 ? new VerbatimReply('txt', graph) : graph;
  },
);
sub(
  'latency',
  {
    name: 'doctor',
    arity: 2,
    flags: FLAGS,
    group: S,
    summary: 'Return a human readable latency analysis report.',
    since: '2.8.13',
  },
  (server: SeshatServer, c) => {
    const report = server.latency.doctor(
      server.config.int('slowlog-log-slower-than'),
      server.config.int('hz'),
    );
    return c.resp === 3 ? new VerbatimReply('txt', report) : report;
  },
);
sub(
  'latency',
  {
    name: 'histogram',
    arity: -2,
    flags: FLAGS,
    group: S,
    summary: 'Return the cumulative distribution of latencies of a subset of commands or all.',
    since: '7.0.0',
    complexity: 'O(N) where N is the number of commands with latency information being retrieved.',
  },
  (server: SeshatServer, _c, argv) => {
    const items: (string | MapReply)[] = [];
    const add = (name: string) => {
      const h = server.latency.histogramOf(name);
      if (h !== undefined) items.push(name, h);
    };
    if (argv.length === 2) for (const name of server.latency.histogramNames()) add(name);
    else {
      for (let j = 2; j < argv.length; j++) {
        // Redis's lookupCommandBySds: a name, or container|sub; a container brings its subcommands.
        const [name, subName] = argv[j]!.toString('latin1').toLowerCase().split('|');
        const spec = findCommand(Buffer.from(name!, 'latin1'));
        if (spec === undefined) continue;
        if (subName !== undefined) {
          if (spec.subcommands.some((s) => s.name === `${name}|${subName}`)) add(`${name}|${subName}`);
          continue;
        }
        add(spec.name);
        for (const s of spec.subcommands) add(s.name);
      }
    }
    return new MapReply(items);
  },
);
sub(
  'latency',
  {
    name: 'help',
    arity: 2,
    flags: 'loading stale',
    group: S,
    summary: 'Show helpful text about the different subcommands.',
    since: '2.8.13',
  },
  () =>
    [
      'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'DOCTOR',
      '    Return a human readable latency analysis report.',
      'GRAPH <event>',
      '    Return an ASCII latency graph for the <event> class.',
      'HISTORY <event>',
      '    Return time-latency samples for the <event> class.',
      'LATEST',
      '    Return the latest latency samples for all events.',
      'RESET [<event> ...]',
      '    Reset latency data of one or more <event> classes.',
      '    (default: reset all data for all event classes)',
      'HISTOGRAM [COMMAND ...]',
      '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
      '    If no commands are specified then all histograms are replied.',
      'HELP',
      '    Prints this help.',
    ].map((l) => new SimpleString(l)),
);
