/**
 * custom-cell: a minimal gated unit (MGU) written by hand as a composition of public ops, checked with
 * gradcheck in float64 (the cell, and the whole two-layer bidirectional layer), then run through the
 * library's sequence runner (`nn.Recurrent`, two layers, both directions) to forecast the yearly
 * sunspot numbers one year ahead. `--cell gru` trains the built-in GRU in the same place for comparison.
 *
 *   npx tsx examples/custom-cell/main.ts
 *   npx tsx examples/custom-cell/main.ts --cell gru
 *   npx tsx examples/custom-cell/main.ts --help
 * @module
 */
import path from 'node:path';
import {
  Generator, type Tensor, concat, gradcheck, mul, nn, noGrad, optim, randn, reshape, select, sum, tensor,
} from '../../index.js';
import {
  ExitError, type FlagSpecs, type Io, OutputDir, type RunConfig, consoleIo, defaultOutDir, formatTable, lineChart, parseFlags,
  readDataText, resumeFrom, runIfScript, runMain, saveEveryEpoch,
} from '../shared/index.js';
import { MGUCell } from './mgu.js';

const DATA = 'time-series-forecasting/sunspots.csv';
const CHECKPOINT = 'checkpoint.safetensors';
const TEST_YEARS = 40;
const VAL_YEARS = 30;

const spec = {
  cell: { type: 'string', default: 'mgu', choices: ['mgu', 'gru'], help: 'the recurrent cell: the hand-written MGU, or the built-in GRU to compare' },
  epochs: { type: 'int', min: 1, help: 'passes over the training windows (default 30; 3 with --smoke)' },
  hidden: { type: 'int', min: 1, help: 'hidden units per direction and layer (default 16; 4 with --smoke)' },
  window: { type: 'int', default: 11, min: 1, help: 'years of history the model reads to forecast the next one' },
  batch: { type: 'int', default: 16, min: 1, help: 'windows per batch' },
  lr: { type: 'number', default: 0.01, min: 0, help: 'Adam learning rate' },
  clip: { type: 'number', default: 1, min: 0, help: 'clip the gradient norm to this (0: no clipping)' },
  seed: { type: 'int', default: 0, help: 'seed of the initialisation and the shuffling' },
  data: { type: 'string', metavar: 'path', help: `the series (default: ../shared/data/${DATA})` },
  out: { type: 'string', metavar: 'dir', default: defaultOutDir(import.meta.url), help: 'where the charts, metrics and checkpoint go' },
  resume: { type: 'boolean', help: 'continue from the checkpoint in --out (same model and data flags; --epochs may grow)' },
  smoke: { type: 'boolean', help: 'a few epochs of a tiny model (for tests)' },
} satisfies FlagSpecs;

const info = {
  usage: 'npx tsx examples/custom-cell/main.ts [flags]',
  description:
    'A hand-written minimal gated unit (MGU), gradchecked in float64, run by nn.Recurrent with two layers and\n' +
    'both directions over the last --window years of sunspot numbers to forecast the next year. The last\n' +
    `${TEST_YEARS} years are the test set, the ${VAL_YEARS} before them the validation set.`,
};

/** Reads `"YEAR","SUNACTIVITY"` rows. */
function parseSeries(text: string, file: string): { years: number[]; values: number[] } {
  const years: number[] = [];
  const values: number[] = [];
  text.trim().split(/\r?\n/).slice(1).forEach((line, i) => {
    const [y, v] = line.split(',').map(Number);
    if (!Number.isFinite(y) || !Number.isFinite(v)) throw new ExitError(`error: ${file} line ${i + 2}: expected year,value, got '${line}'`, 1);
    years.push(y!);
    values.push(v!);
  });
  if (values.length < TEST_YEARS + VAL_YEARS + 10) throw new ExitError(`error: ${file} has ${values.length} rows, too few for this example`, 1);
  return { years, values };
}

/** A bidirectional two-layer recurrent encoder of a window, and a linear read-out of its last layer's final states. */
class Forecaster extends nn.Module {
  readonly rnn: nn.RecurrentBase;
  readonly head: nn.Linear;
  constructor(cell: 'mgu' | 'gru', hidden: number, generator: Generator) {
    super();
    const layer = { numLayers: 2, bidirectional: true, batchFirst: true };
    this.rnn = this.registerModule('rnn', cell === 'mgu'
      ? new nn.Recurrent((inputSize) => new MGUCell(inputSize, hidden, { generator }), 1, layer)
      : new nn.GRU(1, hidden, { ...layer, generator }));
    this.head = this.registerModule('head', new nn.Linear(2 * hidden, 1, { generator }));
  }
  /** Windows [N, P] (z-scored) -> next values [N]. */
  override forward(x: Tensor): Tensor {
    const [, [hN]] = this.rnn.run(reshape(x, [x.shape[0]!, x.shape[1]!, 1]));
    const last = concat([select(hN!, 0, 2), select(hN!, 0, 3)], 1); // layer 2, forward and reverse: [N, 2H]
    return reshape(this.head.forward(last), [-1]);
  }
}

