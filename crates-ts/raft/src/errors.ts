import { type ErrorCode, SeshatError } from '@seshat/common';

/**
 * Why the core refused a request. All are operating errors the driver maps to a client
 * reply (retry elsewhere, retry later); none is a programmer error.
 */
export type RaftErrorReason =
  /** propose/readIndex on a node that is not the leader; `leaderId` is a hint (0 = unknown). */
  | 'not_leader'
  /** The leader is handing over leadership; retry on the new leader shortly. */
  | 'transfer_in_progress'
  /** A membership change is still unapplied, or the leader has not committed its no-op yet. */
  | 'conf_change_pending'
  /** The membership change is invalid against the current configuration. */
  | 'conf_change_invalid'
  /** Uncommitted proposals exceed maxUncommittedEntriesBytes; back-pressure. */
  | 'uncommitted_limit'
  /** Too many ReadIndex requests are waiting; back-pressure. */
  | 'read_limit'
  /** This node was removed from the group. */
  | 'removed';

const CODES: Record<RaftErrorReason, ErrorCode> = {
  not_leader: 'TRYAGAIN',
  transfer_in_progress: 'TRYAGAIN',
  conf_change_pending: 'TRYAGAIN',
  conf_change_invalid: 'ERR',
  uncommitted_limit: 'TRYAGAIN',
  read_limit: 'TRYAGAIN',
  removed: 'CLUSTERDOWN',
};

export class RaftError extends SeshatError {
  override name = 'RaftError';
  readonly reason: RaftErrorReason;
  /** Known leader when reason is not_leader, else 0. */
  readonly leaderId: number;
  constructor(reason: RaftErrorReason, message: string, leaderId = 0) {
    super(CODES[reason], message);
    this.reason = reason;
    this.leaderId = leaderId;
  }
}
