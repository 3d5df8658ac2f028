/** One thing wrong with an inventory, located by its path in the document. */
export interface InventoryProblem {
  path: (string | number)[];
  message: string;
}

/** Formats a path the way people write it: `links[3].a.device`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out === "" ? "(document)" : out;
}

/** "a department", "an agency", "an access-router". */
export function withArticle(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}
