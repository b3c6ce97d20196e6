/** The tagger (word, suffix and shape embeddings, a bidirectional LSTM, a linear layer per token) and the most-frequent-tag baseline. */
import { type Generator, type Tensor, concat, nn, optim, select, tensor } from '../../index.js';
import type { TaggedSentence } from './data.js';

/** The classes of {@link wordShape}: 0 is padding. */
export const SHAPES = ['<pad>', 'lower', 'Capitalised', 'UPPER', 'has-digit', 'has-hyphen', 'punctuation', 'other'] as const;

/** A word's spelling class, which tells the tagger about words it has never seen (`Smith`, `1961`, `re-elected`). */
export function wordShape(word: string): number {
  if (/\d/.test(word)) return 4;
  if (/^[A-Z][A-Z.]+$/.test(word)) return 3;
  if (/^[A-Z]/.test(word)) return 2;
  if (/-/.test(word) && /[a-z]/.test(word)) return 5;
  if (/^[a-z]/.test(word)) return 1;
  if (/^[^A-Za-z0-9]+$/.test(word)) return 6;
  return 7;
}

/** The last three letters of the lower-cased word (all of it when shorter). */
export const suffixOf = (word: string): string => word.toLowerCase().slice(-3);

/** The vocabularies of words (lower-cased), suffixes and tags, built from the training sentences. */
export class Features {
  readonly words: optim.Vocab;
  readonly suffixes: optim.Vocab;
  readonly tags: optim.Vocab;

  constructor(train: readonly TaggedSentence[], opts: { minWordCount: number }) {
    this.words = optim.Vocab.fromTokens(train.flatMap((s) => s.words.map((w) => w.toLowerCase())), { minCount: opts.minWordCount });
    this.suffixes = optim.Vocab.fromTokens(train.flatMap((s) => s.words.map(suffixOf)), { minCount: 2 });
    this.tags = optim.Vocab.fromTokens(train.flatMap((s) => s.tags), { unknown: '<none>' });
  }

  /** One sentence's features, a [word id, suffix id, shape] triple per token, and its tag ids. */
  encode(s: TaggedSentence): { features: number[][]; tags: number[] } {
    const w = this.words.encode(s.words.map((x) => x.toLowerCase()));
    const x = this.suffixes.encode(s.words.map(suffixOf));
    return { features: s.words.map((word, t) => [w[t]!, x[t]!, wordShape(word)]), tags: this.tags.encode(s.tags) };
  }
}

/** Sizes of a {@link Tagger}. */
export interface TaggerConfig {
  words: number;
  suffixes: number;
  tags: number;
  wordEmbed: number;
  suffixEmbed: number;
  shapeEmbed: number;
  hidden: number;
  dropout: number;
  /** During training each word id is replaced by the unknown word (0) with this probability. */
  wordDropout: number;
}

/**
 * A bidirectional LSTM tagger. Each token is the concatenation of three embeddings (the lower-cased
 * word, its three-letter suffix, its shape); the LSTM reads the sentence both ways and a linear layer
 * scores the tags of every token.
 */
export class Tagger extends nn.Module {
  readonly word: nn.Embedding;
  readonly suffix: nn.Embedding;
  readonly shape: nn.Embedding;
  readonly rnn: nn.LSTM;
  readonly head: nn.Linear;
  private readonly drop: nn.Dropout;
  private readonly generator: Generator;

  constructor(readonly config: TaggerConfig, generator: Generator) {
    super();
    const c = config;
    this.generator = generator;
    // the padding id of words and suffixes is the vocabulary size; shape 0 is padding
    const embedding = (name: string, n: number, dim: number, pad: number) => {
      const e = this.registerModule(name, new nn.Embedding(n, dim, { paddingIdx: pad, generator }));
      nn.init.normal(e.weight, 0, 0.1, { generator }); // small vectors, as in the sentiment example
      e.weight.data.fill(0, pad * dim, (pad + 1) * dim);
      return e;
    };
    this.word = embedding('word', c.words + 1, c.wordEmbed, c.words);
    this.suffix = embedding('suffix', c.suffixes + 1, c.suffixEmbed, c.suffixes);
    this.shape = embedding('shape', SHAPES.length, c.shapeEmbed, 0);
    this.rnn = this.registerModule('rnn', new nn.LSTM(c.wordEmbed + c.suffixEmbed + c.shapeEmbed, c.hidden, { batchFirst: true, bidirectional: true, generator }));
    this.head = this.registerModule('head', new nn.Linear(2 * c.hidden, c.tags, { generator }));
    this.drop = this.registerModule('drop', new nn.Dropout(c.dropout, { generator }));
  }

  /** Features [N, L, 3] (int32: word, suffix, shape) and lengths to tag scores [N * L, tags]. */
  override forward(features: Tensor, lengths: readonly number[]): Tensor {
    const [N, L] = features.shape as [number, number];
    let words = select(features, 2, 0);
    const { wordDropout, words: padId } = this.config;
    if (this.training && wordDropout > 0)
      words = tensor(Array.from(words.data, (v) => (v !== padId && this.generator.nextFloat64() < wordDropout ? 0 : v)), { shape: words.shape, dtype: 'int32' });
    const x = concat([this.word.forward(words), this.suffix.forward(select(features, 2, 1)), this.shape.forward(select(features, 2, 2))], 2);
    const [out] = this.rnn.forward(this.drop.forward(x), undefined, { lengths });
    return this.head.forward(this.drop.forward(out)).reshape([N * L, this.config.tags]);
  }
}

/**
 * The most-frequent-tag baseline: each word (as written) gets the tag it has most often in the training
 * sentences (ties: the tag seen first); a word never seen gets the most frequent tag overall.
 */
export class MostFrequentTag {
  private readonly best = new Map<string, string>();
  readonly fallback: string;

  constructor(train: readonly TaggedSentence[]) {
    const counts = new Map<string, Map<string, number>>();
    const overall = new Map<string, number>();
    for (const s of train)
      s.words.forEach((w, i) => {
        const tag = s.tags[i]!;
        overall.set(tag, (overall.get(tag) ?? 0) + 1);
        if (!counts.has(w)) counts.set(w, new Map());
        const m = counts.get(w)!;
        m.set(tag, (m.get(tag) ?? 0) + 1);
      });
    const top = (m: Map<string, number>) => [...m].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    for (const [w, m] of counts) this.best.set(w, top(m));
    this.fallback = top(overall);
  }

  /** Whether the word was seen in training. */
  knows(word: string): boolean {
    return this.best.has(word);
  }

  tag(words: readonly string[]): string[] {
    return words.map((w) => this.best.get(w) ?? this.fallback);
  }
}
