/**
 * What Redis 7.0.15 reports about the scripting commands (EVAL*, FCALL*, SCRIPT, FUNCTION) in
 * COMMAND INFO and COMMAND DOCS, in the compact form described in command-docs.ts (which merges
 * this table into COMMAND_DOCS). Extracted from a real redis-server 7.0.15 over RESP3 with
 * scripts/extract-command-docs.ts; edit by hand only to follow Redis.
 */
import type { CommandDoc } from './command-docs.js';

// biome-ignore format: a generated table, one command per block
export const SCRIPTING_COMMAND_DOCS: { readonly [name: string]: CommandDoc } = {
  eval: {
    info: [-3, 'noscript stale skip_monitor no_mandatory_keys movablekeys', 0, 0, 0, '@slow @scripting'],
    keys: ['RW access update | index 2 | keynum 0 1 1 | We cannot tell how the keys will be used so we assume the worst, RW and UPDATE'],
    doc: ['Execute a Lua script server side', '2.6.0', 'scripting', 'Depends on the script that is executed.'],
    args: ['script string', 'numkeys integer', 'key key #0 ?*', 'arg string ?*'],
  },
  eval_ro: {
    info: [-3, 'readonly noscript stale skip_monitor no_mandatory_keys movablekeys', 0, 0, 0, '@slow @scripting'],
    keys: ['RO access | index 2 | keynum 0 1 1 | We cannot tell how the keys will be used so we assume the worst, RO and ACCESS'],
    doc: ['Execute a read-only Lua script server side', '7.0.0', 'scripting', 'Depends on the script that is executed.'],
    args: ['script string', 'numkeys integer', 'key key #0 ?*', 'arg string ?*'],
  },
  evalsha: {
    info: [-3, 'noscript stale skip_monitor no_mandatory_keys movablekeys', 0, 0, 0, '@slow @scripting'],
    keys: ['RW access update | index 2 | keynum 0 1 1'],
    doc: ['Execute a Lua script server side', '2.6.0', 'scripting', 'Depends on the script that is executed.'],
    args: ['sha1 string', 'numkeys integer', 'key key #0 ?*', 'arg string ?*'],
  },
  evalsha_ro: {
    info: [-3, 'readonly noscript stale skip_monitor no_mandatory_keys movablekeys', 0, 0, 0, '@slow @scripting'],
    keys: ['RO access | index 2 | keynum 0 1 1'],
    doc: ['Execute a read-only Lua script server side', '7.0.0', 'scripting', 'Depends on the script that is executed.'],
    args: ['sha1 string', 'numkeys integer', 'key key #0 ?*', 'arg string ?*'],
  },
  fcall: {
    info: [-3, 'noscript stale skip_monitor no_mandatory_keys movablekeys', 0, 0, 0, '@slow @scripting'],
    keys: ['RW access update | index 2 | keynum 0 1 1 | We cannot tell how the keys will be used so we assume the worst, RW and UPDATE'],
    doc: ['Invoke a function', '7.0.0', 'scripting', 'Depends on the function that is executed.'],
    args: ['function string', 'numkeys integer', 'key key #0 ?*', 'arg string ?*'],
  },
  fcall_ro: {
    info: [-3, 'readonly noscript stale skip_monitor no_mandatory_keys movablekeys', 0, 0, 0, '@slow @scripting'],
    keys: ['RO access | index 2 | keynum 0 1 1 | We cannot tell how the keys will be used so we assume the worst, RO and ACCESS'],
    doc: ['Invoke a read-only function', '7.0.0', 'scripting', 'Depends on the function that is executed.'],
    args: ['function string', 'numkeys integer', 'key key #0 ?*', 'arg string ?*'],
  },
  function: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for function commands', '7.0.0', 'scripting', 'Depends on subcommand.'],
  },
  'function|delete': {
    info: [3, 'write noscript', 0, 0, 0, '@write @slow @scripting'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: ['Delete a function by name', '7.0.0', 'scripting', 'O(1)'],
    args: ['library-name string'],
  },
  'function|dump': {
    info: [2, 'noscript', 0, 0, 0, '@slow @scripting'],
    doc: ['Dump all functions into a serialized binary payload', '7.0.0', 'scripting', 'O(N) where N is the number of functions'],
  },
  'function|flush': {
    info: [-2, 'write noscript', 0, 0, 0, '@write @slow @scripting'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: ['Deleting all functions', '7.0.0', 'scripting', 'O(N) where N is the number of functions deleted'],
    args: [['async oneof ?', ['async pure-token =ASYNC', 'sync pure-token =SYNC']]],
  },
  'function|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow @scripting'],
    doc: ['Show helpful text about the different subcommands', '7.0.0', 'scripting', 'O(1)'],
  },
  'function|kill': {
    info: [2, 'noscript allow_busy', 0, 0, 0, '@slow @scripting'],
    tips: ['request_policy:all_shards', 'response_policy:one_succeeded'],
    doc: ['Kill the function currently in execution.', '7.0.0', 'scripting', 'O(1)'],
  },
  'function|list': {
    info: [-2, 'noscript', 0, 0, 0, '@slow @scripting'],
    tips: ['nondeterministic_output_order'],
    doc: ['List information about all the functions', '7.0.0', 'scripting', 'O(N) where N is the number of functions'],
    args: ['library-name-pattern string =LIBRARYNAME ?', 'withcode pure-token =WITHCODE ?'],
  },
  'function|load': {
    info: [-3, 'write denyoom noscript', 0, 0, 0, '@write @slow @scripting'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: ['Create a function with the given arguments (name, code, description)', '7.0.0', 'scripting', 'O(1) (considering compilation time is redundant)'],
    args: ['replace pure-token =REPLACE ?', 'function-code string'],
  },
  'function|restore': {
    info: [-3, 'write denyoom noscript', 0, 0, 0, '@write @slow @scripting'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    doc: ['Restore all the functions on the given payload', '7.0.0', 'scripting', 'O(N) where N is the number of functions on the payload'],
    args: ['serialized-value string', ['policy oneof ?', ['flush pure-token =FLUSH', 'append pure-token =APPEND', 'replace pure-token =REPLACE']]],
  },
  'function|stats': {
    info: [2, 'noscript allow_busy', 0, 0, 0, '@slow @scripting'],
    tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
    doc: ['Return information about the function currently running (name, description, duration)', '7.0.0', 'scripting', 'O(1)'],
  },
  script: {
    info: [-2, '', 0, 0, 0, '@slow'],
    doc: ['A container for Lua scripts management commands', '2.6.0', 'scripting', 'Depends on subcommand.'],
  },
  'script|debug': {
    info: [3, 'noscript', 0, 0, 0, '@slow @scripting'],
    doc: ['Set the debug mode for executed scripts.', '3.2.0', 'scripting', 'O(1)'],
    args: [['mode oneof', ['yes pure-token =YES', 'sync pure-token =SYNC', 'no pure-token =NO']]],
  },
  'script|exists': {
    info: [-3, 'noscript', 0, 0, 0, '@slow @scripting'],
    tips: ['request_policy:all_shards', 'response_policy:agg_logical_and'],
    doc: ['Check existence of scripts in the script cache.', '2.6.0', 'scripting', 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).'],
    args: ['sha1 string *'],
  },
  'script|flush': {
    info: [-2, 'noscript', 0, 0, 0, '@slow @scripting'],
    tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    doc: ['Remove all the scripts from the script cache.', '2.6.0', 'scripting', 'O(N) with N being the number of scripts in cache'],
    history: [['6.2.0', 'Added the `ASYNC` and `SYNC` flushing mode modifiers.']],
    args: [['async oneof @6.2.0 ?', ['async pure-token =ASYNC', 'sync pure-token =SYNC']]],
  },
  'script|help': {
    info: [2, 'loading stale', 0, 0, 0, '@slow @scripting'],
    doc: ['Show helpful text about the different subcommands', '5.0.0', 'scripting', 'O(1)'],
  },
  'script|kill': {
    info: [2, 'noscript allow_busy', 0, 0, 0, '@slow @scripting'],
    tips: ['request_policy:all_shards', 'response_policy:one_succeeded'],
    doc: ['Kill the script currently in execution.', '2.6.0', 'scripting', 'O(1)'],
  },
  'script|load': {
    info: [3, 'noscript stale', 0, 0, 0, '@slow @scripting'],
    tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'],
    doc: ['Load the specified Lua script into the script cache.', '2.6.0', 'scripting', 'O(N) with N being the length in bytes of the script body.'],
    args: ['script string'],
  },
};
