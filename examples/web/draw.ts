/** Canvas drawing for the demo page: the cart and pole, a maze frame, and the learning curve. */
import type { EpisodePoint, MetricsPoint } from 'impala-rl';

const COLORS = {
  ground: '#2b3550',
  rail: '#3b4768',
  cart: '#4fb3ff',
  pole: '#ffb547',
  axle: '#0f1420',
  text: '#8e99b3',
  grid: '#1c2538',
  raw: 'rgba(79, 179, 255, 0.35)',
  mean: '#4fb3ff',
  target: '#58d68d',
};

/** Sizes the canvas backing store to its CSS size times the device pixel ratio; returns the CSS size. */
function fit(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = window.devicePixelRatio || 1;
  // The aspect ratio of the canvas as authored (width/height attributes), kept before the first resize.
  canvas.dataset.aspect ??= String(canvas.height / canvas.width);
  const w = canvas.clientWidth || canvas.width;
  const h = Math.round(w * Number(canvas.dataset.aspect));
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, w, h };
}

/** What the world view shows besides the picture. */
export interface WorldCaption {
  readonly left: string;
  readonly right: string;
}

/**
 * Draws CartPole's state `[x, ẋ, θ, θ̇]` the way Gymnasium's renderer lays it out: the track spans x ∈ [−2.4, 2.4],
 * the pole is 1 unit long.
 */
export function drawCartPole(canvas: HTMLCanvasElement, state: ArrayLike<number> | null, caption: WorldCaption): void {
  const { ctx, w, h } = fit(canvas);
  ctx.clearRect(0, 0, w, h);
  const worldWidth = 2.4 * 2 * 1.15;
  const scale = w / worldWidth;
  const groundY = h * 0.74;
  // Track and limits.
  ctx.fillStyle = COLORS.ground;
  ctx.fillRect(0, groundY, w, h - groundY);
  ctx.strokeStyle = COLORS.rail;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(0, groundY);
  ctx.lineTo(w, groundY);
  ctx.stroke();
  for (const limit of [-2.4, 2.4]) {
    const x = w / 2 + limit * scale;
    ctx.strokeStyle = '#ff6b6b55';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x, groundY - 150);
    ctx.lineTo(x, groundY + 12);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (state !== null) {
    const [x = 0, , theta = 0] = Array.from(state);
    const cartW = 0.5 * scale;
    const cartH = 0.3 * scale;
    const cx = w / 2 + x * scale;
    const cy = groundY - cartH / 2 - 6;
    ctx.fillStyle = COLORS.cart;
    roundRect(ctx, cx - cartW / 2, cy - cartH / 2, cartW, cartH, 6);
    ctx.fill();
    for (const dx of [-cartW / 3, cartW / 3]) {
      ctx.fillStyle = '#9fb1d6';
      ctx.beginPath();
      ctx.arc(cx + dx, cy + cartH / 2 + 2, 6, 0, Math.PI * 2);
      ctx.fill();
    }
    const poleLen = 1.0 * scale;
    const top = { x: cx + Math.sin(theta) * poleLen, y: cy - cartH / 4 - Math.cos(theta) * poleLen };
    ctx.strokeStyle = COLORS.pole;
    ctx.lineCap = 'round';
    ctx.lineWidth = Math.max(6, 0.1 * scale);
    ctx.beginPath();
    ctx.moveTo(cx, cy - cartH / 4);
    ctx.lineTo(top.x, top.y);
    ctx.stroke();
    ctx.fillStyle = COLORS.axle;
    ctx.beginPath();
    ctx.arc(cx, cy - cartH / 4, 5, 0, Math.PI * 2);
    ctx.fill();
  }
  drawCaption(ctx, w, h, caption);
}

