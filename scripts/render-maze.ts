// Writes a PNG strip of maze frames so a person can look at them: one row per maze variant, a few frames per row
// (the reset frame, then frames after random moves), each frame framed by a 2-pixel grey gutter.
// Usage: npm run render:maze [-- --out PATH --frames N --scale K --seed S]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { MAZE_VARIANTS, Rng, makeEnv } from '../src/index.js';
import type { MazeVariantId } from '../src/index.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '.tmp/maze-strip.png' },
    frames: { type: 'string', default: '6' },
    scale: { type: 'string', default: '2' },
    seed: { type: 'string', default: '0' },
    stride: { type: 'string', default: '5' },
  },
});
const numFrames = Number(values.frames);
const scale = Number(values.scale);
const stride = Number(values.stride);
const seed = Number(values.seed);
const ids = Object.keys(MAZE_VARIANTS) as MazeVariantId[];
const gutter = 2;
const H = 72;
const W = 96;
const png = new PNG({
  width: (numFrames * (W + gutter) + gutter) * scale,
  height: (ids.length * (H + gutter) + gutter) * scale,
});
png.data.fill(128);
for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;

function blit(frame: Uint8Array, row: number, col: number): void {
  const top = gutter + row * (H + gutter);
  const left = gutter + col * (W + gutter);
  for (let y = 0; y < H * scale; y++) {
    for (let x = 0; x < W * scale; x++) {
      const src = (Math.floor(y / scale) * W + Math.floor(x / scale)) * 3;
      const dst = ((top * scale + y) * png.width + left * scale + x) * 4;
      png.data[dst] = frame[src]!;
      png.data[dst + 1] = frame[src + 1]!;
      png.data[dst + 2] = frame[src + 2]!;
    }
  }
}

const rng = new Rng(seed);
ids.forEach((id, row) => {
  const env = makeEnv(id);
  let { observation } = env.reset({ seed });
  let goals = 0;
  for (let col = 0; col < numFrames; col++) {
    blit(observation, row, col);
    for (let k = 0; k < stride; k++) {
      const r = env.step(rng.integer(4));
      observation = r.observation;
      if (r.reward > 0) goals++;
    }
  }
  console.log(`${id.padEnd(20)} tile ${env.tileSize}px, ${env.view} view, goals reached by random moves: ${goals}`);
});
const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, PNG.sync.write(png));
console.log(`render:maze: wrote ${png.width}×${png.height} PNG strip (${ids.length} variants × ${numFrames} frames) to ${out}`);
