"""impala-rl's Gymnasium bridge: the Python side of `GymnasiumBatch` (src/envs/builtin/gymnasium/).

One process holds a batch of Gymnasium envs (any Gymnasium id; ALE ids with the Atari preprocessing of the
IMPALA paper when asked) and steps them on request from Node.js. The protocol is binary and length-prefixed
on a dedicated pipe (the process's stdout at start; stray prints of the emulator or of Python code are moved
to stderr so they cannot corrupt it):

    every message: an 8-byte header (u32 little-endian payload length, u32 0), then the payload (so a payload
    read in place from a stream chunk starts 8-byte aligned).

The command line is one JSON object: {"id", "numEnvs", "kwargs", "atari": {...} | null, "shm": {"path": P,
"minBytes": M} | null, "replyParts": P}. With "shm", when an observation has at least M bytes, the process creates the file P
(O_EXCL, mode 0600), sized numEnvs * obs_stride, maps it, and keeps the latest observation of env i at byte
i * obs_stride; its HELLO then says "sharedMemory": true and BATCH replies carry no observations (Node reads
them from the file, which it opens and unlinks after HELLO). Node sends a request for env i only after it has
read env i's previous observation, so a slot is never written while it is read.

Requests (Node -> Python), first byte the command:
    STEP  (1): u8 cmd, u8 want_info, u16 0, u32 k, u32 index[k] (padded to 8 bytes), f64 action[k * action_size]
    RESET (2): u8 cmd, 3 bytes 0, then UTF-8 JSON {"indices": [...], "seeds": [...] | null, "options": ... | null}
    CLOSE (3): u8 cmd
Replies (Python -> Node), first byte the kind:
    HELLO (1): u8 kind, then UTF-8 JSON describing the spaces, the spec, the versions, the protocol version
    BATCH (2): u8 kind, u8 has_trailer, u8 shm, u8 0, u32 k, f64 reward[k], u32 index[k] (padded to 8),
               u8 flags[k] (bit 0 terminated, bit 1 truncated, bit 2 failed; padded to 8), then, unless shm,
               k observations of `obs_stride` bytes each (little-endian, padded to 8), then, when has_trailer,
               UTF-8 JSON {"infos": [k infos] | null, "errors": [k messages or null] | null}
    ERROR (3): u8 kind, then UTF-8 JSON {"error": "...", "missing": "module name" | null, "pip": "..."}
    CLOSED(4): u8 kind
A STEP or RESET naming k envs is answered with one BATCH for the k envs, in request order (an env that raised
is flagged failed, with its message in the trailer), or with one ERROR when the request itself could not be
read: one write and one wake-up of Node per batch, whatever k. A STEP for k >= 2P envs (P = "replyParts" > 1)
is answered with P BATCHes instead, each for the next consecutive run of about k / P of its envs, so that Node
takes in the first envs' observations while the others are stepped.

Run `python impala_rl_gym_bridge.py --bench ID --num-envs N --seconds S [--atari JSON]` to time the same
random-policy loop in Python alone (what `npm run bench:envs -- --atari` compares the bridge with).
"""
import json
import os
import struct
import sys
import time

# One BLAS thread: the frame resize multiplies small matrices, where threads only add contention.
for _var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

PROTOCOL_VERSION = 2
HEADER = struct.Struct('<II')
REPLY_HEAD = struct.Struct('<IIBBBBI')  # frame header, then a BATCH's kind, has_trailer, shm, 0, k
CMD_STEP, CMD_RESET, CMD_CLOSE = 1, 2, 3
REPLY_HELLO, REPLY_BATCH, REPLY_ERROR, REPLY_CLOSED = 1, 2, 3, 4
PACKAGES = 'gymnasium ale-py numpy'


def pip_line():
    """The exact command that installs what the bridge needs into this Python."""
    return '%s -m pip install %s' % (sys.executable or 'python3', PACKAGES)


class MissingDependency(Exception):
    """A Python package the bridge needs is not installed."""

    def __init__(self, module, why):
        super().__init__('%s is not installed in %s (%s); install it with: %s'
                         % (module, sys.executable, why, pip_line()))
        self.module = module


def pad8(n):
    return (n + 7) & ~7


