/**
 * List-append (RPUSH of a unique element inside MULTI / LRANGE 0 -1), per key. Beyond the
 * grow-only rules (no duplicate, no element out of nowhere, no lost acknowledged append,
 * no read going back; see grow-only.ts):
 *
 *   prefix order  all reads are prefixes of one another: ordered by length, each is a
 *                 prefix of the next (two readers never saw the appends in different orders);
 *   append order  in the longest read, an append that returned before another was called
 *                 comes first, and is present whenever the later one is.
 */
import type { ListOp, Verdict } from '../history.ts';
import { addsByElement, checkGrowOnly, type GrowOp, type Read, reads } from './grow-only.ts';
import { byKey, describe, VerdictBuilder } from './verdict.ts';

function isPrefix(a: readonly string[], b: readonly string[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkPrefixes(key: string, rs: readonly Read[], v: VerdictBuilder): void {
  const sorted = [...rs].sort((a, b) => a.elements.length - b.elements.length);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (!isPrefix(a.elements, b.elements)) {
      const at = a.elements.findIndex((e, j) => b.elements[j] !== e);
      v.invalid(
        `key ${key}: ${describe(a.op)} is not a prefix of ${describe(b.op)}: they differ at position ${at} (${JSON.stringify(
          a.elements[at],
        )} vs ${JSON.stringify(b.elements[at])})`,
      );
      return;
    }
  }
}

function checkAppendOrder(key: string, ops: readonly GrowOp[], longest: Read, v: VerdictBuilder): void {
  const adds = addsByElement(ops);
  const placed = longest.elements.map((e) => adds.get(e)).filter((o): o is GrowOp => o !== undefined);
  // suffixMinRet[i]: the earliest return among the appends placed at i or later.
  const suffixMinRet: number[] = new Array(placed.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = placed.length - 1; i >= 0; i--)
    suffixMinRet[i] = Math.min(placed[i]!.ret, suffixMinRet[i + 1]!);
  for (let i = 0; i < placed.length; i++) {
    const a = placed[i]!;
    if (suffixMinRet[i + 1]! < a.call) {
      const b = placed.slice(i + 1).find((o) => o.ret < a.call)!;
      v.invalid(
        `key ${key}: ${describe(a)} comes before ${describe(b)}, which had returned before it was called`,
      );
      return;
    }
  }
  let latestCall = Number.NEGATIVE_INFINITY;
  let latest: GrowOp | undefined;
  for (const o of placed)
    if (o.call > latestCall) {
      latestCall = o.call;
      latest = o;
    }
  for (const a of adds.values()) {
    if (a.status !== 'ok' || longest.set.has(a.input.f === 'read' ? '' : a.input.element)) continue;
    if (a.ret < latestCall) {
      v.invalid(
        `key ${key}: ${describe(longest.op)} has ${describe(latest!)} but not the earlier acknowledged ${describe(a)}`,
      );
      return;
    }
  }
}

export function checkLists(all: readonly ListOp[]): Verdict {
  const v = new VerdictBuilder();
  for (const [key, ops] of byKey(all as readonly GrowOp[])) {
    v.add('keys');
    v.add('ops', ops.length);
    const rs = reads(ops);
    checkGrowOnly(key, ops, rs, v);
    checkPrefixes(key, rs, v);
    const longest = rs.reduce<Read | undefined>(
      (best, r) => (best === undefined || r.elements.length > best.elements.length ? r : best),
      undefined,
    );
    if (longest !== undefined) checkAppendOrder(key, ops, longest, v);
  }
  return v.done();
}
