import { check } from '../errors.js';
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
  const op = 'setBackend';
  check(typeof backend === 'object' && backend !== null, op, () =>
    `expected a Backend object (for example jsBackend), got ${backend === null ? 'null' : typeof backend}`);
  const missing = (Object.keys(MEMBERS) as (keyof typeof MEMBERS)[]).filter((k) => typeof backend[k] !== MEMBERS[k]);
  const optional = OPTIONAL.filter((k) => backend[k] !== undefined && typeof backend[k] !== 'function');
  check(missing.length === 0 && optional.length === 0, op, () =>
    `the backend${typeof backend.name === 'string' ? ` '${backend.name}'` : ''} lacks ${[...missing, ...optional]
      .map((k) => `${k} (a ${k in MEMBERS ? MEMBERS[k as keyof typeof MEMBERS] : 'function'})`)
      .join(', ')}; start from a complete one: { ...jsBackend, name: 'mine', ... }`);
  current = backend;
}

// Every required member of a Backend and its type: the mapped type makes a member added to the interface
// a compile error here until it is listed.
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];
const MEMBERS: { readonly [K in RequiredKeys<Backend>]: 'string' | 'function' } = {
  name: 'string', unary: 'function', binary: 'function', where: 'function', clamp: 'function', reduce: 'function',
  argReduce: 'function', logsumexp: 'function', norm2: 'function', softmax: 'function', matmul: 'function',
  linear: 'function', expand: 'function', permute: 'function', slice: 'function', unslice: 'function', concat: 'function',
  indexSelect: 'function', indexAdd: 'function', gather: 'function', scatterAdd: 'function', cast: 'function',
};
const OPTIONAL: readonly Exclude<keyof Backend, RequiredKeys<Backend>>[] = ['matmulAccumulate', 'withFrozenLeaves'];
