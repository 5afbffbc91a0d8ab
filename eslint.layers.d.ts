// Types of eslint.layers.js (plain JS, since eslint.config.js loads it without a TypeScript loader).
import type { Linter } from 'eslint';

/** Each layer of src/ and the layers it may import. */
export declare const layers: Readonly<Record<string, readonly string[]>>;
/** The flat-config entries that refuse wrong-way imports. */
export declare function layerConfigs(): Linter.Config[];