/** gradcheck in float64 of one MGU step and of the whole two-layer bidirectional layer, inputs and weights. */
function checkGradients(seed: number): { name: string; maxAbsError: number; ok: boolean }[] {
  const g = new Generator(seed);
  const f64 = { dtype: 'float64' as const, generator: g };
  const cell = new MGUCell(3, 4, f64);
  const cellKeys = Object.keys(cell.stateDict());
  const step = gradcheck(
    (x, h, ...ws) => nn.functionalCall(cell, Object.fromEntries(cellKeys.map((k, i) => [k, ws[i]!])), () => sum(cell.step(x!, [h!])[0]!)),
    [randn([2, 3], f64), randn([2, 4], f64), ...Object.values(cell.stateDict())],
  );
  const layer = new nn.Recurrent((i) => new MGUCell(i, 3, f64), 2, { numLayers: 2, bidirectional: true });
  const keys = Object.keys(layer.stateDict());
  const probe = randn([5, 2, 6], f64); // a fixed random projection of the outputs: every output element matters
  const whole = gradcheck(
    (x, ...ws) => nn.functionalCall(layer, Object.fromEntries(keys.map((k, i) => [k, ws[i]!])), () => {
      const [out, [hN]] = layer.forward(x!);
      return sum(mul(out, probe)).add(sum(hN!));
    }),
    [randn([5, 2, 2], f64), ...Object.values(layer.stateDict())],
  );
  const worst = (r: { inputs: { maxAbsError: number }[] }) => Math.max(...r.inputs.map((i) => i.maxAbsError));
  return [
    { name: 'MGU step: x, h and 4 weights', maxAbsError: worst(step), ok: step.ok },
    { name: `2-layer bidirectional MGU over 5 steps: x and ${keys.length} weights`, maxAbsError: worst(whole), ok: whole.ok },
  ];
}

/**
 * Runs the example with command-line arguments `argv`; resolves to the exit code (0 ok, 1 failure, 2 bad
 * usage). Messages go to `io`; the progress bar too when `io` is not the console.
 */
