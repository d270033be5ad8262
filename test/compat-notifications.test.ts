// Redis 7.0 compatibility of keyspace notifications (notify-keyspace-events).
// What: the exact sequence of events every data command publishes (strings, generic keys and
// expiry, hashes, lists, sets, sorted sets, bitmaps, streams, SORT STORE, the blocking pops, MULTI/EXEC,
// other databases): event names, the key, the database and the ORDER, including `new` (class n)
// on key creation, `del` when a command empties a collection, `expired` by the active cycle and
// on access, and nothing for failed or no-op commands; CONFIG SET/GET of notify-keyspace-events
// (canonical form, invalid characters, the startup flag); class filtering (K only, E only, one
// class, no K/E).
// How: one connection PSUBSCRIBEs `__key*__:*` and SUBSCRIBEs a marker channel; another runs the
// commands, then PUBLISHes on the marker; every frame received before the marker's message is
// what the commands published. With K and E both on, each event is a keyspace frame followed by
// a keyevent frame; the table checks both and renders the pair as `key event` (`db:key event`
// outside db 0). Same expectations against Seshat and a real redis-server (helpers/targets.ts).
import t, { type Test } from 'tap';
import { type RespClient, type RespValue, show } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { connect, forEachTarget } from './helpers/targets.ts';
import { waitUntil } from './helpers/wait.ts';

const MARKER = 'notifications-test-marker';

/** `a b c` -> ['a', 'b', 'c']; `;` separates commands, `""` is an empty argument. */
function cmds(s: string): string[][] {
  return s
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((c) => c.split(/\s+/).map((a) => (a === '""' ? '' : a)));
}

function bulkText(v: RespValue): string {
  return v.type === 'bulk' ? v.value.toString('latin1') : show(v);
}

interface Watcher {
  /** The subscriber (RESP2: frames are read in order with readReply). */
  sub: RespClient;
  /** The connection that runs the commands. */
  c: RespClient;
  /** Frames published so far, up to the marker: `channel message` each. */
  drain(): Promise<string[]>;
  /** The next `n` event frames (waits for them), without the marker. */
  next(n: number): Promise<string[]>;
}

async function watch(t: Test, server: ServerHandle, flags: string): Promise<Watcher> {
  const c = await connect(t, server);
  t.equal(await c.q('CONFIG', 'SET', 'notify-keyspace-events', flags), '+OK', `flags ${flags}`);
  const sub = await connect(t, server);
  sub.write(['PSUBSCRIBE', '__key*__:*']);
  t.equal(show(await sub.readReply()), '["psubscribe", "__key*__:*", :1]');
  sub.write(['SUBSCRIBE', MARKER]);
  t.equal(show(await sub.readReply()), `["subscribe", "${MARKER}", :2]`);
  const frame = async (): Promise<string | null> => {
    const f = await sub.readReply();
    if (f.type !== 'array') return `unexpected ${show(f)}`;
    const v = f.value.map(bulkText);
    if (v[0] === 'message' && v[1] === MARKER) return null;
    if (v[0] === 'pmessage') return `${v[2]} ${v[3]}`;
    return `unexpected ${show(f)}`;
  };
  return {
    sub,
    c,
    async drain() {
      t.equal(await c.q('PUBLISH', MARKER, 'x'), ':1', 'marker published');
      const out: string[] = [];
      for (let f = await frame(); f !== null; f = await frame()) out.push(f);
      return out;
    },
    async next(n) {
      const out: string[] = [];
      while (out.length < n) {
        const f = await frame();
        if (f === null) throw new Error('marker before the expected events');
        out.push(f);
      }
      return out;
    },
  };
}

/**
 * Keyspace + keyevent frame pairs -> `key event` (`db:key event` outside db 0). A frame that is
 * not part of a well-formed pair is kept raw (so a mismatch shows it).
 */
function pairs(frames: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < frames.length; i++) {
    const m = /^__keyspace@(\d+)__:(\S*) (\S+)$/.exec(frames[i]!);
    const n = m && i + 1 < frames.length ? /^__keyevent@(\d+)__:(\S+) (\S*)$/.exec(frames[i + 1]!) : null;
    if (m && n && m[1] === n[1] && m[3] === n[2] && m[2] === n[3]) {
      out.push(`${m[1] === '0' ? '' : `${m[1]}:`}${m[2]} ${m[3]}`);
      i++;
    } else out.push(`raw ${frames[i]}`);
  }
  return out;
}

