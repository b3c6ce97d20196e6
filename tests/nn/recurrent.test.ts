/**
 * Gradient checks through whole unrolls for every cell and layer configuration (fast-check draws the
 * sizes, lengths and options; parameters enter as arguments through functionalCall), and the runner's
 * semantics: variable lengths, the reverse direction, truncated BPTT, long unrolls, custom cells, bad input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backend, Generator, type Tensor, TapegradError, add, chunk, detach, getBackend, gradcheck, jsBackend, linear, mul, narrow, nn, randn,
  setBackend, sigmoid, sub, sum, tanh, tensor,
} from '../../index.js';
import { expectClose, expectExact } from '../helpers/values.js';

const runs = Number(process.env.FC_RUNS_NN ?? 25);
const f64 = { dtype: 'float64' as const };
const rand = (shape: number[], seed: number) => randn(shape, { ...f64, generator: new Generator(seed) });

/** gradcheck of `run` with respect to `inputs` and every parameter of `m` (bound through functionalCall). */
function checkWithParams(m: nn.Module, inputs: Tensor[], run: (...xs: Tensor[]) => Tensor) {
  const keys = m.namedParameters().map(([k]) => k);
  const params = m.namedParameters().map(([, p]) => detach(p));
  return gradcheck((...all) => {
    const bound = Object.fromEntries(keys.map((k, i) => [k, all[inputs.length + i]!]));
    return nn.functionalCall(m, bound, () => run(...all.slice(0, inputs.length)));
  }, [...inputs, ...params]);
}

type Kind = 'rnn-tanh' | 'rnn-relu' | 'lstm' | 'lstm-proj' | 'gru' | 'peephole';
const kinds: Kind[] = ['rnn-tanh', 'rnn-relu', 'lstm', 'lstm-proj', 'gru', 'peephole'];

function makeCell(kind: Kind, i: number, h: number, opts: nn.ModuleOptions & { bias?: boolean }): nn.Module & nn.RecurrentCell {
  switch (kind) {
    case 'rnn-tanh': return new nn.RNNCell(i, h, opts);
    case 'rnn-relu': return new nn.RNNCell(i, h, { ...opts, nonlinearity: 'relu' });
    case 'lstm': return new nn.LSTMCell(i, h, opts);
    case 'lstm-proj': return new nn.LSTMCell(i, h + 1, { ...opts, projSize: h });
    case 'gru': return new nn.GRUCell(i, h, opts);
    case 'peephole': return new nn.PeepholeLSTMCell(i, h, opts);
  }
}

function makeLayer(kind: Kind, i: number, h: number, opts: nn.RecurrentOptions): nn.RecurrentBase {
  switch (kind) {
    case 'rnn-tanh': return new nn.RNN(i, h, opts);
    case 'rnn-relu': return new nn.RNN(i, h, { ...opts, nonlinearity: 'relu' });
    case 'lstm': return new nn.LSTM(i, h, opts);
    case 'lstm-proj': return new nn.LSTM(i, h + 1, { ...opts, projSize: h });
    case 'gru': return new nn.GRU(i, h, opts);
    case 'peephole': return new nn.PeepholeLSTM(i, h, opts);
  }
}

describe('cells: one step agrees with finite differences for input, state and every parameter', () => {
  for (const kind of kinds)
    it(kind, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.nat(10_000), (n, i, h, bias, seed) => {
          const cell = makeCell(kind, i, h, { ...f64, bias, generator: new Generator(seed) });
          const x = rand([n, i], seed + 1);
          const state = cell.stateSizes.map((s, k) => rand([n, s], seed + 2 + k));
          const w = cell.stateSizes.map((s, k) => rand([n, s], seed + 9 + k));
          const r = checkWithParams(cell, [x, ...state], (xx, ...st) => cell.step(xx!, st).map((s, k) => sum(mul(s, w[k]!))).reduce((a, b) => add(a, b)));
          if (!r.ok) throw new Error(r.message);
        }),
        { numRuns: runs },
      );
    });
});

