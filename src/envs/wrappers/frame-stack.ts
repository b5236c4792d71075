/**
 * The frame-stacking wrapper (Gymnasium's `FrameStackObservation`, with a channel-last option for images).
 */
import { mapMaybe } from '../../internal/maybe.js';
import { Box, makeBoxArray } from '../contract/spaces.js';
import type { BoxDtype, BoxValue } from '../contract/spaces.js';
import type { Env, MaybePromise, ResetArgs, ResetResult, StepResult } from '../contract/types.js';
import { Wrapper } from './wrapper.js';
import { EnvError } from '../errors.js';

/**
 * Options of {@link FrameStack}.
 * @category Environments
 */
export interface FrameStackOptions {
  /**
   * Where the stacked frames go, oldest first:
   * - `'first'`: a new leading axis, shape `[numStack, ...shape]` (Gymnasium's layout);
   * - `'last'`: concatenated along the last axis, shape `[...shape[:-1], shape[-1] * numStack]` (channels of an
   *   `[H, W, C]` image, the layout a convolutional torso wants).
   *
   * @defaultValue `'first'`
   */
  axis?: 'first' | 'last';
}

/**
 * Observes the last `numStack` observations together. After `reset`, the missing older frames are copies of the
 * reset observation. Works on any `Box` observation space and keeps its dtype.
 *
 * @typeParam D - the dtype of the observation box.
 * @typeParam Act - action type.
 * @category Environments
 */
export class FrameStack<D extends BoxDtype, Act> extends Wrapper<BoxValue<D>, Act> {
  /** The number of frames stacked. */
  readonly numStack: number;
  /** Where the frames are stacked. */
  readonly axis: 'first' | 'last';
  private readonly frameSize: number;
  private readonly channels: number;
  private readonly dtype: D;
  private frames: BoxValue<D>[] = [];

  /**
   * @param env - an env with a `Box` observation space.
   * @param numStack - the number of frames, a positive integer.
   * @param options - the stacking axis.
   */
  constructor(env: Env<BoxValue<D>, Act>, numStack: number, options: FrameStackOptions = {}) {
    const inner = env.observationSpace;
    if (inner.kind !== 'box') throw new EnvError(`FrameStack: observation space must be a Box, got ${inner.toString()}`);
    if (!Number.isSafeInteger(numStack) || numStack < 1) {
      throw new EnvError(`FrameStack: numStack must be a positive integer, got ${numStack}`);
    }
    const box = inner as unknown as Box<D>;
    const axis = options.axis ?? 'first';
    const channels = axis === 'last' ? box.shape[box.shape.length - 1] ?? 1 : box.size;
    const shape = axis === 'first' ? [numStack, ...box.shape] : box.shape.length === 0 ? [numStack] : [...box.shape];
    if (axis === 'last' && box.shape.length > 0) shape[shape.length - 1] = channels * numStack;
    const low = stack(Array<Float64Array>(numStack).fill(box.low), new Float64Array(box.size * numStack), axis, channels);
    const high = stack(Array<Float64Array>(numStack).fill(box.high), new Float64Array(box.size * numStack), axis, channels);
    super(env, { observationSpace: new Box<D>({ low, high, shape, dtype: box.dtype }) });
    this.numStack = numStack;
    this.axis = axis;
    this.frameSize = box.size;
    this.channels = channels;
    this.dtype = box.dtype;
  }

  private output(): BoxValue<D> {
    return stack(this.frames, makeBoxArray(this.dtype, this.frameSize * this.numStack), this.axis, this.channels);
  }

  /** {@inheritDoc Env.reset} */
  override reset(args?: ResetArgs): MaybePromise<ResetResult<BoxValue<D>>> {
    return mapMaybe(this.env.reset(args), (r) => {
      this.frames = Array<BoxValue<D>>(this.numStack).fill(r.observation);
      return { observation: this.output(), info: r.info };
    });
  }

  /** {@inheritDoc Env.step} */
  override step(action: Act): MaybePromise<StepResult<BoxValue<D>>> {
    return mapMaybe(this.env.step(action), (r) => {
      if (this.frames.length === 0) throw new EnvError('FrameStack.step: call reset() before step()');
      this.frames.shift();
      this.frames.push(r.observation);
      return { ...r, observation: this.output() };
    });
  }
}

/** Writes `frames` (oldest first) into `out` along the given axis; `channels` is the last-axis size for `'last'`. */
function stack<T extends { [i: number]: number; readonly length: number; set(a: ArrayLike<number>, o?: number): void }>(
  frames: readonly ArrayLike<number>[],
  out: T,
  axis: 'first' | 'last',
  channels: number,
): T {
  const k = frames.length;
  if (axis === 'first') {
    frames.forEach((f, j) => {
      out.set(f, j * f.length);
    });
    return out;
  }
  const size = frames[0]?.length ?? 0;
  const pixels = size / channels;
  const stride = channels * k;
  for (let j = 0; j < k; j++) {
    const f = frames[j]!;
    for (let p = 0; p < pixels; p++) {
      const src = p * channels;
      const dst = p * stride + j * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = f[src + c]!;
    }
  }
  return out;
}
