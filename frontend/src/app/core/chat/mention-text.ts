/** A piece of a message body: plain text, or an @mention (of me, or of someone else). */
export interface BodyPart {
  text: string;
  mention: boolean;
  me: boolean;
}

/** Characters a username may hold, as the server reads @names. */
const NAME = /[A-Za-z0-9_.-]/;

/**
 * mentionParts cuts a body into text and the @names the server recorded as mentions: `mentioned` are the
 * lower-cased usernames of the message's mentions (and 'all' when the message mentions everyone), `me` is my
 * lower-cased username. An @name the server did not record (a non-member, @all from a plain member) stays text.
 */
export function mentionParts(body: string, mentioned: ReadonlySet<string>, me: string | null, mentionsMe: boolean): BodyPart[] {
  const parts: BodyPart[] = [];
  let text = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === '@' && (i === 0 || !NAME.test(body[i - 1]))) {
      let j = i + 1;
      while (j < body.length && NAME.test(body[j])) j++;
      const raw = body.slice(i + 1, j);
      const trimmed = raw.replace(/[.-]+$/, '');
      const name = [raw.toLowerCase(), trimmed.toLowerCase()].find((n) => n && mentioned.has(n));
      if (name) {
        const end = i + 1 + (name === raw.toLowerCase() ? raw.length : trimmed.length);
        if (text) parts.push({ text, mention: false, me: false });
        text = '';
        parts.push({ text: body.slice(i, end), mention: true, me: name === me || (name === 'all' && mentionsMe) });
        i = end;
        continue;
      }
    }
    text += c;
    i++;
  }
  if (text) parts.push({ text, mention: false, me: false });
  return parts;
}

/** highlightParts cuts a search snippet into plain and highlighted pieces by its code-point ranges. */
export function highlightParts(text: string, ranges: readonly (readonly [number, number])[]): { text: string; hit: boolean }[] {
  const cps = Array.from(text);
  const out: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start < at || end > cps.length || start >= end) continue;
    if (start > at) out.push({ text: cps.slice(at, start).join(''), hit: false });
    out.push({ text: cps.slice(start, end).join(''), hit: true });
    at = end;
  }
  if (at < cps.length) out.push({ text: cps.slice(at).join(''), hit: false });
  return out;
}
