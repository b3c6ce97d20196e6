/**
 * sentiment: an embedding + bidirectional LSTM (or GRU) classifier of review sentences (imdb, yelp and
 * amazon; Kotzias et al. 2015), trained with `fit` on padded batches with each sentence's length, and
 * tested on a fixed stratified held-out split next to a bag-of-words logistic regression fitted with
 * tapegrad. Writes loss and accuracy curves as SVG.
 *
 *   npx tsx examples/sentiment/main.ts                 # the defaults: a few minutes on 2 cores
 *   npx tsx examples/sentiment/main.ts --cell gru
 *   npx tsx examples/sentiment/main.ts --help
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Generator, type Tensor, manualSeed, nn, noGrad, optim, tensor } from '../../index.js';
import {
  ExitError, type FlagSpecs, type Io, OutputDir, consoleIo, defaultOutDir, findDataFile, formatTable, lineChart, parseFlags,
  runIfScript, runMain,
} from '../shared/index.js';
import { SOURCES, type Sentence, loadSentences, stratifiedSplit, tokenize } from './data.js';
import { SentimentRNN, accuracyOf, bagOfWords, fitBagOfWords, predictClasses } from './model.js';

const DATA = 'sentiment-classification/imdb.json';
/** The seed of the train/test split: fixed, so that every run (any --seed) is tested on the same sentences. */
const SPLIT_SEED = 2015;

const spec = {
  cell: { type: 'string', default: 'lstm', choices: ['lstm', 'gru'], help: 'the recurrent cell (bidirectional)' },
  embed: { type: 'int', min: 1, help: 'word embedding size (default 64; 16 with --smoke)' },
  hidden: { type: 'int', min: 1, help: 'hidden units per direction (default 64; 16 with --smoke)' },
  epochs: { type: 'int', min: 1, help: 'passes over the training sentences (default 6; 3 with --smoke)' },
  batch: { type: 'int', default: 32, min: 1, help: 'sentences per batch' },
  lr: { type: 'number', min: 0, help: 'Adam learning rate (default 3e-3; 0.02 with --smoke)' },
  dropout: { type: 'number', min: 0, max: 0.95, help: 'dropout on the embeddings and on the pooled features (default 0.5; 0 with --smoke)' },
  wordDropout: { type: 'number', min: 0, max: 0.95, help: 'probability of replacing a training token by the unknown word (default 0.1; 0 with --smoke)' },
  clip: { type: 'number', default: 5, min: 0, help: 'clip the gradient norm to this (0: no clipping)' },
  testFraction: { type: 'number', default: 0.2, min: 0.05, max: 0.5, help: 'sentences held out for the test, per source and label' },
  valFraction: { type: 'number', default: 0.1, min: 0.05, max: 0.5, help: 'training sentences held out to pick the best epoch and the baseline\'s L2 weight' },
  bowSteps: { type: 'int', min: 1, help: 'full-batch Adam steps of the bag-of-words baseline (default 200; 20 with --smoke)' },
  seed: { type: 'int', default: 0, help: 'seed of the initialisation, dropout and batch order (the test split is fixed)' },
  data: { type: 'string', metavar: 'dir', help: 'the folder of imdb.json, yelp.json and amazon.json (default: ../shared/data/sentiment-classification)' },
  out: { type: 'string', metavar: 'dir', default: defaultOutDir(import.meta.url), help: 'where the charts and metrics.json go' },
  smoke: { type: 'boolean', help: 'a small model for a few epochs on 300 training sentences (for tests)' },
} satisfies FlagSpecs;

const info = {
  usage: 'npx tsx examples/sentiment/main.ts [flags]',
  description:
    'Classifies review sentences (imdb, yelp, amazon) as positive or negative with an embedding and a\n' +
    'bidirectional LSTM or GRU trained with tapegrad, and compares its test accuracy with a bag-of-words\n' +
    'logistic regression fitted with tapegrad, on a fixed held-out split stratified by source and label.',
};

/** The data folder: `--data` (a folder, or one of its JSON files), else ../shared/data/sentiment-classification. */
function dataDir(explicit: string | undefined): string {
  if (explicit !== undefined && existsSync(explicit) && statSync(explicit).isDirectory()) {
    const missing = SOURCES.map((s) => path.join(explicit, `${s}.json`)).filter((f) => !existsSync(f));
    if (missing.length) throw new ExitError(`error: ${explicit} lacks ${missing.map((f) => path.basename(f)).join(', ')} (expected imdb.json, yelp.json and amazon.json)`, 1);
    return path.resolve(explicit);
  }
  const dir = path.dirname(findDataFile(DATA, explicit));
  for (const s of SOURCES) findDataFile(`sentiment-classification/${s}.json`, path.join(dir, `${s}.json`));
  return dir;
}

