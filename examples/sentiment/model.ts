/** The sentiment classifiers: an embedding + bidirectional LSTM/GRU with max-pooling, and bag-of-words logistic regression. */
import { type Generator, type Tensor, add, max, nn, noGrad, optim, tensor } from '../../index.js';

/** Sizes and regularisation of {@link SentimentRNN}. */
export interface SentimentConfig {
  cell: 'lstm' | 'gru';
  /** Token ids 0..vocabSize-1 (0 is the unknown word); id vocabSize is padding. */
  vocabSize: number;
  embed: number;
  hidden: number;
  dropout: number;
  /** During training each token is replaced by the unknown word with this probability. */
  wordDropout: number;
}

/**
 * Embedding, dropout, a bidirectional LSTM or GRU over the real tokens of each sentence (`lengths`), the
 * maximum over time of its outputs, dropout, and a linear layer to two logits.
 */
export class SentimentRNN extends nn.Module {
  readonly embedding: nn.Embedding;
  readonly rnn: nn.LSTM | nn.GRU;
  readonly head: nn.Linear;
  private readonly drop: nn.Dropout;
  private readonly generator: Generator;

  constructor(readonly config: SentimentConfig, generator: Generator) {
    super();
    const { vocabSize, embed, hidden } = config;
    this.generator = generator;
    this.embedding = this.registerModule('embedding', new nn.Embedding(vocabSize + 1, embed, { paddingIdx: vocabSize, generator }));
    // N(0, 0.1) instead of Embedding's N(0, 1): small initial vectors keep the LSTM's gates out of saturation
    nn.init.normal(this.embedding.weight, 0, 0.1, { generator });
    this.embedding.weight.data.fill(0, vocabSize * embed);
    const opts = { batchFirst: true, bidirectional: true, generator };
    this.rnn = this.registerModule('rnn', config.cell === 'gru' ? new nn.GRU(embed, hidden, opts) : new nn.LSTM(embed, hidden, opts));
    this.head = this.registerModule('head', new nn.Linear(2 * hidden, 2, { generator }));
    this.drop = this.registerModule('drop', new nn.Dropout(config.dropout, { generator }));
  }

  /** Padded ids [N, L] (int32) and each sentence's length to logits [N, 2]. */
  override forward(ids: Tensor, lengths: readonly number[]): Tensor {
    const { vocabSize, wordDropout } = this.config;
    if (this.training && wordDropout > 0)
      ids = tensor(Array.from(ids.data, (v) => (v !== vocabSize && this.generator.nextFloat64() < wordDropout ? 0 : v)), { shape: ids.shape, dtype: 'int32' });
    const x = this.drop.forward(this.embedding.forward(ids));
    const [out] = this.rnn.forward(x, undefined, { lengths });
    // max over the real time steps only: padded steps get -1e4 added
    const [N, L] = ids.shape as [number, number];
    const pad = tensor(lengths.flatMap((l) => Array.from({ length: L }, (_, t) => (t < l ? 0 : -1e4))), { shape: [N, L, 1] });
    const pooled = max(add(out, pad), 1);
    return this.head.forward(this.drop.forward(pooled));
  }
}

/** Predicted classes (argmax of the logits) of a model for many batches, without recording a tape. */
export function predictClasses<B>(model: nn.Module, groups: readonly B[], logits: (batch: B) => Tensor): number[] {
  model.eval();
  const out = noGrad(() => groups.flatMap((b) => Array.from(logits(b).argmax(-1).data)));
  model.train();
  return out;
}

/** A bag of words: one row per sentence, 1 where a vocabulary word occurs (the unknown word, id 0, is left out). */
export function bagOfWords(docs: readonly (readonly number[])[], vocabSize: number): Tensor {
  const x = new Float32Array(docs.length * vocabSize);
  docs.forEach((ids, n) => ids.forEach((id) => id > 0 && (x[n * vocabSize + id] = 1)));
  return tensor(x, { shape: [docs.length, vocabSize] });
}

/**
 * Logistic regression on a bag of words, p(positive) = sigmoid(w·x + b), fitted by full-batch Adam on the
 * binary cross-entropy plus `l2` times the squared norm of w. Returns the layer and the loss per step.
 */
export function fitBagOfWords(x: Tensor, labels: readonly number[], opts: { steps: number; lr: number; l2: number; generator: Generator }): { model: nn.Linear; losses: number[] } {
  const model = new nn.Linear(x.shape[1]!, 1, { generator: opts.generator });
  nn.init.zeros(model.weight);
  const y = tensor(labels as number[], { shape: [labels.length, 1] });
  const opt = new optim.Adam(model.parameters(), { lr: opts.lr });
  const losses: number[] = [];
  for (let step = 0; step < opts.steps; step++) {
    const data = nn.binaryCrossEntropyWithLogits(model.forward(x), y);
    losses.push(data.item());
    const loss = opts.l2 > 0 ? add(data, nn.l2Penalty([model.weight]).mul(opts.l2)) : data;
    loss.backward();
    opt.step();
    opt.zeroGrad();
  }
  return { model, losses };
}

/** Accuracy of predicted classes. */
export function accuracyOf(pred: readonly number[], truth: readonly number[]): number {
  return pred.reduce((s, p, i) => s + (p === truth[i] ? 1 : 0), 0) / truth.length;
}