# --------------------------------------------------------------------------------------------------------
# Atari preprocessing (IMPALA paper, Table G.1; DQN, Mnih et al. 2015): no-op starts, action repeat with a
# max over the last two frames, area-resize to a square grayscale screen, frame stacking, optional end of
# episode on life loss. Implemented on the ALE interface directly (no OpenCV needed).
# --------------------------------------------------------------------------------------------------------

ATARI_DEFAULTS = {
    'noopMax': 30,
    'frameSkip': 4,
    'maxPool': True,
    'screenSize': 84,
    'grayscale': True,
    'frameStack': 4,
    'episodicLife': False,
    'repeatActionProbability': 0.25,
    'maxEpisodeFrames': 108000,
    'fullActionSpace': False,
}


def area_weights(n_in, n_out, np):
    """Row i of the result averages the input cells covered by output cell i (OpenCV's INTER_AREA)."""
    w = np.zeros((n_out, n_in), np.float32)
    scale = n_in / n_out
    for o in range(n_out):
        a, b = o * scale, (o + 1) * scale
        i = int(a)
        while i < n_in and i < b:
            w[o, i] = (min(b, i + 1) - max(a, i)) / scale
            i += 1
    return w


class AreaResize:
    """Resizes (H, W) or (H, W, C) uint8 frames by area averaging, rounded to the nearest integer."""

    def __init__(self, height, width, size, np):
        self.np = np
        self.size = size
        rows = area_weights(height, size, np)
        cols = area_weights(width, size, np).T.copy()
        self.rows, self.cols = rows, cols
        self.fast = None
        # 210 x 160 -> 84 x 84 (every ALE game): rows repeat every 5 inputs / 2 outputs, columns every
        # 40 inputs / 21 outputs, so two small block products replace the dense ones (about 15x faster).
        if height % 5 == 0 and height // 5 * 2 == size and width % 40 == 0 and width // 40 * 21 == size:
            self.fast = (rows[:2, :5].copy(), cols[:40, :21].copy(), np.empty((height, width), np.float32))

    def __call__(self, frame, out):
        np = self.np
        if frame.ndim == 3:
            for c in range(frame.shape[2]):
                out[..., c] = self(frame[..., c], np.empty((self.size, self.size), np.uint8))
            return out
        if self.fast is not None:
            wr, wc, buf = self.fast
            np.copyto(buf, frame)
            rows = np.matmul(wr, buf.reshape(-1, 5, buf.shape[1]))  # (H/5, 2, W)
            y = np.matmul(rows.reshape(-1, 40), wc).reshape(self.size, self.size)  # one GEMM, not 84 small ones
        else:
            y = self.rows @ frame.astype(np.float32) @ self.cols
        np.add(y, 0.5, out=y)
        out[...] = y
        return out


