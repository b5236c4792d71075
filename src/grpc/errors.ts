import { ImpalaRlError } from '../internal/errors.js';

/**
 * Base class of the errors of the gRPC transport (`GrpcActorFleet`, `runRemoteActor`, the wire format).
 * @category Distributed
 */
export class GrpcTransportError extends ImpalaRlError {}

/**
 * A message that does not follow proto/impala_rl.proto's rules (a tensor missing, of the wrong dtype or byte
 * count); the message names the field. The learner answers it with INVALID_ARGUMENT.
 * @category Distributed
 */
export class GrpcProtocolError extends GrpcTransportError {}

/**
 * Options of `GrpcActorFleet` or `runRemoteActor` that cannot work together (listening on a public address
 * without TLS, a TLS key without its certificate, an unreadable token file); the message names the option.
 * @category Distributed
 */
export class GrpcConfigError extends GrpcTransportError {}

/**
 * The learner refused a remote actor for good (a wrong or missing token, another model or environment, a
 * malformed message): retrying cannot help. `code` is the gRPC status code (e.g. 16 for UNAUTHENTICATED).
 * @category Distributed
 */
export class RemoteActorRefusedError extends GrpcTransportError {
  /** The gRPC status code of the refusal. */
  readonly code: number;

  /**
   * @param message - what was refused and why.
   * @param code - the gRPC status code.
   */
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
}

/**
 * A remote actor gave up reaching its learner after retrying for its whole retry budget (`retry.giveUpAfterMs`).
 * @category Distributed
 */
export class LearnerUnreachableError extends GrpcTransportError {}
