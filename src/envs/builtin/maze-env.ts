/**
 * A pixel maze in the spirit of DMLab's `explore_goal_locations_small`: find the goal in a random maze, get +10,
 * respawn elsewhere, find it again, until the fixed episode length runs out. RGB observations for the
 * convolutional networks, rendered from the top down.
 */
import { Rng, assertSeed } from '../contract/rng.js';
import { Box, Discrete } from '../contract/spaces.js';
import type { Env, EnvSpec, ResetArgs, ResetResult, StepResult } from '../contract/types.js';
import { generateMaze } from './maze-layout.js';
import type { MazeLayout } from './maze-layout.js';
import { EnvError } from '../errors.js';

/**
 * Options of {@link MazeEnv}.
 * @category Environments
 */
export interface MazeOptions {
  /**
   * Maze height in cells (the tile grid has `2 * rows + 1` rows).
   *
   * @defaultValue 4
   */
  rows?: number;
  /**
   * Maze width in cells (the tile grid has `2 * cols + 1` columns).
   *
   * @defaultValue 5
   */
  cols?: number;
  /**
   * Observation height in pixels.
   *
   * @defaultValue 72 (DMLab's frame height in the IMPALA paper)
   */
  height?: number;
  /**
   * Observation width in pixels.
   *
   * @defaultValue 96 (DMLab's frame width in the IMPALA paper)
   */
  width?: number;
  /**
   * What the agent sees:
   * - `'global'`: the whole maze from above, scaled to fit the frame (fully observed);
   * - `'local'`: a window of the maze centred on the agent, `tileSize` pixels per tile (partially observed: the
   *   goal is only seen when it is near, so finding it again after a respawn needs memory).
   *
   * @defaultValue `'global'`
   */
  view?: 'global' | 'local';
  /**
   * Pixels per tile in the `'local'` view (the `'global'` view picks the largest size that fits).
   *
   * @defaultValue 8
   */
  tileSize?: number;
  /**
   * Visual cues: walls coloured by the quadrant of the maze they are in, and a few distinct "posters" on walls,
   * so the agent can tell where it is. Without cues every wall looks the same.
   *
   * @defaultValue true
   */
  cues?: boolean;
  /**
   * The fraction of the inner walls left by the maze generator that are removed to make loops, in [0, 1].
   *
   * @defaultValue 0.15
   */
  loopFraction?: number;
  /**
   * The reward for reaching the goal.
   *
   * @defaultValue 10
   */
  goalReward?: number;
  /**
   * The fixed episode length: `step` reports `truncated` on this step (the episode never terminates).
   *
   * @defaultValue 200
   */
  maxEpisodeSteps?: number;
  /**
   * When set, every episode uses the one maze generated from this seed (only the goal and spawn points change);
   * otherwise each reset generates a new maze from the env's generator.
   *
   * @defaultValue a new maze every episode
   */
  mazeSeed?: number;
  /**
   * The id reported in `spec` (set by `makeEnv`).
   *
   * @defaultValue `'Maze-v0'`
   */
  id?: string;
}

/**
 * The id of a registered maze variant.
 * @category Environments
 */
export type MazeVariantId =
  | 'Maze-v0'
  | 'MazeNoCues-v0'
  | 'MazeLarge-v0'
  | 'MazeLargeNoCues-v0'
  | 'MazeLocal-v0'
  | 'MazeLocalNoCues-v0';

/**
 * The options that define a registered maze variant.
 * @category Environments
 */
export interface MazeVariant {
  /** Maze height in cells. */
  readonly rows: number;
  /** Maze width in cells. */
  readonly cols: number;
  /** The view. */
  readonly view: 'global' | 'local';
  /** Whether walls carry visual cues. */
  readonly cues: boolean;
  /** The fixed episode length. */
  readonly maxEpisodeSteps: number;
}

/**
 * The registered maze variants: small (4×5 cells) and large (8×11) mazes seen whole, a medium (6×8) maze seen
 * through an agent-centred window, each with and without visual cues.
 * @category Environments
 */