class AtariPreprocessing:
    """An ALE env with the paper's preprocessing; observations are (size, size, channels * stack) uint8."""

    def __init__(self, env, options, np, gym):
        self.np = np
        self.env = env
        self.o = options
        ale = env.unwrapped.ale
        self.ale = ale
        full = bool(options['fullActionSpace'])
        self.action_set = list(ale.getLegalActionSet() if full else ale.getMinimalActionSet())
        self.action_space = gym.spaces.Discrete(len(self.action_set))
        h, w = ale.getScreenDims()
        self.gray = bool(options['grayscale'])
        raw_shape = (h, w) if self.gray else (h, w, 3)
        self.screens = [np.zeros(raw_shape, np.uint8), np.zeros(raw_shape, np.uint8)]
        size = options['screenSize']
        self.resize = AreaResize(h, w, size, np) if size else None
        frame_shape = (size, size) if size else (h, w)
        channels = 1 if self.gray else 3
        self.stack_n = n = int(options['frameStack'])
        # The last n frames in a ring (the newest at `head`): an observation is n strided copies into its output
        # (the reply buffer or shared memory, or `self.stack`) instead of shifting a stack on every step (an
        # overlapping strided copy) and copying the stack out again.
        self.ring = np.zeros((n,) + frame_shape + (channels,), np.uint8)
        self.head = 0
        self.stack = np.zeros(frame_shape + (channels * n,), np.uint8)
        self.channels = channels
        self.observation_space = gym.spaces.Box(0, 255, self.stack.shape, np.uint8)
        self.spec = env.spec
        self.lives = 0
        self.life_lost = False

    def _grab(self, i):
        if self.gray:
            self.ale.getScreenGrayscale(self.screens[i])
        else:
            self.ale.getScreenRGB(self.screens[i])

    def _observe(self, push, out):
        """Turns the grabbed screen(s) into the newest frame and writes the stacked observation into `out`
        (shape `observation_space.shape`, uint8; `self.stack` when None). Returns `out`."""
        np = self.np
        screen = self.screens[0]
        if self.o['maxPool']:
            np.maximum(screen, self.screens[1], out=screen)
        n = self.stack_n
        ring = self.ring
        if push:
            self.head = (self.head + 1) % n
        frame = ring[self.head]
        if self.resize is not None:
            self.resize(screen, frame if not self.gray else frame[..., 0])
        else:
            frame[...] = screen.reshape(frame.shape)
        if not push:
            ring[...] = frame
        if out is None:
            out = self.stack
        # Oldest first on the channel axis: one strided copy per frame (3x faster than one transposing copy).
        c = self.channels
        dst = out.reshape(-1, n, c)
        for j in range(n):
            dst[:, j, :] = ring[(self.head + 1 + j) % n].reshape(-1, c)
        return out

    def reset(self, seed=None, options=None, out=None):
        """Gymnasium's reset; the observation is written into `out` when given (else a new array)."""
        if self.life_lost and seed is None and not self.ale.game_over():
            # Episodic life: the game goes on after a lost life; only the learner saw an episode end.
            self.life_lost = False
            self._grab(0)
            self.screens[1][...] = self.screens[0]
            obs = self._observe(False, out)
            return obs.copy() if out is None else obs, {'lives': self.ale.lives()}
        self.life_lost = False
        self.env.reset(seed=seed, options=options)
        noops = int(self.env.unwrapped.np_random.integers(1, self.o['noopMax'] + 1)) if self.o['noopMax'] > 0 else 0
        noop = self.action_set[0]
        for _ in range(noops):
            self.ale.act(noop)
            if self.ale.game_over():
                self.env.reset()
        self._grab(0)
        self.screens[1][...] = self.screens[0]
        self.lives = self.ale.lives()
        obs = self._observe(False, out)
        return obs.copy() if out is None else obs, {'lives': self.lives}

    def step(self, action, out=None):
        """Gymnasium's step; the observation is written into `out` when given (else into `self.stack`, which
        the next step overwrites)."""
        ale = self.ale
        a = self.action_set[int(action)]
        skip = int(self.o['frameSkip'])
        reward = 0.0
        terminated = truncated = False
        for t in range(skip):
            reward += ale.act(a)
            if t == skip - 2:
                self._grab(1)
            if ale.game_over():
                terminated = not ale.game_truncated()
                truncated = not terminated
                break
        self._grab(0)
        if skip == 1 or terminated or truncated:
            self.screens[1][...] = self.screens[0]
        lives = ale.lives()
        if self.o['episodicLife'] and lives < self.lives and not (terminated or truncated):
            terminated = True
            self.life_lost = True
        self.lives = lives
        return self._observe(True, out), reward, terminated, truncated, {'lives': lives}

    def close(self):
        self.env.close()


def make_env(env_id, kwargs, atari):
    """Makes one env: `gymnasium.make(env_id, **kwargs)`, with the Atari preprocessing when `atari` is a dict."""
    try:
        import numpy as np
    except ImportError as e:
        raise MissingDependency('numpy', e)
    try:
        import gymnasium as gym
    except ImportError as e:
        raise MissingDependency('gymnasium', e)
    if env_id.startswith('ALE/') or atari is not None:
        try:
            import ale_py
        except ImportError as e:
            raise MissingDependency('ale-py', e)
        gym.register_envs(ale_py)
    if atari is None:
        return gym.make(env_id, **kwargs)
    options = dict(ATARI_DEFAULTS)
    unknown = set(atari) - set(ATARI_DEFAULTS)
    if unknown:
        raise ValueError('unknown Atari options %s (known: %s)' % (sorted(unknown), ', '.join(ATARI_DEFAULTS)))
    options.update(atari)
    kw = dict(kwargs)
    kw.update(frameskip=1, repeat_action_probability=float(options['repeatActionProbability']),
              full_action_space=bool(options['fullActionSpace']),
              obs_type='grayscale' if options['grayscale'] else 'rgb')
    if options['maxEpisodeFrames']:
        kw['max_num_frames_per_episode'] = int(options['maxEpisodeFrames'])
    return AtariPreprocessing(gym.make(env_id, **kw), options, np, gym)