describe('layers: whole unrolls agree with finite differences', () => {
  const config = fc.record({
    kind: fc.constantFrom(...kinds),
    numLayers: fc.integer({ min: 1, max: 3 }),
    bidirectional: fc.boolean(),
    batchFirst: fc.boolean(),
    bias: fc.boolean(),
    givenState: fc.boolean(),
    L: fc.integer({ min: 1, max: 4 }),
    N: fc.integer({ min: 1, max: 3 }),
    lengthsSeed: fc.option(fc.nat(1000), { nil: undefined }),
    seed: fc.nat(10_000),
  });
  it('input, initial states and every parameter, for drawn configurations', () => {
    fc.assert(
      fc.property(config, (c) => {
        const i = 2;
        const h = c.numLayers === 3 ? 1 : 2;
        const layer = makeLayer(c.kind, i, h, { ...f64, numLayers: c.numLayers, bidirectional: c.bidirectional, batchFirst: c.batchFirst, bias: c.bias, generator: new Generator(c.seed) });
        const D = c.bidirectional ? 2 : 1;
        const x = rand(c.batchFirst ? [c.N, c.L, i] : [c.L, c.N, i], c.seed + 1);
        const sizes = layer.cells[0]![0]!.stateSizes;
        const states = c.givenState ? sizes.map((s, k) => rand([D * c.numLayers, c.N, s], c.seed + 2 + k)) : [];
        const lengths = c.lengthsSeed === undefined ? undefined : Array.from({ length: c.N }, (_, b) => 1 + ((c.lengthsSeed! + 7 * b) % c.L));
        const [out0, fin0] = layer.run(x, states.length ? states : undefined, lengths ? { lengths } : {});
        const wOut = rand([...out0.shape], c.seed + 5);
        const wFin = fin0.map((f, k) => rand([...f.shape], c.seed + 6 + k));
        const r = checkWithParams(layer, [x, ...states], (xx, ...st) => {
          const [out, fin] = layer.run(xx!, st.length ? st : undefined, lengths ? { lengths } : {});
          return fin.reduce((acc, f, k) => add(acc, sum(mul(f, wFin[k]!))), sum(mul(out, wOut)));
        });
        if (!r.ok) throw new Error(`${JSON.stringify({ ...c, lengths })}\n${r.message}`);
      }),
      { numRuns: runs * 3 },
    );
  });
});