export function main(argv: string[], io: Io = consoleIo): Promise<number> {
  return runMain(io, async () => {
    const f = parseFlags(spec, argv, info);
    const cellName = f.cell as 'mgu' | 'gru';
    const epochs = f.epochs ?? (f.smoke ? 3 : 30);
    const hidden = f.hidden ?? (f.smoke ? 4 : 16);
    const P = f.window;
    const t0 = performance.now();

    // ---- 1. the cell's gradients against central differences, in float64 --------------------------------
    const checks = checkGradients(f.seed);
    io.log(formatTable(['gradcheck (float64)', 'max abs error', 'ok'], checks.map((c) => [c.name, c.maxAbsError.toExponential(1), c.ok ? 'yes' : 'NO'])));
    if (!checks.every((c) => c.ok)) throw new ExitError('error: gradcheck failed: the MGU cell\'s gradients disagree with finite differences', 1);

    // ---- 2. data: z-scored with the training years' statistics; windows of P years -> the next year -------
    const { file, text } = readDataText(DATA, f.data);
    const { years, values } = parseSeries(text, file);
    const nTest = TEST_YEARS;
    const firstVal = values.length - nTest - VAL_YEARS;
    if (firstVal - P < 10) throw new ExitError(`error: --window ${P} leaves too few training windows in ${values.length} years`, 1);
    const train0 = values.slice(0, firstVal);
    const mu = train0.reduce((a, b) => a + b, 0) / train0.length;
    const sigma = Math.sqrt(train0.reduce((a, b) => a + (b - mu) ** 2, 0) / train0.length);
    const z = values.map((v) => (v - mu) / sigma);
    const windows = (from: number, to: number) =>
      Array.from({ length: to - Math.max(from, P) }, (_, k) => {
        const t = Math.max(from, P) + k;
        return { input: tensor(z.slice(t - P, t)), target: tensor(z[t]!), t };
      });
    const train = windows(0, firstVal);
    const val = windows(firstVal, values.length - nTest);
    const test = windows(values.length - nTest, values.length);
    io.log(`\ndata: ${values.length} years ${years[0]}-${years.at(-1)} from ${path.basename(file)}; ` +
      `train ${train.length} windows (to ${years[firstVal - 1]}), validation ${val.length} (${years[firstVal]}-${years[values.length - nTest - 1]}), ` +
      `test ${test.length} (${years[values.length - nTest]}-${years.at(-1)})`);

    // ---- 3. model, training with fit ----------------------------------------------------------------------
    const model = new Forecaster(cellName, hidden, new Generator(f.seed));
    const optimizer = new optim.Adam(model.parameters(), { lr: f.lr }) as unknown as optim.Optimizer<object, object>;
    const generator = new Generator(f.seed + 1);
    const out = new OutputDir(f.out);
    const ckptPath = out.path(CHECKPOINT);
    const config: RunConfig = {
      example: 'custom-cell', '--cell': cellName, '--hidden': hidden, '--window': P, '--batch': f.batch, '--seed': f.seed, '--smoke': f.smoke,
      series: { rows: values.length, first: years[0], last: years.at(-1) },
    };
    let initialEpoch = 0;
    let history: optim.History = {};
    if (f.resume) {
      ({ initialEpoch, history } = await resumeFrom(ckptPath, config, { model, optimizer, generator }));
      io.log(`resuming from ${ckptPath} after epoch ${initialEpoch}`);
    }
    const nParams = model.parameters().reduce((n, p) => n + p.size, 0);
    io.log(`model: ${cellName === 'mgu' ? 'MGU (hand-written)' : 'GRU (built-in)'}, 2 layers x 2 directions x ${hidden} units, ${nParams} parameters\n`);
    const tTrain = performance.now();
    if (initialEpoch < epochs) {
      const progress = io === consoleIo ? true : { write: (s: string) => io.log(s.replace(/\n$/, '')), isTTY: false };
      history = await optim.fit(model, train, {
        epochs, initialEpoch, history, optimizer, generator, batchSize: f.batch, progress,
        loss: (pred, y) => nn.mseLoss(pred, y),
        validationData: val,
        ...(f.clip > 0 ? { clipGradNorm: f.clip } : {}),
        callbacks: [saveEveryEpoch(ckptPath, config)],
      });
    } else io.log(`the checkpoint has already trained ${initialEpoch} epoch(s) (--epochs ${epochs}): evaluating only`);
    const trainSeconds = (performance.now() - tTrain) / 1000;

    // ---- 4. test: RMSE in sunspot numbers against persistence (next year = this year) ----------------------
    model.eval();
    const predict = (ws: typeof test) => noGrad(() => Array.from(model.forward(concat(ws.map((w) => reshape(w.input, [1, P])), 0)).data, (v) => v * sigma + mu));
    const rmse = (pred: number[], ws: typeof test) => Math.sqrt(pred.reduce((s, p, k) => s + (p - values[ws[k]!.t]!) ** 2, 0) / pred.length);
    const persistence = (ws: typeof test) => ws.map((w) => values[w.t - 1]!);
    const testPred = predict(test);
    const rows = [
      [`${cellName.toUpperCase()} forecaster`, rmse(predict(train), train), rmse(predict(val), val), rmse(testPred, test)],
      ['persistence', rmse(persistence(train), train), rmse(persistence(val), val), rmse(persistence(test), test)],
    ] as [string, number, number, number][];
    const [[, , , modelTest], [, , , persTest]] = rows as [[string, number, number, number], [string, number, number, number]];
    const wall = (performance.now() - t0) / 1000;
    io.log(`\n${formatTable(['RMSE (sunspot number)', 'train', 'validation', `test (last ${nTest} years)`], rows, { digits: 1 })}`);
    io.log(`\ntest RMSE ${modelTest.toFixed(1)} vs persistence ${persTest.toFixed(1)}: ${(100 * (1 - modelTest / persTest)).toFixed(0)}% lower; ` +
      `${history.epoch?.at(-1) ?? initialEpoch} epochs, training ${trainSeconds.toFixed(1)} s, total ${wall.toFixed(1)} s`);

    // ---- 5. outputs -------------------------------------------------------------------------------------------
    const testYears = test.map((w) => years[w.t]!);
    const files = [
      out.text('loss.svg', lineChart({
        title: `custom-cell (${cellName.toUpperCase()}): mean squared error, z-scored`, xLabel: 'epoch', yLabel: 'MSE',
        series: [{ name: 'training', x: history.epoch!, y: history.loss! }, { name: 'validation', x: history.epoch!, y: history.valLoss! }],
      })),
      out.text('forecast.svg', lineChart({
        title: `One-year-ahead forecasts, test years ${testYears[0]}-${testYears.at(-1)}`, xLabel: 'year', yLabel: 'sunspot number',
        series: [
          { name: 'observed', x: testYears, y: test.map((w) => values[w.t]!), color: '#333' },
          { name: `${cellName.toUpperCase()} forecast`, x: testYears, y: testPred },
          { name: 'persistence', x: testYears, y: persistence(test), dashed: true },
        ],
      })),
      out.json('metrics.json', {
        example: 'custom-cell', cell: cellName, testRmse: modelTest, persistenceTestRmse: persTest,
        improvementOverPersistence: 1 - modelTest / persTest, gradcheck: checks, parameters: nParams,
        epochs: history.epoch?.at(-1) ?? initialEpoch, trainSeconds, wallSeconds: wall,
        flags: { ...f, epochs, hidden }, history,
        forecast: testYears.map((y, k) => ({ year: y, observed: values[test[k]!.t], forecast: testPred[k] })),
      }),
    ];
    io.log(`wrote ${[...files, ckptPath].join(', ')}`);
  });
}

runIfScript(import.meta.url, main);
