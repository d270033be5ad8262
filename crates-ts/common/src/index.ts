export * from './assert.js';
export * from './errors.js';
export * from './limits.js';
export * from './clock.js';
export * from './random.js';
export * from './crc16.js';
export * from './reply.js';
export * from './slot-ranges.js';