/** Draws an RGB uint8 frame `[height, width, 3]` scaled to the canvas with square pixels. */
export function drawFrame(canvas: HTMLCanvasElement, frame: Uint8Array | null, height: number, width: number, caption: WorldCaption): void {
  const { ctx, w, h } = fit(canvas);
  ctx.clearRect(0, 0, w, h);
  if (frame !== null) {
    const image = new ImageData(width, height);
    for (let i = 0, j = 0; i < frame.length; i += 3, j += 4) {
      image.data[j] = frame[i]!;
      image.data[j + 1] = frame[i + 1]!;
      image.data[j + 2] = frame[i + 2]!;
      image.data[j + 3] = 255;
    }
    const off = new OffscreenCanvas(width, height);
    off.getContext('2d')!.putImageData(image, 0, 0);
    const s = Math.min((w - 20) / width, (h - 44) / height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, (w - width * s) / 2, 10, width * s, height * s);
  }
  drawCaption(ctx, w, h, caption);
}

function drawCaption(ctx: CanvasRenderingContext2D, w: number, h: number, caption: WorldCaption): void {
  ctx.fillStyle = COLORS.text;
  ctx.font = '13px system-ui, sans-serif';
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(caption.left, 12, h - 10);
  ctx.textAlign = 'right';
  ctx.fillText(caption.right, w - 12, h - 10);
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** A "nice" tick step for a range (1, 2 or 5 times a power of ten). */
function niceStep(range: number, ticks: number): number {
  const raw = range / Math.max(ticks, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function formatFrames(x: number): string {
  return x >= 1e6 ? `${+(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${+(x / 1e3).toFixed(1)}k` : String(Math.round(x));
}

/**
 * Draws the learning curve: every episode's return as a dot, the mean of the last 100 as a line, and the target,
 * against environment frames.
 */
export function drawCurve(
  canvas: HTMLCanvasElement,
  points: readonly MetricsPoint[],
  episodes: readonly EpisodePoint[],
  options: { readonly target?: number; readonly yMin: number; readonly yMax: number },
): void {
  const { ctx, w, h } = fit(canvas);
  ctx.clearRect(0, 0, w, h);
  const pad = { l: 46, r: 14, t: 12, b: 30 };
  const xMax = Math.max(points.at(-1)?.frames ?? 0, episodes.at(-1)?.frames ?? 0, 1000);
  let yMin = options.yMin;
  let yMax = options.yMax;
  for (const e of episodes) {
    yMin = Math.min(yMin, e.episodeReturn);
    yMax = Math.max(yMax, e.episodeReturn);
  }
  const X = (x: number): number => pad.l + (x / xMax) * (w - pad.l - pad.r);
  const Y = (y: number): number => h - pad.b - ((y - yMin) / (yMax - yMin || 1)) * (h - pad.t - pad.b);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = COLORS.text;
  ctx.strokeStyle = COLORS.grid;
  ctx.lineWidth = 1;
  const yStep = niceStep(yMax - yMin, 5);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let y = Math.ceil(yMin / yStep) * yStep; y <= yMax + 1e-9; y += yStep) {
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(y));
    ctx.lineTo(w - pad.r, Y(y));
    ctx.stroke();
    ctx.fillText(String(+y.toFixed(2)), pad.l - 6, Y(y));
  }
  const xStep = niceStep(xMax, 6);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let x = 0; x <= xMax + 1e-9; x += xStep) ctx.fillText(formatFrames(x), X(x), h - pad.b + 8);
  ctx.textAlign = 'right';
  ctx.fillText('frames', w - pad.r, h - 12);
  if (options.target !== undefined) {
    ctx.strokeStyle = COLORS.target;
    ctx.setLineDash([6, 5]);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(options.target));
    ctx.lineTo(w - pad.r, Y(options.target));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.fillStyle = COLORS.raw;
  const stride = Math.max(1, Math.floor(episodes.length / 4000));
  for (let i = 0; i < episodes.length; i += stride) {
    const e = episodes[i]!;
    ctx.fillRect(X(e.frames) - 1.5, Y(e.episodeReturn) - 1.5, 3, 3);
  }
  ctx.strokeStyle = COLORS.mean;
  ctx.lineWidth = 2.5;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  let started = false;
  for (const p of points) {
    if (!Number.isFinite(p.meanReturn100)) continue;
    if (started) ctx.lineTo(X(p.frames), Y(p.meanReturn100));
    else ctx.moveTo(X(p.frames), Y(p.meanReturn100));
    started = true;
  }
  ctx.stroke();
  if (!started) {
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText('Press Start to train; the curve fills in as episodes finish.', w / 2, h / 2 - 10);
  }
}
