/**
 * The sentiment example in smoke mode, in-process: the loss decreases, the charts and metrics are
 * written, and bad input (unknown flag, bad value, missing or malformed data) stops with a clear message
 * and a non-zero exit code. The data tests are skipped when ../shared/data is absent.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runner, scratchFolder } from '../helpers/examples.js';
import { main } from '../../examples/sentiment/main.js';
import { stratifiedSplit, tokenize } from '../../examples/sentiment/data.js';

const dataDir = fileURLToPath(new URL('../../../shared/data/sentiment-classification/', import.meta.url));
const root = scratchFolder('sentiment');

const run = runner(main);

describe('sentiment: data helpers', () => {
  it('tokenizes into lower-case words, keeping inner apostrophes and ! and ?', () => {
    expect(tokenize("I didn't like it... at ALL!!  Why?")).toEqual(['i', "didn't", 'like', 'it', 'at', 'all', '!', '!', 'why', '?']);
  });

  it('splits each (source, label) group in the same proportion, deterministically', () => {
    const items = ['a', 'b'].flatMap((source) => [0, 1].flatMap((label) => Array.from({ length: 10 }, (_, i) => ({ source, label, i }))));
    const { train, test } = stratifiedSplit(items, 0.2, 7);
    expect(test).toHaveLength(8);
    for (const source of ['a', 'b']) for (const label of [0, 1]) expect(test.filter((t) => t.source === source && t.label === label)).toHaveLength(2);
    expect(new Set([...train, ...test]).size).toBe(40);
    expect(stratifiedSplit(items, 0.2, 7)).toEqual({ train, test });
  });
});

describe('sentiment: usage errors', () => {
  it('--help lists the flags and exits 0', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const flag of ['--cell', '--embed', '--hidden', '--epochs', '--word-dropout', '--test-fraction', '--seed', '--data', '--out', '--smoke'])
      expect(r.out).toContain(flag);
  });

  it('an unknown flag or a bad value exits 2 naming the flag', async () => {
    let r = await run('--cel', 'gru');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown flag --cel; did you mean --cell\?/);
    r = await run('--dropout', '1.5');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--dropout expects a number <= 0\.95, got '1\.5'/);
    r = await run('--batch', 'many');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--batch expects an integer, got 'many'/);
  });

  it('a missing data folder or file exits 1 naming what is missing', async () => {
    const missing = path.join(root, 'nowhere');
    let r = await run('--smoke', '--data', missing, '--out', path.join(root, 'missing'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`data file imdb.json not found; looked at:\n  ${missing}`);
    const partial = path.join(root, 'partial');
    mkdirSync(partial);
    writeFileSync(path.join(partial, 'imdb.json'), '[]');
    r = await run('--smoke', '--data', partial, '--out', path.join(root, 'missing'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/partial lacks yelp\.json, amazon\.json/);
  });

  it.skipIf(!existsSync(dataDir))('a malformed data file exits 1 naming the file and record', async () => {
    const bad = path.join(root, 'bad');
    mkdirSync(bad);
    for (const f of ['imdb.json', 'yelp.json']) copyFileSync(path.join(dataDir, f), path.join(bad, f));
    writeFileSync(path.join(bad, 'amazon.json'), '[{"text": "fine", "class": 1}, {"text": "meh", "class": "neutral"}]');
    const r = await run('--smoke', '--data', bad, '--out', path.join(root, 'bad-out'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/amazon\.json, record 1: expected \{"text": string, "class": 0 \| 1\}/);
  });
});

describe.skipIf(!existsSync(dataDir))('sentiment: smoke run', () => {
  it('trains (the loss decreases), scores the baseline and writes the charts and metrics', async () => {
    const a = path.join(root, 'a');
    const r = await run('--smoke', '--out', a);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(readFileSync(path.join(a, 'metrics.json'), 'utf8'));
    expect(m.history.epoch).toEqual([1, 2, 3]);
    expect(m.history.loss[0]).toBeGreaterThan(m.history.loss.at(-1));
    expect(m.split).toMatchObject({ train: 300, validation: 100, test: 100 });
    for (const k of ['validationAccuracy', 'testAccuracy']) {
      expect(m.rnn[k]).toBeGreaterThanOrEqual(0);
      expect(m.rnn[k]).toBeLessThanOrEqual(1);
      expect(m.bagOfWords[k]).toBeGreaterThanOrEqual(0);
    }
    for (const svg of ['loss.svg', 'accuracy.svg', 'bow-loss.svg'])
      expect(readFileSync(path.join(a, svg), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    expect(r.out).toMatch(/model +validation accuracy +test accuracy/);
    expect(r.out).toMatch(/epoch 3\/3 \d+\/\d+ {2}loss/); // the progress bar, as plain lines
  });
});
