/**
 * @seshat/raft: the Raft consensus core (no I/O) and its helpers. See README.md for the
 * driver contract.
 */
export * from './config.js';
export * from './confchange.js';
export * from './dedup.js';
export * from './errors.js';
export * from './log.js';
export * from './log-unstable.js';
export * from './messages.js';
export * from './proposals.js';
export * from './quorum.js';
export * from './raft.js';
export * from './raw-node.js';
export * from './read-only.js';
export * from './storage.js';
export * from './tracker/inflights.js';
export * from './tracker/progress.js';
export * from './tracker/tracker.js';