/** [setup, commands, events]: after FLUSHALL and `setup` (its events dropped), `commands` run
 * pipelined and publish exactly `events`, in order. */
type Case = readonly [setup: string, run: string, events: readonly string[]];

const NONE: readonly string[] = [];

const CASES: readonly Case[] = [
  // ---- strings
  ['', 'SET a 1', ['a new', 'a set']],
  ['SET a 1', 'SET a 2', ['a set']],
  ['SET a 1', 'SET a 2 NX', NONE],
  ['', 'SET a 2 XX', NONE],
  ['', 'SET b 1 EX 100', ['b new', 'b set', 'b expire']],
  ['SET k v', 'SET k v XX PX 10000 GET', ['k set', 'k expire']],
  ['SET k v EX 100', 'SET k w KEEPTTL', ['k set']],
  ['', 'SET x y EX 0', NONE],
  ['', 'SETEX c 100 v', ['c new', 'c set', 'c expire']],
  ['', 'PSETEX c 100000 v', ['c new', 'c set', 'c expire']],
  ['', 'SETNX n v; SETNX n w', ['n new', 'n set']],
  ['', 'GETSET g v; GETSET g w', ['g new', 'g set', 'g set']],
  ['SET a 2', 'GETDEL a; GETDEL a', ['a del']],
  ['SET i 0', 'GETEX i EX 100; GETEX i PERSIST; GETEX i; GETEX nope EX 10', ['i expire', 'i persist']],
  ['SET i 0', 'GETEX i PXAT 1', ['i del']],
  ['', 'MSET m1 1 m2 2', ['m1 new', 'm1 set', 'm2 new', 'm2 set']],
  ['SET m1 1', 'MSETNX m1 1 m3 3; MSETNX m4 1 m3 3', ['m4 new', 'm4 set', 'm3 new', 'm3 set']],
  ['', 'APPEND ap x; APPEND ap ""', ['ap new', 'ap append', 'ap append']],
  ['', 'SETRANGE sr 0 ""; SETRANGE sr 0 ab; SETRANGE sr 0 ab', ['sr new', 'sr setrange', 'sr setrange']],
  ['', 'INCR n; DECR n; INCRBY n 5; DECRBY n 0', ['n new', 'n incrby', 'n incrby', 'n incrby', 'n incrby']],
  ['SET s x', 'INCR s; INCRBYFLOAT s 1', NONE],
  ['', 'INCRBYFLOAT f 1.5', ['f new', 'f incrbyfloat']],
  // An expired key met by a write: `expired` first, then the write creates it again.
  [
    '',
    'SET k v PXAT 1; SET k v PX 10000 GET',
    ['k new', 'k set', 'k expire', 'k expired', 'k new', 'k set', 'k expire'],
  ],
  // ---- generic keys and expiry
  ['SET a 1; SET b 2', 'DEL a b nope; DEL nope', ['a del', 'b del']],
  ['SET a 1', 'UNLINK nope a', ['a del']],
  ['SET b 1', 'RENAME b b2', ['b2 new', 'b rename_from', 'b2 rename_to']],
  ['SET b 1; SET x 1', 'RENAME b x', ['x new', 'b rename_from', 'x rename_to']],
  ['SET b 1', 'RENAME b b; RENAME nope x; RENAMENX b b', NONE],
  ['SET b 1; SET x 1', 'RENAMENX b x; RENAMENX b y', ['y new', 'b rename_from', 'y rename_to']],
  ['SET x 1', 'COPY x y; COPY x y; COPY x y REPLACE', ['y new', 'y copy_to', 'y new', 'y copy_to']],
  ['RPUSH x a b', 'COPY x z DB 1; COPY nope z', ['1:z new', '1:z copy_to']],
  ['HSET y f v', 'MOVE y 2', ['2:y new', 'y move_from', '2:y move_to']],
  ['SET y 1; SELECT 2; SET y 2; SELECT 0', 'MOVE y 2; MOVE nope 2', NONE],
  ['SET x 1', 'EXPIRE x 100; PERSIST x; PERSIST x; EXPIRE x 0', ['x expire', 'x persist', 'x del']],
  ['SET x 1', 'PEXPIRE x 100000; PEXPIRE x 200000 LT; PEXPIRE x 100 GT; EXPIRE x 100 NX', ['x expire']],
  ['SET x 1', 'EXPIREAT x 99999999999; PEXPIREAT x 1', ['x expire', 'x del']],
  ['', 'EXPIRE nope 10; PERSIST nope', NONE],
  [
    'SET x 1',
    'SELECT 3; SET x 2; LPUSH l a; SELECT 0; SET x 3',
    ['3:x new', '3:x set', '3:l new', '3:l lpush', 'x set'],
  ],
  // ---- hashes
  ['', 'HSET h f v', ['h new', 'h hset']],
  ['HSET h f v', 'HSET h f v2 g w; HSET h f v2; HMSET h a 1', ['h hset', 'h hset', 'h hset']],
  ['HSET h f v', 'HSETNX h f v; HSETNX h n v; HSETNX h2 n v', ['h hset', 'h2 new', 'h2 hset']],
  ['HSET h f v g w n x', 'HDEL h nope; HDEL h f; HDEL h g n', ['h hdel', 'h hdel', 'h del']],
  ['', 'HDEL nope f', NONE],
  ['', 'HINCRBY h a 1; HINCRBYFLOAT h b 1.5', ['h new', 'h hincrby', 'h hincrbyfloat']],
  ['HSET h f x g 9223372036854775807', 'HINCRBY h f 1; HINCRBYFLOAT h f 1; HINCRBY h g 1', NONE],
  ['SET str v', 'HSET str f v; HINCRBY str f 1; HDEL str f', NONE],
  // ---- lists
  ['', 'LPUSH l a b c; RPUSH l d', ['l new', 'l lpush', 'l rpush']],
  ['RPUSH l a', 'LPUSHX nol a; RPUSHX l e; LPUSHX l f', ['l rpush', 'l lpush']],
  [
    'RPUSH l a b c d e',
    'LPOP l; RPOP l; LPOP l 2; LPOP l 0; LPOP nol; RPOP l 10',
    ['l lpop', 'l rpop', 'l lpop', 'l rpop', 'l del'],
  ],
  ['RPUSH l a', 'RPOP l', ['l rpop', 'l del']],
  ['RPUSH l a b c d', 'LINSERT l BEFORE b x; LINSERT l AFTER zz y; LINSERT nope BEFORE a b', ['l linsert']],
  ['RPUSH l a b', 'LSET l 0 q; LSET l 5 x; LSET nope 0 x', ['l lset']],
  [
    'RPUSH l a b a c',
    'LREM l 1 zz; LREM l 0 a; LREM l 0 b; LREM l 0 c',
    ['l lrem', 'l lrem', 'l lrem', 'l del'],
  ],
  [
    'RPUSH l a b c',
    'LTRIM l 0 -1; LTRIM l 1 1; LTRIM nope 0 1; LTRIM l 5 10',
    ['l ltrim', 'l ltrim', 'l ltrim', 'l del'],
  ],
  [
    'RPUSH l a b c',
    'LMOVE l l2 LEFT RIGHT; LMOVE l l2 RIGHT LEFT',
    ['l2 new', 'l2 rpush', 'l lpop', 'l2 lpush', 'l rpop'],
  ],
  ['RPUSH l a b', 'LMOVE l l RIGHT LEFT; RPOPLPUSH l l', ['l lpush', 'l rpop', 'l lpush', 'l rpop']],
  ['RPUSH m a; RPUSH m2 x', 'LMOVE m m2 LEFT LEFT', ['m2 lpush', 'm lpop', 'm del']],
  ['RPUSH m a', 'RPOPLPUSH m n', ['n new', 'n lpush', 'm rpop', 'm del']],
  ['RPUSH one a', 'LMOVE one one LEFT RIGHT', ['one rpush', 'one lpop']],
  ['SET s x; RPUSH l a', 'LMOVE l s LEFT LEFT; LMOVE nope x LEFT LEFT; RPOPLPUSH nope x', NONE],
  [
    'RPUSH m a b c',
    'LMPOP 2 nol m LEFT; LMPOP 1 m RIGHT COUNT 5; LMPOP 1 m LEFT',
    ['m lpop', 'm rpop', 'm del'],
  ],
  // ---- sets
  ['', 'SADD s a b c; SADD s a; SADD s d', ['s new', 's sadd', 's sadd']],
  ['SADD s a b c d', 'SREM s zz; SREM s a; SREM s b c d; SREM s x', ['s srem', 's srem', 's del']],
  [
    'SADD s 1 2 3 4 5',
    'SPOP s; SPOP s 0; SPOP s 2; SPOP s 10; SPOP s',
    ['s spop', 's spop', 's spop', 's del'],
  ],
  ['SADD s 1', 'SPOP s', ['s spop', 's del']],
  [
    'SADD a 1 2 3; SADD b 2 3 4',
    'SMOVE a b 1; SMOVE a b 9; SMOVE a a 2; SMOVE a b 2; SMOVE a b 3',
    ['a srem', 'b sadd', 'a srem', 'a srem', 'a del'],
  ],
  ['SADD a 1', 'SMOVE a c 1; SMOVE zz b 3', ['a srem', 'a del', 'c new', 'c sadd']],
  [
    'SADD a 1 2 3; SADD b 2 3 4',
    'SINTERSTORE d a b; SINTERSTORE d b b; SUNIONSTORE d b zz',
    ['d new', 'd sinterstore', 'd sinterstore', 'd sunionstore'],
  ],
  [
    'SADD b 2 3 4; SADD d 1',
    'SDIFFSTORE d b b; SDIFFSTORE d b b; SDIFFSTORE d b zz; SUNIONSTORE e zz zz',
    ['d del', 'd new', 'd sdiffstore'],
  ],
  ['SADD b 2 3; SET str x', 'SINTERSTORE str b; SINTERSTORE str zz', ['str sinterstore', 'str del']],
  // ---- sorted sets
  ['', 'ZADD z 1 a 2 b; ZADD z 1 a; ZADD z 5 a', ['z new', 'z zadd', 'z zadd']],
  ['ZADD z 1 a', 'ZADD z XX 1 nope; ZADD zz XX 1 a; ZADD z NX 1 a; ZADD z GT 0 a; ZADD z CH 1 a', NONE],
  ['ZADD z 1 a', 'ZADD zz NX 1 a; ZADD z NX 1 b', ['zz new', 'zz zadd', 'z zadd']],
  ['ZADD z 5 a', 'ZADD z INCR 1 a; ZADD z GT INCR -1 a; ZADD z INCR 0 a; ZADD z INCR NX 1 a', ['z zincr']],
  [
    'ZADD z 1 a',
    'ZINCRBY z 1 b; ZINCRBY z 0 a; ZINCRBY zn 1 x; ZINCRBY z nan a; ZADD zn 1 a nan b',
    ['z zincr', 'zn new', 'zn zincr'],
  ],
  ['ZADD z 1 a 2 b 3 c', 'ZREM z nope; ZREM z a; ZREM z b c; ZREM z a', ['z zrem', 'z zrem', 'z del']],
  [
    'ZADD z 1 a 2 b 3 c 4 d 5 e',
    'ZREMRANGEBYRANK z 10 20; ZREMRANGEBYRANK z 0 0; ZREMRANGEBYSCORE z 100 200; ZREMRANGEBYSCORE z 2 2; ZREMRANGEBYLEX z [x [z',
    ['z zremrangebyrank', 'z zremrangebyscore'],
  ],
  [
    'ZADD l 0 a 0 b 0 c',
    'ZREMRANGEBYLEX l [a [b; ZREMRANGEBYLEX l - +',
    ['l zremrangebylex', 'l zremrangebylex', 'l del'],
  ],
  ['ZADD z 1 a', 'ZREMRANGEBYRANK z 0 -1', ['z zremrangebyrank', 'z del']],
  [
    'ZADD z 1 c 3 d 4 e',
    'ZPOPMIN z; ZPOPMIN z 0; ZPOPMAX z 1; ZPOPMIN nope; ZPOPMIN z 5',
    ['z zpopmin', 'z zpopmax', 'z zpopmin', 'z del'],
  ],
  [
    'ZADD z 1 a 2 b 3 c',
    'ZMPOP 2 nope z MIN; ZMPOP 1 z MAX COUNT 10; ZMPOP 1 z MIN',
    ['z zpopmin', 'z zpopmax', 'z del'],
  ],
  [
    'ZADD a 1 x 2 y; ZADD b 2 y 3 z',
    'ZUNIONSTORE d 2 a b; ZUNIONSTORE d 2 a b; ZINTERSTORE d 2 a b; ZINTERSTORE d 2 a nope; ZINTERSTORE d 2 a nope',
    ['d new', 'd zunionstore', 'd zunionstore', 'd zinterstore', 'd del'],
  ],
  [
    'ZADD a 1 x 2 y; ZADD b 2 y 3 z',
    'ZDIFFSTORE d 2 a b; ZDIFFSTORE d 2 a a; ZDIFFSTORE d 2 a a',
    ['d new', 'd zdiffstore', 'd del'],
  ],
  [
    'ZADD a 1 x 2 y',
    'ZRANGESTORE d a 0 -1; ZRANGESTORE d a 0 -1; ZRANGESTORE d a 5 6; ZRANGESTORE d a 5 6; ZRANGESTORE d nope 0 -1',
    ['d new', 'd zrangestore', 'd zrangestore', 'd del'],
  ],
  ['SADD a x; SET str v', 'ZUNIONSTORE str 1 a', ['str zunionstore']],
  ['SET str v', 'ZADD str 1 a; ZINCRBY str 1 a; ZREM str a; ZPOPMIN str', NONE],
  // ---- bitmaps
  [
    '',
    'SETBIT b 7 1; SETBIT b 7 1; SETBIT b 7 0; SETBIT b 100 0',
    ['b new', 'b setbit', 'b setbit', 'b setbit'],
  ],
  ['SET str v', 'SETBIT str 0 0; SETBIT str 1 1', NONE],
  [
    'SET s1 abc; SET s2 zzz',
    'BITOP AND d s1 s2; BITOP AND d s1 s2; BITOP OR d nope nope2; BITOP OR d nope nope2; BITOP NOT d s1',
    ['d new', 'd set', 'd set', 'd del', 'd new', 'd set'],
  ],
  ['SET e ""', 'BITOP AND d2 e', NONE],
  [
    '',
    'BITFIELD bf GET u8 0; BITFIELD bf SET u8 0 255; BITFIELD bf GET u8 0; BITFIELD_RO bf GET u8 0',
    ['bf new', 'bf setbit'],
  ],
  [
    'SET bf x',
    'BITFIELD bf INCRBY u8 0 1; BITFIELD bf OVERFLOW FAIL INCRBY u8 0 255; BITFIELD bf INCRBY u8 0 0; BITFIELD bf SET u8 0 121',
    ['bf setbit'],
  ],
  [
    '',
    'BITFIELD f OVERFLOW FAIL SET u8 0 1000; BITFIELD f SET u8 0 0; BITFIELD f SET u8 8 0; BITFIELD f OVERFLOW FAIL SET u8 16 1000',
    ['f new', 'f setbit'],
  ],
  // ---- streams (class t); group bookkeeping that creates a consumer says so
  ['', 'XADD s 1-0 a b; XADD s NOMKSTREAM 0-1 a b; XADD n NOMKSTREAM * a b', ['s new', 's xadd']],
  ['XADD s 1-0 a b', 'XADD s MAXLEN 1 2-0 a b; XADD s MAXLEN 5 3-0 a b', ['s xadd', 's xtrim', 's xadd']],
  ['XADD s 1-0 a b', 'XADD s 1-0 a b; XTRIM s MAXLEN 5; XDEL s 9-0; XTRIM nope MAXLEN 0', NONE],
  [
    'XADD s 1-0 a b; XADD s 2-0 a b',
    'XDEL s 1-0 9-0; XTRIM s MINID 5; XSETID s 5-0',
    ['s xdel', 's xtrim', 's xsetid'],
  ],
  ['', 'XGROUP CREATE s g $ MKSTREAM; XGROUP CREATE s g $', ['s new', 's xgroup-create']],
  [
    'XADD s 1-0 a b; XGROUP CREATE s g 0',
    'XGROUP SETID s g 0; XGROUP CREATECONSUMER s g c; XGROUP CREATECONSUMER s g c; XGROUP DELCONSUMER s g c; XGROUP DELCONSUMER s g c; XGROUP DESTROY s g; XGROUP DESTROY s g',
    ['s xgroup-setid', 's xgroup-createconsumer', 's xgroup-delconsumer', 's xgroup-destroy'],
  ],
  [
    'XADD s 1-0 a b; XADD s 2-0 a b; XGROUP CREATE s g 0',
    'XREADGROUP GROUP g c COUNT 1 STREAMS s >; XREADGROUP GROUP g c STREAMS s >; XACK s g 1-0; XCLAIM s g d 0 2-0; XAUTOCLAIM s g e 0 0',
    ['s xgroup-createconsumer', 's xgroup-createconsumer', 's xgroup-createconsumer'],
  ],
  [
    'XADD s 1-0 a b; XGROUP CREATE s g 0',
    'XCLAIM s g c 0 1-0 FORCE; XREADGROUP GROUP g c STREAMS s 0',
    ['s xgroup-createconsumer'],
  ],
  ['XADD s 1-0 a b', 'RENAME s t; DEL t', ['t new', 's rename_from', 't rename_to', 't del']],

  [
    'RPUSH l 3 1 2',
    'SORT l STORE d; SORT l STORE d; SORT l; SORT_RO l',
    ['d new', 'd sortstore', 'd sortstore'],
  ],
  [
    'RPUSH l 3 1 2; SET d x',
    'SORT l STORE d; SORT nope STORE d; SORT nope STORE d; SORT l LIMIT 10 10 STORE d2',
    ['d sortstore', 'd del'],
  ],
  // ---- blocking commands that find data (they pop at once)
  ['RPUSH l a b', 'BLPOP nope l 0; BRPOP l 0', ['l lpop', 'l rpop', 'l del']],
  [
    'RPUSH l a b',
    'BLMOVE l d LEFT RIGHT 0; BRPOPLPUSH l d 0',
    ['d new', 'd rpush', 'l lpop', 'd lpush', 'l rpop', 'l del'],
  ],
  ['RPUSH l a b c', 'BLMPOP 0 2 nope l RIGHT COUNT 2; BLMPOP 0 1 l LEFT', ['l rpop', 'l lpop', 'l del']],
  [
    'ZADD z 1 a 2 b 3 c',
    'BZPOPMIN nope z 0; BZPOPMAX z 0; BZMPOP 0 1 z MIN COUNT 5',
    ['z zpopmin', 'z zpopmax', 'z zpopmin', 'z del'],
  ],
  // ---- MULTI/EXEC: the events of the queued commands, in order (an error inside emits none)
  ['', 'MULTI; LPUSH l a; SADD l x; RPOP l; BLPOP l 0; EXEC', ['l new', 'l lpush', 'l rpop', 'l del']],
  // ---- FLUSHALL / FLUSHDB: no per-key events
  ['SET a 1; RPUSH l a', 'FLUSHDB; SET a 1; FLUSHALL', ['a new', 'a set']],
];

