/**
 * The sunspots example in smoke mode, in-process: the loss decreases, the charts and metrics are
 * written, a run is reproducible from its seed, and bad input (unknown flag, bad value, missing or
 * malformed data file) stops with a clear message and a non-zero exit code. The data tests are skipped
 * when ../shared/data is absent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics, runner, scratchFolder } from '../helpers/examples.js';
import { main } from '../../examples/sunspots/main.js';

const dataFile = new URL('../../../shared/data/time-series-forecasting/sunspots.csv', import.meta.url);
const root = scratchFolder('sunspots');

const run = runner(main);
const metrics = readMetrics;

describe('sunspots: usage errors', () => {
  it('--help lists the flags and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const flag of ['--cell', '--hidden', '--window', '--epochs', '--test-years', '--ar-lags', '--seed', '--data', '--out', '--smoke'])
      expect(r.out).toContain(flag);
  });

  it('an unknown flag or a bad value exits 2 naming the flag', async () => {
    let r = await run('--hiden', '8');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown flag --hiden; did you mean --hidden\?/);
    r = await run('--cell', 'rnn');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--cell expects one of gru, lstm, got 'rnn'/);
    r = await run('--epochs', '0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--epochs expects an integer >= 1, got '0'/);
  });

  it('a missing data file exits 1 naming the path tried', async () => {
    const missing = path.join(root, 'nowhere.csv');
    const r = await run('--smoke', '--data', missing, '--out', path.join(root, 'missing'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`data file sunspots.csv not found; looked at:\n  ${missing}`);
  });

  it('a malformed data file exits 1 naming the line', async () => {
    const bad = path.join(root, 'bad.csv');
    writeFileSync(bad, '"YEAR","SUNACTIVITY"\n1700,5\n1701,eleven\n');
    const r = await run('--smoke', '--data', bad, '--out', path.join(root, 'bad'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.csv, line 3: expected year,value, got '1701,eleven'/);
  });

  it('a test period that leaves too little training data exits 2', async () => {
    const short = path.join(root, 'short.csv');
    writeFileSync(short, `"YEAR","SUNACTIVITY"\n${Array.from({ length: 50 }, (_, i) => `${1900 + i},${i % 11}`).join('\n')}\n`);
    const r = await run('--smoke', '--data', short, '--out', path.join(root, 'short'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/leave 10 for training, too few/);
  });
});

describe.skipIf(!existsSync(dataFile))('sunspots: smoke run', () => {
  const a = path.join(root, 'a');

  it('trains (the loss decreases), scores the baselines and writes the charts and metrics', async () => {
    const r = await run('--smoke', '--out', a);
    expect(r.code, r.err).toBe(0);
    const m = metrics(a);
    expect(m.history.epoch).toEqual([1, 2, 3, 4]);
    expect(m.history.loss[0]).toBeGreaterThan(m.history.loss.at(-1));
    expect(m.split.testYears).toEqual([1969, 2008]);
    expect(Object.keys(m.testRmse)).toEqual(['GRU', 'AR(9)', 'persistence']);
    expect(m.testRmse.persistence).toBeCloseTo(29.89, 1);
    expect(m.testRmse['AR(9)']).toBeLessThan(m.testRmse.persistence); // even 50 Adam steps beat persistence
    for (const svg of ['forecast.svg', 'loss.svg', 'rmse.svg', 'ar-loss.svg'])
      expect(readFileSync(path.join(a, svg), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    expect(r.out).toMatch(/model +test RMSE +vs persistence/);
  });

  it('is reproducible from its seed', async () => {
    const b = path.join(root, 'b');
    const r = await run('--smoke', '--out', b);
    expect(r.code, r.err).toBe(0);
    expect(metrics(b).testRmse).toEqual(metrics(a).testRmse);
    expect(metrics(b).history.loss).toEqual(metrics(a).history.loss);
  });
});
