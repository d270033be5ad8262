/**
 * Kill decisions for the scripts of a Raft group (@seshat/kv script-runner.ts says why and how
 * they are used): the group's leader decides and proposes a decision as a log command; every
 * replica follows the first decision committed for a script, which the driver shows the state
 * machine among the committed entries queued behind the suspended one (KvStateMachine
 * noteCommitted / decisions).
 */
import type { GroupDriver } from '@seshat/cluster';
import {
  type KvStateMachine,
  type ScriptArbiter,
  type ScriptDecision,
  type ScriptSlot,
  scriptDecisionArgv,
} from '@seshat/kv';

export class GroupScriptArbiter implements ScriptArbiter {
  readonly replicated = true;

  constructor(
    private readonly driver: GroupDriver,
    private readonly sm: KvStateMachine,
  ) {}

  decides(): boolean {
    return this.driver.isLeader;
  }

  decision(slot: ScriptSlot): ScriptDecision | undefined {
    return this.sm.decisions.get(slot);
  }

  propose(slot: ScriptSlot, decision: ScriptDecision): void {
    this.driver.submit(null, 0, scriptDecisionArgv(slot, decision));
  }
}
