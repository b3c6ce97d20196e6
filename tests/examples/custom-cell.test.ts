/**
 * The custom-cell example: the hand-written MGU follows the RecurrentCell contract (shapes, PyTorch-style
 * keys in nn.Recurrent, gradcheck), and the example's smoke mode, in-process: gradcheck passes, the loss
 * decreases, the charts, metrics and checkpoint are written, resuming works, and bad input (unknown flag,
 * bad value, missing data file, a checkpoint of another model) exits non-zero with a clear message.
 * Training tests are skipped when ../shared/data is absent.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics, runner, scratchFolder } from '../helpers/examples.js';
import { Generator, gradcheck, nn, randn, sum } from '../../index.js';
import { main as charLm } from '../../examples/char-lm/main.js';
import { main } from '../../examples/custom-cell/main.js';
import { MGUCell } from '../../examples/custom-cell/mgu.js';

const dataFile = new URL('../../../shared/data/time-series-forecasting/sunspots.csv', import.meta.url);
const bookFile = new URL('../../../shared/data/char-text-generation/moby-dick.txt', import.meta.url);
const root = scratchFolder('custom-cell');

const run = runner(main);
const metrics = readMetrics;

describe('MGUCell', () => {
  it('follows the RecurrentCell contract: one step, and two bidirectional layers on the sequence runner', () => {
    const g = new Generator(0);
    const cell = new MGUCell(3, 5, { generator: g });
    expect(cell.forward(randn([4, 3])).shape).toEqual([4, 5]);
    expect(cell.forward(randn([3])).shape).toEqual([5]);
    const layer = new nn.Recurrent((i) => new MGUCell(i, 5, { generator: g }), 3, { numLayers: 2, bidirectional: true });
    const [out, [hN]] = layer.forward(randn([7, 2, 3]));
    expect(out.shape).toEqual([7, 2, 10]);
    expect(hN!.shape).toEqual([4, 2, 5]);
    expect(Object.keys(layer.stateDict())).toContain('weight_hf_l1_reverse');
    expect(Object.keys(layer.stateDict())).toHaveLength(16);
  });

  it('its gradients agree with central differences in float64', () => {
    const f64 = { dtype: 'float64' as const, generator: new Generator(1) };
    const cell = new MGUCell(2, 3, f64);
    const keys = Object.keys(cell.stateDict());
    const report = gradcheck(
      (x, h, ...ws) => nn.functionalCall(cell, Object.fromEntries(keys.map((k, i) => [k, ws[i]!])), () => cell.step(x!, [h!])[0]!),
      [randn([2, 2], f64), randn([2, 3], f64), ...Object.values(cell.stateDict())],
    );
    expect(report.ok, report.message).toBe(true);
    const layer = new nn.Recurrent((i) => new MGUCell(i, 2, f64), 1, { numLayers: 2, bidirectional: true });
    expect(gradcheck((x) => sum(layer.forward(x!)[0]), [randn([4, 1, 1], f64)]).ok).toBe(true);
  });
});

describe('custom-cell: usage errors', () => {
  it('--help exits 0; an unknown flag or a bad value exits 2 naming the flag', async () => {
    let r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--cell <mgu\|gru>/);
    r = await run('--celll', 'gru');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown flag --celll; did you mean --cell\?/);
    r = await run('--cell', 'lstm');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--cell expects one of mgu, gru, got 'lstm'/);
    r = await run('--window', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--window expects an integer >= 1, got '0'/);
  });

  it('a missing data file exits 1 naming the path tried', async () => {
    const missing = path.join(root, 'nope.csv');
    const { code, err } = await run('--smoke', '--data', missing, '--out', path.join(root, 'missing'));
    expect(code).toBe(1);
    expect(err).toContain(`data file sunspots.csv not found; looked at:\n  ${missing}`);
  });
});

describe.skipIf(!existsSync(dataFile))('custom-cell: smoke run on the sunspots', () => {
  const a = path.join(root, 'a');

  it('gradchecks, trains (the loss decreases), tests and writes charts, metrics and checkpoint', async () => {
    const { code, text } = await run('--smoke', '--out', a);
    expect(code, text).toBe(0);
    const m = metrics(a);
    expect(m.gradcheck.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(m.history.epoch).toEqual([1, 2, 3]);
    expect(m.history.loss[0]).toBeGreaterThan(m.history.loss.at(-1));
    expect(Number.isFinite(m.testRmse)).toBe(true);
    expect(m.forecast).toHaveLength(40);
    for (const svg of ['loss.svg', 'forecast.svg']) expect(readFileSync(path.join(a, svg), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    expect(readFileSync(path.join(a, 'forecast.svg'), 'utf8')).toContain('data-name="persistence"');
    expect(existsSync(path.join(a, 'checkpoint.safetensors'))).toBe(true);
  });

  it('--resume goes on to the same result as an uninterrupted run; the built-in GRU runs in the same place', async () => {
    const b = path.join(root, 'b');
    expect((await run('--smoke', '--out', b, '--epochs', '2')).code).toBe(0);
    const { code, text } = await run('--smoke', '--out', b, '--resume');
    expect(code, text).toBe(0);
    expect(metrics(b).history).toEqual(metrics(a).history);
    expect(metrics(b).testRmse).toBe(metrics(a).testRmse);
    const g = await run('--smoke', '--cell', 'gru', '--out', path.join(root, 'gru'));
    expect(g.code, g.text).toBe(0);
  });

  it('--resume refuses a checkpoint of another model or another example, with exit code 1', async () => {
    const c = path.join(root, 'c');
    cpSync(a, c, { recursive: true });
    let r = await run('--smoke', '--resume', '--out', c, '--cell', 'gru');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is from another model or run: it was trained with --cell mgu \(now gru\)/);
    if (existsSync(bookFile)) {
      const lm = path.join(root, 'lm');
      expect((await runner(charLm)('--smoke', '--epochs', '1', '--out', lm)).code).toBe(0);
      r = await run('--smoke', '--resume', '--out', lm);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/it was written by the char-lm example, not custom-cell/);
    }
  });
});
