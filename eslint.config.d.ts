import type { Linter } from 'eslint';

/** Types of eslint.config.js, for the test of its layer rule (test/module-layers.e2e-spec.ts). */
export declare const layerBoundaries: Linter.Config;
declare const config: Linter.Config[];
export default config;
