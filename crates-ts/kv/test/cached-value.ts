import type { KvStateMachine } from '@seshat/kv';

/** GET's fast path as text: the cached value of `key` in db 0, null (known absent) or
 * undefined (the generic path must answer). */
export function cachedValue(sm: KvStateMachine, key: string, nowMs: number): string | null | undefined {
  const page = sm.cachedString(0, Buffer.from(key), nowMs);
  return page ? page.toString('latin1', sm.cachedStart, sm.cachedEnd) : page;
}
