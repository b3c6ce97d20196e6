import type { Backend } from './backend.js';
import { jsBackend } from './js.js';

export type { Backend, BinaryKernel, ReduceKernel, UnaryKernel } from './backend.js';
export { jsBackend } from './js.js';

let current: Backend = jsBackend;

/**
 * The backend every op computes with.
 * @example
 * ```ts
 * getBackend().name; // 'js'
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
