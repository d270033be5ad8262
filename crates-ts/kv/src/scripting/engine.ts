/**
 * Start of the scripting engine: the Lua engine (WebAssembly) and the two script states, EVAL's
 * and the function libraries', made at once and in this order on the fresh engine. Their
 * addresses in the engine's memory, and so their string hash seeds (runtime.ts newState), are
 * then the same in every process: replicas iterate tables (pairs) in the same order.
 */
import { functionVm } from './function-lua.js';
import { initLua } from './lua/runtime.js';
import { evalVm } from './script-cache.js';

export async function initScripting(): Promise<void> {
  await initLua();
  evalVm();
  functionVm();
}