interface Example {
  ids: number[];
  label: number;
}

/** Runs the example with command-line arguments; returns the exit code. */
export function main(argv: string[], io: Io = consoleIo): Promise<number> {
  return runMain(io, async () => {
    const flags = parseFlags(spec, argv, info);
    const smoke = flags.smoke;
    const embed = flags.embed ?? (smoke ? 16 : 64);
    const hidden = flags.hidden ?? (smoke ? 16 : 64);
    const epochs = flags.epochs ?? (smoke ? 3 : 6);
    const lr = flags.lr ?? (smoke ? 0.02 : 3e-3);
    const dropout = flags.dropout ?? (smoke ? 0 : 0.5);
    const wordDropout = flags.wordDropout ?? (smoke ? 0 : 0.1);
    const bowSteps = flags.bowSteps ?? (smoke ? 20 : 200);
    const cell = flags.cell as 'lstm' | 'gru';
    const started = performance.now();

    const dir = dataDir(flags.data);
    let sentences: Sentence[];
    try {
      sentences = loadSentences(dir);
    } catch (e) {
      throw new ExitError(`error: ${(e as Error).message}`, 1);
    }
    const split = stratifiedSplit(sentences, flags.testFraction, SPLIT_SEED);
    let [train, valid] = optim.trainValidationSplit(split.train, flags.valFraction);
    let test = split.test;
    if (smoke) [train, valid, test] = [train.slice(0, 300), valid.slice(0, 100), test.slice(0, 100)];

    // the vocabulary of the training sentences; id 0 is the unknown word, id vocab.size is padding
    const vocab = optim.Vocab.fromTokens(train.flatMap((s) => tokenize(s.text)));
    const PAD = vocab.size;
    const encode = (s: Sentence): Example => {
      const ids = vocab.encode(tokenize(s.text));
      return { ids: ids.length ? ids : [0], label: s.label };
    };
    const [trainEx, validEx, testEx] = [train, valid, test].map((xs) => xs.map(encode)) as [Example[], Example[], Example[]];
    const oov = testEx.reduce((s, e) => s + e.ids.filter((i) => i === 0).length, 0) / testEx.reduce((s, e) => s + e.ids.length, 0);
    io.log(
      `sentiment: ${sentences.length} sentences from ${dir}\n` +
        `train ${train.length}, validation ${valid.length}, test ${test.length} (stratified by source and label, split seed ${SPLIT_SEED}); ` +
        `vocabulary: ${vocab.size - 1} words and the unknown word; ${(oov * 100).toFixed(1)}% of test tokens are unknown`,
    );

    const collate = (group: Example[]): optim.Batch => {
      const { padded, lengths } = optim.padSequences(group.map((e) => e.ids), { padValue: PAD });
      return { input: padded, target: tensor(group.map((e) => e.label), { dtype: 'int32' }), lengths };
    };

    // the recurrent classifier, trained with fit; the weights of the epoch with the best validation accuracy are kept
    manualSeed(flags.seed);
    const generator = new Generator(flags.seed);
    const model = new SentimentRNN({ cell, vocabSize: vocab.size, embed, hidden, dropout, wordDropout }, generator);
    const optimizer = new optim.Adam(model.parameters(), { lr });
    const t0 = performance.now();
    const history = await optim.fit(model, trainEx, {
      epochs,
      batchSize: flags.batch,
      optimizer,
      collate,
      forward: (m, b) => (m as SentimentRNN).forward(b.input, b.lengths!),
      loss: (out, y) => nn.crossEntropy(out, y),
      metrics: [optim.accuracy()],
      validationData: validEx,
      ...(flags.clip > 0 ? { clipGradNorm: flags.clip } : {}),
      generator: new Generator(flags.seed + 1),
      progress: io === consoleIo ? true : { write: (t: string) => io.log(t.trimEnd()) },
      // Patience of all the epochs: it never stops early, and puts back the best epoch's weights at the end.
      callbacks: [optim.earlyStopping({ monitor: 'valAccuracy', patience: epochs, restoreBestWeights: true })],
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const best = { epoch: history.valAccuracy!.indexOf(Math.max(...history.valAccuracy!)) + 1 };
    const batchesOf = (xs: Example[]) => optim.batches(xs, 256).map(collate);
    const classify = (xs: Example[]) => predictClasses(model, batchesOf(xs), (b) => model.forward(b.input, b.lengths!));
    const labels = (xs: Example[]) => xs.map((e) => e.label);
    const rnnVal = accuracyOf(classify(validEx), labels(validEx));
    const rnnTest = accuracyOf(classify(testEx), labels(testEx));

    // the baseline: bag-of-words logistic regression, its L2 weight picked on the validation sentences
    const t1 = performance.now();
    const bow = (xs: Example[]) => bagOfWords(xs.map((e) => e.ids), vocab.size);
    const [bowTrain, bowValid, bowTest] = [bow(trainEx), bow(validEx), bow(testEx)];
    const bowClasses = (m: nn.Linear, x: Tensor) => Array.from(noGrad(() => m.forward(x)).data, (v) => (v > 0 ? 1 : 0));
    const fits = (smoke ? [1e-4] : [0, 1e-4, 1e-3]).map((l2) => {
      const fitted = fitBagOfWords(bowTrain, labels(trainEx), { steps: bowSteps, lr: 0.05, l2, generator: new Generator(flags.seed + 2) });
      return { l2, ...fitted, valAccuracy: accuracyOf(bowClasses(fitted.model, bowValid), labels(validEx)) };
    });
    const bestBow = fits.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
    const bowTestAcc = accuracyOf(bowClasses(bestBow.model, bowTest), labels(testEx));
    const bowSeconds = (performance.now() - t1) / 1000;
    const majority = Math.max(...[0, 1].map((c) => labels(testEx).filter((l) => l === c).length)) / testEx.length;

    const name = `Bi${cell.toUpperCase()}`;
    io.log(`\n${name}: best validation accuracy at epoch ${best.epoch} of ${epochs}; bag-of-words L2 weight ${bestBow.l2} (picked on validation)`);
    io.log(formatTable(['model', 'validation accuracy', 'test accuracy'], [
      [name, rnnVal.toFixed(3), rnnTest.toFixed(3)],
      ['bag-of-words logistic regression', bestBow.valAccuracy.toFixed(3), bowTestAcc.toFixed(3)],
      ['majority class', '', majority.toFixed(3)],
    ]));
    io.log(`\n${name} test accuracy ${rnnTest.toFixed(3)} (target: at least 0.78); training took ${trainSeconds.toFixed(1)} s, the baseline ${bowSeconds.toFixed(1)} s`);

    const out = new OutputDir(flags.out);
    const written = [
      out.text('loss.svg', lineChart({
        title: `${name} sentiment classifier: cross-entropy`,
        xLabel: 'epoch',
        yLabel: 'nats per sentence',
        series: [{ name: 'train', y: history.loss! }, { name: 'validation', y: history.valLoss! }],
      })),
      out.text('accuracy.svg', lineChart({
        title: `${name} sentiment classifier: accuracy`,
        xLabel: 'epoch',
        yLabel: 'accuracy',
        series: [
          { name: 'train', y: history.accuracy! },
          { name: 'validation', y: history.valAccuracy! },
          { name: 'bag-of-words (validation)', y: history.valAccuracy!.map(() => bestBow.valAccuracy), dashed: true, markers: false },
        ],
      })),
      out.text('bow-loss.svg', lineChart({
        title: `Bag-of-words logistic regression (L2 ${bestBow.l2}): training cross-entropy`,
        xLabel: 'Adam step',
        yLabel: 'nats per sentence',
        series: [{ name: 'train', y: bestBow.losses }],
      })),
      out.json('metrics.json', {
        example: 'sentiment',
        flags: { ...flags, embed, hidden, epochs, lr, dropout, wordDropout, bowSteps },
        split: { seed: SPLIT_SEED, train: train.length, validation: valid.length, test: test.length, vocabulary: vocab.size, testUnknownRate: oov },
        bestEpoch: best.epoch,
        rnn: { validationAccuracy: rnnVal, testAccuracy: rnnTest },
        bagOfWords: { l2: bestBow.l2, validationAccuracy: bestBow.valAccuracy, testAccuracy: bowTestAcc, candidates: fits.map((f) => ({ l2: f.l2, validationAccuracy: f.valAccuracy })) },
        majorityClass: majority,
        history,
        trainSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      }),
    ];
    io.log(`wrote ${written.join(', ')}`);
  });
}

runIfScript(import.meta.url, main);
