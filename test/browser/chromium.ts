// Shared by the browser tests: finds the system Chromium, builds the demo page with Vite (impala-rl through the
// package's exports map, `browser` condition) and serves it on loopback, and opens pages that record console
// errors and uncaught exceptions.
import { after, before } from 'node:test';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';

export const root = join(import.meta.dirname, '..', '..');
/** Where the browser tests write screenshots and measurements. */
export const OUT_DIR = join(root, '.tmp', 'browser');

/** The Chromium to drive: `CHROMIUM_PATH`, else the Debian package's. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`no Chromium found (tried ${candidates.join(', ')}); install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return found;
}

/** Launches headless Chromium with WebGPU and WebGL allowed (software rendering where there is no GPU). */
export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
  });
}

let server: PreviewServer | null = null;

/** Builds the demo with impala-rl from dist/ (through `exports`) and serves it; returns the page URL. */
export async function serveDemo(): Promise<string> {
  if (server === null) {
    process.env.IMPALA_RL_FROM = 'dist';
    const configFile = join(root, 'examples', 'web', 'vite.config.ts');
    await build({ configFile, logLevel: 'error' });
    server = await preview({ configFile, preview: { port: 0 } });
  }
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview has no local URL');
  return url;
}

/** Stops the preview server. */
export async function stopDemo(): Promise<void> {
  await server?.close();
  server = null;
}

/** A page plus every console error and uncaught exception it produced. */
export interface WatchedPage {
  readonly page: Page;
  readonly errors: string[];
}

/** Opens a page that records console errors and uncaught exceptions. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1360, height: 900 }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 180_000 });
  return { page, errors };
}

/** Makes the output folder. */
export function outDir(): string {
  mkdirSync(OUT_DIR, { recursive: true });
  return OUT_DIR;
}

/** The demo's state, as `window.impalaDemo.state()` reports it. */
export interface DemoState {
  readonly mode: string;
  readonly backend: string;
  readonly status: string;
  readonly frames: number;
  readonly updates: number;
  readonly episodes: number;
  readonly meanReturn100: number;
  readonly bestMeanReturn: number;
  readonly framesPerSecond: number;
  readonly elapsedSeconds: number;
  readonly reachedTarget: { readonly frames: number; readonly seconds: number } | null;
  readonly error: string | null;
}

/** Reads the demo's state. */
export function demoState(page: Page): Promise<DemoState> {
  return page.evaluate(() => (globalThis as unknown as { impalaDemo: { state(): DemoState } }).impalaDemo.state());
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What {@link useDemo} gives a test file once its `before` hook ran. */
export interface DemoSession {
  /** The launched Chromium. */
  readonly browser: Browser;
  /** The served demo page's address. */
  readonly url: string;
}

/**
 * Serves the demo and launches Chromium before the calling file's tests, and closes both after them.
 *
 * @returns the session, filled in by the `before` hook.
 */
export function useDemo(): DemoSession {
  const session = {} as { browser: Browser; url: string };
  before(async () => {
    session.url = await serveDemo();
    session.browser = await launch();
  });
  after(async () => {
    await session.browser.close();
    await stopDemo();
  });
  return session;
}
