/**
 * `npm run bench:maze-baselines`
 *
 * How much return the maze leaves above a random policy: for a few maze variants, the mean return over 200
 * episodes of a uniform random policy and of an oracle that follows a shortest path to the goal (breadth-first
 * search on the tile grid, read from the env's state, not its pixels). Frame size does not change either policy,
 * so the envs render at their smallest size. Used to pick the variant of `npm run bench:learn -- maze`
 * (docs/training.md, "Maze-v0").
 */
import { Rng } from '../src/envs/contract/rng.js';
import { MazeEnv, type MazeOptions } from '../src/envs/builtin/maze-env.js';
import { printTable } from './lib/timing.js';

const EPISODES = 200;

/** The action that moves the agent one tile along a shortest path to the goal. */
function shortestPathAction(env: MazeEnv): number {
  const maze = env.layout!;
  const cols = maze.tileCols;
  const [gr, gc] = env.goalPosition;
  const [ar, ac] = env.agentPosition;
  const dist = new Int32Array(maze.walls.length).fill(-1);
  const goal = gr * cols + gc;
  dist[goal] = 0;
  const queue = [goal];
  const moves = [-cols, 1, cols, -1]; // up, right, down, left: MazeEnv's action order
  // for-of also visits the entries pushed during the loop: a breadth-first traversal.
  for (const x of queue) {
    for (const d of moves) {
      const y = x + d;
      if (maze.walls[y] === 0 && dist[y] === -1) {
        dist[y] = dist[x]! + 1;
        queue.push(y);
      }
    }
  }
  const here = ar * cols + ac;
  return moves.findIndex((d) => dist[here + d] === dist[here]! - 1);
}

function meanReturn(options: MazeOptions, policy: 'random' | 'oracle'): number {
  const env = new MazeEnv({ ...options, height: 2 * (options.rows ?? 4) + 1, width: 2 * (options.cols ?? 5) + 1 });
  const rng = new Rng(12345);
  let total = 0;
  for (let e = 0; e < EPISODES; e++) {
    env.reset({ seed: 1000 + e });
    for (;;) {
      const r = env.step(policy === 'random' ? rng.integer(4) : shortestPathAction(env));
      total += r.reward;
      if (r.truncated) break;
    }
  }
  return total / EPISODES;
}

const VARIANTS: readonly (readonly [string, MazeOptions])[] = [
  ['4×5 (Maze-v0)', { rows: 4, cols: 5 }],
  ['3×4', { rows: 3, cols: 4 }],
  ['3×4, loopFraction 1', { rows: 3, cols: 4, loopFraction: 1 }],
  ['3×4, one layout (mazeSeed 1)', { rows: 3, cols: 4, mazeSeed: 1 }],
  ['3×3', { rows: 3, cols: 3 }],
  ['2×3', { rows: 2, cols: 3 }],
  ['2×3, one layout (mazeSeed 1: maze-small)', { rows: 2, cols: 3, mazeSeed: 1 }],
];

console.log(`bench:maze-baselines: mean return over ${EPISODES} episodes of 200 steps, goal reward 10\n`);
printTable(
  ['maze', 'uniform random', 'shortest path', 'ratio'],
  VARIANTS.map(([name, o]) => {
    const random = meanReturn(o, 'random');
    const oracle = meanReturn(o, 'oracle');
    return [name, random.toFixed(1), oracle.toFixed(1), (oracle / random).toFixed(1)];
  }),
);
