import { assert } from '@seshat/common';
import { RaftError } from './errors.js';
import { type ConfChange, ConfChangeType, type ConfState, EMPTY_BYTES } from './messages.js';

/**
 * Single-server membership changes (thesis 4.1). A change is validated when proposed
 * and applied when its entry is applied; applying is a pure function of (ConfState,
 * change) so every replica reaches the same membership. A change that has become invalid
 * by the time it is applied is a no-op on every replica alike.
 *
 *   AddNode         add a voter, or promote a learner
 *   AddLearnerNode  add a learner (demoting a voter is refused)
 *   RemoveNode      remove a voter or learner; its id is remembered and never re-admitted
 */

/** Why `change` cannot apply to `cs`, or null if it can. */
export function confChangeProblem(cs: ConfState, change: ConfChange): string | null {
  const id = change.nodeId;
  if (!Number.isSafeInteger(id) || id < 1) return `invalid node id ${id}`;
  if (cs.removed.includes(id) && change.type !== ConfChangeType.RemoveNode) {
    return `node id ${id} was removed and cannot be reused`;
  }
  switch (change.type) {
    case ConfChangeType.AddNode:
      return null;
    case ConfChangeType.AddLearnerNode:
      return cs.voters.includes(id) ? `node ${id} is a voter; demotion is not supported` : null;
    case ConfChangeType.RemoveNode:
      if (cs.voters.length === 1 && cs.voters[0] === id) return `cannot remove the last voter ${id}`;
      return null;
    default:
      return `unknown conf change type ${String(change.type)}`;
  }
}

/** The membership after `change`; unchanged if the change is invalid (deterministic no-op). */
export function applyConfChangeToState(cs: ConfState, change: ConfChange): ConfState {
  if (confChangeProblem(cs, change) !== null) return cs;
  const id = change.nodeId;
  const voters = cs.voters.filter((v) => v !== id);
  const learners = cs.learners.filter((v) => v !== id);
  const removed = cs.removed.slice();
  switch (change.type) {
    case ConfChangeType.AddNode:
      voters.push(id);
      break;
    case ConfChangeType.AddLearnerNode:
      learners.push(id);
      break;
    case ConfChangeType.RemoveNode:
      if (cs.voters.includes(id) || cs.learners.includes(id)) removed.push(id);
      break;
  }
  const sort = (a: number, b: number) => a - b;
  return { voters: voters.sort(sort), learners: learners.sort(sort), removed: removed.sort(sort) };
}

/** Throws RaftError('conf_change_invalid') if the change cannot apply. */
export function validateConfChange(cs: ConfState, change: ConfChange): void {
  const problem = confChangeProblem(cs, change);
  if (problem !== null) throw new RaftError('conf_change_invalid', problem);
}

export function confStateEqual(a: ConfState, b: ConfState): boolean {
  return sameIds(a.voters, b.voters) && sameIds(a.learners, b.learners) && sameIds(a.removed, b.removed);
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// --- Encoding: protobuf wire format of seshat.raft.v1.ConfChange (type=1, node_id=2, context=3).

const CONF_CHANGE_CONTEXT_MAX_BYTES = 64 * 1024;

export function encodeConfChange(change: ConfChange): Uint8Array {
  assert(change.context.byteLength <= CONF_CHANGE_CONTEXT_MAX_BYTES, 'confchange: context too large');
  const out: number[] = [];
  if (change.type !== 0) {
    out.push((1 << 3) | 0);
    pushVarint(out, change.type);
  }
  if (change.nodeId !== 0) {
    out.push((2 << 3) | 0);
    pushVarint(out, change.nodeId);
  }
  const bytes = new Uint8Array(
    out.length + (change.context.byteLength > 0 ? 6 + change.context.byteLength : 0),
  );
  bytes.set(out);
  let offset = out.length;
  if (change.context.byteLength > 0) {
    const header: number[] = [(3 << 3) | 2];
    pushVarint(header, change.context.byteLength);
    bytes.set(header, offset);
    offset += header.length;
    bytes.set(change.context, offset);
    offset += change.context.byteLength;
  }
  return bytes.subarray(0, offset);
}

export function decodeConfChange(bytes: Uint8Array): ConfChange {
  let type = 0;
  let nodeId = 0;
  let context: Uint8Array = EMPTY_BYTES;
  const cursor = { offset: 0 };
  while (cursor.offset < bytes.length) {
    const key = readVarint(bytes, cursor);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const value = readVarint(bytes, cursor);
      if (field === 1) type = value;
      else if (field === 2) nodeId = value;
    } else if (wire === 2) {
      const length = readVarint(bytes, cursor);
      assert(cursor.offset + length <= bytes.length, 'confchange: truncated bytes field');
      if (field === 3) context = bytes.slice(cursor.offset, cursor.offset + length);
      cursor.offset += length;
    } else {
      assert(false, `confchange: unsupported wire type ${wire}`);
    }
  }
  assert(type === 0 || type === 1 || type === 2, `confchange: unknown type ${type}`);
  return { type: type as ConfChangeType, nodeId, context };
}

function pushVarint(out: number[], value: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, `varint: bad value ${value}`);
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function readVarint(bytes: Uint8Array, cursor: { offset: number }): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    assert(cursor.offset < bytes.length, 'varint: truncated');
    const b = bytes[cursor.offset++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 0x80;
  }
  assert(false, 'varint: longer than 8 bytes (value beyond 2^53)');
}
