"""Tests of python/impala_rl_gym_bridge.py (run by test/python/bridge-python.test.ts when Python has numpy and
gymnasium; the Atari tests also need ale-py and skip without it). Run alone: python -m unittest discover python/tests
"""
import json
import os
import struct
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.join(os.path.dirname(HERE), 'impala_rl_gym_bridge.py')
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402
import impala_rl_gym_bridge as bridge  # noqa: E402

try:
    import ale_py  # noqa: F401
    HAVE_ALE = True
except ImportError:
    HAVE_ALE = False


class AreaResizeTest(unittest.TestCase):
    def test_weights_average_each_footprint(self):
        w = bridge.area_weights(210, 84, np)
        np.testing.assert_allclose(w.sum(axis=1), 1, atol=1e-6)
        # Output row 0 covers input rows 0, 1 and half of 2 (210 / 84 = 2.5).
        np.testing.assert_allclose(w[0, :3], [0.4, 0.4, 0.2], atol=1e-6)
        self.assertEqual(np.count_nonzero(w[0]), 3)

    def test_fast_path_equals_the_dense_product(self):
        rng = np.random.default_rng(0)
        frame = rng.integers(0, 256, (210, 160), dtype=np.uint8)
        fast = bridge.AreaResize(210, 160, 84, np)
        self.assertIsNotNone(fast.fast)
        out = fast(frame, np.empty((84, 84), np.uint8))
        dense = fast.rows @ frame.astype(np.float64) @ fast.cols
        self.assertLessEqual(np.abs(out.astype(np.float64) - dense).max(), 0.5 + 1e-3)
        # A constant frame stays constant; the general path agrees with the fast one.
        const = np.full((210, 160), 77, np.uint8)
        self.assertTrue(np.all(fast(const, np.empty((84, 84), np.uint8)) == 77))
        general = bridge.AreaResize(210, 160, 84, np)
        general.fast = None
        # (float32 sums in another order: a value at .5 may round the other way)
        diff = general(frame, np.empty((84, 84), np.uint8)).astype(int) - out
        self.assertLessEqual(np.abs(diff).max(), 1)
        self.assertLess(np.count_nonzero(diff), 20)


class CodecTest(unittest.TestCase):
    def test_box_bounds_and_encoding(self):
        import gymnasium as gym
        space = gym.spaces.Box(low=np.array([-1, -np.inf], np.float32), high=np.inf, dtype=np.float32)
        desc, nbytes, enc = bridge.codec(space, np, gym)
        self.assertEqual(desc['low'], [-1.0, '-Infinity'])
        self.assertEqual(desc['high'], 'Infinity')
        self.assertEqual(nbytes, 8)
        out = np.zeros(8, np.uint8)
        enc(np.array([0.5, -2], np.float32), out)
        self.assertEqual(struct.unpack('<2f', out.tobytes()), (0.5, -2.0))

    def test_bool_boxes_become_uint8_and_discrete_int32(self):
        import gymnasium as gym
        desc, nbytes, _ = bridge.codec(gym.spaces.Box(0, 1, (3,), np.bool_), np, gym)
        self.assertEqual((desc['dtype'], nbytes), ('uint8', 3))
        desc, nbytes, enc = bridge.codec(gym.spaces.Discrete(5), np, gym)
        out = np.zeros(4, np.uint8)
        enc(3, out)
        self.assertEqual((desc, nbytes, struct.unpack('<i', out.tobytes())[0]), ({'kind': 'discrete', 'n': 5, 'start': 0}, 4, 3))


