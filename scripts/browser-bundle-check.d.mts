import type { Plugin } from 'esbuild';

/** Globals that exist in Node but not in a browser. */
export declare const NODE_GLOBALS: readonly string[];

/** A free reference to a Node global. */
export interface NodeGlobalReference {
  readonly name: string;
  readonly line: number;
}

/** Free references to Node globals in a source file. */
export declare function nodeGlobalReferences(text: string, fileName: string): NodeGlobalReference[];

/** Options of {@link bundleForBrowser}. */
export interface BundleForBrowserOptions {
  readonly entry?: string;
  readonly contents?: string;
  readonly resolveDir?: string;
  readonly plugins?: readonly Plugin[];
  readonly external?: readonly string[];
  readonly ownFiles?: (path: string) => boolean;
  readonly minify?: boolean;
}

/** What {@link bundleForBrowser} found. */
export interface BrowserBundleReport {
  readonly nodeImports: readonly { readonly path: string; readonly importer: string }[];
  readonly nodeGlobals: readonly (NodeGlobalReference & { readonly file: string })[];
  readonly inputs: readonly string[];
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly code: string;
}

/** Bundles for the browser with esbuild and reports Node built-in imports and Node globals. */
export declare function bundleForBrowser(options: BundleForBrowserOptions): Promise<BrowserBundleReport>;
