/**
 * Word error rate, the usual measure of a recognizer: (substitutions + deletions + insertions) / words
 * in the reference, from the word-level edit distance. Both sides are normalized first (case,
 * punctuation, apostrophes kept inside words) so that "Please, call me." and "please call me" match.
 * Hand-written: it is a dozen lines of dynamic programming, smaller than any dependency for it.
 */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w !== '');
}

/** Edit operations needed to turn the reference's words into the hypothesis's. */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const ref = words(reference);
  const hyp = words(hypothesis);
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return { errors: prev[hyp.length]!, words: ref.length };
}

/** Over a corpus: total errors over total reference words (not the mean of per-sentence rates). */
export function wordErrorRate(pairs: ReadonlyArray<{ reference: string; hypothesis: string }>): number {
  let errors = 0;
  let total = 0;
  for (const p of pairs) {
    const e = wordErrors(p.reference, p.hypothesis);
    errors += e.errors;
    total += e.words;
  }
  return total === 0 ? 0 : errors / total;
}