class Server:
    """The module run as the bridge runs it, spoken to over its pipes."""

    def __init__(self, config, env=None):
        self.p = subprocess.Popen([sys.executable, MODULE, json.dumps(config)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def read(self):
        n, zero = struct.unpack('<II', self.p.stdout.read(8))
        self.assert_zero = zero
        return self.p.stdout.read(n)

    def send(self, payload):
        self.p.stdin.write(struct.pack('<II', len(payload), 0) + payload)
        self.p.stdin.flush()

    def step(self, indices, actions, replies=1):
        k = len(indices)
        head = struct.pack('<BBHI', bridge.CMD_STEP, 0, 0, k) + struct.pack('<%dI' % k, *indices)
        head += b'\0' * (bridge.pad8(len(head)) - len(head))
        self.send(head + struct.pack('<%dd' % k, *actions))
        return self.read() if replies == 1 else [self.read() for _ in range(replies)]

    def reset(self, indices, seeds):
        self.send(struct.pack('<B3x', bridge.CMD_RESET) + json.dumps({'indices': indices, 'seeds': seeds, 'options': None}).encode())
        return self.read()

    def close(self):
        self.send(bytes([bridge.CMD_CLOSE]))
        reply = self.read()
        self.p.wait(10)
        self.p.stdout.close()
        self.p.stdin.close()
        self.p.stderr.close()
        return reply


def batch_fields(payload, obs_stride):
    """(kind, rewards, indices, flags, observations (None with shared memory), trailer) of a BATCH."""
    kind, has_trailer, shm, _, k = struct.unpack_from('<BBBBI', payload)
    o_rew, o_idx, o_flags, o_obs = bridge.Batch.layout(k)
    rewards = list(struct.unpack_from('<%dd' % k, payload, o_rew))
    indices = list(struct.unpack_from('<%dI' % k, payload, o_idx))
    flags = list(payload[o_flags:o_flags + k])
    end = o_obs if shm else o_obs + k * obs_stride
    obs = None if shm else [payload[o_obs + j * obs_stride:o_obs + (j + 1) * obs_stride] for j in range(k)]
    trailer = json.loads(payload[end:]) if has_trailer else None
    return kind, rewards, indices, flags, obs, trailer


class ServerTest(unittest.TestCase):
    def test_hello_steps_in_request_order_and_close(self):
        s = Server({'id': 'CartPole-v1', 'numEnvs': 2})
        hello = s.read()
        self.assertEqual(hello[0], bridge.REPLY_HELLO)
        h = json.loads(hello[1:])
        self.assertEqual((h['numEnvs'], h['obsBytes'], h['obsStride'], h['actionSize']), (2, 16, 16, 1))
        self.assertFalse(h['sharedMemory'])
        self.assertEqual(h['protocol'], bridge.PROTOCOL_VERSION)
        # One reply per request, in request order.
        kind, _, indices, _, _, trailer = batch_fields(s.reset([1, 0], [5, 6]), 16)
        self.assertEqual((kind, indices), (bridge.REPLY_BATCH, [1, 0]))
        self.assertEqual(len(trailer['infos']), 2)
        import gymnasium as gym
        ref = gym.make('CartPole-v1')
        obs, _ = ref.reset(seed=5)
        reset_obs = batch_fields(s.reset([1], [5]), 16)[4]
        self.assertEqual(reset_obs[0], obs.astype('<f4').tobytes())
        obs, reward, terminated, truncated, _ = ref.step(1)
        kind, rewards, indices, flags, data, trailer = batch_fields(s.step([1, 0], [1, 0]), 16)
        self.assertEqual((kind, rewards[0], indices, flags, trailer), (bridge.REPLY_BATCH, reward, [1, 0], [0, 0], None))
        self.assertEqual(data[0], obs.astype('<f4').tobytes())
        # An error in one env fails that env only (flag bit 2, message in the trailer); the others step.
        kind, _, indices, flags, _, trailer = batch_fields(s.step([0, 1], [7, 0]), 16)
        self.assertEqual((kind, indices, flags[0] & 4, flags[1] & 4), (bridge.REPLY_BATCH, [0, 1], 4, 0))
        self.assertIn('Error', trailer['errors'][0])
        self.assertIsNone(trailer['errors'][1])
        self.assertEqual(s.close(), bytes([bridge.REPLY_CLOSED]))
        self.assertEqual(s.p.returncode, 0)

    def test_shared_memory_holds_the_same_observations_as_the_pipe(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'frames')
            shm = Server({'id': 'CartPole-v1', 'numEnvs': 3, 'shm': {'path': path, 'minBytes': 0}})
            pipe = Server({'id': 'CartPole-v1', 'numEnvs': 3, 'shm': {'path': path + '-unused', 'minBytes': 1 << 20}})
            self.assertTrue(json.loads(shm.read()[1:])['sharedMemory'])
            self.assertFalse(json.loads(pipe.read()[1:])['sharedMemory'])
            self.assertFalse(os.path.exists(path + '-unused'), 'below minBytes: no file')
            with open(path, 'rb') as f:
                def frames(indices):
                    return [os.pread(f.fileno(), 16, 16 * i) for i in indices]
                for request in (lambda s: s.reset([2, 0, 1], [1, 2, 3]), lambda s: s.step([0, 2], [1, 0]),
                                lambda s: s.step([1], [1]), lambda s: s.step([2, 1, 0], [0, 0, 1])):
                    a = batch_fields(request(shm), 16)
                    b = batch_fields(request(pipe), 16)
                    self.assertIsNone(a[4])
                    self.assertEqual(a[:4], b[:4])
                    self.assertEqual(frames(a[2]), b[4])
            shm.close()
            pipe.close()
        # A file that cannot be made: the pipe carries the observations.
        s = Server({'id': 'CartPole-v1', 'numEnvs': 1, 'shm': {'path': '/nonexistent-dir/frames', 'minBytes': 0}})
        self.assertFalse(json.loads(s.read()[1:])['sharedMemory'])
        self.assertEqual(len(batch_fields(s.reset([0], [1]), 16)[4][0]), 16)
        s.close()

    def test_a_step_of_many_envs_in_parts(self):
        parts = Server({'id': 'CartPole-v1', 'numEnvs': 5, 'replyParts': 2})
        whole = Server({'id': 'CartPole-v1', 'numEnvs': 5})
        parts.read()
        whole.read()
        self.assertEqual(batch_fields(parts.reset([0, 1, 2, 3, 4], [0, 1, 2, 3, 4]), 16)[2], [0, 1, 2, 3, 4], 'resets: one reply')
        whole.reset([0, 1, 2, 3, 4], [0, 1, 2, 3, 4])
        a = [batch_fields(r, 16) for r in parts.step([4, 2, 0, 1, 3], [1, 0, 1, 1, 0], replies=2)]
        b = batch_fields(whole.step([4, 2, 0, 1, 3], [1, 0, 1, 1, 0]), 16)
        self.assertEqual([x[2] for x in a], [[4, 2], [0, 1, 3]], 'consecutive runs of the request, in order')
        self.assertEqual(a[0][4] + a[1][4], b[4])
        self.assertEqual(a[0][1] + a[1][1], b[1])
        self.assertEqual(len(batch_fields(parts.step([0, 1, 2], [0, 0, 0]), 16)[2]), 3, 'k < 2P: one reply')
        parts.close()
        whole.close()

    def test_a_missing_package_is_reported_with_the_pip_line(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, 'ale_py'))
            with open(os.path.join(d, 'ale_py', '__init__.py'), 'w') as f:
                f.write("raise ImportError('shadowed')\n")
            s = Server({'id': 'ALE/Pong-v5', 'numEnvs': 1}, env=dict(os.environ, PYTHONPATH=d))
            reply = s.read()
            s.p.wait(10)
            for stream in (s.p.stdout, s.p.stdin, s.p.stderr):
                stream.close()
        self.assertEqual(reply[0], bridge.REPLY_ERROR)
        e = json.loads(reply[1:])
        self.assertEqual(e['missing'], 'ale-py')
        self.assertEqual(e['pip'], '%s -m pip install gymnasium ale-py numpy' % sys.executable)
        self.assertIn(e['pip'], e['error'])


@unittest.skipUnless(HAVE_ALE, 'ale-py is not installed')
class AtariTest(unittest.TestCase):
    def make(self, **options):
        return bridge.make_env('ALE/Breakout-v5', {}, options)

    def test_observation_and_frame_skip(self):
        env = self.make(noopMax=0, repeatActionProbability=0.0)
        obs, info = env.reset(seed=0)
        self.assertEqual(obs.shape, (84, 84, 4))
        self.assertEqual(info['lives'], 5)
        # A reset stacks the first frame four times.
        for c in range(1, 4):
            np.testing.assert_array_equal(obs[..., c], obs[..., 0])
        start = env.ale.getEpisodeFrameNumber()
        env.step(1)
        self.assertEqual(env.ale.getEpisodeFrameNumber() - start, 4)
        env.close()

    def test_no_op_starts_and_sticky_actions_are_configurable(self):
        env = self.make(noopMax=30)
        frames = set()
        for seed in range(6):
            env.reset(seed=seed)
            frames.add(env.ale.getEpisodeFrameNumber())
        self.assertGreater(len(frames), 1, 'a random number of no-ops after each reset')
        self.assertTrue(all(1 <= f <= 30 for f in frames))
        env.close()
        env = self.make(repeatActionProbability=0.0)
        self.assertEqual(env.ale.getFloat('repeat_action_probability'), 0.0)
        env.close()

    def test_max_pool_takes_the_brighter_of_the_last_two_frames(self):
        env = self.make(noopMax=0, screenSize=0, frameStack=1, repeatActionProbability=0.0)
        env.reset(seed=0)
        env.step(1)
        grabbed = [s.copy() for s in env.screens]  # screens[0] already holds the max
        self.assertTrue(np.all(grabbed[0] >= grabbed[1]))
        obs, *_ = env.step(0)
        self.assertEqual(obs.shape, (210, 160, 1))
        env.close()

    def test_observations_written_in_place_equal_the_returned_ones(self):
        for options in ({}, {'grayscale': False, 'screenSize': 42, 'frameStack': 3}, {'screenSize': 0, 'frameStack': 1}):
            a, b = self.make(**options), self.make(**options)
            out = np.zeros(a.observation_space.shape, np.uint8)
            x, _ = a.reset(seed=4)
            self.assertIs(b.reset(seed=4, out=out)[0], out)
            np.testing.assert_array_equal(x, out)
            for t in range(40):
                x = a.step(t % 4)[0]
                self.assertIs(b.step(t % 4, out)[0], out)
                np.testing.assert_array_equal(x, out, 'step %d, %s' % (t, options))
            # The stack shifts: channel group j of this observation is group j + 1 of the previous one.
            c = x.shape[-1] // options.get('frameStack', 4)
            previous = x.copy()
            x = a.step(0)[0]
            np.testing.assert_array_equal(x[..., :-c], previous[..., c:])
            a.close()
            b.close()

    def test_episode_frame_limit_truncates(self):
        env = self.make(noopMax=0, maxEpisodeFrames=40, repeatActionProbability=0.0)
        env.reset(seed=0)
        for t in range(20):
            _, _, terminated, truncated, _ = env.step(0)
            if terminated or truncated:
                break
        self.assertTrue(truncated and not terminated)
        self.assertEqual(t, 9, '40 frames = 10 agent steps of 4 frames')
        env.close()


if __name__ == '__main__':
    unittest.main()
