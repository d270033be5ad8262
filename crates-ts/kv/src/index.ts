export * from './command-table.js';
export * from './ctx.js';
export * from './encoding-limits.js';
export * from './entry.js';
export * from './keys.js';
export * from './meta.js';
export * from './resolve.js';
export * from './state-machine.js';
export * from './args.js';
export { INTERNAL_EXEC, INTERNAL_EXPIRE, isInternalName } from './commands/internal.js';
export { countKeysInSlot, keysInSlot } from './commands/slot-keys.js';
export { dumpPayload, INTERNAL_MIGRATE_DELETE, payloadDigest } from './commands/dump.js';
export { crc64 } from './rdb/crc64.js';
export * from './collection.js';
export * from './meta-cache.js';
export * from './txn.js';
export * from './blocking.js';
export * from './long-double.js';
export { hashHi, hashLo, murmurHash64A } from './hll/murmur64.js';
export { crAsin, crCos, crSin } from './geo/crmath.js';
export { pqsort } from './geo/pqsort.js';
export { decodeScore, scoreOf, standardGeohash } from './geo/geohash.js';
export { initScripting } from './scripting/engine.js';
export { initLua } from './scripting/lua/runtime.js';
export { cachedScriptCount, evalArgvFor } from './scripting/script-cache.js';
export {
  abandonScript,
  BUSY_EVAL,
  BUSY_FUNCTION,
  type BusyScript,
  busyScript,
  killScript,
  lastKillCheckpoint,
  SCRIPT_SUSPENDED,
  type ScriptArbiter,
  scriptHolding,
  type ScriptDecision,
  type ScriptSlot,
  setScriptArbiter,
} from './scripting/script-runner.js';
export {
  CommittedDecisions,
  INTERNAL_SCRIPT_DECISION,
  type LoggedDecision,
  scriptDecisionArgv,
  scriptDecisionsIn,
} from './scripting/script-decision.js';
export type { ScriptObserver } from './scripting/script-observer.js';
export { writesOrMayReplicate } from './may-replicate.js';
export { scriptCallFlags, scriptCallWrites } from './scripting/script-command-flags.js';
export type { FunctionRegistry } from './scripting/function-registry.js';
export { functionEngineStats } from './scripting/function-commands.js';
export { ERR_SLOT_NOT_SERVED, scopedIterator, slotRefusal } from './slot-scope.js';
export {
  INTERNAL_SLOTS_LEND,
  INTERNAL_SLOTS_RETURN,
  lendCommand,
  returnCommand,
  type SlotLoans,
} from './slot-loans.js';
export { AccessClock } from './access-clock.js';
