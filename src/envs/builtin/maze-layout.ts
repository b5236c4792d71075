/**
 * Maze generation for the pixel maze: a perfect maze carved by a randomised depth-first search, with a fraction
 * of the remaining inner walls knocked down so that there are loops (DMLab's mazes have several routes).
 */
import type { Rng } from '../contract/rng.js';

/**
 * A maze on a tile grid: cells sit at odd (row, col), walls and passages between them.
 * @category Environments
 */
export interface MazeLayout {
  /** Tile rows: `2 * rows + 1`. */
  readonly tileRows: number;
  /** Tile columns: `2 * cols + 1`. */
  readonly tileCols: number;
  /** `walls[r * tileCols + c]` is 1 for a wall tile, 0 for floor. */
  readonly walls: Uint8Array;
  /** Tile indices (`r * tileCols + c`) of the cells, the places where the goal and the agent may appear. */
  readonly cells: Int32Array;
}

/**
 * Carves a maze of `rows × cols` cells.
 *
 * @param rows - cells per column, at least 1.
 * @param cols - cells per row, at least 1.
 * @param loopFraction - the fraction of inner walls left by the depth-first search that are removed, in [0, 1].
 * @param rng - the generator to draw from.
 * @returns the layout.
 * @category Environments
 */
export function generateMaze(rows: number, cols: number, loopFraction: number, rng: Rng): MazeLayout {
  const tileRows = 2 * rows + 1;
  const tileCols = 2 * cols + 1;
  const walls = new Uint8Array(tileRows * tileCols).fill(1);
  const tile = (r: number, c: number): number => (2 * r + 1) * tileCols + (2 * c + 1);
  const visited = new Uint8Array(rows * cols);
  const start = rng.integer(rows * cols);
  const stack = [start];
  visited[start] = 1;
  walls[tile(Math.floor(start / cols), start % cols)] = 0;
  const neighbours: number[] = [];
  while (stack.length > 0) {
    const cell = stack[stack.length - 1]!;
    const r = Math.floor(cell / cols);
    const c = cell % cols;
    neighbours.length = 0;
    if (r > 0 && visited[cell - cols] === 0) neighbours.push(cell - cols);
    if (c < cols - 1 && visited[cell + 1] === 0) neighbours.push(cell + 1);
    if (r < rows - 1 && visited[cell + cols] === 0) neighbours.push(cell + cols);
    if (c > 0 && visited[cell - 1] === 0) neighbours.push(cell - 1);
    if (neighbours.length === 0) {
      stack.pop();
      continue;
    }
    const next = neighbours[rng.integer(neighbours.length)]!;
    const nr = Math.floor(next / cols);
    const nc = next % cols;
    visited[next] = 1;
    walls[tile(nr, nc)] = 0;
    // The tile between the two cells becomes a passage.
    walls[(r + nr + 1) * tileCols + (c + nc + 1)] = 0;
    stack.push(next);
  }
  // Inner walls between two cells that the search left standing: knock down a fraction of them.
  const inner: number[] = [];
  for (let tr = 1; tr < tileRows - 1; tr++) {
    for (let tc = 1; tc < tileCols - 1; tc++) {
      if ((tr + tc) % 2 === 1 && walls[tr * tileCols + tc] === 1) inner.push(tr * tileCols + tc);
    }
  }
  rng.shuffle(inner);
  const open = Math.round(loopFraction * inner.length);
  for (let i = 0; i < open; i++) walls[inner[i]!] = 0;
  const cells = new Int32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) cells[i] = tile(Math.floor(i / cols), i % cols);
  return { tileRows, tileCols, walls, cells };
}
