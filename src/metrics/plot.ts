/**
 * Learning-curve plots as standalone SVG (or an HTML page embedding it), rendered from plain numbers without a
 * browser or any dependency. The renderers are pure string functions (they also work in a browser); only
 * {@link writeLearningCurve} touches the file system, through Node modules it imports when called.
 */
import { formatTick, niceDomain, tickStep, ticksIn } from './nice-ticks.js';
import { MetricsError } from './errors.js';

/**
 * One point of a curve.
 * @category Metrics
 */
export interface CurvePoint {
  /** Horizontal coordinate, e.g. env frames. */
  readonly x: number;
  /** Vertical coordinate, e.g. mean return. */
  readonly y: number;
}

/**
 * One named curve of a learning-curve plot.
 * @category Metrics
 */
export interface LearningCurveSeries {
  /** The legend entry, e.g. `'seed 0'`. */
  readonly name: string;
  /**
   * The line, drawn in the given order (normally increasing `x`), e.g. `{ x: frames, y: mean return over the last
   * 100 episodes }`. Points whose `x` or `y` is not finite (NaN, ±Infinity) are skipped.
   */
  readonly points: readonly CurvePoint[];
  /**
   * Optional raw samples, e.g. `{ x: frames at episode end, y: episode return }`, drawn as a faint scatter behind the
   * line in the same colour. Non-finite points are skipped.
   */
  readonly raw?: readonly CurvePoint[];
  /**
   * Any SVG colour.
   *
   * @defaultValue the next colour of a colour-blind-safe palette (Okabe & Ito)
   */
  readonly color?: string;
}

/**
 * A horizontal reference line, e.g. the return at which an env counts as solved.
 * @category Metrics
 */
export interface TargetLine {
  /** Its height in `y` units. */
  readonly value: number;
  /**
   * Text drawn at its right end.
   *
   * @defaultValue `'target <value>'`
   */
  readonly label?: string;
}

/**
 * Options of {@link renderLearningCurveSvg} and {@link writeLearningCurve}.
 * @category Metrics
 */
export interface LearningCurveOptions {
  /**
   * Heading above the plot (also the SVG's accessible name).
   *
   * @defaultValue none
   */
  readonly title?: string;
  /**
   * Label of the horizontal axis.
   *
   * @defaultValue `'frames'`
   */
  readonly xLabel?: string;
  /**
   * Label of the vertical axis.
   *
   * @defaultValue `'return'`
   */
  readonly yLabel?: string;
  /**
   * Width of the image in pixels.
   *
   * @defaultValue 800
   */
  readonly width?: number;
  /**
   * Height of the image in pixels.
   *
   * @defaultValue 450
   */
  readonly height?: number;
  /**
   * A dashed horizontal line, e.g. `475` (or `{ value: 475, label: 'solved' }`) for CartPole-v1.
   *
   * @defaultValue none
   */
  readonly target?: number | TargetLine;
  /**
   * Fixed `[min, max]` of the horizontal axis; data outside is clipped.
   *
   * @defaultValue the data's range, widened to nice ticks
   */
  readonly xDomain?: readonly [number, number];
  /**
   * Fixed `[min, max]` of the vertical axis; data outside is clipped.
   *
   * @defaultValue the range of the data and the target, widened to nice ticks
   */
  readonly yDomain?: readonly [number, number];
  /**
   * At most this many raw points per series are drawn (evenly thinned beyond).
   *
   * @defaultValue 5000
   */
  readonly maxRawPoints?: number;
}

/** Okabe & Ito's colour-blind-safe palette, minus its yellow (too faint on white). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const FONT_SIZE = 12;
/** Rough average glyph width of the UI font at {@link FONT_SIZE}, used to size the margins. */
const CHAR_WIDTH = 7;

