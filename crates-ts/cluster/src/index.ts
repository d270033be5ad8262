export * from './rocks-log-storage.js';
export * from './sm-snapshot.js';
export {
  ALL_SLOTS,
  decodeDescriptor,
  IMAGE_CFS,
  type ImageDescriptor,
  type ImageHeader,
  membersKey,
  SNAPSHOT_CHUNK_BYTES_MAX,
  type SlotRange,
} from './sm-snapshot-format.js';
export * from './transport.js';
export { messageFromProto, messageToProto } from './transport-convert.js';
export * from './group-driver.js';
export * from './node-service.js';
export * from './retry-table.js';
export * from './admin-service.js';
export * from './transport-auth.js';
export * from './state-machine.js';
export * from './node-host.js';
export { ApplyQueue } from './apply-queue.js';
export { eraseGroup, GROUP_ID_MAX } from './group-erase.js';
export { stateKey } from './rocks-log-codec.js';
