/**
 * PyTorch parity: for every fixture made with real PyTorch (tests/fixtures-src/make_rnn_fixtures.py),
 * load the state dict, run the same input and compare outputs, final states and the gradients of the
 * same scalar loss with respect to the input, the initial states and every parameter, in float64.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Tensor, mul, sum, tensor } from '../../index.js';
import { nn } from '../../index.js';

interface T64 {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  module: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  options: Record<string, unknown>;
  stateDict: Record<string, T64>;
  input: T64;
  lengths?: number[];
  [k: string]: unknown;
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/rnn-golden.json', import.meta.url), 'utf8')) as { cases: Case[] };
const T = (t: T64, requiresGrad = false): Tensor => tensor(new Float64Array(t.data), { shape: t.shape, requiresGrad });
const TOL = 1e-9;

function expectMatches(name: string, got: Tensor, want: T64): void {
  expect(got.shape, name).toEqual(want.shape);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
  expect(worst, `${name}: max abs difference from PyTorch`).toBeLessThan(TOL);
}

function build(c: Case): nn.Module {
  const o = c.options as Record<string, never>;
  const common = { dtype: 'float64' as const, bias: o.bias };
  switch (c.module) {
    case 'RNN': return new nn.RNN(o.inputSize, o.hiddenSize, { ...common, numLayers: o.numLayers, nonlinearity: o.nonlinearity, batchFirst: o.batchFirst, bidirectional: o.bidirectional });
    case 'LSTM': return new nn.LSTM(o.inputSize, o.hiddenSize, { ...common, numLayers: o.numLayers, batchFirst: o.batchFirst, bidirectional: o.bidirectional, projSize: o.projSize });
    case 'GRU': return new nn.GRU(o.inputSize, o.hiddenSize, { ...common, numLayers: o.numLayers, batchFirst: o.batchFirst, bidirectional: o.bidirectional });
    case 'RNNCell': return new nn.RNNCell(o.inputSize, o.hiddenSize, { ...common, nonlinearity: o.nonlinearity });
    case 'LSTMCell': return new nn.LSTMCell(o.inputSize, o.hiddenSize, common);
    case 'GRUCell': return new nn.GRUCell(o.inputSize, o.hiddenSize, common);
  }
}

describe('PyTorch parity (float64, 1e-9)', () => {
  it('has the fixtures', () => expect(fixtures.cases.length).toBeGreaterThanOrEqual(20));

  for (const c of fixtures.cases) {
    it(c.name, () => {
      const m = build(c);
      expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.stateDict));
      m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, T(v)])));
      const x = T(c.input, true);
      const get = (k: string) => (c[k] ? T(c[k] as T64, true) : undefined);
      const lw = c.lossWeights as Record<string, T64>;
      const grads = c.grads as Record<string, T64>;
      const inputs: Record<string, Tensor> = { input: x };
      let results: Record<string, Tensor>;
      if (c.module.endsWith('Cell')) {
        const hx = get('hx');
        const cx = get('cx');
        if (hx) inputs.hx = hx;
        if (cx) inputs.cx = cx;
        if (c.module === 'LSTMCell') {
          const [h, cc] = (m as nn.LSTMCell).forward(x, hx && cx ? [hx, cx] : undefined);
          results = { h, c: cc };
        } else results = { h: (m as nn.RNNCell | nn.GRUCell).forward(x, hx) };
      } else {
        const h0 = get('h0');
        const c0 = get('c0');
        if (h0) inputs.h0 = h0;
        if (c0) inputs.c0 = c0;
        const lengths = c.lengths ? { lengths: c.lengths } : {};
        if (c.module === 'LSTM') {
          const [out, [hN, cN]] = (m as nn.LSTM).forward(x, h0 && c0 ? [h0, c0] : undefined, lengths);
          results = { output: out, hN, cN };
        } else {
          const [out, hN] = (m as nn.RNN | nn.GRU).forward(x, h0, lengths);
          results = { output: out, hN };
        }
      }
      for (const [k, v] of Object.entries(results)) expectMatches(k, v, c[k] as T64);
      const loss = Object.entries(lw).map(([k, w]) => sum(mul(results[k]!, T(w)))).reduce((a, b) => a.add(b));
      expect(Math.abs(loss.item() - (c.loss as number))).toBeLessThan(TOL);
      loss.backward();
      const params = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(grads)) {
        const t = inputs[k] ?? params[k];
        expect(t, `a tensor for gradient '${k}'`).toBeDefined();
        expectMatches(`grad of ${k}`, t!.grad!, g);
      }
    });
  }
});
