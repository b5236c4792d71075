/** `[module path relative to src/ without extension, its browser stand-in relative to src/]`. */
export declare const BROWSER_SUBSTITUTIONS: readonly (readonly [string, string])[];
/** An esbuild plugin that swaps the substituted modules for their browser stand-ins. */
export declare function browserSubstitutionsPlugin(): import('esbuild').Plugin;
/** The same substitution as a Vite plugin. */
export declare function browserSubstitutionsVitePlugin(): import('vite').Plugin;
