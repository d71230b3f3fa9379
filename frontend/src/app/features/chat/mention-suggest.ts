/** The @name being typed just before the caret, or null: an @ not preceded by a username character. */
export function mentionQuery(beforeCaret: string): string | null {
  const m = /(^|[^A-Za-z0-9_.-])@([A-Za-z0-9_.-]{0,32})$/.exec(beforeCaret);
  return m ? m[2] : null;
}

/** A candidate of the @ autocomplete. */
export interface MentionCandidate {
  username: string;
  label: string;
}

/** suggestMentions keeps the candidates whose username or name starts with the query, at most `max`. */
export function suggestMentions(query: string, candidates: readonly MentionCandidate[], max = 6): MentionCandidate[] {
  const q = query.toLowerCase();
  return candidates
    .filter((c) => c.username.toLowerCase().startsWith(q) || c.label.toLowerCase().startsWith(q))
    .slice(0, max);
}

/** insertMention replaces the @query before the caret by "@username ", returning the new text and caret. */
export function insertMention(text: string, caret: number, username: string): { text: string; caret: number } {
  const before = text.slice(0, caret);
  const q = mentionQuery(before) ?? '';
  const start = caret - q.length - 1;
  const inserted = `@${username} `;
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length };
}