export const MAZE_VARIANTS: Readonly<Record<MazeVariantId, MazeVariant>> = Object.freeze({
  'Maze-v0': { rows: 4, cols: 5, view: 'global', cues: true, maxEpisodeSteps: 200 },
  'MazeNoCues-v0': { rows: 4, cols: 5, view: 'global', cues: false, maxEpisodeSteps: 200 },
  'MazeLarge-v0': { rows: 8, cols: 11, view: 'global', cues: true, maxEpisodeSteps: 400 },
  'MazeLargeNoCues-v0': { rows: 8, cols: 11, view: 'global', cues: false, maxEpisodeSteps: 400 },
  'MazeLocal-v0': { rows: 6, cols: 8, view: 'local', cues: true, maxEpisodeSteps: 300 },
  'MazeLocalNoCues-v0': { rows: 6, cols: 8, view: 'local', cues: false, maxEpisodeSteps: 300 },
});

type Rgb = readonly [number, number, number];
const OUTSIDE: Rgb = [0, 0, 0];
const FLOOR: Rgb = [214, 205, 180];
const PLAIN_WALL: Rgb = [96, 96, 110];
const QUADRANT_WALLS: readonly Rgb[] = [
  [150, 60, 60],
  [60, 120, 70],
  [60, 80, 150],
  [150, 130, 50],
];
const POSTERS: readonly Rgb[] = [
  [255, 255, 255],
  [230, 60, 220],
  [60, 220, 230],
  [255, 240, 60],
];
const GOAL: Rgb = [30, 200, 40];
const AGENT: Rgb = [255, 80, 20];

/** Action `a` moves the agent by `MOVES[a]` = [Δrow, Δcol]: 0 up, 1 right, 2 down, 3 left. */
const MOVES: readonly (readonly [number, number])[] = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
];

/** A `t × t` RGB tile drawn by `paint(y, x)`, which returns the colour of each pixel. */
function makeTile(t: number, paint: (y: number, x: number) => Rgb): Uint8Array {
  const out = new Uint8Array(t * t * 3);
  for (let y = 0; y < t; y++) {
    for (let x = 0; x < t; x++) {
      const rgb = paint(y, x);
      const o = (y * t + x) * 3;
      out[o] = rgb[0];
      out[o + 1] = rgb[1];
      out[o + 2] = rgb[2];
    }
  }
  return out;
}

