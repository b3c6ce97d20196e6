/** Data helpers for training: seeded shuffling, padded batches of sequences, splits and vocabularies. */
import { tensor } from '../core/creation.js';
import type { DType } from '../core/dtype.js';
import { asCalledBy, check, checkOptions } from '../core/errors.js';
import { Generator, checkGenerator, defaultGenerator } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';

/**
 * A permutation of 0..n-1 (Fisher–Yates with the given generator: the same seed gives the same order).
 * @example
 * ```ts
 * randperm(5, new Generator(0)); // e.g. [3, 0, 4, 1, 2]
 * ```
 * @category Data
 */
export function randperm(n: number, generator: Generator = defaultGenerator()): number[] {
  check(Number.isInteger(n) && n >= 0 && n <= 2 ** 31 - 1, 'randperm', () => `n must be a non-negative integer up to 2^31 - 1, got ${String(n)}`);
  checkGen('randperm', generator);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = generator.nextInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The items in a seeded random order (a new array).
 * @example
 * ```ts
 * shuffle(examples, new Generator(1));
 * ```
 * @category Data
 */
export function shuffle<T>(items: readonly T[], generator: Generator = defaultGenerator()): T[] {
  checkItems('shuffle', items);
  checkGen('shuffle', generator);
  return randperm(items.length, generator).map((i) => items[i]!);
}

/**
 * Splits into training and validation parts: the last `fraction` of the items is held out (as Keras's
 * `validation_split`; shuffle first for a random split).
 * @example
 * ```ts
 * const [train, valid] = trainValidationSplit(examples, 0.1);
 * ```
 * @category Data
 */
export function trainValidationSplit<T>(items: readonly T[], fraction: number): [T[], T[]] {
  return splitAs('trainValidationSplit', 'fraction', items, fraction);
}

/** @internal trainValidationSplit under the name of the function called (`fit` with `validationSplit`). */
export function splitAs<T>(op: string, name: string, items: readonly T[], fraction: number): [T[], T[]] {
  checkItems(op, items);
  check(typeof fraction === 'number' && fraction > 0 && fraction < 1, op, () => `${name} must be a number in (0, 1), got ${String(fraction)}`);
  const n = items.length - Math.round(items.length * fraction);
  check(n > 0 && n < items.length, op, () => `cannot split ${items.length} item(s) with ${name} ${fraction} into two non-empty parts`);
  return [items.slice(0, n), items.slice(n)];
}

function checkItems(op: string, items: unknown): void {
  check(Array.isArray(items), op, () => `expected an array of items, got ${items === null ? 'null' : typeof items}`);
}

const checkGen = (op: string, g: unknown): void => checkGenerator(op, g, false);

/**
 * Consecutive batches of `batchSize` items (the last may be smaller unless `dropLast`).
 * @example
 * ```ts
 * for (const b of batches(examples, 32)) train(b);
 * ```
 * @category Data
 */
export function batches<T>(items: readonly T[], batchSize: number, opts: { dropLast?: boolean } = {}): T[][] {
  checkItems('batches', items);
  check(Number.isInteger(batchSize) && batchSize > 0, 'batches', () => `batchSize must be a positive integer, got ${String(batchSize)}`);
  checkOptions('batches', opts, ['dropLast']);
  check(opts.dropLast === undefined || typeof opts.dropLast === 'boolean', 'batches', () => `dropLast must be a boolean, got ${String(opts.dropLast)}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const b = items.slice(i, i + batchSize);
    if (b.length === batchSize || !opts.dropLast) out.push(b);
  }
  return out;
}

/**
 * Pads sequences to the longest one: a tensor [N, L] (token ids, int32 by default) or [N, L, F]
 * (feature vectors), and each sequence's length, ready for a recurrent layer's `lengths`.
 * @example
 * ```ts
 * const { padded, lengths } = padSequences([[1, 2, 3], [4]]);  // padded [[1, 2, 3], [4, 0, 0]], lengths [3, 1]
 * ```
 * @category Data
 */
export function padSequences(
  seqs: readonly (readonly number[] | readonly (readonly number[])[])[],
  opts: { padValue?: number; dtype?: DType; batchFirst?: boolean } = {},
): { padded: Tensor; lengths: number[] } {
  const op = 'padSequences';
  check(Array.isArray(seqs) && seqs.length > 0, op, () => 'expected a non-empty array of sequences');
  checkOptions(op, opts, ['padValue', 'dtype', 'batchFirst']);
  check(opts.padValue === undefined || (typeof opts.padValue === 'number' && !Number.isNaN(opts.padValue)), op, () => `padValue must be a number, got ${String(opts.padValue)}`);
  check(opts.batchFirst === undefined || typeof opts.batchFirst === 'boolean', op, () => `batchFirst must be a boolean, got ${String(opts.batchFirst)}`);
  const lengths = seqs.map((s, i) => {
    check(Array.isArray(s) && s.length > 0, op, () => `sequence ${i} is empty`);
    return s.length;
  });
  const L = Math.max(...lengths);
  const first = seqs[0]![0];
  const F = Array.isArray(first) ? first.length : 0;
  const pad = opts.padValue ?? 0;
  const N = seqs.length;
  const width = Math.max(F, 1);
  const data: number[] = new Array(N * L * width).fill(pad);
  const batchFirst = opts.batchFirst ?? true;
  seqs.forEach((s, n) =>
    (s as readonly unknown[]).forEach((v: unknown, t: number) => {
      const at = (batchFirst ? n * L + t : t * N + n) * width;
      if (F) {
        check(Array.isArray(v) && v.length === F, op, () => `sequence ${n} step ${t} has ${Array.isArray(v) ? v.length : 1} features, expected ${F}`);
        (v as number[]).forEach((x, f) => {
          check(typeof x === 'number', op, () => `sequence ${n} step ${t} feature ${f} is ${typeof x}, not a number`);
          data[at + f] = x;
        });
      } else {
        check(typeof v === 'number', op, () => `sequence ${n} step ${t} is ${Array.isArray(v) ? 'an array (the first sequence has no features: give every step as a number, or every step as an array)' : typeof v}, not a number`);
        data[at] = v;
      }
    }),
  );
  const shape = batchFirst ? [N, L] : [L, N];
  const dtype = opts.dtype ?? (F ? 'float32' : 'int32');
  return { padded: asCalledBy(op, () => tensor(data, { shape: F ? [...shape, F] : shape, dtype })), lengths };
}

/**
 * A vocabulary mapping tokens (characters or words) to int32 ids, with an unknown token for anything not
 * seen when it was built.
 * @example
 * ```ts
 * const vocab = Vocab.fromTokens([...text]);           // characters
 * const ids = vocab.encode([...'call me']);
 * vocab.decode(ids).join('');                          // 'call me'
 * ```
 * @category Data
 */
export class Vocab {
  private readonly index = new Map<string, number>();
  /** The tokens by id; id 0 is the unknown token. */
  readonly tokens: readonly string[];

  constructor(tokens: readonly string[], readonly unknown = '<unk>') {
    check(Array.isArray(tokens), 'Vocab', () => `expected an array of tokens (strings), got ${tokens === null ? 'null' : typeof tokens}`);
    tokens.forEach((t, i) => check(typeof t === 'string', 'Vocab', () => `token ${i} is ${typeof t}, not a string`));
    check(typeof unknown === 'string', 'Vocab', () => `the unknown token must be a string, got ${typeof unknown}`);
    const all = [unknown, ...tokens.filter((t) => t !== unknown)];
    all.forEach((t, i) => {
      check(!this.index.has(t), 'Vocab', () => `token '${t}' appears twice`);
      this.index.set(t, i);
    });
    this.tokens = all;
  }

  /**
   * A vocabulary of the distinct tokens of a corpus, most frequent first (ties in first-seen order),
   * optionally keeping only tokens seen at least `minCount` times or the `maxSize` most frequent.
   */
  static fromTokens(corpus: Iterable<string>, opts: { minCount?: number; maxSize?: number; unknown?: string } = {}): Vocab {
    const op = 'Vocab.fromTokens';
    check(corpus !== null && typeof (corpus as Iterable<string>)?.[Symbol.iterator] === 'function', op, () => `expected an iterable of tokens, got ${corpus === null ? 'null' : typeof corpus}`);
    checkOptions(op, opts, ['minCount', 'maxSize', 'unknown']);
    for (const k of ['minCount', 'maxSize'] as const)
      check(opts[k] === undefined || (Number.isInteger(opts[k]) && opts[k]! >= 0), op, () => `${k} must be a non-negative integer, got ${String(opts[k])}`);
    const counts = new Map<string, number>();
    for (const t of corpus) counts.set(t, (counts.get(t) ?? 0) + 1);
    let entries = [...counts].filter(([, c]) => c >= (opts.minCount ?? 1));
    entries = entries.map((e, i) => [e, i] as const).sort((a, b) => b[0][1] - a[0][1] || a[1] - b[1]).map(([e]) => e);
    if (opts.maxSize !== undefined) entries = entries.slice(0, opts.maxSize);
    return new Vocab(entries.map(([t]) => t), opts.unknown);
  }

  /** The number of ids, including the unknown token. */
  get size(): number {
    return this.tokens.length;
  }

  /** Ids of tokens (unknown tokens get id 0). */
  encode(tokens: Iterable<string>): number[] {
    check(tokens !== null && typeof (tokens as Iterable<string>)?.[Symbol.iterator] === 'function', 'Vocab.encode', () =>
      `expected an iterable of tokens, got ${tokens === null ? 'null' : typeof tokens}`);
    const out: number[] = [];
    for (const t of tokens) {
      // A number or other non-string would silently become the unknown token.
      check(typeof t === 'string', 'Vocab.encode', () => `token ${out.length} is ${typeof t}, not a string`);
      out.push(this.index.get(t) ?? 0);
    }
    return out;
  }

  /** Tokens of ids; an id out of range throws. */
  decode(ids: Iterable<number>): string[] {
    check(ids !== null && typeof (ids as Iterable<number>)?.[Symbol.iterator] === 'function', 'Vocab.decode', () =>
      `expected an iterable of ids, got ${ids === null ? 'null' : typeof ids}`);
    const out: string[] = [];
    for (const i of ids) {
      check(Number.isInteger(i) && i >= 0 && i < this.tokens.length, 'Vocab.decode', () => `id ${i} is out of range for a vocabulary of ${this.tokens.length}`);
      out.push(this.tokens[i]!);
    }
    return out;
  }
}