describe('the sequence runner', () => {
  it('variable lengths: padded outputs are zero and each final state is the one of the sequence alone', () => {
    const lstm = new nn.LSTM(3, 4, { ...f64, bidirectional: true, generator: new Generator(1) });
    const x = rand([5, 3, 3], 2);
    const lengths = [5, 2, 4];
    const H = 4;
    // The runner's own work (masks selecting with where) is exact whatever the kernels: padding is zero,
    // the forward final state is the output at each sequence's last step, the reverse one its output at t = 0.
    const [out, [hN]] = lstm.forward(x, undefined, { lengths });
    for (let b = 0; b < 3; b++) {
      const ob = narrow(out, 1, b, 1);
      if (lengths[b]! < 5) expect(Array.from(narrow(ob, 0, lengths[b]!, 5 - lengths[b]!).data).every((v) => v === 0)).toBe(true);
      expectExact(narrow(narrow(ob, 0, lengths[b]! - 1, 1), 2, 0, H).data, narrow(hN.select(0, 0), 0, b, 1).data);
      expectExact(narrow(narrow(ob, 0, 0, 1), 2, H, H).data, narrow(hN.select(0, 1), 0, b, 1).data);
    }
    // Against each sequence run alone: bit for bit with the TypeScript kernels, whose products compute each
    // row on its own, the same way whatever the batch size. The default backend picks a kernel by size
    // (TypeScript below 128 multiply-adds, WebAssembly above), so the batch of 3 and a sequence alone can go
    // through different ones; where the WebAssembly GEMM uses fused multiply-add (relaxed SIMD, on by default
    // from Node 22) its rounding differs from the TypeScript multiply-then-add by an ulp or so per product.
    // Those (about 3e-17 here) are compared at a tolerance of 4 ulps of 1, the scale of h and c.
    const alone = (backend: Backend) => {
      const prev = getBackend();
      setBackend(backend);
      try {
        const [o, [h, c]] = lstm.forward(x, undefined, { lengths });
        return [0, 1, 2].map((b) => {
          const xb = narrow(narrow(x, 1, b, 1), 0, 0, lengths[b]!);
          const [o1, [h1, c1]] = lstm.forward(xb);
          return { got: [narrow(narrow(o, 1, b, 1), 0, 0, lengths[b]!), narrow(h, 1, b, 1), narrow(c, 1, b, 1)], want: [o1, h1, c1] };
        });
      } finally {
        setBackend(prev);
      }
    };
    for (const { got, want } of alone(jsBackend)) got.forEach((g, k) => expectExact(g.data, want[k]!.data));
    for (const { got, want } of alone(getBackend())) got.forEach((g, k) => expectClose(g.data, want[k]!.data, { atol: 4 * Number.EPSILON, rtol: 0 }));
  });

  it('projecting the whole sequence once (projectInput, stepProjected) gives what stepping each input does, values and gradients', () => {
    for (const kind of kinds) {
      const cells = [0, 1].map((l) => [0, 1].map((d) => makeCell(kind, l ? 2 * 4 : 3, 4, { ...f64, generator: new Generator(10 + 2 * l + d) })));
      expect(cells[0]![0]!.projectInput, kind).toBeTypeOf('function');
      // The same cells, seen through the contract's required members only.
      const plain = cells.map((row) => row.map((c): nn.RecurrentCell => ({ inputSize: c.inputSize, stateSizes: c.stateSizes, step: (x, s) => c.step(x, s) })));
      const x = rand([5, 2, 3], 11);
      const runs = [cells, plain].map((cs) => {
        const [out, state] = nn.runRecurrent('test', cs, x, { lengths: [5, 3] });
        const params = cells.flat().flatMap((c) => c.parameters());
        params.forEach((p) => (p.grad = null));
        sum(mul(out, out)).add(sum(state[0]!)).backward();
        return [out, ...state, ...params.map((p) => p.grad!)];
      });
      runs[0]!.forEach((t, i) =>
        Array.from(t.data).forEach((v, j) => expect(Math.abs(v - runs[1]![i]!.data[j]!), `${kind} tensor ${i}`).toBeLessThan(1e-12)),
      );
    }
  });

  it("the reverse direction's final state is its output at t = 0", () => {
    const gru = new nn.GRU(2, 3, { ...f64, bidirectional: true, generator: new Generator(3) });
    const [out, hN] = gru.forward(rand([4, 2, 2], 4));
    expect(Array.from(narrow(out.select(0, 0), 1, 3, 3).data)).toEqual(Array.from(hN.select(0, 1).data));
    expect(Array.from(narrow(out.select(0, 3), 1, 0, 3).data)).toEqual(Array.from(hN.select(0, 0).data));
  });

  it('truncated BPTT: carrying the state across chunks with detach cuts the gradient at the chunk boundary', () => {
    const rnn = new nn.RNN(2, 3, { ...f64, generator: new Generator(5) });
    const x = rand([6, 1, 2], 6).detach();
    x.requiresGrad = true;
    const [, h1] = rnn.forward(narrow(x, 0, 0, 3));
    const [out2] = rnn.forward(narrow(x, 0, 3, 3), detach(h1));
    sum(out2).backward();
    const g = x.grad!;
    expect(Array.from(narrow(g, 0, 0, 3).data).every((v) => v === 0)).toBe(true);
    expect(Array.from(narrow(g, 0, 3, 3).data).some((v) => v !== 0)).toBe(true);
    // Without detach the first chunk gets gradient too.
    x.grad = null;
    const [, h1b] = rnn.forward(narrow(x, 0, 0, 3));
    sum(rnn.forward(narrow(x, 0, 3, 3), h1b)[0]).backward();
    expect(Array.from(narrow(x.grad!, 0, 0, 3).data).some((v) => v !== 0)).toBe(true);
  });

  it('an LSTM over 5,000 time steps runs forward and backward', () => {
    const lstm = new nn.LSTM(2, 4, { generator: new Generator(7) });
    const x = randn([5000, 1, 2], { generator: new Generator(8) });
    const [out, [hN]] = lstm.forward(x);
    expect(out.shape).toEqual([5000, 1, 4]);
    add(sum(out), sum(hN)).backward();
    const g = lstm.namedParameters().map(([, p]) => p.grad!);
    expect(g.every((t) => t && Array.from(t.data).every(Number.isFinite))).toBe(true);
    expect(Array.from(g[0]!.data).some((v) => v !== 0)).toBe(true);
  });

  it('a peephole LSTM with zero peepholes computes exactly what an LSTM does', () => {
    const lstm = new nn.LSTM(3, 4, { ...f64, numLayers: 2, generator: new Generator(9) });
    const peep = new nn.PeepholeLSTM(3, 4, { ...f64, numLayers: 2, generator: new Generator(10) });
    const dict = lstm.stateDict();
    const zerosFor = Object.fromEntries(Object.entries(peep.stateDict()).filter(([k]) => /weight_c[ifo]/.test(k)).map(([k, v]) => [k, v.mul(0)]));
    peep.loadStateDict({ ...dict, ...zerosFor });
    const x = rand([5, 2, 3], 11);
    const [a, [ha, ca]] = lstm.forward(x);
    const [b, [hb, cb]] = peep.forward(x);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(hb.data)).toEqual(Array.from(ha.data));
    expect(Array.from(cb.data)).toEqual(Array.from(ca.data));
  });

  it('initialises every recurrent weight and bias in U(-1/sqrt(H), 1/sqrt(H)), reproducibly from a seed', () => {
    const make = () => new nn.GRU(5, 16, { numLayers: 2, bidirectional: true, generator: new Generator(12) });
    const a = make();
    const b = make();
    const k = 1 / Math.sqrt(16);
    for (const [name, p] of a.namedParameters()) {
      const v = Array.from(p.data);
      expect(Math.max(...v.map(Math.abs)), name).toBeLessThanOrEqual(k);
      expect(Math.max(...v) - Math.min(...v), name).toBeGreaterThan(k);
      expect(v).toEqual(Array.from(b.stateDict()[name]!.data));
    }
  });
});

