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

    def step(self, indices, actions):
        k = len(indices)
        head = struct.pack('<BBHI', bridge.CMD_STEP, 0, 0, k) + struct.pack('<%dI' % k, *indices)
        head += b'\0' * (bridge.pad8(len(head)) - len(head))
        self.send(head + struct.pack('<%dd' % k, *actions))
        return [self.read() for _ in indices]

    def reset(self, indices, seeds):
        self.send(struct.pack('<B3x', bridge.CMD_RESET) + json.dumps({'indices': indices, 'seeds': seeds, 'options': None}).encode())
        return [self.read() for _ in indices]

    def close(self):
        self.send(bytes([bridge.CMD_CLOSE]))
        reply = self.read()
        self.p.wait(10)
        self.p.stdout.close()
        self.p.stdin.close()
        self.p.stderr.close()
        return reply


def batch_fields(payload, obs_bytes):
    kind, has_info, _, k = struct.unpack_from('<BBHI', payload)
    reward, = struct.unpack_from('<d', payload, 8)
    index, = struct.unpack_from('<I', payload, 16)
    return kind, k, reward, index, payload[24], payload[32:32 + obs_bytes]


class ServerTest(unittest.TestCase):
    def test_hello_steps_in_request_order_and_close(self):
        s = Server({'id': 'CartPole-v1', 'numEnvs': 2})
        hello = s.read()
        self.assertEqual(hello[0], bridge.REPLY_HELLO)
        h = json.loads(hello[1:])
        self.assertEqual((h['numEnvs'], h['obsBytes'], h['obsStride'], h['actionSize']), (2, 16, 16, 1))
        replies = s.reset([1, 0], [5, 6])
        self.assertEqual([batch_fields(r, 16)[3] for r in replies], [1, 0])
        import gymnasium as gym
        ref = gym.make('CartPole-v1')
        obs, _ = ref.reset(seed=5)
        self.assertEqual(batch_fields(replies[0], 16)[5], obs.astype('<f4').tobytes())
        replies = s.step([1, 0], [1, 0])
        obs, reward, terminated, truncated, _ = ref.step(1)
        kind, k, r, index, flags, data = batch_fields(replies[0], 16)
        self.assertEqual((kind, k, r, index, flags), (bridge.REPLY_BATCH, 1, reward, 1, 0))
        self.assertEqual(data, obs.astype('<f4').tobytes())
        # An error in one env answers that env only; the others still answer in order.
        errs = s.step([0, 1], [7, 0])
        self.assertEqual(errs[0][0], bridge.REPLY_ERROR)
        self.assertIn('error', json.loads(errs[0][1:]))
        self.assertEqual(batch_fields(errs[1], 16)[0], bridge.REPLY_BATCH)
        self.assertEqual(s.close(), bytes([bridge.REPLY_CLOSED]))
        self.assertEqual(s.p.returncode, 0)

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
