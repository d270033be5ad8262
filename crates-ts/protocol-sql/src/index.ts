export * from './backend.js';
export * from './errors.js';
export * from './constants.js';
export { PgServer, type PgServerConfig, MAX_CONNECTIONS_DEFAULT } from './server.js';
export type { PgServerOptions } from './server-context.js';
export {
  type AuthMethod,
  type AuthRule,
  DEFAULT_AUTH_RULES,
  chooseAuthMethod,
  validateAuthRules,
} from './auth/rules.js';
export { makeScramVerifier, parseScramVerifier, ScramExchange } from './auth/scram.js';
export { makeMd5Secret, md5Response } from './auth/md5.js';
export { OID, typeName } from './types/oids.js';
export { binaryToText, textToBinary, hasBinaryForm } from './types/binary.js';
export { encodeCopyOut, decodeCopyIn } from './copy.js';
export { FrameReader, STARTUP_TYPE, type Frame } from './reader.js';
export { BackendWriter, type FieldDescription } from './writer.js';
export { defaultServerParameters } from './parameters.js';