function shade(rgb: Rgb, f: number): Rgb {
  return [Math.round(rgb[0] * f), Math.round(rgb[1] * f), Math.round(rgb[2] * f)];
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new EnvError(`MazeEnv: ${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * The pixel maze.
 *
 * Each episode: a maze (new per episode, or fixed with `mazeSeed`), a goal in a random cell, the agent in another.
 * Actions move one tile up (0), right (1), down (2) or left (3); moves into walls do nothing. Reaching the goal pays
 * `goalReward` (+10) and respawns the agent in a random other cell; the goal stays put for the episode. Other steps
 * pay 0. The episode never terminates; it is truncated after `maxEpisodeSteps` steps.
 *
 * Observations are `[height, width, 3]` uint8 RGB frames (default 72×96, DMLab's size in the IMPALA paper) seen
 * from the top down, of the whole maze or of a window centred on the agent (`view`). The agent is an orange disc,
 * the goal a green diamond. Rendering copies precomputed rows of a per-episode background image and draws the agent
 * sprite, so it is fast (see `npm run bench:envs`).
 *
 * @example
 * ```ts
 * const env = new MazeEnv({ height: 84, width: 84 });
 * const { observation } = env.reset({ seed: 1 }); // Uint8Array of 84 * 84 * 3
 * ```
 * @category Environments
 */
export class MazeEnv implements Env<Uint8Array, number> {
  /** `Box(uint8, [height, width, 3])`, bounds 0..255. */
  readonly observationSpace: Box<'uint8'>;
  /** `Discrete(4)`: up, right, down, left. */
  readonly actionSpace = new Discrete(4);
  /** The id and the fixed episode length. */
  readonly spec: EnvSpec;
  /** Maze height in cells. */
  readonly rows: number;
  /** Maze width in cells. */
  readonly cols: number;
  /** Frame height in pixels. */
  readonly height: number;
  /** Frame width in pixels. */
  readonly width: number;
  /** The view. */
  readonly view: 'global' | 'local';
  /** Whether walls carry visual cues. */
  readonly cues: boolean;
  /** Pixels per tile. */
  readonly tileSize: number;
  /** The goal reward. */
  readonly goalReward: number;
  /** The fixed episode length. */
  readonly maxEpisodeSteps: number;
  private readonly loopFraction: number;
  private readonly mazeSeed: number | undefined;
  private rng: Rng | undefined;
  private maze: MazeLayout | undefined;
  private agent = -1;
  private goal = -1;
  private elapsed = 0;
  private goals = 0;
  // Rendering: a background image per episode (maze + goal); each frame copies it and draws the agent.
  private background = new Uint8Array(0);
  private backgroundWidth = 0;
  private originY = 0;
  private originX = 0;
  private readonly floorTile: Uint8Array;
  private readonly agentTile: Uint8Array;
  private readonly goalTile: Uint8Array;
  private readonly wallTiles: Uint8Array[];
  private readonly posterTiles: Uint8Array[];

  /**
   * @param options - maze size, frame size, view, cues, rewards and episode length.
   */
  constructor(options: MazeOptions = {}) {
    this.rows = positiveInt(options.rows ?? 4, 'rows');
    this.cols = positiveInt(options.cols ?? 5, 'cols');
    if (this.rows * this.cols < 2) throw new EnvError('MazeEnv: the maze needs at least 2 cells');
    this.height = positiveInt(options.height ?? 72, 'height');
    this.width = positiveInt(options.width ?? 96, 'width');
    const view: string = options.view ?? 'global';
    if (view !== 'global' && view !== 'local') {
      throw new EnvError(`MazeEnv: view must be 'global' or 'local', got ${view}`);
    }
    this.view = view;
    this.cues = options.cues ?? true;
    this.loopFraction = options.loopFraction ?? 0.15;
    if (!(this.loopFraction >= 0 && this.loopFraction <= 1)) {
      throw new EnvError(`MazeEnv: loopFraction must be in [0, 1], got ${this.loopFraction}`);
    }
    this.goalReward = options.goalReward ?? 10;
    this.maxEpisodeSteps = options.maxEpisodeSteps ?? 200;
    if (!(this.maxEpisodeSteps >= 1)) {
      throw new EnvError(`MazeEnv: maxEpisodeSteps must be >= 1, got ${this.maxEpisodeSteps}`);
    }
    if (options.mazeSeed !== undefined) assertSeed(options.mazeSeed, 'MazeEnv');
    this.mazeSeed = options.mazeSeed;
    const tileRows = 2 * this.rows + 1;
    const tileCols = 2 * this.cols + 1;
    if (this.view === 'global') {
      this.tileSize = Math.floor(Math.min(this.height / tileRows, this.width / tileCols));
      if (this.tileSize < 1) {
        throw new EnvError(
          `MazeEnv: a ${tileRows}×${tileCols}-tile maze does not fit in ${this.height}×${this.width} pixels`,
        );
      }
    } else {
      this.tileSize = positiveInt(options.tileSize ?? 8, 'tileSize');
    }
    const id = options.id ?? 'Maze-v0';
    this.spec = { id, maxEpisodeSteps: this.maxEpisodeSteps };
    this.observationSpace = new Box({ low: 0, high: 255, shape: [this.height, this.width, 3], dtype: 'uint8' });

    const t = this.tileSize;
    const c = (t - 1) / 2;
    this.floorTile = makeTile(t, () => FLOOR);
    // Agent: a disc; goal: a diamond; both on floor.
    const r = Math.max(0.5, t * 0.42);
    this.agentTile = makeTile(t, (y, x) => ((y - c) ** 2 + (x - c) ** 2 <= r * r ? AGENT : FLOOR));
    this.goalTile = makeTile(t, (y, x) => (Math.abs(y - c) + Math.abs(x - c) <= Math.max(0.5, t * 0.5) ? GOAL : FLOOR));
    // Walls: a darker lower-right edge gives them some texture when tiles are big enough.
    const wall = (rgb: Rgb): Uint8Array =>
      makeTile(t, (y, x) => (t >= 6 && (y === t - 1 || x === t - 1) ? shade(rgb, 0.75) : rgb));
    this.wallTiles = this.cues ? QUADRANT_WALLS.map(wall) : [wall(PLAIN_WALL)];
    const inset = Math.max(1, Math.floor(t / 4));
    this.posterTiles = POSTERS.map((p) =>
      makeTile(t, (y, x) => (y >= inset && y < t - inset && x >= inset && x < t - inset ? p : shade(PLAIN_WALL, 0.6))),
    );
  }

  /** The env itself (there is no wrapper below it), like Gymnasium's `env.unwrapped`. */
  get unwrapped(): this {
    return this;
  }

  /** The agent's tile as `[row, col]` on the tile grid (`-1, -1` before the first reset). */
  get agentPosition(): [number, number] {
    return this.position(this.agent);
  }

  /** The goal's tile as `[row, col]` on the tile grid (`-1, -1` before the first reset). */
  get goalPosition(): [number, number] {
    return this.position(this.goal);
  }

  /** The current maze (`undefined` before the first reset). */
  get layout(): MazeLayout | undefined {
    return this.maze;
  }

  /** The number of times the goal was reached in the current episode. */
  get goalsReached(): number {
    return this.goals;
  }

  private position(tile: number): [number, number] {
    if (tile < 0 || this.maze === undefined) return [-1, -1];
    return [Math.floor(tile / this.maze.tileCols), tile % this.maze.tileCols];
  }

  /**
   * Starts an episode: a maze (new unless `mazeSeed` was given), a random goal cell and a random other start cell.
   *
   * @param args - `seed` re-seeds the env's generator.
   * @returns the first frame and an empty info.
   */
  reset(args: ResetArgs = {}): ResetResult<Uint8Array> {
    if (args.seed !== undefined) {
      assertSeed(args.seed, 'MazeEnv.reset');
      this.rng = new Rng(args.seed);
    }
    const rng = (this.rng ??= new Rng());
    if (this.mazeSeed !== undefined) {
      this.maze ??= generateMaze(this.rows, this.cols, this.loopFraction, new Rng(this.mazeSeed));
    } else {
      this.maze = generateMaze(this.rows, this.cols, this.loopFraction, rng);
    }
    const cells = this.maze.cells;
    this.goal = cells[rng.integer(cells.length)]!;
    this.agent = this.otherCell(rng);
    this.elapsed = 0;
    this.goals = 0;
    this.buildBackground(rng);
    return { observation: this.render(), info: {} };
  }

  /** A random cell other than the goal's. */
  private otherCell(rng: Rng): number {
    const cells = this.maze!.cells;
    const k = rng.integer(cells.length - 1);
    const cell = cells[k]!;
    // Skip the goal: draw among the n − 1 other cells by mapping the goal's slot to the last cell.
    return cell === this.goal ? cells[cells.length - 1]! : cell;
  }

  /**
   * Moves the agent.
   *
   * @param action - 0 up, 1 right, 2 down, 3 left.
   * @returns the next frame, `goalReward` if the goal was reached (else 0), `terminated: false`, `truncated` on
   *   the last step of the episode, and `info.goalReached`.
   */
  step(action: number): StepResult<Uint8Array> {
    const maze = this.maze;
    if (maze === undefined || this.rng === undefined) throw new EnvError('MazeEnv.step: call reset() before step()');
    if (!this.actionSpace.contains(action)) {
      throw new EnvError(`MazeEnv.step: invalid action ${String(action)} for ${this.actionSpace.toString()}`);
    }
    const move = MOVES[action]!;
    const next = this.agent + move[0] * maze.tileCols + move[1];
    if (maze.walls[next] === 0) this.agent = next;
    let reward = 0;
    const goalReached = this.agent === this.goal;
    if (goalReached) {
      reward = this.goalReward;
      this.goals++;
      this.agent = this.otherCell(this.rng);
    }
    this.elapsed++;
    return {
      observation: this.render(),
      reward,
      terminated: false,
      truncated: this.elapsed >= this.maxEpisodeSteps,
      info: { goalReached },
    };
  }

  /** Nothing to free; present so `close` may always be called. */
  close(): void {
    // No resources.
  }

  /**
   * Renders the current frame (what the last `reset`/`step` returned, drawn again).
   *
   * @returns a new `[height, width, 3]` uint8 RGB frame.
   */
  render(): Uint8Array {
    const maze = this.maze;
    if (maze === undefined) throw new EnvError('MazeEnv.render: call reset() first');
    const t = this.tileSize;
    const H = this.height;
    const W = this.width;
    const rowBytes = W * 3;
    const ar = Math.floor(this.agent / maze.tileCols);
    const ac = this.agent % maze.tileCols;
    let out: Uint8Array;
    let agentY: number;
    let agentX: number;
    if (this.view === 'global') {
      out = this.background.slice();
      agentY = this.originY + ar * t;
      agentX = this.originX + ac * t;
    } else {
      // Crop a window of the padded background so that the agent's tile sits at the frame's centre.
      out = new Uint8Array(H * rowBytes);
      agentY = Math.floor((H - t) / 2);
      agentX = Math.floor((W - t) / 2);
      const bw = this.backgroundWidth * 3;
      let src = (this.originY + ar * t - agentY) * bw + (this.originX + ac * t - agentX) * 3;
      const bg = this.background;
      for (let y = 0, dst = 0; y < H; y++, dst += rowBytes, src += bw) out.set(bg.subarray(src, src + rowBytes), dst);
    }
    const tileRow = t * 3;
    const sprite = this.agentTile;
    for (let y = 0, dst = (agentY * W + agentX) * 3; y < t; y++, dst += rowBytes) {
      out.set(sprite.subarray(y * tileRow, (y + 1) * tileRow), dst);
    }
    return out;
  }

  /** Draws the maze and the goal into the episode's background image. */
  private buildBackground(rng: Rng): void {
    const maze = this.maze!;
    const t = this.tileSize;
    const { tileRows, tileCols, walls } = maze;
    let bh: number;
    let bw: number;
    if (this.view === 'global') {
      bh = this.height;
      bw = this.width;
      this.originY = Math.floor((bh - tileRows * t) / 2);
      this.originX = Math.floor((bw - tileCols * t) / 2);
    } else {
      // Pad by a whole frame on each side so that every crop stays inside the image.
      this.originY = this.height;
      this.originX = this.width;
      bh = tileRows * t + 2 * this.height;
      bw = tileCols * t + 2 * this.width;
    }
    const size = bh * bw * 3;
    if (this.background.length !== size) this.background = new Uint8Array(size);
    const bg = this.background;
    for (let i = 0; i < size; i += 3) {
      bg[i] = OUTSIDE[0];
      bg[i + 1] = OUTSIDE[1];
      bg[i + 2] = OUTSIDE[2];
    }
    this.backgroundWidth = bw;
    // Posters: a few wall tiles next to a floor tile (so they can be seen), chosen per episode.
    const posters = new Map<number, number>();
    if (this.cues) {
      const visible: number[] = [];
      for (let i = 0; i < walls.length; i++) {
        if (walls[i] !== 1) continue;
        const r = Math.floor(i / tileCols);
        const c = i % tileCols;
        const touchesFloor =
          (r > 0 && walls[i - tileCols] === 0) ||
          (r < tileRows - 1 && walls[i + tileCols] === 0) ||
          (c > 0 && walls[i - 1] === 0) ||
          (c < tileCols - 1 && walls[i + 1] === 0);
        if (touchesFloor) visible.push(i);
      }
      rng.shuffle(visible);
      const count = Math.min(visible.length, Math.max(2, Math.round((this.rows * this.cols) / 6)));
      for (let k = 0; k < count; k++) posters.set(visible[k]!, k % this.posterTiles.length);
    }
    const halfR = tileRows / 2;
    const halfC = tileCols / 2;
    for (let r = 0; r < tileRows; r++) {
      for (let c = 0; c < tileCols; c++) {
        const i = r * tileCols + c;
        let tile: Uint8Array;
        if (i === this.goal) tile = this.goalTile;
        else if (walls[i] === 0) tile = this.floorTile;
        else if (posters.has(i)) tile = this.posterTiles[posters.get(i)!]!;
        else if (this.cues) tile = this.wallTiles[(r < halfR ? 0 : 2) + (c < halfC ? 0 : 1)]!;
        else tile = this.wallTiles[0]!;
        const y0 = this.originY + r * t;
        const x0 = this.originX + c * t;
        for (let y = 0; y < t; y++) {
          bg.set(tile.subarray(y * t * 3, (y + 1) * t * 3), ((y0 + y) * bw + x0) * 3);
        }
      }
    }
  }
}