/** A minimal gated unit (Zhou et al. 2016): the cell a user writes, in about fifteen lines. */
class MGUCell extends nn.Module implements nn.RecurrentCell {
  readonly stateSizes: number[];
  constructor(readonly inputSize: number, hiddenSize: number, opts: nn.ModuleOptions = {}) {
    super();
    this.stateSizes = [hiddenSize];
    const init = nn.rnnInit(hiddenSize, opts);
    this.registerParameter('weight_ih', init([2 * hiddenSize, inputSize]));
    this.registerParameter('weight_hh', init([2 * hiddenSize, hiddenSize]));
    this.registerParameter('bias', init([2 * hiddenSize]));
  }
  step(x: Tensor, [h]: readonly Tensor[]): Tensor[] {
    const [fx, nx] = chunk(linear(x, this.param('weight_ih'), this.param('bias')), 2, 1);
    const [fh, nh] = chunk(linear(h!, this.param('weight_hh')), 2, 1);
    const f = sigmoid(add(fx!, fh!));
    const n = tanh(add(nx!, mul(f, nh!)));
    return [add(mul(sub(1, f), h!), mul(f, n))]; // h' = (1 - f) h + f n
  }
  forward(x: Tensor, h?: Tensor): Tensor {
    return nn.cellForward(this, x, h ? [h] : undefined)[0]!;
  }
}

