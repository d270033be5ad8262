export * from './constants.js';
export * from './double.js';
export * from './errors.js';
export { InlineSplitter } from './inline.js';
export * from './limits.js';
export { parseLongLong } from './number.js';
export * from './parser.js';
export * from './request.js';
export * from './writer.js';
