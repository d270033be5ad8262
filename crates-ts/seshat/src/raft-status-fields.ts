/**
 * The field list of RAFT STATUS, in reply order, shared by the server's reply (a map in RESP3,
 * a flat array in RESP2) and `seshat cluster status --grpc` (which rebuilds the same reply from
 * the gRPC StatusResponse so that both print the same lines). `wrap` turns the flat key/value
 * list of one member or peer into the caller's nested form.
 */
import type { MemberAddress } from './member-address.js';

/** One member's replication progress as the leader tracks it (empty on followers). */
export interface PeerView {
  id: number;
  match: number;
  next: number;
  state: string;
  learner: boolean;
}

/** RAFT STATUS as plain data (the RESP reply and the gRPC StatusResponse are built from it). */
export interface RaftStatusView {
  nodeId: number;
  role: string;
  term: number;
  leader: number;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  voters: number[];
  learners: number[];
  /** The address book, by id. */
  members: MemberAddress[];
  peers: PeerView[];
}

export type StatusPairs = (string | number)[];

export function raftStatusPairs<T>(
  v: RaftStatusView,
  wrap: (pairs: StatusPairs) => T,
): (string | number | number[] | T[])[] {
  return [
    ...['node-id', v.nodeId, 'role', v.role, 'term', v.term, 'leader', v.leader, 'commit', v.commit],
    ...['applied', v.applied, 'first-index', v.firstIndex, 'last-index', v.lastIndex],
    ...['snapshot-index', v.snapshotIndex, 'voters', v.voters, 'learners', v.learners],
    'members',
    v.members.map((m) => wrap(['id', m.id, 'raft', m.raft, 'client', m.client])),
    'peers',
    v.peers.map((p) =>
      wrap(['id', p.id, 'match', p.match, 'next', p.next, 'state', p.state, 'learner', p.learner ? 1 : 0]),
    ),
  ];
}
