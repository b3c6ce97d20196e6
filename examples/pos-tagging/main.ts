/**
 * pos-tagging: a bidirectional LSTM part-of-speech tagger for the news genre of the Brown corpus, with
 * the simplified tag set (the -tl, -hl, -nc and fw- markers stripped), trained with `fit` on padded
 * batches of sentences, and tested on held-out sentences next to the most-frequent-tag baseline.
 * Writes loss and accuracy curves as SVG.
 *
 *   npx tsx examples/pos-tagging/main.ts               # the defaults: a few minutes on 2 cores
 *   npx tsx examples/pos-tagging/main.ts --epochs 8 --hidden 128
 *   npx tsx examples/pos-tagging/main.ts --help
 * @module
 */
import { Generator, manualSeed, nn, noGrad, optim } from '../../index.js';
import {
  ExitError, type FlagSpecs, type Io, OutputDir, consoleIo, defaultOutDir, formatTable, lineChart, parseFlags, readDataText,
  runIfScript, runMain,
} from '../shared/index.js';
import { type TaggedSentence, parseBrown } from './data.js';
import { Features, MostFrequentTag, Tagger } from './model.js';

const DATA = 'sequence-labelling/brown-news.txt';
/** The seed of the sentence split: fixed, so that every run (any --seed) is tested on the same sentences. */
const SPLIT_SEED = 1961;
const IGNORE = -100;

const spec = {
  wordEmbed: { type: 'int', min: 1, help: 'word embedding size (default 64; 16 with --smoke)' },
  suffixEmbed: { type: 'int', min: 1, help: 'suffix embedding size (default 32; 8 with --smoke)' },
  shapeEmbed: { type: 'int', default: 8, min: 1, help: 'word-shape embedding size' },
  hidden: { type: 'int', min: 1, help: 'LSTM hidden units per direction (default 64; 16 with --smoke)' },
  epochs: { type: 'int', min: 1, help: 'passes over the training sentences (default 5; 3 with --smoke)' },
  batch: { type: 'int', default: 32, min: 1, help: 'sentences per batch' },
  lr: { type: 'number', min: 0, help: 'Adam learning rate (default 3e-3; 0.02 with --smoke)' },
  dropout: { type: 'number', min: 0, max: 0.95, help: 'dropout on the token features and on the LSTM outputs (default 0.3; 0 with --smoke)' },
  wordDropout: { type: 'number', min: 0, max: 0.95, help: 'probability of replacing a training word by the unknown word (default 0.05; 0 with --smoke)' },
  minWordCount: { type: 'int', default: 1, min: 1, help: 'words seen fewer times in training share the unknown word\'s embedding' },
  clip: { type: 'number', default: 5, min: 0, help: 'clip the gradient norm to this (0: no clipping)' },
  testFraction: { type: 'number', default: 0.1, min: 0.01, max: 0.5, help: 'sentences held out for the test' },
  valFraction: { type: 'number', default: 0.1, min: 0.01, max: 0.5, help: 'sentences held out to pick the best epoch' },
  seed: { type: 'int', default: 0, help: 'seed of the initialisation, dropout and batch order (the split is fixed)' },
  data: { type: 'string', metavar: 'path', help: `the tagged corpus, one sentence of word/tag tokens per line (default: ../shared/data/${DATA})` },
  out: { type: 'string', metavar: 'dir', default: defaultOutDir(import.meta.url), help: 'where the charts and metrics.json go' },
  smoke: { type: 'boolean', help: 'a small model for a few epochs on 200 training sentences (for tests)' },
} satisfies FlagSpecs;

const info = {
  usage: 'npx tsx examples/pos-tagging/main.ts [flags]',
  description:
    'Tags the words of the Brown corpus (news) with their part of speech using a bidirectional LSTM over\n' +
    'word, suffix and word-shape embeddings, trained with tapegrad; reports token accuracy on held-out\n' +
    'sentences next to the most-frequent-tag baseline. Tags are simplified by stripping fw-, -tl, -hl and -nc.',
};

interface Example {
  features: number[][];
  tags: number[];
}

