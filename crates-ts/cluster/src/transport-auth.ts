/**
 * Password protection of the Raft port: every gRPC service on it (Raft streams, snapshots,
 * client-command forwarding, the AdminService) answers only calls that present the node's
 * password.
 *
 * The server side (serverAuthInterceptor) reads the password to require at each call, so a
 * CONFIG SET takes effect for the next call; a stream already open stays open. A call without
 * the `seshat-auth` metadata is refused with UNAUTHENTICATED "NOAUTH Authentication
 * required.", one with a wrong password with "WRONGPASS invalid username-password pair or
 * user is disabled." (Redis's own texts for the same two cases on its client port).
 *
 * The client side (withPassword) adds the metadata to every call of a channel. The password
 * travels in plain text, like Redis's AUTH; TLS is a later phase.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type ChannelOptions,
  type ClientOptions,
  InterceptingCall,
  type Interceptor,
  type Metadata,
  type ServerInterceptor,
  ServerInterceptingCall,
  ServerListenerBuilder,
  ResponderBuilder,
  status,
} from '@grpc/grpc-js';

/** Metadata key carrying the password. */
export const METADATA_AUTH = 'seshat-auth';

export const NOAUTH_DETAILS = 'NOAUTH Authentication required.';
export const WRONGPASS_DETAILS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** The current password ('' = none). Read per call, so a configuration change applies. */
export type Password = () => string;

/** Compares in time independent of where the two differ (digests have equal lengths). */
function samePassword(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Why a call with `md` is refused, or null when it may go on. */
export function authRefusal(md: Metadata, required: string): string | null {
  if (required === '') return null;
  const given = md.get(METADATA_AUTH);
  if (given.length === 0) return NOAUTH_DETAILS;
  return samePassword(String(given[0]), required) ? null : WRONGPASS_DETAILS;
}

/** Refuses, before its handler runs, every call that does not present `required()`. */
export function serverAuthInterceptor(required: Password): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(
      call,
      new ResponderBuilder()
        .withStart((next) => {
          next(
            new ServerListenerBuilder()
              .withOnReceiveMetadata((md, nextMd) => {
                const refusal = authRefusal(md, required());
                if (refusal === null) nextMd(md);
                else call.sendStatus({ code: status.UNAUTHENTICATED, details: refusal });
              })
              .build(),
          );
        })
        .build(),
    );
}

/** Adds `password()` (when not empty) to the metadata of every call. */
function clientAuthInterceptor(password: Password): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(md, listener, next) {
        const p = password();
        if (p !== '') md.set(METADATA_AUTH, p);
        next(md, listener);
      },
    });
}

/** Client options whose calls present `password` (none: unchanged). */
export function withPassword(options: ChannelOptions, password?: Password): ClientOptions {
  return password === undefined ? options : { ...options, interceptors: [clientAuthInterceptor(password)] };
}
