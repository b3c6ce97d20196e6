// Builds dist/index.js (ESM), dist/index.cjs (CJS), their sourcemaps, and the bundled declarations
// dist/index.d.ts (for import) and dist/index.d.cts (for require).
import { rmSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true }); // no stale files in the package

const external = (id) => id === 'immer' || id.startsWith('immer/');

// The library must run in browsers: an import that is neither relative nor external (a node built-in,
// an undeclared package) fails the build instead of being left as a bare import.
const onwarn = (warning, warn) => {
  if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'MISSING_EXPORT') throw new Error(warning.message);
  warn(warning);
};

export default [
  {
    input: 'index.ts',
    external,
    onwarn,
    // index.ts imports './autograd/methods.js' only for its side effect (installing Tensor methods).
    treeshake: { moduleSideEffects: true },
    plugins: [typescript({ tsconfig: './tsconfig.build.json', noEmitOnError: true })],
    output: [
      { file: 'dist/index.js', format: 'es', sourcemap: true },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    input: 'index.ts',
    external,
    onwarn,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
    // The same declarations twice: .d.ts types the ESM entry, .d.cts the CJS one (for TypeScript's node16 resolution).
    output: [
      { file: 'dist/index.d.ts', format: 'es' },
      { file: 'dist/index.d.cts', format: 'es' },
    ],
  },
];