# --------------------------------------------------------------------------------------------------------
# Spaces and encodings
# --------------------------------------------------------------------------------------------------------

def codec(space, np, gym):
    """(description for Node, numpy dtype on the wire, bytes per observation, encoder into a uint8 view)."""
    if isinstance(space, gym.spaces.Discrete):
        def enc(obs, out):
            out.view(np.int32)[0] = int(obs)
        return {'kind': 'discrete', 'n': int(space.n), 'start': int(space.start)}, 4, enc
    if isinstance(space, gym.spaces.MultiDiscrete):
        if space.nvec.ndim != 1:
            raise TypeError('MultiDiscrete spaces must be 1-D, got shape %s' % (space.nvec.shape,))
        n = int(space.nvec.shape[0])

        def enc(obs, out):
            out[:4 * n].view('<i4')[...] = obs
        return {'kind': 'multi-discrete', 'nvec': [int(k) for k in space.nvec]}, 4 * n, enc
    if isinstance(space, gym.spaces.Box):
        dtype = np.dtype(space.dtype)
        names = {'float32': 'float32', 'float64': 'float64', 'int32': 'int32', 'uint8': 'uint8'}
        if dtype.name not in names:
            dtype = np.dtype(np.float32 if dtype.kind == 'f' else np.uint8 if dtype == np.bool_ else np.int32)
        wire = dtype.newbyteorder('<')
        size = int(np.prod(space.shape, dtype=np.int64))

        def enc(obs, out):
            out[:size * wire.itemsize].view(wire).reshape(space.shape)[...] = obs
        desc = {'kind': 'box', 'shape': [int(s) for s in space.shape], 'dtype': dtype.name,
                'low': bounds(space.low, space.shape, np), 'high': bounds(space.high, space.shape, np)}
        return desc, size * wire.itemsize, enc
    raise TypeError('unsupported space %r (Discrete, MultiDiscrete and Box are supported)' % (space,))


def bounds(values, shape, np):
    """Box bounds for JSON: one number when all are equal, else a flat list; infinities as strings."""
    flat = np.broadcast_to(values, shape).astype(np.float64).ravel()
    finite = lambda v: v if np.isfinite(v) else ('Infinity' if v > 0 else '-Infinity')
    if flat.size > 0 and np.all(flat == flat[0]):
        return finite(float(flat[0]))
    return [finite(v) for v in flat.tolist()]


def action_decoder(space, np, gym):
    """(values per action on the wire, decoder from a float64 slice)."""
    if isinstance(space, gym.spaces.Discrete):
        return 1, lambda v: int(v[0])
    if isinstance(space, gym.spaces.MultiDiscrete):
        n = int(space.nvec.shape[0])
        return n, lambda v: v.astype(space.dtype)
    if isinstance(space, gym.spaces.Box):
        n = int(np.prod(space.shape, dtype=np.int64))
        return n, lambda v: v.astype(space.dtype).reshape(space.shape)
    raise TypeError('unsupported action space %r' % (space,))


def plain(value, depth=0):
    """A JSON-safe copy of an info value."""
    if depth > 8:
        return repr(value)
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if hasattr(value, 'tolist'):
        return plain(value.tolist(), depth + 1)
    if isinstance(value, float) and value != value or value in (float('inf'), float('-inf')):
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


# --------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------

class Wire:
    """Length-prefixed messages over two file descriptors."""

    def __init__(self, rfd, wfd):
        self.r = os.fdopen(rfd, 'rb', buffering=1 << 16)
        self.wfd = wfd

    def read(self):
        head = self.r.read(8)
        if len(head) < 8:
            return None
        n, _ = HEADER.unpack_from(head)
        body = self.r.read(n)
        if len(body) < n:
            return None
        return body

    def send(self, parts):
        """Writes byte buffers whole with as few system calls as the pipe allows (one, unless it is full)."""
        if len(parts) == 1:
            done = os.write(self.wfd, parts[0])
            if done == len(parts[0]):
                return
            parts = [memoryview(parts[0]).cast('B')[done:]]
        parts = [memoryview(p).cast('B') for p in parts if len(p)]
        while parts:
            done = os.writev(self.wfd, parts)
            while parts and done >= len(parts[0]):
                done -= len(parts[0])
                parts.pop(0)
            if parts and done:
                parts[0] = parts[0][done:]

    def write(self, payload):
        """Frames a payload (header and payload in one system call, so the reader gets them in one chunk)."""
        self.send([HEADER.pack(len(payload), 0), payload])

    def json(self, kind, obj):
        self.write(bytes([kind]) + json.dumps(obj, allow_nan=False).encode('utf-8'))


