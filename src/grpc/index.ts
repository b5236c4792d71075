/**
 * Actors on other processes and machines: the learner service over gRPC (proto/impala_rl.proto).
 * {@link GrpcActorFleet} is the learner's side (an `ActorFleet` for `train`), {@link runRemoteActor} the actor's.
 * Node only.
 *
 * @packageDocumentation
 */
export { GrpcActorFleet } from './grpc-actor-fleet.js';
export type { GrpcActorFleetListenOptions, GrpcActorFleetOptions } from './grpc-actor-fleet.js';
export { runRemoteActor } from './remote-actor.js';
export type { RemoteActorOptions, RemoteActorResult, RemoteActorRetry } from './remote-actor.js';
export { checkLearnerHealth } from './health-check.js';
export type { HealthCheckOptions } from './health-check.js';
export { DEFAULT_MAX_MESSAGE_BYTES } from './transport-options.js';
export type { ActorTlsOptions, GrpcTransportOptions, LearnerTlsOptions } from './transport-options.js';
export { GrpcConfigError, GrpcProtocolError, GrpcTransportError, LearnerUnreachableError, RemoteActorRefusedError } from './errors.js';