async function eventTable(t: Test, server: ServerHandle): Promise<void> {
  const w = await watch(t, server, 'AKEn');
  for (const [setup, run, want] of CASES) {
    await w.c.send(['FLUSHALL']);
    if (setup !== '') await w.c.pipeline(cmds(setup));
    await w.drain();
    await w.c.pipeline(cmds(run));
    t.same(pairs(await w.drain()), want, setup === '' ? run : `${setup} => ${run}`);
  }
}

/** A blocked pop served by a later push: the push's events, then the pop's. */
async function servedBlocked(t: Test, server: ServerHandle): Promise<void> {
  const w = await watch(t, server, 'AKEn');
  const b = await connect(t, server);
  const blockedClients = async () => /blocked_clients:(\d+)/.exec(await infoClients(w.c))?.[1];
  const cases: [block: string, push: string, events: string[]][] = [
    ['BLPOP l 0', 'RPUSH l a', ['l new', 'l rpush', 'l lpop', 'l del']],
    ['BRPOP x l 0', 'RPUSH l a b', ['l new', 'l rpush', 'l rpop']],
    ['BLMOVE l d RIGHT LEFT 0', 'LPUSH l a', ['l new', 'l lpush', 'd new', 'd lpush', 'l rpop', 'l del']],
    ['BRPOPLPUSH l l 0', 'LPUSH l a', ['l new', 'l lpush', 'l lpush', 'l rpop']],
    ['BLMPOP 0 2 x l LEFT COUNT 5', 'RPUSH l a b', ['l new', 'l rpush', 'l lpop', 'l del']],
    ['BZPOPMIN z 0', 'ZADD z 1 a 2 b', ['z new', 'z zadd', 'z zpopmin']],
    ['BZPOPMAX z 0', 'ZADD z 1 a', ['z new', 'z zadd', 'z zpopmax', 'z del']],
    ['BZMPOP 0 1 z MAX COUNT 9', 'ZADD z 1 a 2 b', ['z new', 'z zadd', 'z zpopmax', 'z del']],
  ];
  for (const [block, push, want] of cases) {
    await w.c.send(['FLUSHALL']);
    await w.drain();
    const reply = b.send(cmds(block)[0]!);
    await waitUntil(async () => (await blockedClients()) === '1', { what: `${block} to block` });
    await w.c.send(cmds(push)[0]!);
    t.not((await reply).type, 'error', `${block} served`);
    t.same(pairs(await w.drain()), want, `${block} served by ${push}`);
  }
}

