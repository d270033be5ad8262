/**
 * Kill decisions for the scripts of a Raft group (@seshat/kv script-runner.ts explains why
 * and how they are used): the leader decides and proposes a decision as a log command;
 * every replica follows the first decision committed for a script, read from the committed
 * entries queued behind the suspended one (ApplyQueue).
 */
import { type ScriptArbiter, type ScriptDecision, type ScriptSlot, scriptDecisionArgv } from '@seshat/kv';
import type { ApplyQueue } from './apply-queue.js';

export interface DecisionHost {
  readonly isLeader: boolean;
  readonly applyQueue: ApplyQueue;
  submit(waiter: null, db: number, argv: Buffer[]): void;
}

export class GroupScriptArbiter implements ScriptArbiter {
  readonly replicated = true;

  constructor(private readonly host: DecisionHost) {}

  decides(): boolean {
    return this.host.isLeader;
  }

  decision(slot: ScriptSlot): ScriptDecision | undefined {
    return this.host.applyQueue.decision(slot.index, slot.seq)?.decision;
  }

  propose(slot: ScriptSlot, decision: ScriptDecision): void {
    this.host.submit(null, 0, scriptDecisionArgv(slot, decision));
  }
}
