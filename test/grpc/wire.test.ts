/**
 * The wire format of the learner service (src/grpc/wire.ts): the embedded proto text is the committed .proto,
 * tensors and trajectories survive a round trip through protobuf bytes bit for bit (expected values: the
 * inputs themselves), and malformed tensors are refused with the field's name.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Trajectory } from '../../src/agent/trajectory.js';
import { GrpcProtocolError } from '../../src/grpc/errors.js';
import { PROTO_TEXT } from '../../src/grpc/proto-text.js';
import { decodeMessage, DType, encodeMessage, fromWireTensor, fromWireTrajectory, toWireTensor, toWireTrajectory, type WireUnroll } from '../../src/grpc/wire.js';

function trajectory(T: number, lstm: number, pixels: boolean): Trajectory {
  const n = T + 1;
  const obsShape = pixels ? [3, 4, 2] : [4];
  const obsSize = obsShape.reduce((a, b) => a * b, 1);
  const observations = pixels ? Uint8Array.from({ length: n * obsSize }, (_, i) => (i * 7) % 256) : Float32Array.from({ length: n * obsSize }, (_, i) => Math.sin(i) * 1e3);
  return {
    unrollLength: T,
    observationShape: obsShape,
    observations,
    rewards: Float32Array.from({ length: n }, (_, i) => (i % 3) - 1.5),
    dones: Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0)),
    terminated: Uint8Array.from({ length: n }, (_, i) => (i === 3 ? 1 : 0)),
    truncated: new Uint8Array(n),
    truncationValues: new Float32Array(n),
    lastActions: Int32Array.from({ length: n * 2 }, (_, i) => i % 2),
    actions: Int32Array.from({ length: n * 2 }, (_, i) => (i + 1) % 2),
    behaviourLogits: Float32Array.from({ length: n * 5 }, (_, i) => (i === 4 ? -Infinity : i / 7)),
    initialState: lstm > 0 ? { c: Float32Array.from({ length: lstm }, (_, i) => i / 3), h: Float32Array.from({ length: lstm }, (_, i) => -i / 5) } : null,
    policyVersion: 17,
    episodes: [{ episodeReturn: 21.5, episodeLength: 300, truncated: false, actorId: 4, envIndex: 1, task: 'CartPole-v1' }],
    actorId: 4,
  };
}

describe('wire format', () => {
  test('src/grpc/proto-text.ts is proto/impala_rl.proto (regenerate with node scripts/embed-proto.mjs)', () => {
    assert.equal(PROTO_TEXT, readFileSync(new URL('../../proto/impala_rl.proto', import.meta.url), 'utf8'));
  });

  test('tensors round-trip through Unroll bytes bit for bit, in fresh aligned arrays', () => {
    const a = Float32Array.from([1.5, -0, NaN, Infinity, 3.4e38]);
    const t = toWireTensor(a, [5]);
    assert.equal(t.dtype, DType.FLOAT32);
    const back = fromWireTensor(t, 'x', ['float32']);
    assert.deepEqual(back.shape, [5]);
    assert.deepEqual(new Uint8Array(back.array.buffer), new Uint8Array(a.buffer));
    assert.equal(back.array.byteOffset, 0);
  });

  for (const [lstm, pixels] of [[0, false], [3, true]] as const) {
    test(`a trajectory survives encode -> bytes -> decode (lstm ${lstm}, ${pixels ? 'uint8 pixels' : 'float32'})`, () => {
      const t = trajectory(6, lstm, pixels);
      const bytes = encodeMessage('Unroll', { session_id: 's', trajectories: [toWireTrajectory(t)] });
      const m = decodeMessage('Unroll', bytes) as WireUnroll;
      assert.equal(m.session_id, 's');
      const back = fromWireTrajectory(m.trajectories[0]!, 4, 'trajectories[0]');
      assert.deepEqual(back, t);
    });
  }

  test('the actor id comes from the learner (the session), not from the message', () => {
    const t = trajectory(2, 0, false);
    const back = fromWireTrajectory(toWireTrajectory(t), 9, 'trajectories[0]');
    assert.equal(back.actorId, 9);
    assert.equal(back.episodes[0]!.actorId, 9);
  });

  test('malformed tensors are refused with the field named', () => {
    const t = toWireTrajectory(trajectory(3, 0, false));
    const cases: [string, object, RegExp][] = [
      ['missing', { ...t, rewards: null }, /trajectories\[0\]\.rewards is missing/],
      ['dtype', { ...t, dones: { ...t.dones!, dtype: DType.FLOAT32 } }, /trajectories\[0\]\.dones has dtype float32, expected uint8/],
      ['unknown dtype', { ...t, dones: { ...t.dones!, dtype: 99 } }, /dones has dtype #99/],
      ['bytes', { ...t, rewards: { ...t.rewards!, data: new Uint8Array(3) } }, /rewards has 3 bytes, but shape \[4\] of float32 needs 16/],
      ['rows', { ...t, unroll_length: 5 }, /observations has shape \[4, 4\], expected \[6, \.\.\.observation shape\]/],
      ['rank', { ...t, rewards: { ...t.rewards!, shape: [2, 2] } }, /rewards has shape \[2, 2\], expected \[4\]/],
      ['half a state', { ...t, initial_c: toWireTensor(new Float32Array(2), [2]) }, /initial_h is missing/],
    ];
    for (const [name, m, pattern] of cases) {
      assert.throws(() => fromWireTrajectory(m as never, 0, 'trajectories[0]'), (e: unknown) => e instanceof GrpcProtocolError && pattern.test(e.message), name);
    }
  });
});