SHM_MIN_BYTES = 4096


class Batch:
    """The envs of one process, the reply buffer of a BATCH and, when used, the shared-memory file that holds
    the latest observation of each env. Atari envs write their observations in place (into the reply buffer or
    the shared memory); other envs' observations are encoded there."""

    def __init__(self, env_id, num_envs, kwargs, atari, shm=None, reply_parts=1):
        self.reply_parts = max(1, int(reply_parts))
        self.envs = [make_env(env_id, kwargs, atari) for _ in range(num_envs)]
        import numpy as np
        import gymnasium as gym
        self.np = np
        first = self.envs[0]
        self.obs_desc, self.obs_bytes, self.encode = codec(first.observation_space, np, gym)
        self.act_size, self.decode_action = action_decoder(first.action_space, np, gym)
        self.discrete_actions = isinstance(first.action_space, gym.spaces.Discrete)

        self.act_desc, _, _ = codec(first.action_space, np, gym)
        self.stride = pad8(self.obs_bytes)
        self.in_place = isinstance(first, AtariPreprocessing)
        self.obs_shape = tuple(first.observation_space.shape or ())
        self.shm_file = None
        self.shm = None
        if shm is not None and self.obs_bytes >= int(shm.get('minBytes', SHM_MIN_BYTES)):
            try:
                self.open_shm(shm['path'], num_envs)
            except (OSError, ValueError) as e:
                # No shared memory (a full or read-only /dev/shm, ...): the observations take the pipe.
                sys.stderr.write('impala_rl_gym_bridge: shared memory unavailable (%s), using the pipe\n' % (e,))
                self.shm_file = self.shm = None
        # The reply to a request for k envs, sent as it lies in this buffer (frame header included):
        # header | kind, extras, shm, 0, k | f64 reward[k] | u32 index[k] | u8 flags[k] | k observations.
        self.buffer = np.zeros(8 + self.layout(num_envs)[3] + (0 if self.shm is not None else num_envs * self.stride), np.uint8)
        self.views = {}
        self.slots = {}
        self.spec = {'id': env_id}
        spec = getattr(first, 'spec', None)
        if spec is not None and getattr(spec, 'max_episode_steps', None) is not None and atari is None:
            self.spec['maxEpisodeSteps'] = int(spec.max_episode_steps)
        if spec is not None and getattr(spec, 'reward_threshold', None) is not None:
            self.spec['rewardThreshold'] = float(spec.reward_threshold)
        versions = {'gymnasium': gym.__version__, 'numpy': np.__version__, 'python': sys.version.split()[0]}
        try:
            import ale_py
            versions['ale_py'] = ale_py.__version__
        except ImportError:
            pass
        self.hello = {'protocol': PROTOCOL_VERSION, 'numEnvs': num_envs, 'observationSpace': self.obs_desc,
                      'actionSpace': self.act_desc, 'actionSize': self.act_size, 'obsBytes': self.obs_bytes,
                      'obsStride': self.stride, 'sharedMemory': self.shm is not None, 'spec': self.spec,
                      'versions': versions}

    def open_shm(self, path, num_envs):
        """Creates the shared-memory file (Node names it, opens it after HELLO and unlinks it) and maps it."""
        import mmap
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, num_envs * self.stride)
            self.shm_file = mmap.mmap(fd, num_envs * self.stride)
        except BaseException:
            os.unlink(path)
            raise
        finally:
            os.close(fd)
        self.shm = self.np.frombuffer(self.shm_file, self.np.uint8)

    @staticmethod
    def layout(k):
        """Payload offsets of a BATCH for k envs: rewards, indices, flags, observations."""
        o_idx = 8 + 8 * k
        o_flags = pad8(o_idx + 4 * k)
        return 8, o_idx, o_flags, pad8(o_flags + k)

    def fields(self, k):
        """(reward, index, flags) arrays of a k-env reply (views of the reply buffer), its payload length without
        a trailer, and the message without a trailer (made once per k)."""
        v = self.views.get(k)
        if v is None:
            b = self.buffer[8:]
            o_rew, o_idx, o_flags, o_obs = self.layout(k)
            end = o_obs + (0 if self.shm is not None else k * self.stride)
            v = (b[o_rew:o_idx].view('<f8'), b[o_idx:o_idx + 4 * k].view('<u4'), b[o_flags:o_flags + k], end,
                 memoryview(self.buffer)[:8 + end])
            self.views[k] = v
        return v

    def slot(self, k, j, i):
        """(bytes, shaped array) where the observation of env i, the j-th of a k-env reply, goes."""
        key = i if self.shm is not None else (k, j)
        s = self.slots.get(key)
        if s is None:
            if self.shm is not None:
                raw = self.shm[i * self.stride:i * self.stride + self.obs_bytes]
            else:
                o = 8 + self.layout(k)[3] + j * self.stride
                raw = self.buffer[o:o + self.obs_bytes]
            s = (raw, raw.reshape(self.obs_shape) if self.in_place else None)
            self.slots[key] = s
        return s

    def run(self, indices, call, send, want_info):
        """Runs `call(env_index, out)` -> (obs, reward, terminated, truncated, info) for each env and sends one
        BATCH for all: observations written in place, errors reported per env (flag bit 2, message in the
        trailer)."""
        k = len(indices)
        rewards, index, flags, end, message = self.fields(k)
        infos = [] if want_info else None
        errors = None
        for j, i in enumerate(indices):
            index[j] = i
            try:
                raw, shaped = self.slot(k, j, i)
                obs, reward, terminated, truncated, info = call(j, i, shaped)
                if shaped is None:
                    self.encode(obs, raw)
                rewards[j] = reward
                flags[j] = (1 if terminated else 0) | (2 if truncated else 0)
                if infos is not None:
                    infos.append(plain(info))
            except Exception as e:
                rewards[j] = 0.0
                flags[j] = 4
                if errors is None:
                    errors = [None] * k
                errors[j] = '%s: %s' % (type(e).__name__, e)
                if infos is not None:
                    infos.append(None)
        trailer = b''
        if infos is not None or errors is not None:
            trailer = json.dumps({'infos': infos, 'errors': errors}, allow_nan=False).encode('utf-8')
        REPLY_HEAD.pack_into(message, 0, end + len(trailer), 0, REPLY_BATCH, 1 if trailer else 0,
                             0 if self.shm is None else 1, 0, k)
        send([message, trailer] if trailer else [message])

    def step(self, body, send):
        """Steps the envs of a STEP request and answers with one BATCH."""
        np = self.np
        want_info = body[1]
        (k,) = struct.unpack_from('<I', body, 4)
        indices = np.frombuffer(body, '<u4', k, 8).tolist()
        n = self.act_size
        actions = np.frombuffer(body, '<f8', k * n, (12 + 4 * k) & ~7)
        envs = self.envs
        if self.discrete_actions:
            actions = actions.tolist()

            def call(j, i, out):
                return envs[i].step(int(actions[j])) if out is None else envs[i].step(int(actions[j]), out)
        else:
            decode = self.decode_action

            def call(j, i, out):
                action = decode(actions[j * n:(j + 1) * n])
                return envs[i].step(action) if out is None else envs[i].step(action, out)
        # In parts (consecutive runs of the envs) when asked: Node takes in the first envs' observations while
        # this process steps the others, for one more write and wake-up per request.
        parts = self.reply_parts if k >= 2 * self.reply_parts else 1
        if parts == 1:
            self.run(indices, call, send, want_info)
            return
        start = 0
        for p in range(parts):
            end = k * (p + 1) // parts
            self.run(indices[start:end], (lambda s: lambda j, i, out: call(s + j, i, out))(start), send, want_info)
            start = end

    def reset(self, body, send):
        """Resets the envs of a RESET request and answers with one BATCH (infos included)."""
        request = json.loads(bytes(body[4:]).decode('utf-8'))
        seeds = request.get('seeds')
        options = request.get('options')
        envs = self.envs

        def call(j, i, out):
            seed = None if seeds is None else seeds[j]
            if out is None:
                obs, info = envs[i].reset(seed=seed, options=options)
            else:
                obs, info = envs[i].reset(seed=seed, options=options, out=out)
            return obs, 0.0, False, False, info
        self.run(request['indices'], call, send, True)

    def close(self):
        for env in self.envs:
            env.close()
        if self.shm_file is not None:
            self.shm = None
            self.slots = {}
            try:
                self.shm_file.close()
            except BufferError:
                pass  # a view still exported: the mapping goes with the process


