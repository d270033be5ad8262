/**
 * The log command carrying a kill decision for a script (script-runner.ts): the group's
 * leader proposes it, followers read it ahead of applying (scriptDecisionsIn) while their run
 * of the script holds, and applying it does nothing. Internal: clients cannot send it.
 *
 * argv = [INTERNAL_SCRIPT_DECISION, entry index, script seq, 'run' | 'kill', checkpoint]
 */
import type { Reply } from '@seshat/common';
import { decodeEntry } from '../entry.js';
import { defineInternalCommand } from '../commands/internal.js';
import type { ScriptDecision, ScriptSlot } from './script-runner.js';

export const INTERNAL_SCRIPT_DECISION = Buffer.from('\x00script-decision');

const RUN = Buffer.from('run');
const KILL = Buffer.from('kill');

export function scriptDecisionArgv(slot: ScriptSlot, decision: ScriptDecision): Buffer[] {
  return [
    INTERNAL_SCRIPT_DECISION,
    Buffer.from(String(slot.index)),
    Buffer.from(String(slot.seq)),
    decision === 'run' ? RUN : KILL,
    Buffer.from(String(decision === 'run' ? 0 : decision.kill)),
  ];
}

export interface LoggedDecision {
  readonly slot: ScriptSlot;
  readonly decision: ScriptDecision;
}

function parse(argv: Buffer[]): LoggedDecision | null {
  if (argv.length !== 5 || !argv[0]!.equals(INTERNAL_SCRIPT_DECISION)) return null;
  const slot = { index: Number(argv[1]!.toString('latin1')), seq: Number(argv[2]!.toString('latin1')) };
  const decision: ScriptDecision = argv[3]!.equals(RUN)
    ? 'run'
    : { kill: Number(argv[4]!.toString('latin1')) };
  return { slot, decision };
}

/** The decisions a log entry carries, in order. */
export function scriptDecisionsIn(entryBytes: Buffer): LoggedDecision[] {
  const out: LoggedDecision[] = [];
  for (const c of decodeEntry(entryBytes).commands) {
    const d = parse(c.argv);
    if (d !== null) out.push(d);
  }
  return out;
}

/**
 * The first decision committed for each script, among the entries a Raft driver showed while
 * an entry waited (KvStateMachine.noteCommitted), in log order: later ones for the same script
 * lose (script-runner.ts).
 */
export class CommittedDecisions {
  private readonly first = new Map<string, ScriptDecision>();

  note(entryBytes: Buffer): void {
    if (!entryBytes.includes(INTERNAL_SCRIPT_DECISION)) return;
    for (const d of scriptDecisionsIn(entryBytes)) {
      const key = `${d.slot.index}:${d.slot.seq}`;
      if (!this.first.has(key)) this.first.set(key, d.decision);
    }
  }

  get(slot: ScriptSlot): ScriptDecision | undefined {
    return this.first.get(`${slot.index}:${slot.seq}`);
  }

  clear(): void {
    if (this.first.size > 0) this.first.clear();
  }
}

const NOTHING: Reply = 0;
defineInternalCommand(INTERNAL_SCRIPT_DECISION, () => NOTHING);
