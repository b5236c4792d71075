// The pixel maze: layout, determinism, rewards and respawns, episode length, rendering. Expected values follow
// from the env's definition (docs/environments.md): +10 on reaching the goal, then a respawn in another cell;
// fixed episode length; [H, W, 3] uint8 frames with the agent (orange) and the goal (green) drawn on the maze.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAZE_VARIANTS, MazeEnv, Rng, generateMaze, makeEnv } from '../../src/index.js';
import type { MazeLayout, MazeVariantId } from '../../src/index.js';

/** Breadth-first distances (in tiles) from `start` over floor tiles; −1 where unreachable. */
function distances(layout: MazeLayout, start: number): Int32Array {
  const d = new Int32Array(layout.walls.length).fill(-1);
  d[start] = 0;
  const queue = [start];
  // Iterating an array that grows while it is read visits the appended tiles too (a FIFO queue).
  for (const i of queue) {
    for (const j of [i - layout.tileCols, i + 1, i + layout.tileCols, i - 1]) {
      if (layout.walls[j] === 0 && d[j] === -1) {
        d[j] = d[i]! + 1;
        queue.push(j);
      }
    }
  }
  return d;
}

/** The action that moves one tile along a shortest path from the agent to the goal. */
function towardsGoal(env: MazeEnv): number {
  const layout = env.layout!;
  const [gr, gc] = env.goalPosition;
  const d = distances(layout, gr * layout.tileCols + gc);
  const [ar, ac] = env.agentPosition;
  const here = ar * layout.tileCols + ac;
  const moves = [-layout.tileCols, 1, layout.tileCols, -1];
  return moves.findIndex((m) => d[here + m] === d[here]! - 1);
}

describe('maze layout', () => {
  test('is a connected maze with walls all around', () => {
    for (const [rows, cols, loops] of [
      [4, 5, 0],
      [8, 11, 0.15],
      [1, 2, 1],
    ] as const) {
      const layout = generateMaze(rows, cols, loops, new Rng(rows * 100 + cols));
      const { tileRows, tileCols, walls, cells } = layout;
      assert.deepEqual([tileRows, tileCols], [2 * rows + 1, 2 * cols + 1]);
      for (let c = 0; c < tileCols; c++) assert.equal(walls[c]! + walls[(tileRows - 1) * tileCols + c]!, 2);
      for (let r = 0; r < tileRows; r++) assert.equal(walls[r * tileCols]! + walls[r * tileCols + tileCols - 1]!, 2);
      const d = distances(layout, cells[0]!);
      for (const cell of cells) assert.ok(d[cell]! >= 0, 'every cell is reachable');
      const floor = walls.reduce((n, w) => n + (w === 0 ? 1 : 0), 0);
      if (loops === 0) assert.equal(floor, 2 * rows * cols - 1, 'a perfect maze: cells + (cells − 1) passages');
      else assert.ok(floor > 2 * rows * cols - 1 || rows * cols === 2, 'loops open extra passages');
    }
  });

  test('is deterministic under a seed and differs between seeds', () => {
    const a = generateMaze(6, 8, 0.15, new Rng(1));
    assert.deepEqual(generateMaze(6, 8, 0.15, new Rng(1)), a);
    assert.notDeepEqual(generateMaze(6, 8, 0.15, new Rng(2)).walls, a.walls);
  });
});