/**
 * Renders learning curves as a standalone SVG document: one line per series, optional faint scatter of raw points,
 * axes with 1-2-5 ticks (labels such as `100k`, `1.5M`), grid, axis labels, title, a legend to the right and an
 * optional dashed target line.
 *
 * Empty input (no series, or no finite point) gives the empty axes with a "no data" note. A single finite point is
 * drawn as a dot; a constant series as a flat line in the middle of a widened axis.
 *
 * @example
 * ```ts
 * const svg = renderLearningCurveSvg(
 *   [{ name: 'seed 0', points: [{ x: 0, y: 20 }, { x: 100_000, y: 180 }, { x: 300_000, y: 490 }] }],
 *   { title: 'CartPole-v1', yLabel: 'mean return (last 100 episodes)', target: 475 },
 * );
 * ```
 * @param series - The curves, `{ name, points: {x, y}[], raw?, color? }[]`.
 * @param options - Labels, size, target line and fixed domains; see {@link LearningCurveOptions}.
 * @returns The SVG markup (`<svg xmlns="http://www.w3.org/2000/svg" …>…</svg>`).
 * @category Metrics
 */
export function renderLearningCurveSvg(
  series: readonly LearningCurveSeries[],
  options: LearningCurveOptions = {},
): string {
  const { title, xLabel = 'frames', yLabel = 'return', width = 800, height = 450, maxRawPoints = 5000 } = options;
  const where = 'renderLearningCurveSvg';
  if (!isArray(series)) throw new MetricsError(`${where}: series must be an array, got ${typeof series}`);
  for (const [name, value, min] of [['width', width, 200], ['height', height, 150], ['maxRawPoints', maxRawPoints, 0]] as const) {
    if (!(Number.isFinite(value) && value >= min)) throw new MetricsError(`${where}: ${name} must be a number >= ${min}, got ${value}`);
  }
  const target = normaliseTarget(options.target, where);

  const lines = series.map((s, i) => {
    if (typeof s.name !== 'string' || !isArray(s.points)) {
      throw new MetricsError(`${where}: series[${i}] must be { name: string, points: {x, y}[] }`);
    }
    return {
      name: s.name,
      color: s.color ?? PALETTE[i % PALETTE.length]!,
      points: s.points.filter(isFinitePoint),
      raw: thin((s.raw ?? []).filter(isFinitePoint), maxRawPoints),
    };
  });
  const all = lines.flatMap((l) => [...l.points, ...l.raw]);
  const hasData = all.length > 0;

  // Layout: title on top, legend on the right, tick labels and axis labels on the left and bottom.
  const top = title !== undefined && title !== '' ? 44 : 16;
  const bottom = 52;
  const plotHeight = height - top - bottom;
  const y = axis(
    options.yDomain,
    [...all.map((p) => p.y), ...(target !== undefined ? [target.value] : [])],
    Math.max(2, Math.floor(plotHeight / 45)),
    `${where}: yDomain`,
  );
  const yTickLabels = y.ticks.map((t) => formatTick(t, y.step));
  const left = 28 + Math.max(...yTickLabels.map((l) => l.length), 1) * CHAR_WIDTH + 10;
  const named = lines.filter((l) => l.name !== '');
  const legendWidth = named.length > 0 ? 16 + 26 + Math.max(...named.map((l) => l.name.length)) * CHAR_WIDTH : 0;
  const right = 20 + legendWidth;
  const plotWidth = width - left - right;
  if (plotWidth < 50 || plotHeight < 50) {
    throw new MetricsError(`${where}: ${width}x${height} leaves no room for the plot (${plotWidth}x${plotHeight} after margins)`);
  }
  const x = axis(options.xDomain, all.map((p) => p.x), Math.max(2, Math.floor(plotWidth / 90)), `${where}: xDomain`);

  const x0 = left;
  const x1 = left + plotWidth;
  const y0 = top;
  const y1 = top + plotHeight;
  const sx = (v: number): number => x0 + ((v - x.min) / (x.max - x.min)) * plotWidth;
  const sy = (v: number): number => y1 - ((v - y.min) / (y.max - y.min)) * plotHeight;

  // Plots with the same clip geometry may share the id when embedded in one page: the clip is the same rectangle.
  const clipId = `plot-area-${[x0, y0, plotWidth, plotHeight].map((v) => n(v).replace('.', '_')).join('-')}`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
      ` role="img" aria-label="${escapeXml(title ?? 'learning curve')}" font-family="${FONT}" font-size="${FONT_SIZE}">`,
  );
  if (title !== undefined && title !== '') out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    // The clip reaches a few pixels past the frame so that dots on the edge (e.g. a return of exactly 500) stay round.
    `<defs><clipPath id="${clipId}"><rect x="${n(x0 - 4)}" y="${n(y0 - 4)}" width="${n(plotWidth + 8)}" height="${n(plotHeight + 8)}"/></clipPath></defs>`,
  );

  // Grid and ticks.
  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const t of x.ticks) out.push(`<line x1="${n(sx(t))}" y1="${n(y0)}" x2="${n(sx(t))}" y2="${n(y1)}"/>`);
  for (const t of y.ticks) out.push(`<line x1="${n(x0)}" y1="${n(sy(t))}" x2="${n(x1)}" y2="${n(sy(t))}"/>`);
  out.push('</g>');
  out.push(`<rect class="frame" x="${n(x0)}" y="${n(y0)}" width="${n(plotWidth)}" height="${n(plotHeight)}" fill="none" stroke="#888888"/>`);
  out.push(`<g class="x-ticks" fill="#333333" text-anchor="middle">`);
  for (const t of x.ticks) out.push(`<text x="${n(sx(t))}" y="${n(y1 + 16)}">${escapeXml(formatTick(t, x.step))}</text>`);
  out.push('</g>');
  out.push(`<g class="y-ticks" fill="#333333" text-anchor="end">`);
  y.ticks.forEach((t, i) => out.push(`<text x="${n(x0 - 6)}" y="${n(sy(t) + 4)}">${escapeXml(yTickLabels[i]!)}</text>`));
  out.push('</g>');

  // Axis labels and title.
  out.push(`<text class="x-label" x="${n((x0 + x1) / 2)}" y="${n(height - 12)}" text-anchor="middle" fill="#222222">${escapeXml(xLabel)}</text>`);
  const yLabelX = 16;
  const yLabelY = (y0 + y1) / 2;
  out.push(
    `<text class="y-label" x="${n(yLabelX)}" y="${n(yLabelY)}" text-anchor="middle" fill="#222222" transform="rotate(-90 ${n(yLabelX)} ${n(yLabelY)})">${escapeXml(yLabel)}</text>`,
  );
  if (title !== undefined && title !== '') {
    out.push(`<text class="title" x="${n(width / 2)}" y="26" text-anchor="middle" font-size="16" font-weight="600" fill="#111111">${escapeXml(title)}</text>`);
  }

  // Data, clipped to the plot area.
  out.push(`<g class="data" clip-path="url(#${clipId})">`);
  for (const l of lines) {
    if (l.raw.length === 0) continue;
    out.push(`<g class="raw" fill="${escapeXml(l.color)}" fill-opacity="0.22">`);
    for (const p of l.raw) out.push(`<circle cx="${n(sx(p.x))}" cy="${n(sy(p.y))}" r="1.8"/>`);
    out.push('</g>');
  }
  if (target !== undefined && target.value >= y.min && target.value <= y.max) {
    out.push(
      `<line class="target" x1="${n(x0)}" y1="${n(sy(target.value))}" x2="${n(x1)}" y2="${n(sy(target.value))}" stroke="#555555" stroke-width="1.2" stroke-dasharray="6 4"/>`,
    );
  }
  for (const l of lines) {
    const d = l.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(sx(p.x))},${n(sy(p.y))}`).join('');
    out.push(
      `<path class="series" data-name="${escapeXml(l.name)}" d="${d}" fill="none" stroke="${escapeXml(l.color)}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`,
    );
    if (l.points.length === 1) {
      const p = l.points[0]!;
      out.push(`<circle class="single-point" cx="${n(sx(p.x))}" cy="${n(sy(p.y))}" r="3.5" fill="${escapeXml(l.color)}"/>`);
    }
  }
  out.push('</g>');
  if (target !== undefined && target.value >= y.min && target.value <= y.max) {
    out.push(`<text class="target-label" x="${n(x1 - 4)}" y="${n(sy(target.value) - 5)}" text-anchor="end" fill="#555555" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(target.label)}</text>`);
  }
  if (!hasData) {
    out.push(`<text class="no-data" x="${n((x0 + x1) / 2)}" y="${n((y0 + y1) / 2)}" text-anchor="middle" fill="#999999">no data</text>`);
  }

  // Legend, right of the plot.
  if (named.length > 0) {
    const lx = x1 + 16;
    out.push('<g class="legend">');
    named.forEach((l, i) => {
      const ly = y0 + 8 + i * 20;
      out.push(`<line x1="${n(lx)}" y1="${n(ly)}" x2="${n(lx + 20)}" y2="${n(ly)}" stroke="${escapeXml(l.color)}" stroke-width="2.5"/>`);
      out.push(`<text x="${n(lx + 26)}" y="${n(ly + 4)}" fill="#222222">${escapeXml(l.name)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/**
 * Wraps {@link renderLearningCurveSvg}'s SVG in a minimal standalone HTML page (no scripts, no external resources).
 *
 * @param series - The curves; see {@link LearningCurveSeries}.
 * @param options - As for {@link renderLearningCurveSvg}; the title also becomes the page title.
 * @returns The HTML document.
 * @category Metrics
 */
export function renderLearningCurveHtml(
  series: readonly LearningCurveSeries[],
  options: LearningCurveOptions = {},
): string {
  const svg = renderLearningCurveSvg(series, options);
  const title = escapeXml(options.title ?? 'Learning curve');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    '<style>body { margin: 24px; background: #ffffff; } svg { max-width: 100%; height: auto; }</style>',
    '</head>',
    '<body>',
    svg,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Writes a learning-curve plot to `path`: the SVG itself when `path` ends in `.svg`, an HTML page embedding it when
 * it ends in `.html` or `.htm`. Parent directories are created; the file is written to a temporary name and renamed,
 * so a reader never sees half a plot.
 *
 * @param path - Destination, e.g. `runs/cartpole-seed0/learning-curve.svg`.
 * @param series - The curves; see {@link LearningCurveSeries}.
 * @param options - See {@link LearningCurveOptions}.
 * @returns A promise that settles once the file is in place.
 * @category Metrics
 */
export async function writeLearningCurve(
  path: string,
  series: readonly LearningCurveSeries[],
  options: LearningCurveOptions = {},
): Promise<void> {
  const [{ mkdir, rename, rm, writeFile }, nodePath] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
  ]);
  const ext = nodePath.extname(path).toLowerCase();
  let content: string;
  if (ext === '.svg') content = `${renderLearningCurveSvg(series, options)}\n`;
  else if (ext === '.html' || ext === '.htm') content = renderLearningCurveHtml(series, options);
  else throw new MetricsError(`writeLearningCurve: path must end in .svg, .html or .htm, got '${path}'`);
  await mkdir(nodePath.dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/** A fixed domain with ticks inside it, or the data's extent widened to nice ticks ([0, 1] without data). */
function axis(fixed: readonly [number, number] | undefined, values: readonly number[], count: number, what: string): Axis {
  if (fixed !== undefined) {
    const [min, max] = fixed;
    if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) {
      throw new MetricsError(`${what} must be [min, max] with finite min < max, got [${min}, ${max}]`);
    }
    const step = tickStep(min, max, count);
    return { min, max, step, ticks: ticksIn(min, max, step) };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) [lo, hi] = [0, 1];
  const nice = niceDomain(lo, hi, count);
  return { ...nice, ticks: ticksIn(nice.min, nice.max, nice.step) };
}

function normaliseTarget(target: LearningCurveOptions['target'], where: string): Required<TargetLine> | undefined {
  if (target === undefined) return undefined;
  const value = typeof target === 'number' ? target : target.value;
  if (!Number.isFinite(value)) throw new MetricsError(`${where}: target must be a finite number, got ${value}`);
  const label = typeof target === 'number' || target.label === undefined ? `target ${formatPlain(value)}` : target.label;
  return { value, label };
}

function isFinitePoint(p: CurvePoint): boolean {
  return typeof p === 'object' && Number.isFinite(p.x) && Number.isFinite(p.y);
}

/** `Array.isArray` without widening a readonly array to `any[]`. */
function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** Keeps every k-th point so that at most `max` remain. */
function thin(points: readonly CurvePoint[], max: number): readonly CurvePoint[] {
  if (points.length <= max) return points;
  if (max === 0) return [];
  const stride = Math.ceil(points.length / max);
  return points.filter((_, i) => i % stride === 0);
}

/** A coordinate with at most two decimals. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A value as a person would write it: `475`, `-100`, `0.5`. */
function formatPlain(v: number): string {
  return String(Number(v.toPrecision(6)));
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
