/**
 * sunspots: a GRU (or LSTM) forecaster for the yearly sunspot numbers, 1700-2008. The last 40 years are
 * held out; the model reads the previous `--window` years and predicts the next one (one step ahead),
 * and its test RMSE is reported next to persistence (next year = this year) and a linear autoregressive
 * model fitted with tapegrad. Writes the forecast, loss and RMSE curves as SVG.
 *
 *   npx tsx examples/sunspots/main.ts                 # the defaults: well under a minute on 2 cores
 *   npx tsx examples/sunspots/main.ts --cell lstm --hidden 32
 *   npx tsx examples/sunspots/main.ts --help
 * @module
 */
import { Generator, manualSeed, nn, optim, tensor } from '../../index.js';
import {
  ExitError, type FlagSpecs, type Io, OutputDir, consoleIo, defaultOutDir, formatTable, lineChart, parseFlags, readDataText,
  runIfScript, runMain,
} from '../shared/index.js';
import { parseSunspots, stats, windows } from './data.js';
import { Forecaster, fitAutoregressive, predict, rmse, windowTensor } from './model.js';

const DATA = 'time-series-forecasting/sunspots.csv';

const spec = {
  cell: { type: 'string', default: 'gru', choices: ['gru', 'lstm'], help: 'the recurrent cell' },
  hidden: { type: 'int', min: 1, help: 'hidden units (default 16; 8 with --smoke)' },
  window: { type: 'int', default: 20, min: 1, help: 'past years the network reads for each forecast' },
  epochs: { type: 'int', min: 1, help: 'passes over the training windows (default 100; 4 with --smoke)' },
  batch: { type: 'int', default: 32, min: 1, help: 'windows per batch' },
  lr: { type: 'number', default: 0.01, min: 0, help: 'Adam learning rate (cosine-annealed to 0 over the epochs)' },
  clip: { type: 'number', default: 1, min: 0, help: 'clip the gradient norm to this (0: no clipping)' },
  testYears: { type: 'int', default: 40, min: 1, help: 'years held out at the end of the series' },
  valFraction: { type: 'number', default: 0.1, min: 0.01, max: 0.5, help: 'the last training windows held out for the validation curve' },
  arLags: { type: 'int', default: 9, min: 1, help: 'lags of the linear autoregressive baseline AR(p)' },
  arSteps: { type: 'int', min: 1, help: 'full-batch Adam steps fitting the AR baseline (default 1500; 50 with --smoke)' },
  seed: { type: 'int', default: 0, help: 'seed of the initialisation and the batch order' },
  data: { type: 'string', metavar: 'path', help: `the CSV file (default: ../shared/data/${DATA})` },
  out: { type: 'string', metavar: 'dir', default: defaultOutDir(import.meta.url), help: 'where the charts and metrics.json go' },
  smoke: { type: 'boolean', help: 'a tiny model for a few epochs (for tests)' },
} satisfies FlagSpecs;

const info = {
  usage: 'npx tsx examples/sunspots/main.ts [flags]',
  description:
    'Forecasts the yearly sunspot numbers one year ahead with a GRU or LSTM trained with tapegrad, on a\n' +
    'chronological split (the last --test-years held out, z-scored with training statistics only), and\n' +
    'compares its test RMSE with persistence and a linear AR(p) model fitted with tapegrad.',
};