async function infoClients(c: RespClient): Promise<string> {
  const v = await c.send(['INFO', 'clients']);
  return v.type === 'bulk' || v.type === 'verbatim' ? v.value.toString() : '';
}

/** Expiry: `expired` (class x) by the active cycle and by lazy access, filtered with Ex. */
async function expiry(t: Test, server: ServerHandle): Promise<void> {
  const w = await watch(t, server, 'Ex');
  await w.c.send(['FLUSHALL']);
  // Active cycle: nobody touches the key.
  t.equal(await w.c.q('SET', 'k', 'v', 'PX', '30'), '+OK');
  t.same(await w.next(1), ['__keyevent@0__:expired k'], 'expired by the active cycle');
  t.same(await w.drain(), [], 'nothing else (set/expire are other classes)');
  // Lazy: an already expired key read right away (one pipeline: no expiry cycle in between
  // in Redis; Seshat deletes it through the log right after the read).
  const replies = await w.c.pipeline([
    ['SET', 'lazy', 'v', 'PXAT', '1'],
    ['GET', 'lazy'],
  ]);
  t.same(replies.map(show), ['+OK', '$-1']);
  t.same(await w.next(1), ['__keyevent@0__:expired lazy'], 'expired on access');
  t.same(await w.drain(), []);
  // With every class on: new, set, expire, then expired, and only once.
  t.equal(await w.c.q('CONFIG', 'SET', 'notify-keyspace-events', 'AKEn'), '+OK');
  const r2 = await w.c.pipeline([
    ['SET', 'lazy', 'v', 'PXAT', '1'],
    ['EXISTS', 'lazy'],
    ['GET', 'lazy'],
  ]);
  t.same(r2.map(show), ['+OK', ':0', '$-1']);
  t.same(pairs(await w.next(8)), ['lazy new', 'lazy set', 'lazy expire', 'lazy expired']);
  t.same(await w.drain(), []);
}

