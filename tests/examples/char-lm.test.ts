/**
 * The char-lm example in smoke mode, in-process: the loss decreases, the charts, metrics, sample and
 * checkpoint are written, a resumed run equals an uninterrupted one, and bad input (unknown flag, bad
 * value, missing data file, missing or mismatched checkpoint) stops with a clear message and a non-zero
 * exit code. Skipped when ../shared/data is absent.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics, runner, scratchFolder } from '../helpers/examples.js';
import { main } from '../../examples/char-lm/main.js';

const dataFile = new URL('../../../shared/data/char-text-generation/moby-dick.txt', import.meta.url);
const root = scratchFolder('char-lm');

const run = runner(main);
const metrics = readMetrics;

describe('char-lm: usage errors', () => {
  it('--help prints the flags and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: npm run demo -- \[flags\]/);
    for (const flag of ['--epochs', '--hidden', '--seq-len', '--batch', '--lr', '--seed', '--out', '--resume', '--sample-len', '--temperature', '--prompt', '--smoke'])
      expect(out).toContain(flag);
  });

  it('an unknown flag or a bad value exits 2 naming the flag', async () => {
    let r = await run('--epoch', '3');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown flag --epoch; did you mean --epochs\?/);
    r = await run('--temperature', 'hot');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--temperature expects a number, got 'hot'/);
    r = await run('--prompt', '');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--prompt must not be empty/);
  });

  it('a missing data file exits 1 naming the path tried', async () => {
    const missing = path.join(root, 'no-such-book.txt');
    const { code, err } = await run('--smoke', '--data', missing, '--out', path.join(root, 'missing'));
    expect(code).toBe(1);
    expect(err).toContain(`data file moby-dick.txt not found; looked at:\n  ${missing}`);
  });
});

describe.skipIf(!existsSync(dataFile))('char-lm: smoke run on Moby-Dick', () => {
  const a = path.join(root, 'a');

  it('trains (the loss decreases), evaluates, samples and writes charts, metrics, sample and checkpoint', async () => {
    const { code, out, text } = await run('--smoke', '--out', a, '--epochs', '3');
    expect(code, text).toBe(0);
    const m = metrics(a);
    expect(m.history.epoch).toEqual([1, 2, 3]);
    expect(m.history.loss[0]).toBeGreaterThan(m.history.loss.at(-1));
    expect(m.history.valLoss[0]).toBeGreaterThan(m.history.valLoss.at(-1));
    expect(m.valBitsPerChar).toBeGreaterThan(0);
    expect(m.valBitsPerChar).toBeLessThan(7);
    expect(m.sample.startsWith('Call me Ishmael. ')).toBe(true);
    expect(m.sample.length).toBe('Call me Ishmael. '.length + 60);
    for (const svg of ['loss.svg', 'bits-per-char.svg']) {
      const s = readFileSync(path.join(a, svg), 'utf8');
      expect(s).toMatch(/^<svg [^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    }
    expect(existsSync(path.join(a, 'checkpoint.safetensors'))).toBe(true);
    expect(existsSync(path.join(a, 'sample.txt'))).toBe(true);
    expect(out).toMatch(/LSTM, whole validation text \(streamed\)/);
    expect(out).toMatch(/epoch 3\/3 \d+\/\d+ {2}loss/); // the progress bar, as plain lines
  });

  it('--resume continues from the checkpoint and gives the same numbers as an uninterrupted run', async () => {
    const b = path.join(root, 'b');
    expect((await run('--smoke', '--out', b, '--epochs', '2')).code).toBe(0);
    const { code, out, text } = await run('--smoke', '--out', b, '--epochs', '3', '--resume');
    expect(code, text).toBe(0);
    expect(out).toMatch(/resuming from .* after epoch 2/);
    expect(metrics(b).history).toEqual(metrics(a).history);
    expect(metrics(b).valBitsPerChar).toBe(metrics(a).valBitsPerChar);
  });

  it('--resume refuses a missing checkpoint or one from another model, with exit code 1', async () => {
    let r = await run('--smoke', '--resume', '--out', path.join(root, 'empty'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--resume: no checkpoint at .*checkpoint\.safetensors; run once without --resume/);

    const c = path.join(root, 'c');
    cpSync(a, c, { recursive: true });
    r = await run('--smoke', '--resume', '--out', c, '--hidden', '20', '--epochs', '4');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the checkpoint .* is from another model or run: it was trained with --hidden 32 \(now 20\)/);
    r = await run('--resume', '--out', c, '--epochs', '4', '--steps-per-epoch', '1', '--batch', '2');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/its vocabulary differs/);
    expect(metrics(c).history.epoch).toEqual([1, 2, 3]); // nothing was trained or written
  });
});
