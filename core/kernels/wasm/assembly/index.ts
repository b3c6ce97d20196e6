// The entry of the WebAssembly module: everything exported here is callable from the TypeScript glue.
export { gemm32, gemm32Packed, gemm64, packB32All, packedBytes32, workBytes } from './gemm';
export { actGrad32, actGrad64, binary32, binary64, exp32, exp64, sigmoid32, sigmoid64, tanh32, tanh64 } from './elementwise';

/** The first byte of linear memory that no static data uses: the glue lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
