/**
 * The character-level language model of the char-lm example, and what it needs around training:
 * windows of text as batches, a streamed evaluation over a whole text, and sampling with a temperature.
 * @module
 */
import { Generator, type Tensor, crossEntropy, nn, noGrad, reshape, softmax, tensor } from '../../index.js';

/** The sizes that define a model (what a checkpoint must match). */
export interface CharLMConfig {
  vocabSize: number;
  embed: number;
  hidden: number;
  layers: number;
}

/**
 * Embedding -> LSTM -> Linear: the logits of the next character at every position.
 * @example
 * ```ts
 * const lm = new CharLM({ vocabSize: 84, embed: 32, hidden: 128, layers: 1 }, new Generator(0));
 * const [logits] = lm.step(tensor([[5, 9, 2]], { dtype: 'int32' }));   // logits [1, 3, 84]
 * ```
 */
export class CharLM extends nn.Module {
  readonly emb: nn.Embedding;
  readonly rnn: nn.LSTM;
  readonly head: nn.Linear;

  constructor(readonly config: CharLMConfig, generator: Generator) {
    super();
    const { vocabSize, embed, hidden, layers } = config;
    this.emb = this.registerModule('emb', new nn.Embedding(vocabSize, embed, { generator }));
    this.rnn = this.registerModule('rnn', new nn.LSTM(embed, hidden, { numLayers: layers, batchFirst: true, generator }));
    this.head = this.registerModule('head', new nn.Linear(hidden, vocabSize, { generator }));
  }

  /** Logits [N, L, V] for int32 ids [N, L], from a given state (zeros when absent), and the next state. */
  step(ids: Tensor, state?: readonly Tensor[]): [Tensor, Tensor[]] {
    const [out, next] = this.rnn.forward(this.emb.forward(ids), state);
    return [this.head.forward(out), next];
  }

  override forward(ids: Tensor): Tensor {
    return this.step(ids)[0];
  }
}

/**
 * Sets the forget-gate biases (`bias_ih` rows H..2H, gate order i, f, g, o) to `value`: a common
 * initialisation that lets an LSTM keep its memory from the first step.
 */
export function initForgetBias(lm: CharLM, value: number): void {
  const H = lm.config.hidden;
  for (const [key, t] of lm.rnn.namedParameters()) {
    if (key.startsWith('bias_ih')) t.data.fill(value, H, 2 * H);
    else if (key.startsWith('bias_hh')) t.data.fill(0, H, 2 * H);
  }
}

/** Input and target ids [N, T] for windows of `ids` starting at `starts` (the target is shifted by one). */
export function windowBatch(ids: Int32Array, starts: readonly number[], T: number): { input: Tensor; target: Tensor } {
  const x = new Int32Array(starts.length * T);
  const y = new Int32Array(starts.length * T);
  starts.forEach((s, n) => {
    x.set(ids.subarray(s, s + T), n * T);
    y.set(ids.subarray(s + 1, s + T + 1), n * T);
  });
  return { input: tensor(x, { shape: [starts.length, T] }), target: tensor(y, { shape: [starts.length, T] }) };
}

/** Mean cross-entropy (nats) of logits [N, L, V] against ids [N, L]. */
export function lmLoss(logits: Tensor, target: Tensor): Tensor {
  return crossEntropy(reshape(logits, [-1, logits.shape[2]!]), reshape(target, [-1]));
}

/**
 * Bits per character over a whole text, as a language model is meant to be read: the text is cut into
 * `streams` contiguous parts run side by side, `chunk` characters at a time, carrying the state, so that
 * every character is predicted from everything before it in its part.
 */
export function streamedBitsPerChar(lm: CharLM, ids: Int32Array, opts: { streams?: number; chunk?: number } = {}): number {
  const S = Math.max(1, Math.min(opts.streams ?? 64, Math.floor((ids.length - 1) / 2)));
  const len = Math.floor((ids.length - 1) / S); // predictions per stream
  const chunk = opts.chunk ?? 128;
  const wasTraining = lm.training;
  lm.eval();
  let nats = 0;
  let count = 0;
  noGrad(() => {
    let state: Tensor[] | undefined;
    for (let t = 0; t < len; t += chunk) {
      const T = Math.min(chunk, len - t);
      const { input, target } = windowBatch(ids, Array.from({ length: S }, (_, s) => s * len + t), T);
      const [logits, next] = lm.step(input, state);
      nats += lmLoss(logits, target).item() * S * T;
      count += S * T;
      state = next;
    }
  });
  lm.train(wasTraining);
  return nats / count / Math.LN2;
}

/**
 * Continues `prompt` (ids, at least one) by `length` characters, each drawn from softmax(logits /
 * temperature) with `generator`: below 1 the text is more conservative, above 1 more surprising.
 */
export function sample(lm: CharLM, prompt: readonly number[], length: number, temperature: number, generator: Generator): number[] {
  const out: number[] = [];
  const wasTraining = lm.training;
  lm.eval();
  noGrad(() => {
    let [logits, state] = lm.step(tensor([prompt as number[]], { dtype: 'int32' }));
    for (let k = 0; k < length; k++) {
      const last = logits.select(1, logits.shape[1]! - 1).reshape([-1]);
      const p = softmax(last.div(temperature), -1).data;
      let u = generator.nextFloat64();
      let id = p.length - 1;
      for (let i = 0; i < p.length; i++) {
        u -= p[i]!;
        if (u < 0) {
          id = i;
          break;
        }
      }
      out.push(id);
      [logits, state] = lm.step(tensor([[id]], { dtype: 'int32' }), state);
    }
  });
  lm.train(wasTraining);
  return out;
}

/** The entropy in bits of `ids` under the character frequencies of `fit` (add-one smoothed): a baseline. */
export function unigramBitsPerChar(fit: Int32Array, ids: Int32Array, vocabSize: number): number {
  const counts = new Float64Array(vocabSize).fill(1);
  for (const i of fit) counts[i]! += 1;
  const total = counts.reduce((a, b) => a + b, 0);
  let bits = 0;
  for (const i of ids) bits -= Math.log2(counts[i]! / total);
  return bits / ids.length;
}
