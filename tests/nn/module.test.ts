import { describe, expect, it } from 'vitest';
import { Generator, type Tensor, TapegradError, grad, mul, nn, ones, randn, sum, tensor } from '../../index.js';

class Affine extends nn.Module {
  constructor() {
    super();
    this.registerParameter('weight', ones([3], { dtype: 'float64' }));
    this.registerParameter('bias', null);
  }
  forward(x: Tensor) {
    return mul(x, this.param('weight'));
  }
}

class Net extends nn.Module {
  readonly a = this.registerModule('a', new Affine());
  readonly rnn = this.registerModule('rnn', new nn.GRU(3, 2, { dtype: 'float64', generator: new Generator(0), numLayers: 2, dropout: 0.5 }));
  forward(x: Tensor) {
    return this.rnn.forward(this.a.forward(x))[0];
  }
}

describe('Module', () => {
  it('names parameters as PyTorch: dotted for submodules, flat keys inside recurrent layers; absent ones are skipped', () => {
    const net = new Net();
    expect(net.namedParameters().map(([k]) => k)).toEqual([
      'a.weight',
      'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0',
      'rnn.weight_ih_l1', 'rnn.weight_hh_l1', 'rnn.bias_ih_l1', 'rnn.bias_hh_l1',
    ]);
    expect(net.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
    expect(net.a.paramOrNull('bias')).toBeNull();
  });

  it('train/eval reach every submodule, and dropout between recurrent layers acts only in training', () => {
    const net = new Net();
    const x = randn([4, 2, 3], { dtype: 'float64', generator: new Generator(1) });
    const e1 = net.eval().forward(x);
    expect(net.rnn.training).toBe(false);
    expect(net.rnn.cells[1]![0]!.training).toBe(false);
    const e2 = net.forward(x);
    expect(Array.from(e2.data)).toEqual(Array.from(e1.data));
    const t1 = net.train().forward(x);
    expect(net.rnn.cells[0]![0]!.training).toBe(true);
    expect(Array.from(t1.data)).not.toEqual(Array.from(e1.data));
  });

  it('zeroGrad clears every .grad', () => {
    const net = new Net().eval();
    sum(net.forward(randn([2, 1, 3], { dtype: 'float64' }))).backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('stateDict round-trips through loadStateDict, copying values (the parameter tensors stay the same objects)', () => {
    const a = new Net();
    const b = new Net();
    const pb = b.parameters();
    const dict = Object.fromEntries(Object.entries(a.stateDict()).map(([k, v]) => [k, v.mul(2)]));
    b.loadStateDict(dict);
    expect(b.parameters()).toEqual(pb);
    for (const [k, v] of Object.entries(b.stateDict())) expect(Array.from(v.data)).toEqual(Array.from(dict[k]!.data));
    const res = b.loadStateDict({ 'a.weight': dict['a.weight']! }, { strict: false });
    expect(res.missingKeys).toHaveLength(8);
    expect(res.unexpectedKeys).toEqual([]);
  });

  it('functionalCall substitutes parameters by key, restores them after (also on a throw), and makes grad over weights work', () => {
    const m = new Affine();
    const own = m.param('weight');
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const w = tensor([2, 0, 1], { dtype: 'float64' });
    expect(Array.from(nn.functionalCall(m, { weight: w }, () => m.forward(x)).data)).toEqual([2, 0, 3]);
    expect(m.param('weight')).toBe(own);
    expect(() => nn.functionalCall(m, { weight: w }, () => { throw new Error('boom'); })).toThrow('boom');
    expect(m.param('weight')).toBe(own);
    const g = grad((p: Record<string, Tensor>) => nn.functionalCall(m, p, () => sum(mul(m.forward(x), x))))({ weight: w });
    expect(Array.from(g.weight.data)).toEqual([1, 4, 9]);
    expect(() => nn.functionalCall(m, { wieght: w }, () => 0)).toThrow(/no parameter 'wieght'/);
    expect(() => nn.functionalCall(m, { weight: ones([2], { dtype: 'float64' }) }, () => 0)).toThrow(/'weight' must be float64 \[3\], got float64 \[2\]/);
  });

  it('refuses duplicate names and non-float or non-leaf parameters', () => {
    class Bad extends nn.Module {
      forward() { return null; }
    }
    const m = new Bad();
    m.registerParameter('w', ones([2]));
    expect(() => m.registerParameter('w', ones([2]))).toThrow(TapegradError);
    expect(() => m.registerParameter('i', tensor([1], { dtype: 'int32' }))).toThrow(/float tensor/);
    const t = ones([2], { requiresGrad: true }).mul(2);
    expect(() => m.registerParameter('t', t)).toThrow(/leaf/);
  });

  it('prints a PyTorch-style summary', () => {
    expect(String(new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }))).toContain('LSTM(3, 4, num_layers=2, bidirectional=True)');
  });
});
