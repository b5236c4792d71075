// Bundles impala-rl for the browser with esbuild and reports what a web page could not run: imports of Node
// built-ins (`node:fs`, or bare `fs`, ...) and free references to Node globals (`process`, `Buffer`, `require`, ...)
// in impala-rl's own modules. Used by test/browser/bundle.test.ts (the sources), scripts/test-browser.mjs (the
// built package through its `exports` map) and scripts/bundle-size.mjs (sizes).
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { isAbsolute, join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import ts from 'typescript';

/** Globals that exist in Node but not in a browser. */
export const NODE_GLOBALS = Object.freeze(['process', 'Buffer', 'require', 'module', 'exports', '__dirname', '__filename', 'global', 'setImmediate', 'clearImmediate']);

const GUARD = Symbol('node-builtins-guard');
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * An esbuild plugin that records every import of a Node built-in and marks it external, so the bundle still
 * builds and the caller sees them all at once.
 * @param found - receives `{ path, importer }` per import.
 */
function nodeBuiltinsGuard(found) {
  return {
    name: 'node-builtins-guard',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === GUARD || !(args.path.startsWith('node:') || builtins.has(args.path))) return undefined;
        // A package may map a built-in to an empty module for browsers (its package.json `browser` field, e.g.
        // `"util": false`): esbuild resolves those without error, and they are fine. Anything else is a Node import.
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: GUARD });
        if (resolved.errors.length === 0) return undefined;
        found.push({ path: args.path, importer: args.importer });
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Free references to {@link NODE_GLOBALS} in a JavaScript or TypeScript source: identifiers that are not a property
 * name, not a declaration, and not declared anywhere in the file (a local `require` is fine), and not behind
 * `typeof x`.
 * @param text - the source.
 * @param fileName - its name (picks the parser's language).
 * @returns `{ name, line }` per reference.
 */
export function nodeGlobalReferences(text, fileName) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const declared = new Set();
  const refs = [];
  const visit = (node) => {
    if (ts.isIdentifier(node) && NODE_GLOBALS.includes(node.text)) {
      const p = node.parent;
      const isName = (ts.isPropertyAccessExpression(p) && p.name === node)
        || ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodSignature(p)) && p.name === node)
        || (ts.isImportSpecifier(p) || ts.isExportSpecifier(p));
      const isDeclaration = (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isClassDeclaration(p) || ts.isBindingElement(p)) && p.name === node;
      if (isDeclaration) declared.add(node.text);
      else if (!isName && !ts.isTypeOfExpression(p) && !ts.isTypeQueryNode(p) && !ts.isTypeReferenceNode(p) && !ts.isQualifiedName(p)) {
        refs.push({ name: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs.filter((r) => !declared.has(r.name));
}

/**
 * Bundles for the browser and checks the result.
 * @param options - `entry` (a file) or `contents` + `resolveDir` (an inline module); `plugins` (e.g. the browser
 *   substitutions when bundling the sources); `external` (e.g. `['@tensorflow/*']` to leave tfjs out);
 *   `ownFiles(path)`: which bundled inputs are impala-rl's (scanned for Node globals); `minify`.
 * @returns `{ nodeImports, nodeGlobals, inputs, bytes, gzipBytes, code }`.
 */
export async function bundleForBrowser(options) {
  const nodeImports = [];
  const result = await esbuild.build({
    ...(options.entry ? { entryPoints: [options.entry] } : { stdin: { contents: options.contents, resolveDir: options.resolveDir, loader: 'js', sourcefile: 'consumer.js' } }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? false,
    treeShaking: true,
    metafile: true,
    logLevel: 'silent',
    external: options.external ?? [],
    // No Node polyfills: the default platform-browser conditions (browser, import, default) and nothing injected.
    plugins: [...(options.plugins ?? []), nodeBuiltinsGuard(nodeImports)],
  });
  const code = result.outputFiles[0].text;
  const cwd = process.cwd();
  const inputs = Object.keys(result.metafile.inputs).map((p) => (isAbsolute(p) ? p : join(cwd, p)));
  const nodeGlobals = [];
  for (const file of inputs.filter((p) => options.ownFiles?.(p) ?? false)) {
    for (const ref of nodeGlobalReferences(readFileSync(file, 'utf8'), file)) nodeGlobals.push({ ...ref, file: relative(cwd, file) });
  }
  const bytes = result.outputFiles[0].contents.length;
  return { nodeImports, nodeGlobals, inputs, bytes, gzipBytes: gzipSync(code, { level: 9 }).length, code };
}
