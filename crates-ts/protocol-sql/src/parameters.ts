/**
 * The ParameterStatus values sent after authentication (the GUC_REPORT parameters of
 * PostgreSQL 15, in its order). The engine may override any through
 * `Backend.serverParameters()`; application_name and client_encoding come from the client.
 */
import { SqlError, SQLSTATE } from './errors.js';

export const SERVER_VERSION_DEFAULT = '15.0';

export function defaultServerParameters(): Record<string, string> {
  return {
    application_name: '',
    client_encoding: 'UTF8',
    DateStyle: 'ISO, MDY',
    default_transaction_read_only: 'off',
    in_hot_standby: 'off',
    integer_datetimes: 'on',
    IntervalStyle: 'postgres',
    is_superuser: 'off',
    server_encoding: 'UTF8',
    server_version: SERVER_VERSION_DEFAULT,
    session_authorization: '',
    standard_conforming_strings: 'on',
    TimeZone: 'UTC',
  };
}

/**
 * Client encodings accepted: UTF8 (any spelling PostgreSQL accepts) and SQL_ASCII, which
 * PostgreSQL also passes through unconverted. Others would need conversion we do not do.
 */
export function normaliseClientEncoding(value: string): string {
  const v = value.toUpperCase().replace(/[-_]/g, '');
  if (v === 'UTF8' || v === 'UNICODE') return 'UTF8';
  if (v === 'SQLASCII') return 'SQL_ASCII';
  throw new SqlError({
    severity: 'FATAL',
    code: SQLSTATE.INVALID_PARAMETER_VALUE,
    message: `invalid value for parameter "client_encoding": "${value}"`,
  });
}

export interface ParameterInputs {
  client: Record<string, string>;
  user: string;
  superuser: boolean;
  engine: Record<string, string> | undefined;
}

export function startupParameters(p: ParameterInputs): Record<string, string> {
  const out = { ...defaultServerParameters(), ...(p.engine ?? {}) };
  out.application_name = p.client.application_name ?? '';
  if (p.client.client_encoding !== undefined)
    out.client_encoding = normaliseClientEncoding(p.client.client_encoding);
  out.is_superuser = p.superuser ? 'on' : 'off';
  out.session_authorization = p.user;
  return out;
}