/** Class and K/E filtering: the same commands under different flags. */
async function filtering(t: Test, server: ServerHandle): Promise<void> {
  const run = 'SET a 1; LPUSH l x; RPOP l; HSET h f v; EXPIRE h 100; SELECT 1; LPUSH l y; SELECT 0';
  const cases: [flags: string, frames: string[]][] = [
    ['Kl', ['__keyspace@0__:l lpush', '__keyspace@0__:l rpop', '__keyspace@1__:l lpush']],
    ['Eg', ['__keyevent@0__:del l', '__keyevent@0__:expire h']],
    ['E$h', ['__keyevent@0__:set a', '__keyevent@0__:hset h']],
    ['nK', ['__keyspace@0__:a new', '__keyspace@0__:l new', '__keyspace@0__:h new', '__keyspace@1__:l new']],
    [
      'KEA',
      [
        '__keyspace@0__:a set',
        '__keyevent@0__:set a',
        '__keyspace@0__:l lpush',
        '__keyevent@0__:lpush l',
        '__keyspace@0__:l rpop',
        '__keyevent@0__:rpop l',
        '__keyspace@0__:l del',
        '__keyevent@0__:del l',
        '__keyspace@0__:h hset',
        '__keyevent@0__:hset h',
        '__keyspace@0__:h expire',
        '__keyevent@0__:expire h',
        '__keyspace@1__:l lpush',
        '__keyevent@1__:lpush l',
      ],
    ],
    ['A', []],
    ['KE', []],
    ['', []],
  ];
  const w = await watch(t, server, '');
  for (const [flags, want] of cases) {
    await w.c.send(['FLUSHALL']);
    t.equal(await w.c.q('CONFIG', 'SET', 'notify-keyspace-events', flags), '+OK');
    await w.c.pipeline(cmds(run));
    t.same(await w.drain(), want, `flags ${JSON.stringify(flags)}`);
  }
}

