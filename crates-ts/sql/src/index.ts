export { SqlError, SqlState, type SqlErrorFields } from './errors.js';
export { loadParser, parseSql } from './parse.js';
export { SqlStateMachine, CONFLICT_REPLY_TEXT } from './state-machine.js';
export {
  SqlEngine,
  SqlSession,
  LocalCommitter,
  type Committer,
  type PreparedStatement,
  type ResultColumn,
  type SqlResult,
  STATEMENT_RETRIES_MAX,
} from './session.js';
export { encodeSqlEntry, decodeSqlEntry, type WriteSet, type WriteOp } from './write-set.js';
export { encodeKey, tablePrefix, indexPrefix, KeyWriter, writeKeyValue, compareKeyOrder } from './keys.js';
export { Oid, type SqlType, type Value } from './types/oids.js';
export { Numeric, parseNumeric } from './types/numeric.js';
export { formatFloat4, formatFloat8 } from './types/float-format.js';
