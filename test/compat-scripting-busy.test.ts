// Busy scripts against a real redis-server 7.0.15 (kv script-runner.ts, seshat script-busy.ts):
// while a script runs past busy-reply-threshold, other connections get -BUSY (the EVAL or the
// FUNCTION text), allow_busy commands run (MULTI, SCRIPT KILL, FUNCTION KILL and STATS);
// SCRIPT KILL / FUNCTION KILL stop a script that has not written (also one that swallows
// errors with pcall), with Redis's reply to the killed script, and refuse the other kind;
// a pipelined command behind a killed script is answered after it; the node answers PONG
// again; a script that wrote is UNKILLABLE, plain SHUTDOWN is refused and SHUTDOWN NOSAVE
// stops the server (Seshat: restarted, the script's write is not there).
// How: the same sequence against Seshat and redis-server (helpers/targets.ts), a second raw
// connection polling PING (bounded) instead of sleeping; exact replies except duration_ms.
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { type RespClient, show } from './helpers/resp-client.ts';
import { forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const ENDLESS = 'local a = 1 while true do a = a + 1 end';
const PCALL_LOOP = "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end";
const DIRTY = "redis.call('set', KEYS[1], 'y') while true do end";
const FUNCTION_LIB =
  "#!lua name=test\nredis.register_function('test', function() local a = 1 while true do a = a + 1 end end)";
const BUSY_EVAL = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
const BUSY_FUNCTION =
  '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const UNKILLABLE =
  '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const killed = (name: string, where: string): string =>
  `-ERR Script killed by user with SCRIPT KILL... script: ${name}, on ${where}.`;

/** Polls PING on `c` until it answers `want`. */
async function waitPing(c: RespClient, want: string): Promise<void> {
  await waitUntil(async () => show(await c.send(['PING'])) === want, {
    timeoutMs: 10_000,
    intervalMs: 10,
    what: `PING to answer ${want}`,
  });
}

async function evalKilled(t: Test, a: RespClient, b: RespClient, script: string): Promise<void> {
  const reply = a.send(['EVAL', script, '0']);
  await waitPing(b, BUSY_EVAL);
  t.equal(show(await b.send(['GET', 'k'])), BUSY_EVAL, 'a data command is refused');
  t.equal(show(await b.send(['FUNCTION', 'KILL'])), BUSY_EVAL, 'FUNCTION KILL does not kill an EVAL');
  t.equal(show(await b.send(['FUNCTION', 'STATS'])), BUSY_EVAL, 'FUNCTION STATS refused during EVAL');
  t.equal(show(await b.send(['SCRIPT', 'KILL'])), '+OK');
  t.equal(show(await reply), killed(sha1(script), '@user_script:1'));
  await waitPing(b, '+PONG');
}

forEachTarget(
  t,
  async (t, { kind, server, client }) => {
    const a = await client(t);
    const b = await client(t);

    t.test('SCRIPT KILL of a clean EVAL, also one that swallows errors with pcall', async (t) => {
      await evalKilled(t, a, b, ENDLESS);
      await evalKilled(t, a, b, PCALL_LOOP);
    });

    t.test('MULTI while busy', async (t) => {
      const reply = a.send(['EVAL', ENDLESS, '0']);
      await waitPing(b, BUSY_EVAL);
      t.equal(show(await b.send(['MULTI'])), '+OK');
      t.equal(show(await b.send(['SET', 'k', 'v'])), BUSY_EVAL);
      t.equal(show(await b.send(['SCRIPT', 'KILL'])), '+QUEUED');
      const k = await client(t);
      t.equal(show(await k.send(['SCRIPT', 'KILL'])), '+OK');
      await reply;
      t.equal(show(await b.send(['EXEC'])), '-EXECABORT Transaction discarded because of previous errors.');
    });

    t.test('FUNCTION KILL of a function; SCRIPT KILL refuses it; FUNCTION STATS', async (t) => {
      t.equal(show(await b.send(['FUNCTION', 'LOAD', 'REPLACE', FUNCTION_LIB])), '"test"');
      const reply = a.send(['FCALL', 'test', '0']);
      await waitPing(b, BUSY_FUNCTION);
      t.equal(show(await b.send(['SCRIPT', 'KILL'])), BUSY_FUNCTION);
      t.match(
        show(await b.send(['FUNCTION', 'STATS'])),
        /^\["running_script", \["name", "test", "command", \["FCALL", "test", "0"\], "duration_ms", :\d+\], "engines", \["LUA", \["libraries_count", :1, "functions_count", :1\]\]\]$/,
      );
      t.equal(show(await b.send(['FUNCTION', 'KILL'])), '+OK');
      t.equal(show(await reply), killed('test', '@user_function:2'));
      await waitPing(b, '+PONG');
    });

    t.test('a command pipelined behind a killed script is answered after it', async (t) => {
      const replies = a.pipeline([['EVAL', ENDLESS, '0'], ['PING']]);
      await waitPing(b, BUSY_EVAL);
      t.equal(show(await b.send(['SCRIPT', 'KILL'])), '+OK');
      t.same((await replies).map(show), [killed(sha1(ENDLESS), '@user_script:1'), '+PONG']);
    });

    t.test('a script that wrote: UNKILLABLE, SHUTDOWN refused, SHUTDOWN NOSAVE', async (t) => {
      a.write(['EVAL', DIRTY, '1', 'x']);
      await waitPing(b, BUSY_EVAL);
      t.equal(show(await b.send(['SCRIPT', 'KILL'])), UNKILLABLE);
      t.equal(show(await b.send(['SHUTDOWN'])), BUSY_EVAL);
      b.write(['SHUTDOWN', 'NOSAVE']);
      await b.closed;
      await a.closed;
      if (kind !== 'seshat') return;
      await server.restart();
      const c = await client(t);
      t.equal(show(await c.send(['GET', 'x'])), '$-1', "the killed server's script left nothing");
    });
  },
  { config: { 'busy-reply-threshold': 50 } },
);
