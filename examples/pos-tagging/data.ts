/** The Brown corpus (news genre): parsing `word/tag` lines, the simplified tag set and the split. */
import { readFileSync } from 'node:fs';

/** A tagged sentence: words and their (simplified) tags, same length. */
export interface TaggedSentence {
  words: string[];
  tags: string[];
}

/**
 * The simplified tag: drops a leading `fw-` (foreign word) and the trailing markers `-tl` (title), `-hl`
 * (headline) and `-nc` (cited word), in any combination. Everything else is kept as it is: compound
 * tags of contractions (`ppss+md`, `pps+bez`), negated forms (`do*`, `bedz*`) and possessives (`nn$`).
 */
export function simplifyTag(tag: string): string {
  let t = tag.startsWith('fw-') ? tag.slice(3) : tag;
  for (let u = t.replace(/-(tl|hl|nc)$/, ''); u !== t; u = t.replace(/-(tl|hl|nc)$/, '')) t = u;
  return t;
}

/** Parses one sentence per line, tokens `word/tag` split at the last `/`; malformed tokens throw with their line. */
export function parseBrown(text: string, file = 'brown-news.txt'): TaggedSentence[] {
  const out: TaggedSentence[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const words: string[] = [];
    const tags: string[] = [];
    for (const tok of line.trim().split(/\s+/)) {
      const cut = tok.lastIndexOf('/');
      if (cut <= 0 || cut === tok.length - 1) throw new Error(`${file}, line ${i + 1}: expected word/tag tokens, got '${tok}'`);
      words.push(tok.slice(0, cut));
      tags.push(simplifyTag(tok.slice(cut + 1)));
    }
    out.push({ words, tags });
  });
  if (out.length === 0) throw new Error(`${file}: no sentences found`);
  return out;
}

/** Reads and parses a Brown genre file. */
export function loadBrown(file: string): TaggedSentence[] {
  return parseBrown(readFileSync(file, 'utf8'), file);
}