/** Runs the example with command-line arguments; returns the exit code. */
export function main(argv: string[], io: Io = consoleIo): Promise<number> {
  return runMain(io, async () => {
    const flags = parseFlags(spec, argv, info);
    const smoke = flags.smoke;
    const wordEmbed = flags.wordEmbed ?? (smoke ? 16 : 64);
    const suffixEmbed = flags.suffixEmbed ?? (smoke ? 8 : 32);
    const hidden = flags.hidden ?? (smoke ? 16 : 64);
    const epochs = flags.epochs ?? (smoke ? 3 : 5);
    const lr = flags.lr ?? (smoke ? 0.02 : 3e-3);
    const dropout = flags.dropout ?? (smoke ? 0 : 0.3);
    const wordDropout = flags.wordDropout ?? (smoke ? 0 : 0.05);
    const started = performance.now();
    if (flags.testFraction + flags.valFraction > 0.9)
      throw new ExitError(`error: --test-fraction ${flags.testFraction} and --val-fraction ${flags.valFraction} leave less than 10% of the sentences for training`, 2);

    const { file, text } = readDataText(DATA, flags.data);
    let sentences: TaggedSentence[];
    try {
      sentences = parseBrown(text, file);
    } catch (e) {
      throw new ExitError(`error: ${(e as Error).message}`, 1);
    }
    // a random split by sentence, fixed by SPLIT_SEED
    const shuffled = optim.shuffle(sentences, new Generator(SPLIT_SEED));
    const nTest = Math.round(sentences.length * flags.testFraction);
    const nVal = Math.round(sentences.length * flags.valFraction);
    if (nTest < 1 || nVal < 1 || nTest + nVal >= sentences.length)
      throw new ExitError(`error: ${sentences.length} sentences cannot be split with --test-fraction ${flags.testFraction} and --val-fraction ${flags.valFraction}`, 2);
    let test = shuffled.slice(0, nTest);
    let valid = shuffled.slice(nTest, nTest + nVal);
    let train = shuffled.slice(nTest + nVal);
    if (smoke) [train, valid, test] = [train.slice(0, 200), valid.slice(0, 50), test.slice(0, 50)];

    const features = new Features(train, { minWordCount: flags.minWordCount });
    const encode = (s: TaggedSentence): Example => features.encode(s);
    const [trainEx, validEx, testEx] = [train, valid, test].map((xs) => xs.map(encode)) as [Example[], Example[], Example[]];
    const tokens = (xs: TaggedSentence[]) => xs.reduce((n, s) => n + s.words.length, 0);
    io.log(
      `pos-tagging: ${sentences.length} sentences, ${tokens(sentences)} tokens from ${file}\n` +
        `train ${train.length} sentences (${tokens(train)} tokens), validation ${valid.length} (${tokens(valid)}), test ${test.length} (${tokens(test)}); ` +
        `split seed ${SPLIT_SEED}\ntraining vocabularies: ${features.tags.size - 1} tags, ${features.words.size - 1} words and ${features.suffixes.size - 1} suffixes (each with an unknown entry)`,
    );

    const W = features.words.size;
    const S = features.suffixes.size;
    const collate = (group: Example[]): optim.Batch => {
      const lengths = group.map((e) => e.tags.length);
      const L = Math.max(...lengths);
      const pad = (e: Example) => [...e.features, ...Array.from({ length: L - e.features.length }, () => [W, S, 0])];
      const { padded: input } = optim.padSequences(group.map(pad), { dtype: 'int32' });
      const { padded: target } = optim.padSequences(group.map((e) => e.tags), { padValue: IGNORE });
      return { input, target: target.reshape([-1]), lengths };
    };

    // the tagger, trained with fit; the weights of the epoch with the best validation accuracy are kept
    manualSeed(flags.seed);
    const generator = new Generator(flags.seed);
    const model = new Tagger(
      { words: W, suffixes: S, tags: features.tags.size, wordEmbed, suffixEmbed, shapeEmbed: flags.shapeEmbed, hidden, dropout, wordDropout },
      generator,
    );
    const optimizer = new optim.Adam(model.parameters(), { lr });
    const t0 = performance.now();
    const history = await optim.fit(model, trainEx, {
      epochs,
      batchSize: flags.batch,
      optimizer,
      collate,
      forward: (m, b) => (m as Tagger).forward(b.input, b.lengths!),
      loss: (out, y) => nn.crossEntropy(out, y, { ignoreIndex: IGNORE }),
      metrics: [optim.accuracy({ ignoreIndex: IGNORE })],
      validationData: validEx,
      ...(flags.clip > 0 ? { clipGradNorm: flags.clip } : {}),
      generator: new Generator(flags.seed + 1),
      progress: io === consoleIo ? true : { write: (t: string) => io.log(t.trimEnd()) },
      // Patience of all the epochs: it never stops early, and puts back the best epoch's weights at the end.
      callbacks: [optim.earlyStopping({ monitor: 'valAccuracy', patience: epochs, restoreBestWeights: true })],
    });
    const trainSeconds = (performance.now() - t0) / 1000;
    const best = { epoch: history.valAccuracy!.indexOf(Math.max(...history.valAccuracy!)) + 1 };

    // token accuracy, overall and on the words seen / not seen in training (as written)
    const mft = new MostFrequentTag(train);
    const score = (sents: TaggedSentence[], examples: Example[]) => {
      model.eval();
      const predicted: number[][] = [];
      noGrad(() => {
        for (const group of optim.batches(examples, 128)) {
          const b = collate(group);
          const tags = model.forward(b.input, b.lengths!).argmax(-1).data;
          const L = b.input.shape[1]!;
          group.forEach((e, n) => predicted.push(Array.from(tags.subarray(n * L, n * L + e.tags.length))));
        }
      });
      model.train();
      const tally = { all: [0, 0], known: [0, 0], unknown: [0, 0], mftAll: [0, 0], mftKnown: [0, 0], mftUnknown: [0, 0] };
      sents.forEach((s, n) => {
        const base = mft.tag(s.words);
        const truth = features.tags.encode(s.tags);
        s.words.forEach((w, t) => {
          const kind = mft.knows(w) ? 'known' : 'unknown';
          const ok = predicted[n]![t] === truth[t] && truth[t] !== 0 ? 1 : 0;
          const okBase = base[t] === s.tags[t] ? 1 : 0;
          for (const [k, v] of [['all', ok], [kind, ok], ['mftAll', okBase], [kind === 'known' ? 'mftKnown' : 'mftUnknown', okBase]] as const) {
            tally[k][0]! += v;
            tally[k][1]! += 1;
          }
        });
      });
      const acc = ([hit, n]: number[]) => hit! / Math.max(n!, 1);
      return {
        tagger: { all: acc(tally.all), known: acc(tally.known), unknown: acc(tally.unknown) },
        baseline: { all: acc(tally.mftAll), known: acc(tally.mftKnown), unknown: acc(tally.mftUnknown) },
        unknownRate: tally.unknown[1]! / tally.all[1]!,
      };
    };
    const val = score(valid, validEx);
    const res = score(test, testEx);

    io.log(`\nBiLSTM tagger: best validation accuracy at epoch ${best.epoch} of ${epochs}; ${(res.unknownRate * 100).toFixed(1)}% of test tokens are words not seen in training`);
    const f = (v: number) => v.toFixed(4);
    io.log(formatTable(['model', 'validation', 'test', 'test, seen words', 'test, unseen words'], [
      ['BiLSTM tagger', f(val.tagger.all), f(res.tagger.all), f(res.tagger.known), f(res.tagger.unknown)],
      [`most frequent tag (unseen: '${mft.fallback}')`, f(val.baseline.all), f(res.baseline.all), f(res.baseline.known), f(res.baseline.unknown)],
    ]));
    io.log(`\nBiLSTM tagger test token accuracy ${f(res.tagger.all)} (target: at least 0.93); training took ${trainSeconds.toFixed(1)} s`);

    const out = new OutputDir(flags.out);
    const written = [
      out.text('loss.svg', lineChart({
        title: 'BiLSTM tagger: cross-entropy per token',
        xLabel: 'epoch',
        yLabel: 'nats per token',
        series: [{ name: 'train', y: history.loss! }, { name: 'validation', y: history.valLoss! }],
      })),
      out.text('accuracy.svg', lineChart({
        title: 'BiLSTM tagger: token accuracy',
        xLabel: 'epoch',
        yLabel: 'accuracy',
        series: [
          { name: 'train', y: history.accuracy! },
          { name: 'validation', y: history.valAccuracy! },
          { name: 'most frequent tag (validation)', y: history.valAccuracy!.map(() => val.baseline.all), dashed: true, markers: false },
        ],
      })),
      out.json('metrics.json', {
        example: 'pos-tagging',
        flags: { ...flags, wordEmbed, suffixEmbed, hidden, epochs, lr, dropout, wordDropout },
        split: { seed: SPLIT_SEED, train: train.length, validation: valid.length, test: test.length, testTokens: tokens(test), tags: features.tags.tokens.slice(1) },
        bestEpoch: best.epoch,
        validation: val,
        test: res,
        history,
        trainSeconds,
        totalSeconds: (performance.now() - started) / 1000,
      }),
    ];
    io.log(`wrote ${written.join(', ')}`);
  });
}

runIfScript(import.meta.url, main);
