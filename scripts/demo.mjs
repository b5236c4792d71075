#!/usr/bin/env node
// `npm run demo`: serves the live training page (examples/web) on loopback with Vite's dev server, impala-rl
// from its sources. `npm run demo -- --dist` serves a production build through the package's exports map instead
// (run `npm run build` first). Stop with Ctrl+C.
import { fileURLToPath } from 'node:url';

const dist = process.argv.includes('--dist');
if (dist) process.env.IMPALA_RL_FROM = 'dist';
const { build, createServer, preview } = await import('vite');
const configFile = fileURLToPath(new URL('../examples/web/vite.config.ts', import.meta.url));
let server;
if (dist) {
  await build({ configFile });
  server = await preview({ configFile });
} else {
  server = await createServer({ configFile });
  await server.listen();
}
const url = server.resolvedUrls.local[0];
console.log(`impala-rl demo: ${url}  (${dist ? 'production build, impala-rl from dist/ through its exports map' : 'dev server, impala-rl from src/'}); Ctrl+C stops it`);