describe('MazeEnv', () => {
  test('frames are [72, 96, 3] uint8 by default and configurable', () => {
    const env = new MazeEnv();
    assert.deepEqual(env.observationSpace.shape, [72, 96, 3]);
    const { observation } = env.reset({ seed: 0 });
    assert.ok(observation instanceof Uint8Array);
    assert.equal(observation.length, 72 * 96 * 3);
    assert.ok(env.observationSpace.contains(observation));
    const square = new MazeEnv({ height: 84, width: 84 });
    assert.equal(square.reset({ seed: 0 }).observation.length, 84 * 84 * 3);
    assert.equal(env.actionSpace.n, 4);
    assert.throws(() => new MazeEnv({ rows: 40, cols: 40 }), /MazeEnv: a 81×81-tile maze does not fit in 72×96 pixels/);
  });

  test('seeded episodes are deterministic, different seeds give different mazes', () => {
    const run = (seed: number): string[] => {
      const env = makeEnv('Maze-v0');
      const rng = new Rng(seed + 1000);
      const out = [Buffer.from(env.reset({ seed }).observation).toString('base64')];
      for (let t = 0; t < 50; t++) {
        const r = env.step(rng.integer(4));
        out.push(`${r.reward}`, Buffer.from(r.observation).toString('base64'));
      }
      return out;
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3)[0], run(4)[0]);
  });

  test('walls block moves; moves through floor go one tile', () => {
    const env = new MazeEnv({ loopFraction: 0 });
    env.reset({ seed: 2 });
    const layout = env.layout!;
    const deltas = [
      [-1, 0],
      [0, 1],
      [1, 0],
      [0, -1],
    ];
    for (let t = 0; t < 100; t++) {
      const [r, c] = env.agentPosition;
      const a = t % 4;
      const target = (r + deltas[a]![0]!) * layout.tileCols + c + deltas[a]![1]!;
      const result = env.step(a);
      if (result.reward > 0) continue; // respawned
      const expected = layout.walls[target] === 0 ? [r + deltas[a]![0]!, c + deltas[a]![1]!] : [r, c];
      assert.deepEqual(env.agentPosition, expected);
    }
  });

  test('reaching the goal pays +10 and respawns the agent in another cell; the goal stays', () => {
    const env = new MazeEnv({ rows: 6, cols: 8, maxEpisodeSteps: 10000 });
    env.reset({ seed: 7 });
    const goal = env.goalPosition;
    let steps = 0;
    let total = 0;
    for (let reached = 0; reached < 5; ) {
      const r = env.step(towardsGoal(env));
      steps++;
      total += r.reward;
      assert.equal(r.info.goalReached, r.reward > 0);
      if (r.reward > 0) {
        reached++;
        assert.equal(r.reward, 10);
        assert.notDeepEqual(env.agentPosition, goal, 'respawned away from the goal');
        assert.ok(env.layout!.cells.includes(env.agentPosition[0] * env.layout!.tileCols + env.agentPosition[1]));
      } else {
        assert.equal(r.reward, 0);
      }
      assert.deepEqual(env.goalPosition, goal);
      assert.ok(steps < 2000, 'a shortest-path policy keeps reaching the goal');
    }
    assert.equal(total, 50);
    assert.equal(env.goalsReached, 5);
  });

  test('fixed episode length: truncated (never terminated) on the last step', () => {
    for (const id of Object.keys(MAZE_VARIANTS) as MazeVariantId[]) {
      const env = makeEnv(id);
      env.reset({ seed: 0 });
      const rng = new Rng(0);
      for (let t = 1; t <= MAZE_VARIANTS[id].maxEpisodeSteps; t++) {
        const r = env.step(rng.integer(4));
        assert.equal(r.terminated, false);
        assert.equal(r.truncated, t === MAZE_VARIANTS[id].maxEpisodeSteps, `${id} step ${t}`);
      }
    }
  });

  test('a shortest-path policy beats a random one by far (the task is learnable from the frames)', () => {
    const returns = (policy: (env: MazeEnv, rng: Rng) => number): number => {
      let total = 0;
      for (let seed = 0; seed < 5; seed++) {
        const env = makeEnv('Maze-v0');
        const rng = new Rng(seed);
        env.reset({ seed });
        for (let t = 0; t < 200; t++) total += env.step(policy(env, rng)).reward;
      }
      return total / 5;
    };
    const random = returns((_, rng) => rng.integer(4));
    const optimal = returns((env) => towardsGoal(env));
    assert.ok(optimal > 5 * Math.max(random, 10), `optimal ${optimal} vs random ${random}`);
  });

  test('the global view draws the agent and the goal where they are', () => {
    const env = new MazeEnv();
    const frame = env.reset({ seed: 11 }).observation;
    const t = env.tileSize;
    const layout = env.layout!;
    const oy = Math.floor((72 - layout.tileRows * t) / 2);
    const ox = Math.floor((96 - layout.tileCols * t) / 2);
    const pixel = (y: number, x: number): number[] => Array.from(frame.subarray((y * 96 + x) * 3, (y * 96 + x) * 3 + 3));
    const centre = ([r, c]: [number, number]): number[] => pixel(oy + r * t + t / 2, ox + c * t + t / 2);
    assert.deepEqual(centre(env.agentPosition), [255, 80, 20], 'agent colour at the agent tile');
    assert.deepEqual(centre(env.goalPosition), [30, 200, 40], 'goal colour at the goal tile');
    assert.deepEqual(env.render(), frame, 'render() redraws the same frame');
  });

  test('the local view keeps the agent at the centre and moves the maze', () => {
    const env = makeEnv('MazeLocal-v0');
    let frame = env.reset({ seed: 5 }).observation;
    const centre = (f: Uint8Array): number[] => Array.from(f.subarray((36 * 96 + 48) * 3, (36 * 96 + 48) * 3 + 3));
    const rng = new Rng(1);
    let changed = false;
    for (let t = 0; t < 20; t++) {
      assert.deepEqual(centre(frame), [255, 80, 20]);
      const before = env.agentPosition;
      const next = env.step(rng.integer(4)).observation;
      if (before.join() !== env.agentPosition.join()) changed ||= Buffer.compare(Buffer.from(next), Buffer.from(frame)) !== 0;
      frame = next;
    }
    assert.ok(changed, 'moving shifts the view');
  });

  test('cues colour the walls; without cues all walls look the same', () => {
    const colours = (id: MazeVariantId): number => {
      const f = makeEnv(id).reset({ seed: 1 }).observation;
      const set = new Set<number>();
      for (let i = 0; i < f.length; i += 3) set.add((f[i]! << 16) | (f[i + 1]! << 8) | f[i + 2]!);
      return set.size;
    };
    // Without cues: outside, floor, wall and its edge shade, goal, agent.
    assert.ok(colours('MazeNoCues-v0') <= 6, `no-cue colours ${colours('MazeNoCues-v0')}`);
    assert.ok(colours('Maze-v0') > 10, `cue colours ${colours('Maze-v0')}`);
  });

  test('mazeSeed fixes the layout across episodes; otherwise each episode has a new maze', () => {
    const fixed = new MazeEnv({ mazeSeed: 3 });
    fixed.reset({ seed: 0 });
    const first = fixed.layout!.walls.slice();
    fixed.reset();
    assert.deepEqual(fixed.layout!.walls, first);
    const other = new MazeEnv({ mazeSeed: 3 });
    other.reset({ seed: 9 });
    assert.deepEqual(other.layout!.walls, first, 'the layout depends on mazeSeed only');
    const fresh = new MazeEnv();
    fresh.reset({ seed: 0 });
    const a = fresh.layout!.walls.slice();
    fresh.reset();
    assert.notDeepEqual(fresh.layout!.walls, a);
  });

  test('order and argument checks', () => {
    const env = new MazeEnv();
    assert.throws(() => env.step(0), /MazeEnv.step: call reset\(\) before step\(\)/);
    assert.throws(() => env.render(), /MazeEnv.render: call reset\(\) first/);
    env.reset({ seed: 0 });
    assert.throws(() => env.step(4), /MazeEnv.step: invalid action 4 for Discrete\(4\)/);
    assert.throws(() => new MazeEnv({ view: 'side' as 'local' }), /view must be 'global' or 'local', got side/);
    assert.throws(() => new MazeEnv({ loopFraction: 2 }), /loopFraction must be in \[0, 1\]/);
    assert.throws(() => new MazeEnv({ rows: 1, cols: 1 }), /at least 2 cells/);
  });
});
