/**
 * `impala-rl/testing`: helpers for checking your own implementations against impala-rl's references.
 *
 * @packageDocumentation
 */

/** Placeholder replaced by the V-trace conformance helpers. */
export const testingVersion = '0.1.0';
