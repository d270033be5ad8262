/**
 * The extra libraries Redis offers scripts (bit, cjson, cmsgpack, struct): each module's
 * table is pushed by its own module (lib-*.ts), for the prelude to install as a global.
 */
import { BIT_LIBRARY } from './lib-bit.js';
import { pushCjsonModule, resetJsonConfigs } from './lib-cjson.js';
import { pushCmsgpackModule } from './lib-cmsgpack.js';
import { pushStructModule } from './lib-struct.js';
import { setFunctions } from './lib-support.js';
import { lua } from './runtime.js';

function pushBitModule(L: number): void {
  lua()._lua_createtable(L, 0, 12);
  setFunctions(L, BIT_LIBRARY);
}

/** Pushers of each library's module table, by global name. */
export const LIBRARIES: Record<string, (L: number) => void> = {
  bit: pushBitModule,
  cjson: pushCjsonModule,
  cmsgpack: pushCmsgpackModule,
  struct: pushStructModule,
};

/** Library state a script may change and must not leave to the next one (before each run). */
export function resetLibraryState(): void {
  resetJsonConfigs();
}