def error_payload(e):
    return bytes([REPLY_ERROR]) + json.dumps({'error': '%s: %s' % (type(e).__name__, e), 'missing': None,
                                              'pip': pip_line()}).encode('utf-8')


def grow_pipe(fd):
    """Raises a pipe's capacity (Linux; 1 MiB is the usual unprivileged maximum) so that a batch of raw frames
    is written without waiting for the reader to drain 64 KiB at a time."""
    try:
        import fcntl
        fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
    except (ImportError, OSError):
        pass


def serve(argv):
    # The protocol gets its own copy of the stdout pipe; fd 1 (and sys.stdout) then point at stderr, so
    # whatever else writes to stdout (the emulator's banner, a print in an env) cannot corrupt the stream.
    wfd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    grow_pipe(wfd)
    wire = Wire(os.dup(0), wfd)
    config = json.loads(argv[0])
    try:
        batch = Batch(config['id'], int(config.get('numEnvs', 1)), config.get('kwargs') or {}, config.get('atari'),
                      config.get('shm'), int(config.get('replyParts', 1)))
    except MissingDependency as e:
        wire.json(REPLY_ERROR, {'error': str(e), 'missing': e.module, 'pip': pip_line()})
        return
    except Exception as e:
        wire.json(REPLY_ERROR, {'error': '%s: %s' % (type(e).__name__, e), 'missing': None, 'pip': pip_line()})
        return
    wire.json(REPLY_HELLO, batch.hello)
    while True:
        body = wire.read()
        if body is None:
            break
        cmd = body[0]
        try:
            if cmd == CMD_STEP:
                batch.step(body, wire.send)
            elif cmd == CMD_RESET:
                batch.reset(body, wire.send)
            elif cmd == CMD_CLOSE:
                batch.close()
                wire.write(bytes([REPLY_CLOSED]))
                return
            else:
                wire.json(REPLY_ERROR, {'error': 'unknown command %r' % (cmd,), 'missing': None, 'pip': pip_line()})
        except Exception as e:
            # A request that could not be read at all: one error reply (a broken pipe ends the loop above).
            wire.write(error_payload(e))


