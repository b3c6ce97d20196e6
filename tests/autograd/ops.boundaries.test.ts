/**
 * Ops at the edges of their domains, against PyTorch 1.13 in float64: zero bases and exponents, constant
 * and all-zero slices, empty tensors, rank-0 tensors. Every expected number was printed by the torch call
 * quoted beside it (run with /usr/bin/python3, torch.set_default_dtype(torch.float64)).
 */
import { describe, expect, it } from 'vitest';
import {
  type Tensor, argmax, argmin, clamp, flip, gather, grad, logSoftmax, logsumexp, max, mean, min, norm, pow, softmax, squeeze, std, sum, tensor, variance, zeros,
} from '../../index.js';
import { expectClose, thrown } from '../helpers/values.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
/** Gradient of sum(f(x)) with respect to x. */
const gradOf = (f: (x: Tensor) => Tensor, x: Tensor): Tensor => grad((t: Tensor) => sum(f(t)))(x);
/** Both gradients of sum(f(a, b)). */
const grads2 = (f: (a: Tensor, b: Tensor) => Tensor, a: Tensor, b: Tensor): [Tensor, Tensor] =>
  grad((x: Tensor, y: Tensor) => sum(f(x, y)), { argnums: [0, 1] })(a, b) as [Tensor, Tensor];

describe('pow at zero bases and zero exponents', () => {
  // a, b as below; x = a.requires_grad_(); y = b.requires_grad_(); torch.autograd.grad(torch.pow(x, y).sum(), [x, y])
  const a = f64([0, 0, 0, 2, 2, -1.5, 0]);
  const b = f64([0, 1, 2, 0, 0.5, 0, 0.5]);

  it('first order with a tensor exponent', () => {
    const [ga, gb] = grads2(pow, a, b);
    expectClose(ga, [0.0, 1.0, 0.0, 0.0, 0.3535533905932738, 0.0, Infinity], { atol: 1e-15 });
    expectClose(gb, [0.0, 0.0, 0.0, 0.6931471805599453, 0.9802581434685472, NaN, 0.0], { atol: 1e-15 });
  });

  it('first order with the exponent 0 as a number: 0 everywhere, 0 at a = 0 too', () => {
    // torch.autograd.grad(torch.pow(x, 0).sum(), [x]) with x = [0, 2, -1.5]
    expectClose(gradOf((t) => pow(t, 0), f64([0, 2, -1.5])), [0, 0, 0], { atol: 0 });
    expectClose(gradOf((t) => pow(t, 0), tensor([0, 2, -1.5])), [0, 0, 0], { atol: 0 });
  });

  it('first order with a broadcast exponent', () => {
    // x = [0, 1.5, 2]; e = [[0], [2]]; torch.autograd.grad(torch.pow(x, e).sum(), [x, e])
    const [ga, gb] = grads2(pow, f64([0, 1.5, 2]), f64([[0], [2]]));
    expectClose(ga, [0.0, 3.0, 4.0], { atol: 1e-15 });
    expectClose(gb, [[1.0986122886681096], [3.684885215483151]], { atol: 1e-15 });
  });

  it('second order: finite and equal to PyTorch wherever PyTorch is finite', () => {
    // x = a.requires_grad_(); y = b.requires_grad_(); ga, gb = torch.autograd.grad(torch.pow(x, y).sum(), [x, y],
    // create_graph=True); then torch.autograd.grad(ga.sum(), [x, y]) and torch.autograd.grad(gb.sum(), [x, y]).
    // PyTorch gives NaN at a = 0 (0 * Inf through its own masks); tapegrad gives the masked value 0 there,
    // and its Hessian is symmetric (d/db of the a-cotangent equals d/da of the b-cotangent).
    const a2 = f64([0, 0, 0, 2, -1.5, 0, 3]);
    const b2 = f64([0, 1, 2, 0, 0, 3, 2]);
    const second = (which: 0 | 1) =>
      grad((x: Tensor, y: Tensor) => sum(grads2(pow, x, y)[which]), { argnums: [0, 1] })(a2, b2) as [Tensor, Tensor];
    const [gaa, gab] = second(0);
    const [gba, gbb] = second(1);
    // torch (NaN entries replaced by tapegrad's 0):   [nan,  0,  2, -0, -0, 0, 2]
    expectClose(gaa, [0, 0, 2, 0, 0, 0, 2], { atol: 1e-15 });
    // torch: [nan, 1, 0, 0, nan, 0, 9.591673732008658]. Where b = 0 and a != 0 tapegrad keeps the exact
    // d/db (b a^(b-1)) = 1/a (what central differences give), where PyTorch's mask of b = 0 gives 0 or NaN.
    // (At the negative base the exact value needs log(-1.5): NaN, as PyTorch's.)
    expectClose(gab, [0, 1, 0, 0.5, NaN, 0, 9.591673732008658], { atol: 1e-14 });
    // torch: [nan, nan, nan, 0.5, -0.6666666666666666, nan, 9.591673732008658]. At the negative base the
    // b-cotangent itself is NaN (log(-1.5), in both); PyTorch's mask of b = 0 hides that NaN from this
    // derivative, tapegrad propagates it.
    expectClose(gba, [0, 0, 0, 0.5, NaN, 0, 9.591673732008658], { atol: 1e-14 });
    // torch: [nan, nan, nan, 0.4804530139182014, nan, nan, 10.862540647313239] (log of a negative base: NaN in both)
    expectClose(gbb, [0, 0, 0, 0.4804530139182014, NaN, 0, 10.862540647313239], { atol: 1e-13 });
  });
});

