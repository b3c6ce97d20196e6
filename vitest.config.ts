import { type TestProjectInlineConfiguration, defineConfig } from 'vitest/config';
import { wasmRelaxedBase64 } from './core/kernels/wasm/binary.js';

// The WebAssembly kernels come in a plain-SIMD and a relaxed-SIMD build (fused multiply-add in the GEMM),
// and the glue loads the relaxed one where the engine accepts it. Where this engine does not by default
// (Node 20), the kernel tests run a second time with it switched on, so both builds are tested.
const relaxedByDefault = WebAssembly.validate(Buffer.from(wasmRelaxedBase64, 'base64'));
const projects: TestProjectInlineConfiguration[] = [{ extends: true, test: { name: 'all', include: ['tests/**/*.test.ts'] } }];
if (!relaxedByDefault)
  projects.push({ extends: true, test: { name: 'relaxed-simd', include: ['tests/core/wasm.test.ts'], execArgv: ['--experimental-wasm-relaxed-simd'] } });

export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects,
  },
});
