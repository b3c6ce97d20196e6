/**
 * The examples' shared utilities: the flag parser (help, unknown flag, bad values, exit codes), data-file
 * lookup, the SVG line chart (structure, series, NaN refused, determinism) and the results table.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ExitError, type FlagSpecs, type Io, OutputDir, configMismatch, findDataFile, formatTable, lineChart, niceTicks, parseFlags, runMain,
} from '../../examples/shared/index.js';

const spec = {
  epochs: { type: 'int', default: 3, min: 1, help: 'passes over the data' },
  lr: { type: 'number', default: 0.01, min: 0, help: 'learning rate' },
  seqLen: { type: 'int', default: 64, min: 2, help: 'characters per window' },
  cell: { type: 'string', default: 'lstm', choices: ['lstm', 'gru'], help: 'recurrent cell' },
  data: { type: 'string', metavar: 'path', help: 'data file' },
  smoke: { type: 'boolean', help: 'a few steps on a small slice' },
} satisfies FlagSpecs;
const info = { usage: 'tsx examples/x/main.ts [flags]', description: 'Trains X.' };

function recorder(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, log: (t) => out.push(t), error: (t) => err.push(t) };
}
const parseError = (argv: string[]): ExitError => {
  try {
    parseFlags(spec, argv, info);
  } catch (e) {
    if (e instanceof ExitError) return e;
    throw e;
  }
  throw new Error(`parsing ${argv.join(' ')} did not fail`);
};

describe('parseFlags', () => {
  it('gives defaults, parses both --flag value and --flag=value, maps camelCase to kebab-case', () => {
    expect(parseFlags(spec, [], info)).toEqual({ epochs: 3, lr: 0.01, seqLen: 64, cell: 'lstm', data: undefined, smoke: false });
    const f = parseFlags(spec, ['--epochs', '5', '--lr=3e-3', '--seq-len', '32', '--cell', 'gru', '--smoke', '--data', 'a.txt'], info);
    expect(f).toEqual({ epochs: 5, lr: 0.003, seqLen: 32, cell: 'gru', data: 'a.txt', smoke: true });
    expect(parseFlags(spec, ['--smoke=false'], info).smoke).toBe(false);
  });

  it('--help gives the usage text with exit code 0', async () => {
    const e = parseError(['--epochs', '2', '--help']);
    expect(e.code).toBe(0);
    expect(e.message).toMatch(/^Usage: tsx examples\/x\/main.ts \[flags\]/);
    expect(e.message).toMatch(/--seq-len <int>\s+characters per window \(default 64\)/);
    expect(e.message).toMatch(/--cell <lstm\|gru>/);
    expect(e.message).toMatch(/--help\s+show this help and exit/);
    const io = recorder();
    expect(await runMain(io, () => void parseFlags(spec, ['--help'], info))).toBe(0);
    expect(io.out.join('\n')).toMatch(/Flags:/);
    expect(io.err).toEqual([]);
  });

  it('an unknown flag is a usage error (exit code 2) naming the flag, with a suggestion', async () => {
    const e = parseError(['--epoch', '2']);
    expect(e.code).toBe(2);
    expect(e.message).toBe('error: unknown flag --epoch; did you mean --epochs? (see --help)');
    expect(parseError(['--bogus-thing']).message).toMatch(/unknown flag --bogus-thing \(see --help\)/);
    expect(parseError(['stray']).message).toMatch(/unexpected argument 'stray'/);
    const io = recorder();
    expect(await runMain(io, () => void parseFlags(spec, ['--nope'], info))).toBe(2);
    expect(io.err[0]).toMatch(/unknown flag --nope/);
  });

  it('bad values are usage errors naming the flag and what it expects', () => {
    const cases: [string[], RegExp][] = [
      [['--epochs', 'many'], /--epochs expects an integer, got 'many'/],
      [['--epochs', '2.5'], /--epochs expects an integer, got '2.5'/],
      [['--epochs', '0'], /--epochs expects an integer >= 1, got '0'/],
      [['--lr', 'NaN'], /--lr expects a number, got 'NaN'/],
      [['--lr='], /--lr expects a number, got ''/],
      [['--lr', '-1'], /--lr expects a number >= 0, got '-1'/],
      [['--cell', 'rnn'], /--cell expects one of lstm, gru, got 'rnn'/],
      [['--smoke=yes'], /--smoke expects true or false, got 'yes'/],
      [['--epochs'], /--epochs needs a value/],
      [['--epochs', '--lr', '1'], /--epochs needs a value/],
    ];
    for (const [argv, re] of cases) {
      const e = parseError(argv);
      expect(e.code, argv.join(' ')).toBe(2);
      expect(e.message, argv.join(' ')).toMatch(re);
    }
  });

  it('runMain maps other errors to exit code 1 and success to 0', async () => {
    const io = recorder();
    expect(await runMain(io, async () => {})).toBe(0);
    expect(await runMain(io, () => { throw new Error('boom'); })).toBe(1);
    expect(io.err[0]).toMatch(/^error: Error: boom/);
  });
});

describe('findDataFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tapegrad-shared-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns an explicit path that exists', () => {
    const f = path.join(dir, 'x.csv');
    writeFileSync(f, '1\n');
    expect(findDataFile('folder/x.csv', f)).toBe(f);
  });

  it('a missing file stops with exit code 1 and names every path tried', () => {
    const missing = path.join(dir, 'nope.txt');
    expect(() => findDataFile('folder/nope.txt', missing)).toThrow(ExitError);
    try {
      findDataFile('no-such-folder/nope.txt');
    } catch (e) {
      expect((e as ExitError).code).toBe(1);
      expect((e as ExitError).message).toMatch(/data file nope.txt not found; looked at:\n {2}\/.*shared\/data\/no-such-folder\/nope.txt/);
      expect((e as ExitError).message).toMatch(/--data/);
    }
    expect.assertions(4);
  });
});

describe('lineChart', () => {
  const chart = () =>
    lineChart({
      title: 'Loss <train & val>',
      xLabel: 'epoch',
      yLabel: 'bits per char',
      series: [
        { name: 'train', y: [4.1, 3.2, 2.7, 2.4] },
        { name: 'validation', x: [2, 4], y: [3.0, 2.5], dashed: true },
      ],
    });

  it('writes a well-formed SVG with title, axes labels, ticks, legend and one polyline per series', () => {
    const svg = chart();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // Every opened tag is closed (self-closing or with its end tag), in order.
    const stack: string[] = [];
    for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    expect(svg).toContain('Loss &lt;train &amp; val&gt;');
    expect(svg).toContain('>epoch</text>');
    expect(svg).toContain('>bits per char</text>');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('data-name="train"');
    expect(svg).toContain('data-name="validation"');
    expect(svg).toContain('stroke-dasharray');
    expect(svg.match(/<polyline[^>]*points="([^"]*)"/)![1]!.split(' ')).toHaveLength(4);
    for (const t of ['2.5', '3.0', '4.0']) expect(svg).toContain(`>${t}</text>`);
  });

  it('is deterministic', () => {
    expect(chart()).toBe(chart());
  });

  it('refuses NaN and infinite values, naming the series and index', () => {
    expect(() => lineChart({ title: 't', series: [{ name: 'ok', y: [1, 2] }, { name: 'loss', y: [1, NaN, 3] }] })).toThrow(
      "lineChart: series 'loss' has y = NaN at index 1 (every value must be finite)",
    );
    expect(() => lineChart({ title: 't', series: [{ name: 'a', x: [0, Infinity], y: [1, 2] }] })).toThrow(/series 'a' has x = Infinity at index 1/);
    expect(() => lineChart({ title: 't', series: [{ name: 'a', x: [0], y: [1, 2] }] })).toThrow(/1 x values but 2 y values/);
    expect(() => lineChart({ title: 't', series: [] })).toThrow(/at least one series/);
  });

  it('round ticks', () => {
    expect(niceTicks(0, 4.3, 5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(1.2, 1.2)).toEqual([1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.35]); // a flat line gets a +-10% range
    expect(niceTicks(-0.03, 0.07, 5)).toEqual([-0.04, -0.02, 0, 0.02, 0.04, 0.06, 0.08]);
  });
});

describe('results', () => {
  it('formatTable aligns columns', () => {
    expect(formatTable(['model', 'val bpc'], [['LSTM', 2.3141], ['unigram', 4.1]], { digits: 2 })).toBe(
      ['model    val bpc', '-------  -------', 'LSTM        2.31', 'unigram     4.10'].join('\n'),
    );
  });

  it('OutputDir creates the folder and writes text and JSON', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'tapegrad-out-')), 'nested', 'out');
    const out = new OutputDir(dir);
    const f = out.json('metrics.json', { a: 1 });
    expect(JSON.parse(readFileSync(f, 'utf8'))).toEqual({ a: 1 });
    expect(readFileSync(out.text('x.svg', '<svg/>'), 'utf8')).toBe('<svg/>');
    rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
  });
});

describe('configMismatch', () => {
  const now = { example: 'char-lm', '--hidden': 128, '--cell': 'lstm', vocabulary: ['a', 'b'] };
  it('says what differs between a checkpoint and this run', () => {
    expect(configMismatch({ ...now }, now)).toBeNull();
    expect(configMismatch({ ...now, '--hidden': 32, '--cell': 'gru' }, now)).toBe('it was trained with --hidden 32 (now 128), --cell gru (now lstm)');
    expect(configMismatch({ ...now, vocabulary: ['a'] }, now)).toBe('its vocabulary differs');
    expect(configMismatch({ ...now, example: 'sunspots' }, now)).toBe('it was written by the sunspots example, not char-lm');
    expect(configMismatch(undefined, now)).toMatch(/it has no run configuration/);
  });
});
