/** The error thrown when a requested backend cannot be used. */
import { ImpalaRlError } from '../internal/errors.js';
import type { BackendRequest } from './backend-names.js';

/**
 * Base class of the backends module's errors.
 * @category Backends
 */
export class BackendError extends ImpalaRlError {}

/**
 * Why a backend could not be used:
 * - `missing`: its npm package is not installed;
 * - `failed`: the package is installed but does not load or initialise (e.g. tfjs-node's native
 *   addon was never built);
 * - `no-gpu`: `cuda` was requested but libtensorflow sees no GPU;
 * - `conflict`: another package already registered the `tensorflow` backend in this process.
 * @category Backends
 */
export type BackendUnavailableReason = 'missing' | 'failed' | 'no-gpu' | 'conflict';

/**
 * Thrown by `useBackend` when the requested backend cannot be used; the message says how to fix it.
 * @category Backends
 */
export class BackendUnavailableError extends BackendError {
  /** The backend that was requested. */
  readonly backend: BackendRequest;
  /** Why it is unavailable. */
  readonly reason: BackendUnavailableReason;
  /** The command that installs the missing package, when that is the fix. */
  readonly installCommand: string | undefined;

  /**
   * @param backend - the backend that was requested.
   * @param reason - why it is unavailable.
   * @param message - the full, human-readable explanation.
   * @param installCommand - the command that installs the missing package, if any.
   * @param cause - the underlying error, if any.
   */
  constructor(backend: BackendRequest, reason: BackendUnavailableReason, message: string, installCommand?: string, cause?: unknown) {
    super(message, cause === undefined ? {} : { cause });
    this.backend = backend;
    this.reason = reason;
    this.installCommand = installCommand;
  }
}
