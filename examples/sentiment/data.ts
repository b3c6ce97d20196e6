/** The labelled review sentences: loading, tokenising and a fixed stratified train/test split. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Generator, optim } from '../../index.js';

/** The three sources, one file each in the data folder. */
export const SOURCES = ['imdb', 'yelp', 'amazon'] as const;
export type Source = (typeof SOURCES)[number];

/** One labelled sentence. */
export interface Sentence {
  text: string;
  /** 0 negative, 1 positive. */
  label: 0 | 1;
  source: Source;
}

/** Parses one source file: a JSON array of `{ text, class }`, whose sentinel `{ class: null }` is dropped. */
export function parseSource(json: string, source: Source, file = `${source}.json`): Sentence[] {
  let rows: unknown;
  try {
    rows = JSON.parse(json);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(rows)) throw new Error(`${file}: expected a JSON array of {"text", "class"} records`);
  const out: Sentence[] = [];
  rows.forEach((r: { text?: unknown; class?: unknown }, i) => {
    if (r?.class === null) return; // the sentinel record at the end of every file
    if (typeof r?.text !== 'string' || (r.class !== 0 && r.class !== 1))
      throw new Error(`${file}, record ${i}: expected {"text": string, "class": 0 | 1}, got ${JSON.stringify(r).slice(0, 80)}`);
    out.push({ text: r.text.trim(), label: r.class, source });
  });
  return out;
}

/** Reads `imdb.json`, `yelp.json` and `amazon.json` from `dir`. */
export function loadSentences(dir: string, sources: readonly Source[] = SOURCES): Sentence[] {
  return sources.flatMap((s) => {
    const file = path.join(dir, `${s}.json`);
    return parseSource(readFileSync(file, 'utf8'), s, file);
  });
}

/**
 * Lower-cased word tokens: letters and digits with an inner apostrophe kept (`don't`, `it's`), and `!`
 * and `?` as tokens of their own; other punctuation is dropped.
 */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?|[!?]/g) ?? [];
}

/**
 * A fixed split, stratified by source and label: each of the six (source, label) groups is shuffled with
 * `seed` and its first `testFraction` goes to the test set. Both parts come back shuffled with `seed`.
 */
export function stratifiedSplit<T extends { label: number; source: string }>(items: readonly T[], testFraction: number, seed: number): { train: T[]; test: T[] } {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const key = `${it.source}/${it.label}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(it);
  }
  const g = new Generator(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (const key of [...groups.keys()].sort()) {
    const shuffled = optim.shuffle(groups.get(key)!, g);
    const nTest = Math.round(shuffled.length * testFraction);
    test.push(...shuffled.slice(0, nTest));
    train.push(...shuffled.slice(nTest));
  }
  // Interleave the groups, so that a tail split (validation) or a slice (smoke mode) is mixed too.
  return { train: optim.shuffle(train, g), test: optim.shuffle(test, g) };
}
