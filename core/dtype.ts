/**
 * Element types: `float32` (the default), `float64` (for gradient checking) and `int32` (for indices).
 * @category Tensors
 */
export type DType = 'float32' | 'float64' | 'int32';

/** @internal */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** @internal */
export type FloatDType = 'float32' | 'float64';

const ctors = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;

/** @internal Allocates zeroed storage of `size` elements. */
export function allocate(dtype: DType, size: number): TypedArray {
  return new ctors[dtype](size);
}

/** @internal The dtype of a typed array, or undefined for other arrays. */
export function dtypeOfArray(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return undefined;
}

/** @internal */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype !== 'int32';
}

/** @internal */
export function isDType(d: unknown): d is DType {
  return d === 'float32' || d === 'float64' || d === 'int32';
}
