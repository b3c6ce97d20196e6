import { Tensor } from '../core/tensor.js';

/** A tensor, or arrays and plain objects nesting tensors (a pytree, as in JAX). @category Autograd */
export type Tree = Tensor | readonly Tree[] | { readonly [key: string]: Tree };


function isContainer(v: unknown): v is object {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * @internal The tensor leaves of a tree in a fixed order, the paths to them, and a function that builds a
 * tree of the same structure from new leaves. A leaf that is not a tensor is reported by `onOther`.
 */
export function flattenTree(tree: unknown, onOther: (path: string, v: unknown) => void): {
  leaves: Tensor[];
  paths: string[];
  rebuild: (leaves: readonly Tensor[]) => unknown;
} {
  const leaves: Tensor[] = [];
  const paths: string[] = [];
  const visit = (v: unknown, path: string): void => {
    if (v instanceof Tensor) {
      leaves.push(v);
      paths.push(path);
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
    else if (isContainer(v)) for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`);
    else onOther(path, v);
  };
  visit(tree, '');
  const rebuild = (newLeaves: readonly Tensor[]): unknown => {
    let i = 0;
    const build = (v: unknown): unknown => {
      if (v instanceof Tensor) return newLeaves[i++];
      if (Array.isArray(v)) return v.map(build);
      if (isContainer(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, build(x)]));
      return v;
    };
    return build(tree);
  };
  return { leaves, paths, rebuild };
}
