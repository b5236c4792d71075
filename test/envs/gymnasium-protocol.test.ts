// The bridge's binary protocol, without Python: request layouts (as python/impala_rl_gym_bridge.py reads them),
// reply decoding, and the stream reader cutting messages at every possible chunk boundary.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CMD_CLOSE,
  CMD_RESET,
  CMD_STEP,
  FrameReader,
  HEADER_BYTES,
  REPLY_BATCH,
  buildSpace,
  decodeBatch,
  encodeClose,
  encodeReset,
  encodeStep,
  observationReader,
} from '../../src/envs/builtin/gymnasium/protocol.js';

/** A BATCH reply for one env, laid out as the Python side writes it. */
function batchReply(index: number, reward: number, flags: number, obs: Uint8Array): Buffer {
  const stride = (obs.length + 7) & ~7;
  const payload = Buffer.alloc(32 + stride);
  payload[0] = REPLY_BATCH;
  payload.writeUInt32LE(1, 4);
  payload.writeDoubleLE(reward, 8);
  payload.writeUInt32LE(index, 16);
  payload[24] = flags;
  payload.set(obs, 32);
  return payload;
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

describe('gymnasium bridge protocol', () => {
  test('STEP: header, command, want-info flag, indices, float64 actions at an 8-byte offset', () => {
    const msg = encodeStep([3, 0, 7], [1, 5, 2], 1, true);
    const payloadLength = msg.readUInt32LE(0);
    assert.equal(msg.length, HEADER_BYTES + payloadLength);
    const p = msg.subarray(HEADER_BYTES);
    assert.equal(p[0], CMD_STEP);
    assert.equal(p[1], 1);
    assert.equal(p.readUInt32LE(4), 3);
    assert.deepEqual([p.readUInt32LE(8), p.readUInt32LE(12), p.readUInt32LE(16)], [3, 0, 7]);
    // 8 + 4·3 = 20 → actions at 24.
    assert.deepEqual([p.readDoubleLE(24), p.readDoubleLE(32), p.readDoubleLE(40)], [1, 5, 2]);
    assert.equal(payloadLength, 48);
    const multi = encodeStep([0, 1], [Float32Array.of(0.5, -1), [2, 3]], 2, false).subarray(HEADER_BYTES);
    assert.equal(multi[1], 0);
    assert.deepEqual([16, 24, 32, 40].map((o) => multi.readDoubleLE(o)), [0.5, -1, 2, 3]);
    assert.throws(() => encodeStep([0], [[1, 2, 3]], 2, false), /expected an action of 2 value/);
    assert.throws(() => encodeStep([0], [4], 2, false), /expected an action of 2 values, got the number 4/);
  });

  test('RESET and CLOSE', () => {
    const reset = encodeReset([1, 2], [10, null], { a: 1 });
    assert.equal(reset[HEADER_BYTES], CMD_RESET);
    assert.deepEqual(JSON.parse(reset.toString('utf8', HEADER_BYTES + 4)), { indices: [1, 2], seeds: [10, null], options: { a: 1 } });
    assert.equal(reset.readUInt32LE(0), reset.length - HEADER_BYTES);
    const close = encodeClose();
    assert.deepEqual([...close], [1, 0, 0, 0, 0, 0, 0, 0, CMD_CLOSE]);
  });

  test('decodes a BATCH reply in place, with and without a trailer', () => {
    const obs = Uint8Array.from({ length: 13 }, (_, i) => i * 3);
    const payload = batchReply(5, -1.5, 2, obs);
    const reply = decodeBatch(payload, 16, observationReader({ kind: 'box', shape: [13], dtype: 'uint8', low: 0, high: 255 }));
    assert.deepEqual([...reply.indices], [5]);
    assert.deepEqual([...reply.rewards], [-1.5]);
    assert.deepEqual([...reply.flags], [2]);
    assert.deepEqual(reply.observation(0), obs);
    assert.equal(reply.infos, null);
    assert.equal(reply.errors, null);
    const withInfo = Buffer.concat([payload, Buffer.from(JSON.stringify({ infos: [{ lives: 3 }], errors: null }))]);
    withInfo[1] = 1;
    const decoded = decodeBatch(withInfo, 16, observationReader({ kind: 'discrete', n: 4, start: 0 }));
    assert.deepEqual(decoded.infos, [{ lives: 3 }]);
    assert.equal(decoded.errors, null);
  });

  test('decodes a BATCH for k envs, observations in the payload or in shared memory', () => {
    const read = observationReader({ kind: 'box', shape: [5], dtype: 'uint8', low: 0, high: 255 });
    // k = 3 envs (2, 0, 1): rewards at 8, indices at 32, flags at 48, observations at 56 (stride 8).
    const k = 3;
    const obs = [0, 1, 2].map((j) => Uint8Array.from({ length: 5 }, (_, e) => 10 * j + e));
    const payload = Buffer.alloc(56 + 8 * k);
    payload[0] = REPLY_BATCH;
    payload.writeUInt32LE(k, 4);
    [2, 0, 1].forEach((index, j) => {
      payload.writeDoubleLE(j - 0.5, 8 + 8 * j);
      payload.writeUInt32LE(index, 32 + 4 * j);
      payload[48 + j] = j === 1 ? 4 : 0;
      payload.set(obs[j]!, 56 + 8 * j);
    });
    const inPipe = decodeBatch(Buffer.concat([payload, Buffer.from(JSON.stringify({ infos: null, errors: [null, 'ValueError: no', null] }))]).fill(1, 1, 2), 8, read);
    assert.deepEqual([...inPipe.indices], [2, 0, 1]);
    assert.deepEqual([...inPipe.rewards], [-0.5, 0.5, 1.5]);
    assert.deepEqual([...inPipe.flags], [0, 4, 0]);
    assert.deepEqual(inPipe.errors, [null, 'ValueError: no', null]);
    [0, 1, 2].forEach((j) => { assert.deepEqual(inPipe.observation(j), obs[j]); });
    // The same reply with the observations in a shared file (slot = env index): no observations in the payload.
    const file = Buffer.alloc(8 * 3);
    [2, 0, 1].forEach((index, j) => { file.set(obs[j]!, 8 * index); });
    const reads: [number, number][] = [];
    const shared = (dst: Buffer, offset: number, length: number, position: number): void => {
      reads.push([length, position]);
      file.copy(dst, offset, position, position + length);
    };
    const inShm = Buffer.from(payload.subarray(0, 56));
    inShm[2] = 1;
    const r = decodeBatch(inShm, 8, read, shared);
    [0, 1, 2].forEach((j) => { assert.deepEqual(r.observation(j), obs[j]); });
    assert.deepEqual(reads, [[8, 16], [8, 0], [8, 8]], 'one read per env when the envs are not consecutive');
    // Envs 0, 1, 2 in order: one read for all.
    const ordered = Buffer.from(inShm);
    [0, 1, 2].forEach((index, j) => ordered.writeUInt32LE(index, 32 + 4 * j));
    reads.length = 0;
    const o = decodeBatch(ordered, 8, read, shared);
    assert.deepEqual(reads, [[24, 0]]);
    assert.deepEqual(o.observation(2), obs[0], 'env 2 (the first env of the shared reply above)');
    assert.throws(() => decodeBatch(inShm, 8, read), /shared memory/);
  });

  test('reads Discrete, MultiDiscrete and float Box observations', () => {
    const b = Buffer.alloc(16);
    b.writeInt32LE(-7, 0);
    assert.equal(observationReader({ kind: 'discrete', n: 4, start: 0 })(b, 0), -7);
    b.writeInt32LE(2, 4);
    assert.deepEqual(observationReader({ kind: 'multi-discrete', nvec: [3, 3] })(b, 0), Int32Array.of(-7, 2));
    b.writeFloatLE(0.25, 8);
    b.writeFloatLE(-2, 12);
    assert.deepEqual(observationReader({ kind: 'box', shape: [2], dtype: 'float32', low: '-Infinity', high: 'Infinity' })(b, 8), Float32Array.of(0.25, -2));
  });

  test('builds spaces, infinite bounds included', () => {
    assert.equal(buildSpace({ kind: 'discrete', n: 6, start: 0 }).toString(), 'Discrete(6)');
    const box = buildSpace({ kind: 'box', shape: [2], dtype: 'float32', low: [-1, '-Infinity'], high: 'Infinity' });
    assert.match(box.toString(), /low=\[-1, -Infinity\], high=\[Infinity, Infinity\]/);
  });

  test('FrameReader: every split of a stream of three messages gives the same payloads, each 8-byte aligned', () => {
    const payloads = [batchReply(0, 1, 0, new Uint8Array(5).fill(1)), Buffer.from([9]), batchReply(1, 2, 1, new Uint8Array(21).fill(2))];
    const stream = Buffer.concat(payloads.map(frame));
    for (let cut1 = 0; cut1 <= stream.length; cut1++) {
      for (const cut2 of [cut1, Math.min(stream.length, cut1 + 3), stream.length]) {
        const got: Buffer[] = [];
        const reader = new FrameReader();
        // Copy each chunk to an odd offset too, so both the in-place and the copying paths run.
        for (const [a, b] of [[0, cut1], [cut1, cut2], [cut2, stream.length]] as const) {
          if (a === b) continue;
          const backing = Buffer.alloc(b - a + 1);
          stream.copy(backing, cut1 % 2, a, b);
          reader.push(backing.subarray(cut1 % 2, cut1 % 2 + b - a), (p) => got.push(p));
        }
        assert.equal(got.length, 3, `cuts ${cut1}/${cut2}`);
        got.forEach((p, i) => {
          assert.deepEqual([...p], [...payloads[i]!], `cuts ${cut1}/${cut2}, message ${i}`);
          assert.equal(p.byteOffset % 8, 0);
        });
      }
    }
  });
});
