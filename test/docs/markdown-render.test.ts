// A Markdown line that starts with an HTML-like tag (e.g. an inline code span wrapped before `<dir>`)
// opens an HTML block in CommonMark: GitHub, npm and typedoc then render everything after it wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

/** Lines outside fenced code blocks that CommonMark would read as the start of an HTML block. */
export function htmlBlockStarts(markdown: string): string[] {
  const found: string[] = [];
  let fenced = false;
  for (const [i, line] of markdown.split('\n').entries()) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced && /^ {0,3}<\/?[A-Za-z][\w-]*(\s|>|\/>|$)/.test(line)) found.push(`${i + 1}: ${line}`);
  }
  return found;
}

test('the detector finds a wrapped code span that starts a line with <dir>', () => {
  assert.deepEqual(htmlBlockStarts('Run `npm run eval -- --checkpoint\n<dir> --greedy` to evaluate.'), ['2: <dir> --greedy` to evaluate.']);
  assert.deepEqual(htmlBlockStarts('```bash\n<dir>\n```'), []);
});

for (const file of files) {
  test(`${file}: no line opens an HTML block by accident`, () => {
    assert.deepEqual(htmlBlockStarts(readFileSync(join(root, file), 'utf8')), []);
  });
}
