import type { Backend } from './backend.js';
import { jsBackend } from './js.js';
import { wasmAvailable, wasmBackend } from './wasm/index.js';

export type { Backend, BinaryKernel, ReduceKernel, UnaryKernel } from './backend.js';
export { jsBackend } from './js.js';
export { getNumThreads, processorCount, setNumThreads, wasmAvailable, wasmBackend, wasmRelaxedSimd, wasmThreadsReady } from './wasm/index.js';

// WebAssembly SIMD kernels where the engine has them; the TypeScript kernels everywhere else.
let current: Backend = wasmAvailable() ? wasmBackend : jsBackend;

/**
 * The backend every op computes with.
 * @example
 * ```ts
 * getBackend().name; // 'wasm' where WebAssembly SIMD is available, else 'js'
 * ```
 * @category Kernels
 */
export function getBackend(): Backend {
  return current;
}

/**
 * Replaces the kernels every op computes with (for example with a faster implementation).
 * @example
 * ```ts
 * setBackend(jsBackend);
 * ```
 * @category Kernels
 */
export function setBackend(backend: Backend): void {
  current = backend;
}
