export * from './command-table.js';
export * from './ctx.js';
export * from './entry.js';
export * from './keys.js';
export * from './meta.js';
export * from './resolve.js';
export * from './state-machine.js';
export * from './args.js';
export { isInternalName } from './commands/internal.js';