def bench(env_id, num_envs, seconds, atari):
    """Random-policy steps per second of `num_envs` envs stepped in a loop, in Python alone, and CPU seconds
    per step."""
    import numpy as np
    envs = [make_env(env_id, {}, atari) for _ in range(num_envs)]
    rng = np.random.default_rng(0)
    n = envs[0].action_space.n
    for i, env in enumerate(envs):
        env.reset(seed=i)
    steps = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    end = start + seconds
    while True:
        actions = rng.integers(0, n, num_envs)
        for i, env in enumerate(envs):
            obs, reward, terminated, truncated, info = env.step(int(actions[i]))
            if terminated or truncated:
                env.reset()
        steps += num_envs
        now = time.perf_counter()
        if now >= end:
            break
    cpu = time.process_time() - cpu_start
    for env in envs:
        env.close()
    return steps / (now - start), cpu / steps


def main(argv):
    if argv and argv[0] == '--bench':
        import argparse
        parser = argparse.ArgumentParser(prog='impala_rl_gym_bridge.py --bench')
        parser.add_argument('env_id')
        parser.add_argument('--num-envs', type=int, default=1)
        parser.add_argument('--seconds', type=float, default=5)
        parser.add_argument('--atari', default=None, help='JSON object of Atari options, or "{}" for the defaults')
        a = parser.parse_args(argv[1:])
        rate, cpu = bench(a.env_id, a.num_envs, a.seconds, None if a.atari is None else json.loads(a.atari))
        print(json.dumps({'stepsPerSecond': rate, 'cpuSecondsPerStep': cpu}))
        return
    serve(argv)


if __name__ == '__main__':
    main(sys.argv[1:])
