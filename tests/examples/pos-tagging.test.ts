/**
 * The pos-tagging example in smoke mode, in-process: the loss decreases, the charts and metrics are
 * written, and bad input (unknown flag, bad value, missing or malformed data file) stops with a clear
 * message and a non-zero exit code. The data tests are skipped when ../shared/data is absent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runner, scratchFolder } from '../helpers/examples.js';
import { parseBrown, simplifyTag } from '../../examples/pos-tagging/data.js';
import { main } from '../../examples/pos-tagging/main.js';
import { MostFrequentTag, wordShape } from '../../examples/pos-tagging/model.js';

const dataFile = new URL('../../../shared/data/sequence-labelling/brown-news.txt', import.meta.url);
const root = scratchFolder('pos');

const run = runner(main);

describe('pos-tagging: data and baseline', () => {
  it('strips fw-, -tl, -hl and -nc and keeps everything else', () => {
    expect(['nn-tl', 'fw-nn', 'fw-in-tl', 'np-tl-hl', 'nn-nc', 'ppss+md', 'do*', 'nn$-tl', '--', '.-hl'].map(simplifyTag))
      .toEqual(['nn', 'nn', 'in', 'np', 'nn', 'ppss+md', 'do*', 'nn$', '--', '.']);
  });

  it('splits tokens at the last slash', () => {
    expect(parseBrown('The/at 1/2/cd-hl ./.\n\n')).toEqual([{ words: ['The', '1/2', '.'], tags: ['at', 'cd', '.'] }]);
    expect(() => parseBrown('The/at jury\n', 'x.txt')).toThrow("x.txt, line 1: expected word/tag tokens, got 'jury'");
  });

  it('tags each word with its most frequent tag, and unseen words with the most frequent tag overall', () => {
    const mft = new MostFrequentTag(parseBrown('the/at can/md can/nn can/md ./.\nthe/at dog/nn ran/vbd\nthe/at cat/nn'));
    expect(mft.tag(['the', 'can', 'zebra'])).toEqual(['at', 'md', 'at']);
    expect(mft.knows('can')).toBe(true);
    expect(mft.knows('Can')).toBe(false);
  });

  it('classifies word shapes', () => {
    expect(['dog', 'Fulton', 'NATO', '1961', 'term-end', ',', "'s"].map(wordShape)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('pos-tagging: usage errors', () => {
  it('--help lists the flags and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const flag of ['--word-embed', '--suffix-embed', '--hidden', '--epochs', '--min-word-count', '--seed', '--data', '--out', '--smoke'])
      expect(r.out).toContain(flag);
  });

  it('an unknown flag or a bad value exits 2 naming the flag', async () => {
    let r = await run('--epocs', '2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown flag --epocs; did you mean --epochs\?/);
    r = await run('--lr', '-1');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--lr expects a number >= 0, got '-1'/);
    r = await run('--test-fraction', '0.5', '--val-fraction', '0.45', '--out', path.join(root, 'never'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/leave less than 10% of the sentences for training/);
  });

  it('a missing data file exits 1 naming the path tried', async () => {
    const missing = path.join(root, 'brown-nothing.txt');
    const r = await run('--smoke', '--data', missing, '--out', path.join(root, 'missing'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`data file brown-news.txt not found; looked at:\n  ${missing}`);
  });

  it('a malformed data file exits 1 naming the line', async () => {
    const bad = path.join(root, 'bad.txt');
    writeFileSync(bad, 'The/at jury/nn said/vbd ./.\nA sentence without tags\n');
    const r = await run('--smoke', '--data', bad, '--out', path.join(root, 'bad'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.txt, line 2: expected word\/tag tokens, got 'A'/);
  });
});

describe.skipIf(!existsSync(dataFile))('pos-tagging: smoke run', () => {
  it('trains (the loss decreases), scores the baseline and writes the charts and metrics', async () => {
    const a = path.join(root, 'a');
    const r = await run('--smoke', '--out', a);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(readFileSync(path.join(a, 'metrics.json'), 'utf8'));
    expect(m.history.epoch).toEqual([1, 2, 3]);
    expect(m.history.loss[0]).toBeGreaterThan(m.history.loss.at(-1));
    expect(m.history.valLoss[0]).toBeGreaterThan(m.history.valLoss.at(-1));
    expect(m.split).toMatchObject({ train: 200, validation: 50, test: 50 });
    expect(m.split.tags).not.toContain('nn-tl');
    expect(m.test.baseline.all).toBeGreaterThan(0.5);
    for (const svg of ['loss.svg', 'accuracy.svg'])
      expect(readFileSync(path.join(a, svg), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    expect(r.out).toMatch(/BiLSTM tagger +\d\.\d{4}/);
    expect(r.out).toMatch(/most frequent tag \(unseen: 'nn'\)/);
  });
});
