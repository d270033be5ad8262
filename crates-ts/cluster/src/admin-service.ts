/**
 * gRPC plumbing of cluster administration (proto/node.proto, AdminService), so the server
 * (crates-ts/seshat/src/admin-service.ts) and the CLI (admin-cli.ts) need no gRPC import:
 *
 *   serveAdmin(transport, handler)   the node side, on the transport's gRPC server (register
 *                                    before start()); each rpc calls one async handler method
 *   AdminCaller(address)             the operator side: one channel, promise per call, each
 *                                    bounded by a deadline
 *
 * Contract (see node.proto): an action's own refusal (not the leader, bad member id, ...)
 * is a normal reply with `ok: false` and the RESP error text; a gRPC error status means the
 * call failed (unreachable node, deadline, or a handler that threw: INTERNAL).
 */
import {
  credentials,
  Metadata,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import {
  type AddLearnerRequest,
  type AddLearnerResponse,
  AdminServiceClient,
  AdminServiceService,
  type CreateGroupRequest,
  type CreateGroupResponse,
  type DestroyGroupRequest,
  type DestroyGroupResponse,
  type InitRequest,
  type InitResponse,
  type PromoteRequest,
  type PromoteResponse,
  type RemoveRequest,
  type RemoveResponse,
  type SnapshotRequest,
  type SnapshotResponse,
  type StatusRequest,
  type StatusResponse,
  type TransferLeaderRequest,
  type TransferLeaderResponse,
} from './gen/node.js';
import type { Transport } from './transport.js';
import { withPassword } from './transport-auth.js';
import { channelOptions, resolveLimits } from './transport-config.js';

export type {
  AddLearnerRequest,
  AddLearnerResponse,
  CreateGroupRequest,
  CreateGroupResponse,
  DestroyGroupRequest,
  DestroyGroupResponse,
  InitRequest,
  InitResponse,
  MemberAddress as AdminMemberAddress,
  PeerProgress as AdminPeerProgress,
  PromoteRequest,
  PromoteResponse,
  RaftStatus as AdminRaftStatus,
  RemoveRequest,
  RemoveResponse,
  SnapshotRequest as AdminSnapshotRequest,
  SnapshotResponse as AdminSnapshotResponse,
  StatusRequest,
  StatusResponse,
  TransferLeaderRequest,
  TransferLeaderResponse,
} from './gen/node.js';

/** Bound on one admin call, membership changes included (the leader answers those within
 * its 5 s request timeout). */
export const ADMIN_CALL_TIMEOUT_MS = 10_000;

/** One method per AdminService rpc; a rejected promise fails the call with INTERNAL. */
export interface AdminHandler {
  status(req: StatusRequest): Promise<StatusResponse>;
  init(req: InitRequest): Promise<InitResponse>;
  transferLeader(req: TransferLeaderRequest): Promise<TransferLeaderResponse>;
  snapshot(req: SnapshotRequest): Promise<SnapshotResponse>;
  addLearner(req: AddLearnerRequest): Promise<AddLearnerResponse>;
  promote(req: PromoteRequest): Promise<PromoteResponse>;
  remove(req: RemoveRequest): Promise<RemoveResponse>;
  createGroup(req: CreateGroupRequest): Promise<CreateGroupResponse>;
  destroyGroup(req: DestroyGroupRequest): Promise<DestroyGroupResponse>;
}

function unary<Req, Res>(
  fn: (req: Req) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    // Through a promise so that a synchronous throw also ends as INTERNAL, not a crash.
    Promise.resolve(call.request)
      .then(fn)
      .then(
        (res) => callback(null, res),
        (e: unknown) => callback({ code: status.INTERNAL, details: (e as Error)?.message ?? String(e) }),
      );
  };
}

/** Serves AdminService on `transport`'s gRPC server (call before transport.start()). */
export function serveAdmin(transport: Transport, handler: AdminHandler): void {
  transport.addService(AdminServiceService, {
    status: unary((r: StatusRequest) => handler.status(r)),
    init: unary((r: InitRequest) => handler.init(r)),
    transferLeader: unary((r: TransferLeaderRequest) => handler.transferLeader(r)),
    snapshot: unary((r: SnapshotRequest) => handler.snapshot(r)),
    addLearner: unary((r: AddLearnerRequest) => handler.addLearner(r)),
    promote: unary((r: PromoteRequest) => handler.promote(r)),
    remove: unary((r: RemoveRequest) => handler.remove(r)),
    createGroup: unary((r: CreateGroupRequest) => handler.createGroup(r)),
    destroyGroup: unary((r: DestroyGroupRequest) => handler.destroyGroup(r)),
  });
}

type Callback<Res> = (err: ServiceError | null, res: Res) => void;

/** The operator side: AdminService calls to the node at `address` (its raft host:port). */
export class AdminCaller implements AdminHandler {
  private readonly client: AdminServiceClient;

  /** `password`: the node's requirepass, if it has one (transport-auth.ts). */
  constructor(
    address: string,
    private readonly timeoutMs = ADMIN_CALL_TIMEOUT_MS,
    password?: string,
  ) {
    this.client = new AdminServiceClient(
      address,
      credentials.createInsecure(),
      withPassword(channelOptions(resolveLimits({})), password === undefined ? undefined : () => password),
    );
  }

  private call<Res>(
    start: (md: Metadata, opts: { deadline: number }, cb: Callback<Res>) => void,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      start(new Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) =>
        err === null ? resolve(res) : reject(err),
      );
    });
  }

  status(req: StatusRequest): Promise<StatusResponse> {
    return this.call((md, o, cb) => this.client.status(req, md, o, cb));
  }
  init(req: InitRequest): Promise<InitResponse> {
    return this.call((md, o, cb) => this.client.init(req, md, o, cb));
  }
  transferLeader(req: TransferLeaderRequest): Promise<TransferLeaderResponse> {
    return this.call((md, o, cb) => this.client.transferLeader(req, md, o, cb));
  }
  snapshot(req: SnapshotRequest): Promise<SnapshotResponse> {
    return this.call((md, o, cb) => this.client.snapshot(req, md, o, cb));
  }
  addLearner(req: AddLearnerRequest): Promise<AddLearnerResponse> {
    return this.call((md, o, cb) => this.client.addLearner(req, md, o, cb));
  }
  promote(req: PromoteRequest): Promise<PromoteResponse> {
    return this.call((md, o, cb) => this.client.promote(req, md, o, cb));
  }
  remove(req: RemoveRequest): Promise<RemoveResponse> {
    return this.call((md, o, cb) => this.client.remove(req, md, o, cb));
  }
  createGroup(req: CreateGroupRequest): Promise<CreateGroupResponse> {
    return this.call((md, o, cb) => this.client.createGroup(req, md, o, cb));
  }
  destroyGroup(req: DestroyGroupRequest): Promise<DestroyGroupResponse> {
    return this.call((md, o, cb) => this.client.destroyGroup(req, md, o, cb));
  }

  close(): void {
    this.client.close();
  }
}
