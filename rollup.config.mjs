// Builds two entries, each as ESM (.js), CJS (.cjs), sourcemaps and bundled declarations (.d.ts for
// import, .d.cts for require):
//   dist/index.*  the library (`tapegrad`): runs in browsers and Node.js, imports nothing but immer;
//   dist/node.*   the file API (`tapegrad/node`): node.ts, importing node: built-ins and the library through
//                 './index.js', which stays an import of dist/index.js / dist/index.cjs (one copy of the
//                 library, so one Tensor class, whichever entry a program loads first).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import ts from 'typescript';

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true }); // no stale files in the package

const external = (id) => id === 'immer' || id.startsWith('immer/');

// The library must run in browsers: an import that is neither relative nor external (a node built-in,
// an undeclared package) fails the build instead of being left as a bare import.
const onwarn = (warning, warn) => {
  if (warning.code === 'UNRESOLVED_IMPORT' || warning.code === 'MISSING_EXPORT') throw new Error(warning.message);
  warn(warning);
};

const nodeTs = fileURLToPath(new URL('./node.ts', import.meta.url));
const mainIds = new Set(['./index.js', './index.ts'].map((p) => fileURLToPath(new URL(p, import.meta.url))));
// Rollup turns a relative external import into an absolute path first; `paths` writes it back per format.
const nodeExternal = (id, importer) =>
  external(id) || id.startsWith('node:') || mainIds.has(id) || (importer === nodeTs && /^\.\/index\.[jt]s$/.test(id));
const toMain = (file) => (id) => (mainIds.has(id) ? file : id);
// Fails the node build if it would carry its own copy of any library module.
const libraryThroughIndex = {
  name: 'library-through-index',
  buildEnd() {
    for (const id of this.getModuleIds())
      if (!this.getModuleInfo(id).isExternal && id !== nodeTs)
        this.error(`the node entry bundles ${id}: node.ts must import the library only through './index.js'`);
  },
};
// node.ts is outside tsconfig.build.json's files (which keeps Node.js types away from the library), so
// it is compiled with that config's options plus Node.js types, as the root of its own program.
const buildConfig = ts.getParsedCommandLineOfConfigFile('tsconfig.build.json', undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
});
const nodeOptions = { ...buildConfig.options, types: ['node'] };

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
  {
    input: 'node.ts',
    external: nodeExternal,
    onwarn,
    plugins: [
      typescript({ tsconfig: false, compilerOptions: nodeOptions, include: ['node.ts'], noEmitOnError: true }),
      libraryThroughIndex,
    ],
    output: [
      { file: 'dist/node.js', format: 'es', sourcemap: true, paths: toMain('./index.js') },
      { file: 'dist/node.cjs', format: 'cjs', sourcemap: true, exports: 'named', paths: toMain('./index.cjs') },
    ],
  },
  {
    input: 'node.ts',
    external: nodeExternal,
    onwarn,
    plugins: [dts({ tsconfig: './tsconfig.build.json', compilerOptions: { types: ['node'] } })],
    output: [
      { file: 'dist/node.d.ts', format: 'es', paths: toMain('./index.js') },
      { file: 'dist/node.d.cts', format: 'es', paths: toMain('./index.cjs') },
    ],
  },
];
