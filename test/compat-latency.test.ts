// Redis 7.0 compatibility of LATENCY: LATEST, HISTORY, RESET, GRAPH, DOCTOR, HISTOGRAM, HELP.
// What: with latency-monitor-threshold off, DOCTOR's "disabled" text and empty LATEST; a
// command slower than the threshold (DEBUG SLEEP) becomes a "command" sample: LATEST's
// [event, time, latency, max] shape, HISTORY's pairs, GRAPH's header, rule and sparkline
// layout, DOCTOR's report and advice, RESET's count; HISTOGRAM's map per command (calls and a
// cumulative histogram_usec map), subcommands by container and by container|sub, unknown names
// skipped; error texts. Durations differ between servers, so times are matched by pattern.
// How: raw RESP against Seshat and a real redis-server (helpers/targets.ts), both protocols.
import t, { type Test } from 'tap';
import { type RespClient, show } from './helpers/resp-client.ts';
import { forEachTarget, type TargetContext } from './helpers/targets.ts';

async function client(t: Test, ctx: TargetContext, proto: 2 | 3): Promise<RespClient> {
  const c = await ctx.client(t);
  if (proto === 3) await c.send(['HELLO', '3']);
  return c;
}

for (const proto of [2, 3] as const) {
  t.test(`LATENCY events and reports (RESP${proto})`, (t) => {
    forEachTarget(
      t,
      async (t, ctx) => {
        const c = await client(t, ctx, proto);
        const verbatim = (s: string) => (proto === 3 ? `=txt:"${s}"` : `"${s}"`);
        /** The reply rendered, with the newlines `show` escapes put back. */
        const textOf = async (...argv: string[]) => show(await c.send(argv)).replaceAll('\\x0a', '\n');
        t.equal(show(await c.send(['LATENCY', 'LATEST'])), '[]');
        t.match(
          show(await c.send(['LATENCY', 'DOCTOR'])),
          /Latency monitoring is disabled in this Redis instance/,
        );
        t.equal(show(await c.send(['LATENCY', 'HISTORY', 'command'])), '[]');
        t.equal(
          show(await c.send(['LATENCY', 'GRAPH', 'command'])),
          "-ERR No samples available for event 'command'",
        );
        t.equal(show(await c.send(['CONFIG', 'SET', 'latency-monitor-threshold', '50'])), '+OK');
        t.equal(
          await textOf('LATENCY', 'DOCTOR'),
          verbatim(
            'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n',
          ),
        );
        t.equal(show(await c.send(['DEBUG', 'SLEEP', '0.06'])), '+OK');
        t.equal(show(await c.send(['SET', 'k', 'v'])), '+OK'); // fast enough: no sample
        t.match(show(await c.send(['LATENCY', 'LATEST'])), /^\[\["command", :\d{10}, :(\d{2,3}), :\1\]\]$/);
        t.match(show(await c.send(['LATENCY', 'HISTORY', 'command'])), /^\[\[:\d{10}, :\d{2,3}\]\]$/);
        const graph = await textOf('LATENCY', 'GRAPH', 'command');
        t.match(
          graph,
          /command - high (\d+) ms, low \1 ms \(all time high \1 ms\)\n-{80}\n \n \n \n_\n \n\d\ns\n"$/,
        );
        const doctor = await textOf('LATENCY', 'DOCTOR');
        t.match(
          doctor,
          /1\. command: 1 latency spikes \(average \d+ms, mean deviation 0ms, period 1\.00 sec\)\. Worst all time event \d+ms\.\n\nI have a few advices for you:\n\n- Check your Slow Log/,
        );
        t.match(doctor, /- Deleting, expiring or evicting/);
        t.equal(show(await c.send(['LATENCY', 'RESET', 'nosuch'])), ':0');
        t.equal(show(await c.send(['LATENCY', 'RESET', 'COMMAND'])), ':1');
        t.equal(show(await c.send(['LATENCY', 'LATEST'])), '[]');
        t.equal(show(await c.send(['LATENCY', 'RESET'])), ':0');
        t.equal(
          show(await c.send(['LATENCY', 'HISTORY'])),
          "-ERR wrong number of arguments for 'latency|history' command",
        );
        t.equal(show(await c.send(['LATENCY', 'NOPE'])), "-ERR unknown subcommand 'NOPE'. Try LATENCY HELP.");
        const help = show(await c.send(['LATENCY', 'HELP']));
        t.match(
          help,
          /^\[\+LATENCY <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:, \+DOCTOR,/,
        );
        t.match(help, /\+HELP, \+ {4}Prints this help\.\]$/);
      },
      { config: { 'enable-debug-command': 'yes' } },
    );
    t.end();
  });
}

t.test('LATENCY HISTOGRAM', (t) => {
  forEachTarget(t, async (t, ctx) => {
    for (const proto of [2, 3] as const) {
      const c = await client(t, ctx, proto);
      await c.send(['CONFIG', 'RESETSTAT']);
      t.equal(show(await c.send(['LATENCY', 'HISTOGRAM', 'set'])), proto === 3 ? '{}' : '[]');
      for (let i = 0; i < 3; i++) await c.send(['SET', 'k', 'v']);
      await c.send(['CLIENT', 'ID']);
      const set = show(await c.send(['LATENCY', 'HISTOGRAM', 'SET', 'nosuchcommand']));
      if (proto === 3)
        t.match(set, /^\{"set": \{"calls": :3, "histogram_usec": \{(:\d+: :[123], )*:\d+: :3\}\}\}$/);
      else t.match(set, /^\["set", \["calls", :3, "histogram_usec", \[(:\d+, :[123], )*:\d+, :3\]\]\]$/);
      const sub = show(await c.send(['LATENCY', 'HISTOGRAM', 'client|id']));
      t.match(sub, proto === 3 ? /^\{"client\|id": \{"calls": :1, / : /^\["client\|id", \["calls", :1, /);
      const container = show(await c.send(['LATENCY', 'HISTOGRAM', 'client']));
      t.match(container, /"client\|id"/);
      const all = show(await c.send(['LATENCY', 'HISTOGRAM']));
      t.match(all, /"set"/);
      t.match(all, /"latency\|histogram"/);
    }
  });
  t.end();
});
