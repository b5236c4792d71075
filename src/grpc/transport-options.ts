/**
 * What both ends of the learner service agree on besides the messages: addresses, the shared token, TLS,
 * message size limits, compression and keepalive.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { GrpcConfigError } from './errors.js';

/**
 * Transport settings shared by `GrpcActorFleet` and `runRemoteActor`.
 * @category Distributed
 */
export interface GrpcTransportOptions {
  /**
   * The shared secret: actors send it as `authorization: Bearer <token>` metadata on every call; the learner
   * answers UNAUTHENTICATED to a call without it. Null or absent: no token (allowed only on loopback, or with
   * client certificates).
   */
  readonly token?: string | null;
  /**
   * Largest message accepted, in bytes (both directions); larger ones get RESOURCE_EXHAUSTED.
   * @defaultValue 64 MiB
   */
  readonly maxMessageBytes?: number;
  /**
   * Compression of the messages this side sends (the other side accepts either).
   * @defaultValue `'none'`
   */
  readonly compression?: 'none' | 'gzip';
}

/**
 * PEM files of the learner's TLS (`--tls-cert`, `--tls-key`, `--tls-client-ca`).
 * @category Distributed
 */
export interface LearnerTlsOptions {
  /** The learner's certificate chain (PEM). */
  readonly cert: Uint8Array;
  /** The learner's private key (PEM). */
  readonly key: Uint8Array;
  /** When set, actors must present a client certificate signed by this CA (PEM). */
  readonly clientCa?: Uint8Array;
}

/**
 * PEM files of an actor's TLS (`--tls-ca`, and `--tls-cert`/`--tls-key` for a client certificate).
 * @category Distributed
 */
export interface ActorTlsOptions {
  /** The CA that signed the learner's certificate (PEM); absent: the system's roots. */
  readonly ca?: Uint8Array;
  /** The actor's client certificate chain (PEM), when the learner asks for one. */
  readonly cert?: Uint8Array;
  /** The actor's private key (PEM). */
  readonly key?: Uint8Array;
  /** The name to check the learner's certificate against, when it is not the host of the address. */
  readonly serverName?: string;
}

/** Default largest message: 64 MiB (the deep network's parameters are about 6 MiB; an Atari unroll about 3 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Splits `HOST:PORT` (IPv6 in brackets: `[::1]:50051`). HOST is an IPv4 address or a host name (letters,
 * digits, `.`, `-`, `_`).
 *
 * @param address - the address.
 * @param option - the option it came from, for errors.
 * @returns host (without brackets) and port.
 * @throws {@link GrpcConfigError} naming the option.
 */
export function parseAddress(address: string, option: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new GrpcConfigError(`${option}: expected HOST:PORT (e.g. 127.0.0.1:50051 or [::1]:50051), got ${JSON.stringify(address)}`);
  const host = (m[1] ?? m[2])!;
  if (m[1] !== undefined && isIP(host) !== 6) throw new GrpcConfigError(`${option}: ${JSON.stringify(host)} in brackets is not an IPv6 address`);
  return { host, port };
}

/**
 * Whether a host names this machine's loopback interface only (127.0.0.0/8, ::1, localhost).
 *
 * @param host - host as in {@link parseAddress}.
 * @returns true for loopback.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** `HOST:PORT` for grpc-js (IPv6 hosts in brackets). */
export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Channel and server options for size limits, compression and keepalive. */
export function grpcChannelOptions(options: GrpcTransportOptions, side: 'server' | 'client'): grpc.ChannelOptions {
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isInteger(max) || max < 1024) throw new GrpcConfigError(`maxMessageBytes must be an integer ≥ 1024, got ${String(max)}`);
  const compression = options.compression ?? 'none';
  if ((compression as string) !== 'none' && (compression as string) !== 'gzip') throw new GrpcConfigError(`compression must be 'none' or 'gzip', got ${JSON.stringify(compression)}`);
  return {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    ...(compression === 'gzip' ? { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip } : {}),
    // Pings find a peer whose machine vanished (a killed process closes its connection by itself).
    'grpc.keepalive_time_ms': side === 'server' ? 10_000 : 20_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    ...(side === 'server' ? { 'grpc.http2.min_ping_interval_without_data_ms': 5_000 } : {}),
  };
}

/** The server's credentials: TLS (optionally requiring client certificates) or none. */
export function serverCredentials(tls: LearnerTlsOptions | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    tls.clientCa ? Buffer.from(tls.clientCa) : null,
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    tls.clientCa !== undefined,
  );
}

/** An actor's channel credentials: TLS (with an optional client certificate) or none. */
export function channelCredentials(tls: ActorTlsOptions | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new GrpcConfigError('tls: a client certificate needs both cert and key');
  return grpc.credentials.createSsl(tls.ca ? Buffer.from(tls.ca) : null, tls.key ? Buffer.from(tls.key) : null, tls.cert ? Buffer.from(tls.cert) : null);
}

/** The metadata carrying the token (empty without one). */
export function tokenMetadata(token: string | null | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Whether a call's metadata carries the token (compared in constant time).
 *
 * @param metadata - the call's metadata.
 * @param token - the learner's token, or null for none.
 */
export function tokenMatches(metadata: grpc.Metadata, token: string | null): boolean {
  if (token === null) return true;
  const values = metadata.get('authorization');
  if (values.length !== 1 || typeof values[0] !== 'string') return false;
  return timingSafeEqual(digest(values[0]), digest(`Bearer ${token}`));
}

/**
 * Checks a token for use in metadata: printable ASCII, no spaces, at least 16 characters.
 *
 * @param token - the token.
 * @param source - where it came from (a file, an environment variable), for errors.
 * @returns the token.
 */
export function checkToken(token: string, source: string): string {
  if (token.length < 16) throw new GrpcConfigError(`${source}: the token has ${token.length} characters; use at least 16 (e.g. openssl rand -hex 32)`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new GrpcConfigError(`${source}: the token must be printable ASCII without spaces`);
  return token;
}
