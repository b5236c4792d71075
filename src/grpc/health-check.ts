/**
 * {@link checkLearnerHealth}: a client of the standard gRPC health checking protocol (grpc.health.v1.Health/Check),
 * as `impala-rl health` and container health checks use it.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { channelCredentials, formatAddress, parseAddress, tokenMetadata, type ActorTlsOptions } from './transport-options.js';

// The two messages of grpc/health/v1/health.proto that Check uses (field numbers as published by gRPC).
const root = protobuf.parse(`syntax = "proto3"; package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; } ServingStatus status = 1; }`).root;
const Request = root.lookupType('grpc.health.v1.HealthCheckRequest');
const Response = root.lookupType('grpc.health.v1.HealthCheckResponse');
const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const statusName = (code: number): string => (grpc.status as unknown as Record<number, string | undefined>)[code] ?? String(code);

/**
 * Options of {@link checkLearnerHealth}.
 * @category Distributed
 */
export interface HealthCheckOptions {
  /** The server's `HOST:PORT`. */
  readonly connect: string;
  /**
   * The service to ask about (`''`: the server as a whole).
   * @defaultValue `''`
   */
  readonly service?: string;
  /** TLS towards the server; absent: plaintext. */
  readonly tls?: ActorTlsOptions;
  /** Sent as `authorization` metadata when given (the health service does not need it). */
  readonly token?: string | null;
  /**
   * Longest wait for the answer.
   * @defaultValue 5000
   */
  readonly timeoutMs?: number;
}

/**
 * Asks a server's health service (grpc.health.v1.Health/Check) for a service's status.
 *
 * @param options - see {@link HealthCheckOptions}.
 * @returns `'SERVING'`, `'NOT_SERVING'`, `'UNKNOWN'` or `'SERVICE_UNKNOWN'` (the server does not know `service`:
 *   Check's NOT_FOUND), or `'UNREACHABLE: <why>'` when no answer came (no server, timeout, TLS failure, the call
 *   refused).
 *
 * @example
 * ```ts
 * const status = await checkLearnerHealth({ connect: '127.0.0.1:50051' });
 * if (status !== 'SERVING') process.exitCode = 1;
 * ```
 * @category Distributed
 */
export async function checkLearnerHealth(options: HealthCheckOptions): Promise<string> {
  const { host, port } = parseAddress(options.connect, 'connect');
  const client = new grpc.Client(formatAddress(host, port), channelCredentials(options.tls), options.tls?.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {});
  try {
    return await new Promise<string>((resolve) => {
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (m: { service: string }) => Buffer.from(Request.encode(m).finish()),
        (b: Buffer) => Response.decode(b) as unknown as { status: number },
        { service: options.service ?? '' },
        tokenMetadata(options.token),
        { deadline: Date.now() + (options.timeoutMs ?? 5000) },
        (error, value) => {
          // Check answers NOT_FOUND for a service the server does not know (grpc.health.v1): it was reached.
          if (error?.code === grpc.status.NOT_FOUND) resolve('SERVICE_UNKNOWN');
          else if (error) resolve(`UNREACHABLE: ${statusName(error.code)}: ${error.details || error.message}`);
          else resolve(STATUS_NAMES[value?.status ?? 0] ?? `status ${value?.status}`);
        },
      );
    });
  } finally {
    client.close();
  }
}