const CONFIG_ERROR =
  "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

async function config(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const get = async () => show(await c.send(['CONFIG', 'GET', 'notify-keyspace-events']));
  const canonical: [string, string][] = [
    ['KEA', 'AKE'],
    ['KEAn', 'AKE'],
    ['AKEnm', 'AKEm'],
    ['Kl', 'lK'],
    ['Eg', 'gE'],
    ['Ex', 'xE'],
    ['$lsz', '$lsz'],
    ['g$lshzxetd', 'A'],
    ['zhsl$gK', 'g$lshzK'],
    ['nK', 'nK'],
    ['K', 'K'],
    ['m', 'm'],
    ['Am', 'Am'],
    ['Kgg', 'gK'],
    ['EKd', 'dKE'],
    ['', ''],
  ];
  for (const [set, want] of canonical) {
    t.equal(await c.q('CONFIG', 'SET', 'notify-keyspace-events', set), '+OK', `set ${set}`);
    t.equal(
      await get(),
      `["notify-keyspace-events", "${want}"]`,
      `${JSON.stringify(set)} reads back as ${want}`,
    );
  }
  t.equal(await c.q('CONFIG', 'SET', 'notify-keyspace-events', 'Kl'), '+OK');
  for (const bad of ['xyz', 'K l', 'KEA ', 'k', 'a', 'G']) {
    t.equal(await c.q('CONFIG', 'SET', 'notify-keyspace-events', bad), CONFIG_ERROR, `invalid ${bad}`);
  }
  t.equal(await get(), '["notify-keyspace-events", "lK"]', 'unchanged after a failed SET');
  // KEAn keeps `new` although it reads back as AKE.
  t.equal(await c.q('CONFIG', 'SET', 'notify-keyspace-events', 'KEAn'), '+OK');
  const w = await watch(t, server, 'KEAn');
  await w.c.send(['SET', 'fresh', '1']);
  t.same(pairs(await w.drain()), ['fresh new', 'fresh set'], 'n still on after KEAn');
}

forEachTarget(t, async (t, { server }) => {
  t.test('events of every data command, in order', (t) => eventTable(t, server));
  t.test('blocked pops served by a push', (t) => servedBlocked(t, server));
  t.test('expired: active cycle and access', (t) => expiry(t, server));
  t.test('class and K/E filtering', (t) => filtering(t, server));
  t.test('CONFIG SET/GET notify-keyspace-events', (t) => config(t, server));
});

forEachTarget(
  t,
  async (t, { server }) => {
    const c = await connect(t, server);
    t.equal(
      show(await c.send(['CONFIG', 'GET', 'notify-keyspace-events'])),
      '["notify-keyspace-events", "AKE"]',
      'startup flag in canonical form',
    );
    const w = await watch(t, server, 'KEA');
    await w.c.send(['RPUSH', 'l', 'a']);
    t.same(pairs(await w.drain()), ['l rpush'], 'KEA: no `new`');
  },
  { config: { 'notify-keyspace-events': 'KEA' }, name: 'startup flag' },
);
