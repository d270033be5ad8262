/**
 * All checkers over one history: registers by linearizability search, counters, sets and
 * lists by the bounds and order rules of their modules.
 */
import type { History, Verdict } from '../history.ts';
import { checkCounters } from './counter-bounds.ts';
import { checkRegisters, type SearchBudget } from './linearizable-register.ts';
import { checkLists } from './list-append.ts';
import { checkSets } from './set-bounds.ts';

export { checkCounters, checkLists, checkRegisters, checkSets };
export type { SearchBudget };

export function checkHistory(h: History, budget?: SearchBudget): Record<keyof History, Verdict> {
  return {
    registers: checkRegisters(h.registers, budget),
    counters: checkCounters(h.counters),
    sets: checkSets(h.sets),
    lists: checkLists(h.lists),
  };
}