describe('std and var over constant slices', () => {
  // x = [[2, 2, 2], [1, 2, 4]]; torch.autograd.grad(x.std(1).sum(), [x]) (and .var(1), .std(1, correction=0))
  const x = f64([[2, 2, 2], [1, 2, 4]]);

  it('std along an axis: value 0 and gradient 0 on the constant row', () => {
    expectClose(std(x, 1), [0.0, 1.5275252316519465], { atol: 1e-15 });
    expectClose(gradOf((t) => std(t, 1), x), [[0, 0, 0], [-0.43643578047198484, -0.10910894511799625, 0.5455447255899809]], { atol: 1e-15 });
    expectClose(gradOf((t) => std(t, 1, { correction: 0 }), x), [[0, 0, 0], [-0.35634832254989923, -0.08908708063747484, 0.44543540318737396]], { atol: 1e-15 });
  });

  it('var along an axis', () => {
    expectClose(variance(x, 1), [0.0, 2.333333333333333], { atol: 1e-15 });
    expectClose(gradOf((t) => variance(t, 1), x), [[0, 0, 0], [-1.3333333333333335, -0.3333333333333335, 1.6666666666666665]], { atol: 1e-15 });
  });

  it('over all axes and with keepdims, of a constant tensor', () => {
    // c = torch.full((2, 3), 1.5): c.std(), c.var(), c.std(0, keepdim=True): all gradients 0
    const c = f64([[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]);
    expectClose(std(c), 0, { atol: 0 });
    expectClose(gradOf((t) => std(t), c), [[0, 0, 0], [0, 0, 0]], { atol: 0 });
    expectClose(gradOf((t) => variance(t), c), [[0, 0, 0], [0, 0, 0]], { atol: 0 });
    expectClose(gradOf((t) => std(t, 0, { keepdims: true }), c), [[0, 0, 0], [0, 0, 0]], { atol: 0 });
  });

  it('second order of std on a constant row is finite (torch: 0 there)', () => {
    // g = torch.autograd.grad(x.std(1).sum(), [x], create_graph=True); torch.autograd.grad(g.sum(), [x]):
    // [[0, 0, 0], [-4.15e-17, -1.04e-17, 5.19e-17]] (exactly 0 up to rounding)
    const h = grad((t: Tensor) => sum(grad((u: Tensor) => sum(std(u, 1)))(t)))(x);
    expectClose(h, [[0, 0, 0], [0, 0, 0]], { atol: 1e-15 });
  });

  it('too few elements for the correction: PyTorch\'s NaN or Infinity, not an error', () => {
    // torch.tensor([1., 2.5]).var(0, correction=c) for c = 2, 3, -1; torch.tensor([3.]).var(); .std()
    const v = f64([1, 2.5]);
    expectClose(variance(v, 0, { correction: 2 }), Infinity);
    expectClose(variance(v, 0, { correction: 3 }), Infinity);
    expectClose(variance(v, 0, { correction: -1 }), 0.375, { atol: 1e-16 });
    expectClose(variance(f64([3])), NaN);
    expectClose(std(f64([3])), NaN);
    expect(thrown(() => variance(v, 0, { correction: 0.5 })).message).toMatch(/^var: correction must be an integer, got 0.5/);
  });
});

describe('norm at all-zero slices', () => {
  // z = [[0, 0, 0], [1, -2, 0.5]]; torch.autograd.grad(torch.linalg.vector_norm(z, p, dim=1).sum(), [z])
  const z = f64([[0, 0, 0], [1, -2, 0.5]]);
  const cases: [number, number[], number[][]][] = [
    [3, [0.0, 2.089669598190616], [[0, 0, 0], [0.2290048874729442, -0.9160195498917768, 0.05725122186823605]]],
    [1.5, [0.0, 2.5957010334043913], [[0, 0, 0], [0.6206870223051937, -0.8777840049329767, 0.43889200246648835]]],
    [1, [0.0, 3.5], [[0, 0, 0], [1.0, -1.0, 1.0]]],
    [2, [0.0, 2.29128784747792], [[0, 0, 0], [0.4364357804719848, -0.8728715609439696, 0.2182178902359924]]],
    [Infinity, [0.0, 2.0], [[0, 0, 0], [0.0, -1.0, 0.0]]],
  ];
  for (const [p, value, g] of cases)
    it(`p = ${p} along an axis`, () => {
      expectClose(norm(z, p, 1), value, { atol: 1e-15 });
      expectClose(gradOf((t) => norm(t, p, 1), z), g, { atol: 1e-15 });
    });

  it('every p over all axes of a zero tensor: gradient 0', () => {
    // torch.autograd.grad(torch.linalg.vector_norm(torch.zeros(2, 2), p).sum(), ...) is 0 for p = 1, 2, 3, 1.5, inf
    for (const p of [1, 2, 3, 1.5, Infinity]) expectClose(gradOf((t) => norm(t, p), zeros([2, 2], { dtype: 'float64' })), [[0, 0], [0, 0]], { atol: 0 });
  });

  it('second order for p = 2 is 0 on the zero row (PyTorch: NaN), exact on the other', () => {
    // g = torch.autograd.grad(vector_norm(z, 2, dim=1).sum(), [z], create_graph=True); torch.autograd.grad(g.sum(), [z])
    // = [[nan, nan, nan], [0.4780010928978881, 0.35330515562017817, 0.45721843668493645]]
    const h = grad((t: Tensor) => sum(grad((u: Tensor) => sum(norm(u, 2, 1)))(t)))(z);
    expectClose(h, [[0, 0, 0], [0.4780010928978881, 0.35330515562017817, 0.45721843668493645]], { atol: 1e-15 });
  });

  it('second order for p = 3 matches PyTorch, with 0 on the zero row', () => {
    // g = torch.autograd.grad(vector_norm(z, 3, dim=1).sum(), [z], create_graph=True); torch.autograd.grad(g.sum(), [z])
    const h = grad((t: Tensor) => sum(grad((u: Tensor) => sum(norm(u, 3, 1)))(t)))(z);
    expectClose(h, [[0, 0, 0], [0.5960401180802657, 0.36389817735426755, 0.26351247325653854]], { atol: 1e-14 });
  });
});

describe('reductions of empty tensors', () => {
  const e = zeros([2, 0], { dtype: 'float64' });

  it('norm is 0 for every finite p, over all axes or along the empty axis', () => {
    // torch.linalg.vector_norm(torch.zeros(0), p) = 0; vector_norm(torch.zeros(2, 0), p, dim=1) = [0, 0]
    for (const p of [1, 2, 3, 1.5]) {
      expectClose(norm(zeros([0], { dtype: 'float64' }), p), 0, { atol: 0 });
      expectClose(norm(e, p), 0, { atol: 0 });
      expectClose(norm(e, p, 1), [0, 0], { atol: 0 });
      expect(norm(e, p, 0).shape).toEqual([0]);
      // the gradient has the input's (empty) shape
      expect(gradOf((t) => norm(t, p, 1), e).shape).toEqual([2, 0]);
    }
    expectClose(norm(tensor([]), 2), 0, { atol: 0 });
  });

  it('the Infinity norm of an empty slice throws (as PyTorch), naming norm', () => {
    // torch: "linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation does not have an identity"
    expect(thrown(() => norm(e, Infinity)).message).toMatch(/^norm: cannot reduce the empty axis 1 of shape \[2, 0\]/);
    expect(thrown(() => norm(e, Infinity, 1)).message).toMatch(/^norm: cannot reduce the empty axis 1/);
    expect(norm(e, Infinity, 0).shape).toEqual([0]);
  });

  it('sum 0, mean NaN, logsumexp -Infinity, var and std NaN', () => {
    // torch.zeros(0).sum() = 0, .mean() = nan, .logsumexp(0) = -inf, .var() = nan, .std() = nan; along dim 1 of [2, 0] the same per row
    const e0 = zeros([0], { dtype: 'float64' });
    expectClose(sum(e0), 0, { atol: 0 });
    expectClose(sum(e, 1), [0, 0], { atol: 0 });
    expectClose(mean(e0), NaN);
    expectClose(mean(e, 1), [NaN, NaN]);
    expect(mean(e, 0).shape).toEqual([0]);
    expectClose(logsumexp(e0, 0), -Infinity);
    expectClose(logsumexp(e, 1), [-Infinity, -Infinity]);
    expectClose(variance(e0), NaN);
    expectClose(variance(e, 1), [NaN, NaN]);
    expectClose(std(e0), NaN);
    expectClose(std(e, 1), [NaN, NaN]);
  });

  it('max, min, argmax throw over an empty axis (as PyTorch), but not along a non-empty one', () => {
    // torch: amax(): "Expected reduction dim 1 to have non-zero size"; e.amax(0) is tensor([])
    expect(thrown(() => max(e)).message).toMatch(/^max: cannot reduce the empty axis 1/);
    expect(thrown(() => min(e, 1)).message).toMatch(/^min: cannot reduce the empty axis 1/);
    expect(max(e, 0).shape).toEqual([0]);
    expect(thrown(() => argmax(e)).message).toMatch(/^argmax: cannot reduce an empty tensor/);
  });
});

describe('reductions of a rank-0 tensor along axis 0 or -1 (as PyTorch)', () => {
  // s = torch.tensor(-3.): s.sum(0), s.mean(-1, keepdim=True), s.amax(0), s.logsumexp(-1),
  // vector_norm(s, 3, dim=0), vector_norm(s, 2, dim=-1, keepdim=True), s.var(0, correction=0), s.std(0, correction=0)
  const s = f64(-3);
  const cases: [string, (t: Tensor) => Tensor, number, number][] = [
    ['sum(0)', (t) => sum(t, 0), -3, 1],
    ['mean(-1, keepdims)', (t) => mean(t, -1, { keepdims: true }), -3, 1],
    ['max(0)', (t) => max(t, 0), -3, 1],
    ['min([-1])', (t) => min(t, [-1]), -3, 1],
    ['logsumexp(-1)', (t) => logsumexp(t, -1), -3, 1],
    ['norm(3, 0)', (t) => norm(t, 3, 0), 3, -1],
    ['norm(2, -1, keepdims)', (t) => norm(t, 2, -1, { keepdims: true }), 3, -1],
    ['var(0, correction 0)', (t) => variance(t, 0, { correction: 0 }), 0, 0],
    ['std(0, correction 0)', (t) => std(t, 0, { correction: 0 }), 0, 0],
  ];
  for (const [name, f, value, g] of cases)
    it(name, () => {
      const y = f(s);
      expect(y.shape).toEqual([]);
      expectClose(y, value, { atol: 0 });
      expectClose(gradOf(f, s), g, { atol: 0 });
    });

  it('var with the default correction is NaN; argmax and argmin are 0; keepdims both ways', () => {
    // s.var(0) = nan; s.argmax(0) = s.argmin(-1) = 0
    expectClose(variance(s, 0), NaN);
    expectClose(std(s, -1, { keepdims: true }), NaN);
    for (const keepdims of [false, true]) {
      expect(argmax(s, 0, { keepdims }).shape).toEqual([]);
      expect(Array.from(argmin(s, -1, { keepdims }).data)).toEqual([0]);
      expect(sum(s, 0, { keepdims }).shape).toEqual([]);
    }
  });

  it('softmax and logSoftmax treat a rank-0 tensor as one element', () => {
    // x = torch.tensor(3., requires_grad=True): torch.softmax(x, 0) = 1, torch.log_softmax(x, -1) = 0, both with
    // torch.autograd.grad(y * 2.5, [x]) = 0; torch.softmax(x, 1): "Dimension out of range"
    const x = f64(3);
    for (const [f, value] of [[(t: Tensor) => softmax(t, 0), 1], [(t: Tensor) => logSoftmax(t, -1), 0]] as const) {
      expect(f(x).shape).toEqual([]);
      expectClose(f(x), value, { atol: 0 });
      expectClose(grad((t: Tensor) => f(t).mul(2.5))(x), 0, { atol: 0 });
    }
    expect(thrown(() => softmax(x, 1)).message).toMatch(/^softmax: axis 1 is out of range for a rank-0 tensor/);
  });

  it('flip, squeeze and gather take axis 0 or -1 of a rank-0 tensor too', () => {
    // s = torch.tensor(3.): torch.flip(s, [0]) = torch.flip(s, [-1]) = s.squeeze(0) = s.squeeze(-1) = tensor(3.);
    // torch.gather(s, 0, torch.tensor(0)) = tensor(3.), with torch.tensor([0]) tensor([3.]);
    // torch.gather(torch.tensor([1., 2.]), 0, torch.tensor(1)) = tensor(2.); flip(s, [1]): "Dimension out of range";
    // flip(s, [0, -1]): "dim 0 appears multiple times"; gather(s, 0, torch.tensor(1)): "index 1 is out of bounds"
    const x = f64(3);
    const idx = (v: Parameters<typeof tensor>[0]) => tensor(v, { dtype: 'int32' });
    for (const y of [flip(x, 0), flip(x, [-1]), squeeze(x, 0), squeeze(x, -1), gather(x, 0, idx(0)), gather(x, -1, idx(0))]) {
      expect(y.shape).toEqual([]);
      expectClose(y, 3, { atol: 0 });
    }
    expect(gather(x, 0, idx([0])).shape).toEqual([1]);
    expectClose(gather(f64([1, 2]), 0, idx(1)), 2, { atol: 0 });
    expect(gather(f64([1, 2]), 0, idx(1)).shape).toEqual([]);
    // the gradient goes back to the one element (torch.autograd.grad(op(x) * 2.5, [x]) = 2.5 for each)
    for (const f of [(t: Tensor) => flip(t, 0), (t: Tensor) => squeeze(t, -1), (t: Tensor) => gather(t, 0, idx(0))])
      expectClose(grad((t: Tensor) => f(t).mul(2.5))(x), 2.5, { atol: 0 });
    expect(thrown(() => flip(x, [1])).message).toMatch(/^flip: axis \[1\] is out of range for a rank-0 tensor/);
    expect(thrown(() => flip(x, [0, -1])).message).toMatch(/^flip: axis \[0, -1\] repeats an axis/);
    expect(thrown(() => squeeze(x, 1)).message).toMatch(/^squeeze: axis 1 is out of range for a rank-0 tensor/);
    expect(thrown(() => gather(x, 0, idx(1))).message).toMatch(/^gather: index 1 is out of range for axis 0 of size 1/);
  });

  it('other axes are refused, as PyTorch ("Dimension out of range"), naming the function', () => {
    expect(thrown(() => sum(s, 1)).message).toMatch(/^sum: axis 1 is out of range for a rank-0 tensor \(it accepts 0 and -1\)/);
    expect(thrown(() => mean(s, -2)).message).toMatch(/^mean: axis -2 is out of range/);
    expect(thrown(() => argmax(s, 1)).message).toMatch(/^argmax: axis 1 is out of range for a rank-0 tensor/);
    // torch: "dim 0 appears multiple times in the list of dims"
    expect(thrown(() => max(s, [0, -1])).message).toMatch(/^max: axis \[0, -1\] repeats an axis/);
  });
});

describe('clamp with tensor bounds (as torch.clamp(x, min=Tensor, max=Tensor))', () => {
  // Ties on purpose: x = min (index 3), min = max with x below (4) and above (6), crossed bounds (5).
  const x = f64([-2, 0.5, 3, 1, 0, 0.2, 5]);
  const lo = f64([-1, 0, 0, 1, 0.5, 0.4, 2]);
  const hi = f64([1, 1, 2, 2, 0.5, 0.1, 2]);
  const w = f64([1, 2, 3, 4, 5, 6, 7]);
  /** Gradients of sum(clamp(x, lo, hi) * w) with respect to the given tensors (as torch.autograd.grad). */
  const grads = (a: Tensor, b: Tensor | undefined, c: Tensor | undefined, weights: Tensor) => {
    const args = [a, b, c].filter((t): t is Tensor => t !== undefined);
    const f = (...ts: Tensor[]) => {
      const [ta, tb, tc] = b === undefined ? [ts[0]!, undefined, ts[1]] : c === undefined ? [ts[0]!, ts[1], undefined] : ts;
      return sum(clamp(ta!, tb, tc).mul(weights));
    };
    return grad(f, { argnums: args.map((_, i) => i) })(...args) as Tensor[];
  };

  it('both bounds: values and the gradients of x, min and max', () => {
    // torch.clamp(x, min=lo, max=hi); torch.autograd.grad((y * w).sum(), [x, lo, hi]) with w = arange(1, 8)
    expectClose(clamp(x, lo, hi), [-1.0, 0.5, 2.0, 1.0, 0.5, 0.1, 2.0], { atol: 0 });
    const [gx, glo, ghi] = grads(x, lo, hi, w);
    expectClose(gx!, [0, 2, 0, 4, 0, 0, 0], { atol: 0 });
    expectClose(glo!, [1, 0, 0, 0, 0, 0, 0], { atol: 0 });
    expectClose(ghi!, [0, 0, 3, 0, 0, 6, 7], { atol: 0 });
  });

  it('one bound', () => {
    // torch.clamp(x, min=lo) and torch.clamp(x, max=hi), same weights
    expectClose(clamp(x, lo), [-1.0, 0.5, 3.0, 1.0, 0.5, 0.4, 5.0], { atol: 0 });
    const [gx, glo] = grads(x, lo, undefined, w);
    expectClose(gx!, [0, 2, 3, 4, 0, 0, 7], { atol: 0 });
    expectClose(glo!, [1, 0, 0, 0, 5, 6, 0], { atol: 0 });
    expectClose(clamp(x, null, hi), [-2.0, 0.5, 2.0, 1.0, 0.0, 0.1, 2.0], { atol: 0 });
    const [gx2, ghi] = grads(x, undefined, hi, w);
    expectClose(gx2!, [1, 2, 0, 4, 5, 0, 0], { atol: 0 });
    expectClose(ghi!, [0, 0, 3, 0, 0, 6, 7], { atol: 0 });
  });

  it('broadcast bounds: the result takes the broadcast shape, the gradients the bounds\' shapes', () => {
    // xb = [[-1, .5, 2], [.3, -.2, .9]], lo = [0, .4, .5], hi = [[1.5], [.6]]; weights arange(1, 7) as [2, 3]
    const xb = f64([[-1, 0.5, 2], [0.3, -0.2, 0.9]]);
    const lob = f64([0, 0.4, 0.5]);
    const hib = f64([[1.5], [0.6]]);
    expectClose(clamp(xb, lob, hib), [[0.0, 0.5, 1.5], [0.3, 0.4, 0.6]], { atol: 0 });
    const [gx, glo, ghi] = grads(xb, lob, hib, f64([[1, 2, 3], [4, 5, 6]]));
    expectClose(gx!, [[0, 2, 0], [4, 0, 0]], { atol: 0 });
    expectClose(glo!, [1, 5, 0], { atol: 0 });
    expectClose(ghi!, [[3], [6]], { atol: 0 });
    // torch.clamp(torch.zeros(3), min=torch.zeros(2, 3)).shape == (2, 3)
    expect(clamp(zeros([3], { dtype: 'float64' }), zeros([2, 3], { dtype: 'float64' })).shape).toEqual([2, 3]);
  });

  it('NaN propagates from x and from a bound; second order is 0 (the masks are constant)', () => {
    // torch.clamp([nan, 1], min=[0, 2], max=[1, 3]) = [nan, 2]; torch.clamp([.5, 1], min=[nan, 2], max=[1, 3]) = [nan, 2]
    expectClose(clamp(f64([NaN, 1]), f64([0, 2]), f64([1, 3])), [NaN, 2]);
    expectClose(clamp(f64([0.5, 1]), f64([NaN, 2]), f64([1, 3])), [NaN, 2]);
    // g = torch.autograd.grad((y * y).sum(), [x, lo, hi], create_graph=True); torch.autograd.grad(sum(gi.sum()), [x, lo, hi])
    const total = (a: Tensor, b: Tensor, c: Tensor) => {
      const g = grad((p: Tensor, q: Tensor, r: Tensor) => sum(clamp(p, q, r).mul(clamp(p, q, r))), { argnums: [0, 1, 2] })(a, b, c) as Tensor[];
      return sum(g[0]!).add(sum(g[1]!)).add(sum(g[2]!));
    };
    const h = grad(total, { argnums: [0, 1, 2] })(x, lo, hi) as Tensor[];
    expectClose(h[0]!, [0, 2, 0, 2, 0, 0, 0], { atol: 0 });
    expectClose(h[1]!, [2, 0, 0, 0, 0, 0, 0], { atol: 0 });
    expectClose(h[2]!, [0, 0, 2, 0, 0, 2, 2], { atol: 0 });
  });

  it('bad bounds are refused, naming clamp', () => {
    expect(thrown(() => clamp(x, tensor([0, 1, 2, 3, 4, 5, 6]))).message).toMatch(/^clamp: min must have the input's dtype float64, got float32 \[7\]/);
    expect(thrown(() => clamp(x, f64([0, 1]))).message).toMatch(/^clamp: .*\[7\].*\[2\]/);
    expect(thrown(() => clamp(x, [0] as unknown as Tensor)).message).toMatch(/^clamp: min must be a number or a Tensor, got an array/);
    expect(thrown(() => clamp(x, null, null)).message).toMatch(/^clamp: at least one of min and max must be given/);
  });
});
