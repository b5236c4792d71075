// Learning-curve SVG/HTML. The SVG is parsed as XML with @xmldom/xmldom (any parse error fails the test). Expected
// tick labels are worked out by hand from the layout in src/metrics/plot.ts (see each test's comment) and the
// 1-2-5 rule tested in nice-ticks.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import type { Document, Element } from '@xmldom/xmldom';
import { renderLearningCurveHtml, renderLearningCurveSvg, writeLearningCurve } from '../../src/index.js';
import type { LearningCurveSeries } from '../../src/index.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function parseSvg(svg: string): Document {
  const doc = new DOMParser({
    onError: (level, message) => {
      throw new Error(`XML ${level}: ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement!;
  assert.equal(root.localName, 'svg');
  assert.equal(root.namespaceURI, SVG_NS);
  return doc;
}

function elements(doc: Document, name: string, className?: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS(SVG_NS, name)).filter(
    (e) => className === undefined || e.getAttribute('class') === className,
  );
}

/** The text of each <text> in the <g class="…"> group. */
function groupTexts(doc: Document, className: string): string[] {
  const group = elements(doc, 'g', className)[0];
  assert.ok(group, `no <g class="${className}">`);
  return Array.from(group.getElementsByTagNameNS(SVG_NS, 'text')).map((t) => t.textContent ?? '');
}

/** Parses a path's `d` into its commands and points. */
function pathCommands(d: string): { cmd: string; x: number; y: number }[] {
  return Array.from(d.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g), (m) => ({ cmd: m[1]!, x: Number(m[2]), y: Number(m[3]) }));
}

const line = (name: string, pts: [number, number][], extra: Partial<LearningCurveSeries> = {}): LearningCurveSeries => ({
  name,
  points: pts.map(([x, y]) => ({ x, y })),
  ...extra,
});

describe('renderLearningCurveSvg', () => {
  test('well-formed SVG: one path per series, legend, labels, title', () => {
    const series = [
      line('seed 0', [[0, 10], [100_000, 200], [300_000, 500]]),
      line('seed 1', [[0, 0], [150_000, 120], [300_000, 480]]),
      line('seed 2', [[5000, 30], [290_000, 350]]),
    ];
    const doc = parseSvg(renderLearningCurveSvg(series, { title: 'CartPole-v1', yLabel: 'mean return (100 episodes)' }));
    const root = doc.documentElement!;
    assert.equal(root.getAttribute('width'), '800');
    assert.equal(root.getAttribute('height'), '450');
    const paths = elements(doc, 'path', 'series');
    assert.deepEqual(
      paths.map((p) => p.getAttribute('data-name')),
      ['seed 0', 'seed 1', 'seed 2'],
    );
    assert.equal(new Set(paths.map((p) => p.getAttribute('stroke'))).size, 3, 'distinct colours');
    assert.deepEqual(
      paths.map((p) => pathCommands(p.getAttribute('d')!).length),
      [3, 3, 2],
    );
    assert.deepEqual(groupTexts(doc, 'legend'), ['seed 0', 'seed 1', 'seed 2']);
    assert.equal(elements(doc, 'title')[0]!.textContent, 'CartPole-v1');
    assert.equal(elements(doc, 'text', 'title')[0]!.textContent, 'CartPole-v1');
    assert.equal(elements(doc, 'text', 'x-label')[0]!.textContent, 'frames');
    assert.equal(elements(doc, 'text', 'y-label')[0]!.textContent, 'mean return (100 episodes)');
    assert.equal(elements(doc, 'text', 'no-data').length, 0);
  });

  test('tick labels for frames 0–300k and returns 0–500', () => {
    // Plot height 450 - 44 (title) - 52 = 354 px → 7 y intervals wanted → step 100 (500/7 = 71 rounds up to 100).
    // Left margin 28 + 3 chars × 7 + 10 = 59, right 20 + legend (16 + 26 + 6 × 7) = 104 → plot width 637 px → 7 x
    // intervals wanted → step 50k (300k/7 = 42.9k rounds to 50k).
    const doc = parseSvg(renderLearningCurveSvg([line('seed 0', [[0, 0], [150_000, 260], [300_000, 500]])], { title: 'CartPole-v1' }));
    assert.deepEqual(groupTexts(doc, 'y-ticks'), ['0', '100', '200', '300', '400', '500']);
    assert.deepEqual(groupTexts(doc, 'x-ticks'), ['0', '50k', '100k', '150k', '200k', '250k', '300k']);
  });

  test('tick labels for frames 0–2M and negative returns (Acrobot)', () => {
    // y: [-500, -60], 7 intervals wanted → step 50, domain [-500, -50]. Left 28 + 4 × 7 + 10 = 66, right 104 → plot
    // width 630 → 7 intervals → step 200k (2M/7 = 286k rounds to 200k).
    const doc = parseSvg(renderLearningCurveSvg([line('seed 0', [[0, -500], [1e6, -200], [2e6, -60]])], { title: 'Acrobot-v1' }));
    assert.deepEqual(
      groupTexts(doc, 'y-ticks'),
      ['−500', '−450', '−400', '−350', '−300', '−250', '−200', '−150', '−100', '−50'],
    );
    assert.deepEqual(
      groupTexts(doc, 'x-ticks'),
      ['0', '200k', '400k', '600k', '800k', '1M', '1.2M', '1.4M', '1.6M', '1.8M', '2M'],
    );
  });

  test('points map into the plot area: lowest y at the bottom, largest x at the right', () => {
    const doc = parseSvg(renderLearningCurveSvg([line('a', [[0, 0], [300_000, 500]])], { title: 't' }));
    const frame = elements(doc, 'rect', 'frame')[0]!;
    const [fx, fy, fw, fh] = ['x', 'y', 'width', 'height'].map((a) => Number(frame.getAttribute(a)));
    const [p0, p1] = pathCommands(elements(doc, 'path', 'series')[0]!.getAttribute('d')!);
    assert.deepEqual([p0!.x, p0!.y], [fx, fy! + fh!]);
    assert.deepEqual([p1!.x, p1!.y], [fx! + fw!, fy]);
  });

  test('no series, and series without points: empty axes with a "no data" note', () => {
    for (const series of [[], [line('empty', [])]]) {
      const svg = renderLearningCurveSvg(series);
      const doc = parseSvg(svg);
      assert.equal(elements(doc, 'text', 'no-data').length, 1);
      assert.equal(elements(doc, 'path', 'series').length, series.length);
      // Without data both axes span [0, 1] (the tick step depends on the legend's width).
      for (const axis of ['x-ticks', 'y-ticks']) {
        const labels = groupTexts(doc, axis);
        assert.deepEqual([labels[0], labels.at(-1)], ['0', '1'], axis);
      }
      assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'));
    }
  });

  test('a single point is drawn as a dot on a widened axis', () => {
    const svg = renderLearningCurveSvg([line('one', [[1000, 50]])]);
    const doc = parseSvg(svg);
    const d = elements(doc, 'path', 'series')[0]!.getAttribute('d')!;
    assert.equal(pathCommands(d).length, 1);
    assert.equal(elements(doc, 'circle', 'single-point').length, 1);
    assert.ok(!svg.includes('NaN'));
    // y: 50 ± 10% → [45, 55]; no title: plot height 382 px → 8 intervals wanted → 10 / 8 = 1.25 → step 1.
    assert.deepEqual(groupTexts(doc, 'y-ticks'), ['45', '46', '47', '48', '49', '50', '51', '52', '53', '54', '55']);
  });

  test('NaN and infinite points are skipped', () => {
    const svg = renderLearningCurveSvg([
      line('gappy', [[0, NaN], [1, 1], [NaN, 2], [2, 3], [3, Infinity], [4, 4]], {
        raw: [{ x: 1, y: NaN }, { x: 2, y: 5 }],
      }),
    ]);
    const doc = parseSvg(svg);
    const cmds = pathCommands(elements(doc, 'path', 'series')[0]!.getAttribute('d')!);
    assert.deepEqual(
      cmds.map((c) => c.cmd),
      ['M', 'L', 'L'],
    );
    assert.equal(elements(doc, 'circle').length, 1, 'one finite raw point');
    assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'));
  });

  test('a constant series is a flat line in the middle of the axis', () => {
    const doc = parseSvg(renderLearningCurveSvg([line('flat', [[0, 500], [1000, 500], [2000, 500]])]));
    const cmds = pathCommands(elements(doc, 'path', 'series')[0]!.getAttribute('d')!);
    assert.equal(new Set(cmds.map((c) => c.y)).size, 1);
    // 500 ± 10% → [450, 550]; no title: plot height 382 px → 8 intervals wanted → 12.5 → step 10; 500 is the middle.
    assert.deepEqual(groupTexts(doc, 'y-ticks'), ['450', '460', '470', '480', '490', '500', '510', '520', '530', '540', '550']);
    const frame = elements(doc, 'rect', 'frame')[0]!;
    const mid = Number(frame.getAttribute('y')) + Number(frame.getAttribute('height')) / 2;
    assert.ok(Math.abs(cmds[0]!.y - mid) < 0.01);
  });

  test('target line: drawn with its label, included in the y range; omitted outside a fixed domain', () => {
    const series = [line('s', [[0, 10], [1000, 100]])];
    const doc = parseSvg(renderLearningCurveSvg(series, { target: 475 }));
    assert.equal(elements(doc, 'line', 'target').length, 1);
    assert.equal(elements(doc, 'text', 'target-label')[0]!.textContent, 'target 475');
    assert.equal(groupTexts(doc, 'y-ticks').at(-1), '500', 'y axis reaches the target');
    const labelled = parseSvg(renderLearningCurveSvg(series, { target: { value: -100, label: 'solved' } }));
    assert.equal(elements(labelled, 'text', 'target-label')[0]!.textContent, 'solved');
    const outside = parseSvg(renderLearningCurveSvg(series, { target: 475, yDomain: [0, 200] }));
    assert.equal(elements(outside, 'line', 'target').length, 0);
    assert.throws(() => renderLearningCurveSvg(series, { target: NaN }), /renderLearningCurveSvg: target must be a finite number/);
  });

  test('raw points: a faint scatter in the series colour, thinned to maxRawPoints', () => {
    const raw = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: i % 50 }));
    const doc = parseSvg(renderLearningCurveSvg([line('s', [[0, 0], [999, 40]], { raw, color: '#123456' })], { maxRawPoints: 100 }));
    const group = elements(doc, 'g', 'raw')[0]!;
    assert.equal(group.getAttribute('fill'), '#123456');
    assert.ok(Number(group.getAttribute('fill-opacity')) < 0.5);
    assert.equal(group.getElementsByTagNameNS(SVG_NS, 'circle').length, 100);
    assert.equal(elements(doc, 'path', 'series')[0]!.getAttribute('stroke'), '#123456');
  });

  test('fixed domains keep their bounds; data is clipped to the plot area', () => {
    const svg = renderLearningCurveSvg([line('s', [[0, -10], [50, 600]])], { xDomain: [0, 100], yDomain: [0, 500] });
    const doc = parseSvg(svg);
    assert.deepEqual(groupTexts(doc, 'y-ticks'), ['0', '50', '100', '150', '200', '250', '300', '350', '400', '450', '500']);
    const clipId = elements(doc, 'clipPath')[0]!.getAttribute('id')!;
    assert.equal(elements(doc, 'g', 'data')[0]!.getAttribute('clip-path'), `url(#${clipId})`);
    assert.throws(() => renderLearningCurveSvg([], { xDomain: [1, 1] }), /renderLearningCurveSvg: xDomain must be \[min, max\] with finite min < max, got \[1, 1\]/);
  });

  test('escapes markup in names and labels', () => {
    const svg = renderLearningCurveSvg([line('a <b> & "c"', [[0, 1], [1, 2]])], { title: "x < y & 'z'", xLabel: '<frames>' });
    const doc = parseSvg(svg);
    assert.deepEqual(groupTexts(doc, 'legend'), ['a <b> & "c"']);
    assert.equal(elements(doc, 'text', 'title')[0]!.textContent, "x < y & 'z'");
    assert.equal(elements(doc, 'text', 'x-label')[0]!.textContent, '<frames>');
  });

  test('is deterministic, and validates sizes and series', () => {
    const s = [line('s', [[0, 1], [10, 2]])];
    assert.equal(renderLearningCurveSvg(s, { target: 1.5 }), renderLearningCurveSvg(s, { target: 1.5 }));
    assert.throws(() => renderLearningCurveSvg(s, { width: 100 }), /renderLearningCurveSvg: width must be a number >= 200, got 100/);
    assert.throws(() => renderLearningCurveSvg(s, { height: NaN }), /height must be a number >= 150, got NaN/);
    assert.throws(() => renderLearningCurveSvg([{ name: 'x' } as unknown as LearningCurveSeries]), /series\[0\] must be \{ name: string, points/);
    assert.throws(() => renderLearningCurveSvg(line('x', []) as unknown as LearningCurveSeries[]), /series must be an array/);
  });
});

describe('writeLearningCurve', () => {
  const series = [line('seed 0', [[0, 20], [100_000, 300], [200_000, 490]])];

  test('writes .svg and .html (embedding the same SVG), creating parent directories', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'impala-plot-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const svgPath = join(dir, 'run', 'learning-curve.svg');
    const htmlPath = join(dir, 'run', 'learning-curve.html');
    await writeLearningCurve(svgPath, series, { title: 'CartPole-v1', target: 475 });
    await writeLearningCurve(htmlPath, series, { title: 'CartPole-v1', target: 475 });
    const svg = readFileSync(svgPath, 'utf8');
    parseSvg(svg);
    assert.equal(svg, `${renderLearningCurveSvg(series, { title: 'CartPole-v1', target: 475 })}\n`);
    const html = readFileSync(htmlPath, 'utf8');
    assert.equal(html, renderLearningCurveHtml(series, { title: 'CartPole-v1', target: 475 }));
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
    assert.match(html, /<title>CartPole-v1<\/title>/);
    const embedded = html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + '</svg>'.length);
    assert.equal(embedded, svg.trimEnd());
    assert.deepEqual(readdirSync(join(dir, 'run')).sort(), ['learning-curve.html', 'learning-curve.svg'], 'no temporary files left');
  });

  test('rejects other extensions', async () => {
    await assert.rejects(writeLearningCurve('curve.png', series), /writeLearningCurve: path must end in .svg, .html or .htm, got 'curve.png'/);
  });
});
