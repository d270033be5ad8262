// Checks the busy-script machinery of the state machine (script-runner.ts) without a server:
// a script past its time slice suspends the entry (APPLY_SUSPENDED) and resumes; SCRIPT KILL
// on a replicated leader proposes "kill at checkpoint c" and stops there once the decision is
// committed; a follower running the same entry follows that decision and stops at the same
// checkpoint with the same reply and state; a follower holds (runs nothing) until a decision
// is committed and then completes with the leader's result; on a sole replica a kill needs no
// decision; a script that wrote is unkillable.
// How: two state machines over in-memory storage; a fake arbiter whose proposals are
// committed at once into a shared decision list (the Raft log's role).
import { ErrorReply, SimpleString } from '@seshat/common';
import {
  APPLY_SUSPENDED,
  encodeEntry,
  initLua,
  KvStateMachine,
  killScript,
  lastKillCheckpoint,
  type ScriptArbiter,
  type ScriptDecision,
  type ScriptSlot,
  scriptHolding,
  setScriptArbiter,
} from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });
const KILLED = /^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/;
/** Resume turns allowed before a test gives up (each runs one 10 ms slice at most). */
const TURNS_MAX = 2000;

type Logged = { slot: ScriptSlot; decision: ScriptDecision };

function arbiter(log: Logged[], leader: boolean): ScriptArbiter {
  return {
    replicated: true,
    decides: () => leader,
    decision: (slot) => log.find((d) => d.slot.index === slot.index && d.slot.seq === slot.seq)?.decision,
    propose: (slot, decision) => {
      log.push({ slot, decision });
    },
  };
}

/** Resumes the suspended entry until it completes; `each` runs before every turn. */
function finish(sm: KvStateMachine, each: (turn: number) => void = () => {}) {
  for (let turn = 0; turn < TURNS_MAX; turn++) {
    each(turn);
    const r = sm.resumeApply();
    if (r !== APPLY_SUSPENDED) return r;
  }
  throw new Error('entry still suspended');
}

function dump(storage: MemoryStorage): string[] {
  const out: string[] = [];
  const it = storage.iterator('meta', {});
  for (let rows = it.nextBatch(100); rows.length; rows = it.nextBatch(100)) {
    for (let i = 0; i < rows.length; i += 2)
      out.push(`${rows[i]!.toString('hex')}=${rows[i + 1]!.toString('hex')}`);
  }
  it.close();
  return out;
}

t.before(() => initLua());
t.afterEach(() => setScriptArbiter(null));

t.test('a kill decided by the leader stops every replica at the same checkpoint', (t) => {
  const log: Logged[] = [];
  const endless = 'local a = 0 while true do a = a + 1 end';
  const entry = encodeEntry(1000, 7, [cmd('SET', 'k', 'v'), cmd('EVAL', endless, '0'), cmd('INCR', 'n')]);
  const stores = [new MemoryStorage(), new MemoryStorage()];

  setScriptArbiter(arbiter(log, true));
  const leader = new KvStateMachine(stores[0]!, { metaCacheBytes: 0 });
  t.equal(leader.applyYielding(1, entry), APPLY_SUSPENDED, 'the endless script suspends its entry');
  t.equal(leader.appliedIndex, 0, 'nothing applied while suspended');
  t.same(killScript(true), new SimpleString('OK'));
  const r1 = finish(leader);
  t.equal(log.length, 1, 'one decision proposed');
  const decided = log[0]!.decision;
  if (decided === 'run') throw new Error('expected a kill decision');
  t.equal(lastKillCheckpoint(), decided.kill, 'the leader stopped where it decided');
  t.match((r1 as ErrorReply[])[1]!.message, KILLED);

  setScriptArbiter(arbiter(log, false));
  const follower = new KvStateMachine(stores[1]!, { metaCacheBytes: 0 });
  const r2 = follower.applyYielding(1, entry);
  const replies2 = r2 === APPLY_SUSPENDED ? finish(follower) : r2;
  t.equal(lastKillCheckpoint(), decided.kill, 'the follower stopped at the same checkpoint');
  t.same(replies2, r1, 'same replies (the commands around the script ran on both)');
  t.same(dump(stores[1]!), dump(stores[0]!), 'same state');
  t.end();
});

t.test('a follower holds until a decision is committed, then completes like the leader', (t) => {
  const log: Logged[] = [];
  const long = "local a = 0 for i = 1, 3e6 do a = a + 1 end redis.call('set', 'k', a) return a";
  const entry = encodeEntry(1000, 7, [cmd('EVAL', long, '0')]);
  const stores = [new MemoryStorage(), new MemoryStorage()];

  setScriptArbiter(arbiter(log, false));
  const follower = new KvStateMachine(stores[1]!, { metaCacheBytes: 0 });
  let r = follower.applyYielding(1, entry);
  for (let turn = 0; r === APPLY_SUSPENDED && !scriptHolding() && turn < TURNS_MAX; turn++) {
    r = follower.resumeApply();
  }
  t.equal(r, APPLY_SUSPENDED);
  t.ok(scriptHolding(), 'the follower holds at the decision checkpoint');
  for (let i = 0; i < 5; i++) t.equal(follower.resumeApply(), APPLY_SUSPENDED, 'still holding');
  log.push({ slot: { index: 1, seq: 0 }, decision: 'run' });
  const r2 = finish(follower);
  t.same(r2, [3_000_000]);

  setScriptArbiter(arbiter([], true));
  const leader = new KvStateMachine(stores[0]!, { metaCacheBytes: 0 });
  const r1 = leader.applyYielding(1, entry);
  t.same(r1 === APPLY_SUSPENDED ? finish(leader) : r1, r2);
  t.same(dump(stores[1]!), dump(stores[0]!), 'same state');
  t.end();
});

t.test('sole replica: a kill stops at once; a script that wrote is unkillable', (t) => {
  const sm = new KvStateMachine(new MemoryStorage(), { metaCacheBytes: 0 });
  t.equal(sm.applyYielding(1, encodeEntry(1, 1, [cmd('EVAL', 'while true do end', '0')])), APPLY_SUSPENDED);
  t.same(
    killScript(false),
    new ErrorReply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'),
  );
  t.same(killScript(true), new SimpleString('OK'));
  const r = sm.resumeApply();
  t.not(r, APPLY_SUSPENDED, 'stopped on the next turn');
  t.match((r as ErrorReply[])[0]!.message, KILLED);

  const dirty = "redis.call('set', 'w', '1') local a = 0 for i = 1, 3e6 do a = a + 1 end return a";
  t.equal(sm.applyYielding(2, encodeEntry(2, 1, [cmd('EVAL', dirty, '0')])), APPLY_SUSPENDED);
  t.match(killScript(true), { message: /^UNKILLABLE Sorry the script already executed write commands/ });
  t.same(finish(sm), [3_000_000]);
  t.same(killScript(true), new ErrorReply('NOTBUSY No scripts in execution right now.'));
  t.end();
});