describe('a custom cell', () => {
  it('runs two layers in both directions through Recurrent, with PyTorch-style keys, and passes gradcheck', () => {
    const layer = new nn.Recurrent((i) => new MGUCell(i, 2, { ...f64, generator: new Generator(13) }), 3, { numLayers: 2, bidirectional: true });
    expect(Object.keys(layer.stateDict())).toEqual([
      'weight_ih_l0', 'weight_hh_l0', 'bias_l0', 'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_l0_reverse',
      'weight_ih_l1', 'weight_hh_l1', 'bias_l1', 'weight_ih_l1_reverse', 'weight_hh_l1_reverse', 'bias_l1_reverse',
    ]);
    const x = rand([3, 2, 3], 14);
    const [out, [hN]] = layer.forward(x);
    expect(out.shape).toEqual([3, 2, 4]);
    expect(hN!.shape).toEqual([4, 2, 2]);
    const w = rand([3, 2, 4], 15);
    const r = checkWithParams(layer, [x], (xx) => sum(mul(layer.forward(xx!)[0], w)));
    expect(r.ok, r.message).toBe(true);
  });
});

describe('bad input names the layer, what came and what was expected', () => {
  const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
  const err = (f: () => unknown): TapegradError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(TapegradError);
      return e as TapegradError;
    }
    throw new Error('did not throw');
  };
  it('wrong input size', () => {
    const e = err(() => lstm.forward(randn([5, 2, 7])));
    expect(e.message).toMatch(/LSTM.*7 features.*\[5, 2, 7\].*inputSize 3/);
  });
  it('wrong input rank', () => expect(err(() => lstm.forward(randn([5]))).message).toContain('(L, N, H_in)'));
  it('wrong state shape', () => {
    const e = err(() => lstm.forward(randn([5, 2, 3]), [randn([1, 2, 4]), randn([2, 2, 4])]));
    expect(e.message).toMatch(/LSTM.forward: initial state 0 must be float32 \[2, 2, 4\].*got float32 \[1, 2, 4\]/);
  });
  it('lengths longer than the sequence', () => {
    expect(err(() => lstm.forward(randn([5, 2, 3]), undefined, { lengths: [5, 6] })).message).toMatch(/lengths\[1\] = 6 is outside 1..5/);
    expect(err(() => lstm.forward(randn([5, 2, 3]), undefined, { lengths: [5] })).message).toMatch(/lengths has 1 entries, the batch has 2/);
  });
  it('an unknown state-dict key, a missing one, a wrong shape', () => {
    const dict = lstm.stateDict();
    expect(err(() => lstm.loadStateDict({ ...dict, weight_ih_l2: dict.weight_ih_l0! })).message).toMatch(/unexpected keys: weight_ih_l2/);
    const { bias_hh_l1: _, ...missing } = dict;
    expect(err(() => lstm.loadStateDict(missing)).message).toMatch(/missing keys: bias_hh_l1/);
    expect(err(() => lstm.loadStateDict({ ...dict, weight_hh_l0: randn([16, 5]) })).message).toMatch(/'weight_hh_l0' has shape \[16, 5\], expected \[16, 4\]/);
    expect(err(() => lstm.loadStateDict({ ...dict, weight_hh_l0: randn([16, 4], { dtype: 'float64' }) })).message).toMatch(/'weight_hh_l0' is float64, expected float32/);
  });
  it('a cell given a state of the wrong shape', () => {
    const cell = new nn.LSTMCell(3, 4);
    expect(err(() => cell.forward(randn([2, 3]), [randn([2, 4]), randn([3, 4])])).message).toMatch(/LSTMCell.forward: state 1 must be float32 \[2, 4\]/);
    expect(err(() => cell.forward(randn([2, 5]))).message).toMatch(/LSTMCell.forward: expected input of shape \(N, 3\) or \(3\), got \[2, 5\]/);
  });
  it('loading a wrong state dict changes nothing', () => {
    const before = Array.from(lstm.param === undefined ? [] : lstm.stateDict().weight_ih_l0!.data);
    const dict = Object.fromEntries(Object.entries(lstm.stateDict()).map(([k, v]) => [k, v.mul(0)]));
    expect(() => lstm.loadStateDict({ ...dict, extra: tensor([1]) })).toThrow(TapegradError);
    expect(Array.from(lstm.stateDict().weight_ih_l0!.data)).toEqual(before);
  });
});