/** Runs the example with command-line arguments; returns the exit code. */
export function main(argv: string[], io: Io = consoleIo): Promise<number> {
  return runMain(io, async () => {
    const flags = parseFlags(spec, argv, info);
    const smoke = flags.smoke;
    const hidden = flags.hidden ?? (smoke ? 8 : 16);
    const epochs = flags.epochs ?? (smoke ? 4 : 100);
    const arSteps = flags.arSteps ?? (smoke ? 50 : 1500);
    const cell = flags.cell as 'gru' | 'lstm';
    const started = performance.now();

    const { file, text } = readDataText(DATA, flags.data);
    let series;
    try {
      series = parseSunspots(text, file);
    } catch (e) {
      throw new ExitError(`error: ${(e as Error).message}`, 1);
    }
    const { years, values } = series;
    const nTrain = values.length - flags.testYears;
    const lags = Math.max(flags.window, flags.arLags);
    if (nTrain - lags < 10)
      throw new ExitError(`error: ${values.length} years leave ${nTrain} for training, too few for --window ${flags.window} and --ar-lags ${flags.arLags} (lower --test-years)`, 2);

    // z-score with the training years' statistics only
    const { mean, std } = stats(values.slice(0, nTrain));
    const z = values.map((v) => (v - mean) / std);
    const train = windows(z, flags.window, 0, nTrain);
    const test = windows(z, flags.window, nTrain, values.length);
    const nVal = Math.round(train.targets.length * flags.valFraction);
    if (nVal < 1 || nVal >= train.targets.length) throw new ExitError(`error: --val-fraction ${flags.valFraction} leaves no training or validation windows`, 2);
    io.log(
      `sunspots: ${values.length} years ${years[0]}-${years.at(-1)} from ${file}\n` +
        `train ${years[flags.window]}-${years[nTrain - 1]} (${train.targets.length - nVal} windows + the last ${nVal} for validation), ` +
        `test ${years[nTrain]}-${years.at(-1)} (${test.targets.length} one-step forecasts); mean ${mean.toFixed(1)}, std ${std.toFixed(1)} (training years)`,
    );

    // the recurrent forecaster, trained with fit
    manualSeed(flags.seed);
    const generator = new Generator(flags.seed);
    const model = new Forecaster(cell, hidden, generator);
    const examples = train.inputs.map((w, i) => ({ input: tensor(w.map((v) => [v])), target: tensor(train.targets[i]!) })); // [window, 1] and []
    const optimizer = new optim.Adam(model.parameters(), { lr: flags.lr });
    const every = Math.max(1, Math.round(epochs / 10));
    const t0 = performance.now();
    const history = await optim.fit(model, examples, {
      epochs,
      batchSize: flags.batch,
      optimizer,
      loss: (out, y) => nn.mseLoss(out, y),
      validationSplit: nVal / examples.length,
      ...(flags.clip > 0 ? { clipGradNorm: flags.clip } : {}),
      scheduler: new optim.CosineAnnealingLR(optimizer, { tMax: epochs }),
      generator: new Generator(flags.seed + 1),
      progress: false,
      callbacks: [
        optim.onEpochEnd(({ epoch, logs }) => {
          if ((epoch + 1) % every === 0 || epoch === 0)
            io.log(`epoch ${String(epoch + 1).padStart(3)}/${epochs}  train MSE ${logs.loss!.toFixed(4)}  val MSE ${logs.valLoss!.toFixed(4)}  (z-scored)`);
        }),
      ],
    });
    const trainSeconds = (performance.now() - t0) / 1000;

    // baselines: persistence and AR(p), on the same test years
    const ar = fitAutoregressive(windows(z, flags.arLags, 0, nTrain).inputs, windows(z, flags.arLags, 0, nTrain).targets, {
      steps: arSteps,
      lr: 0.05,
      generator: new Generator(flags.seed + 2),
    });
    const arTest = windows(z, flags.arLags, nTrain, values.length);

    const unscale = (zs: readonly number[]) => zs.map((v) => v * std + mean);
    const truth = unscale(test.targets);
    const forecasts = {
      [cell.toUpperCase()]: unscale(predict(model, windowTensor(test.inputs))),
      [`AR(${flags.arLags})`]: unscale(predict(ar.model, tensor(arTest.inputs))),
      persistence: unscale(test.inputs.map((w) => w.at(-1)!)),
    };
    const scores = Object.fromEntries(Object.entries(forecasts).map(([k, f]) => [k, rmse(f, truth)]));
    const persistence = scores.persistence!;
    const rnnScore = scores[cell.toUpperCase()]!;
    const improvement = 1 - rnnScore / persistence;

    io.log(`\ntest RMSE over ${years[nTrain]}-${years.at(-1)} (sunspot numbers, one year ahead):`);
    io.log(formatTable(['model', 'test RMSE', 'vs persistence'], Object.entries(scores).map(([k, v]) => [k, v, `${((1 - v / persistence) * 100).toFixed(1)}% better`]), { digits: 2 }));
    io.log(`\n${cell.toUpperCase()} beats persistence by ${(improvement * 100).toFixed(1)}% (target: at least 25%); training took ${trainSeconds.toFixed(1)} s`);

    // outputs
    const out = new OutputDir(flags.out);
    const testYears = years.slice(nTrain);
    const written = [
      out.text('forecast.svg', lineChart({
        title: `Sunspots, one year ahead: test years ${testYears[0]}-${testYears.at(-1)}`,
        xLabel: 'year',
        yLabel: 'yearly mean sunspot number',
        series: [
          { name: 'observed', x: testYears, y: truth, color: '#111111' },
          ...Object.entries(forecasts).map(([name, y]) => ({ name: `${name} (RMSE ${scores[name]!.toFixed(1)})`, x: testYears, y, dashed: name !== cell.toUpperCase() })),
        ],
      })),
      out.text('loss.svg', lineChart({
        title: `${cell.toUpperCase()} forecaster: mean squared error (z-scored)`,
        xLabel: 'epoch',
        yLabel: 'MSE',
        series: [{ name: 'train', y: history.loss! }, { name: 'validation', y: history.valLoss! }],
      })),
      out.text('rmse.svg', lineChart({
        title: `${cell.toUpperCase()} forecaster: validation RMSE (sunspot numbers)`,
        xLabel: 'epoch',
        yLabel: 'RMSE',
        series: [{ name: 'validation', y: history.valLoss!.map((m) => Math.sqrt(m) * std) }],
      })),
      out.text('ar-loss.svg', lineChart({
        title: `AR(${flags.arLags}) baseline: training MSE per Adam step (z-scored)`,
        xLabel: 'step',
        yLabel: 'MSE',
        series: [{ name: 'train', y: ar.losses }],
      })),
      out.json('metrics.json', {
        example: 'sunspots',
        flags: { ...flags, hidden, epochs, arSteps },
        split: { trainYears: [years[0], years[nTrain - 1]], testYears: [years[nTrain], years.at(-1)], mean, std },
        testRmse: scores,
        improvementOverPersistence: improvement,
        history,
        trainSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      }),
    ];
    io.log(`wrote ${written.join(', ')}`);
  });
}

runIfScript(import.meta.url, main);
