/**
 * The Atari preprocessing options of the Gymnasium bridge (applied in Python, `python/impala_rl_gym_bridge.py`).
 * The defaults are the IMPALA paper's (Espeholt et al. 2018, Table G.1, which follows the DQN preprocessing of
 * Mnih et al. 2015) with Gymnasium's ALE v5 settings where the paper predates them; docs/environments.md
 * ("Atari") lists each with its source.
 */

/**
 * Preprocessing of an ALE env; every field optional (the defaults are in {@link ATARI_DEFAULTS}).
 * @category Environments
 */
export interface AtariOptions {
  /** Up to this many no-op actions (a uniform number from 1) after each reset; 0 for none. */
  readonly noopMax?: number;
  /** Emulator frames per agent step (the action is repeated, rewards summed). */
  readonly frameSkip?: number;
  /** Take the pixel-wise max of the last two frames of each step (removes Atari sprite flicker). */
  readonly maxPool?: boolean;
  /** Square side the screen is area-resized to; 0 keeps 210×160. */
  readonly screenSize?: number;
  /** Grayscale (1 channel per frame) instead of RGB (3). */
  readonly grayscale?: boolean;
  /** Frames stacked along the channel axis (observation `[size, size, channels · frameStack]`); 1 for none. */
  readonly frameStack?: number;
  /** End the episode (`terminated`) when a life is lost; the game itself goes on at the next `reset()`. */
  readonly episodicLife?: boolean;
  /** Sticky actions: the probability that the emulator repeats the previous action on a frame (ALE v5: 0.25). */
  readonly repeatActionProbability?: number;
  /** Emulator frames after which an episode is truncated; 0 for no limit. */
  readonly maxEpisodeFrames?: number;
  /** The full 18-action set instead of the game's minimal one. */
  readonly fullActionSpace?: boolean;
}

/**
 * The defaults of every {@link AtariOptions} field (the paper's preprocessing; sticky actions as ALE v5).
 * @category Environments
 */
export const ATARI_DEFAULTS: Readonly<Required<AtariOptions>> = Object.freeze({
  noopMax: 30,
  frameSkip: 4,
  maxPool: true,
  screenSize: 84,
  grayscale: true,
  frameStack: 4,
  episodicLife: false,
  repeatActionProbability: 0.25,
  maxEpisodeFrames: 108_000,
  fullActionSpace: false,
});

/**
 * The names of the {@link AtariOptions} fields.
 * @category Environments
 */
export const ATARI_OPTION_NAMES = Object.freeze(Object.keys(ATARI_DEFAULTS)) as readonly (keyof AtariOptions)[];
