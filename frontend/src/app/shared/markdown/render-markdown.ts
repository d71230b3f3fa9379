import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';
import { BodyPart } from '../../core/chat/mention-text';

/**
 * The chat subset of Markdown (the contract's "Message, extended"): emphasis, strike, inline code, code blocks,
 * quotes, lists, links and autolinked URLs. Everything else stays text: raw HTML is escaped (html: false), and
 * images and headings are not enabled, so no remote image is ever fetched.
 */
const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true, typographer: false })
  .enable(['blockquote', 'code', 'fence', 'list', 'emphasis', 'strikethrough', 'backticks', 'link', 'autolink', 'linkify', 'newline', 'escape', 'entity']);

// Autolink "www.example.org" too (the zero preset starts with bare domains off); a bare address is not a link.
md.linkify.set({ fuzzyLink: true, fuzzyEmail: false });

/** Links may only go to the web or a mail program: never javascript:, data:, vbscript: or a relative path. */
const SAFE_URL = /^(?:https?:|mailto:)/i;
md.validateLink = (url: string) => SAFE_URL.test(url.trim());

/** This module's own sanitizer, so that its hook touches no other use of DOMPurify. */
const purify = DOMPurify(window);
// Every link opens a new tab and tells the target nothing of the chat (set after sanitizing, on anchors only).
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** What may survive the sanitizer: the tags markdown-it makes for the subset above, and nothing else. */
const PURIFY = {
  ALLOWED_TAGS: ['p', 'br', 'em', 'strong', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a'],
  ALLOWED_ATTR: ['href', 'class', 'start'],
  ALLOWED_URI_REGEXP: SAFE_URL,
  ALLOW_DATA_ATTR: false,
};

/**
 * renderMarkdown turns a message body (Markdown as written, stored raw) into HTML safe to insert: markdown-it
 * with raw HTML off, then DOMPurify with an allow-list, before Angular (which sanitizes it once more) sees it.
 */
export function renderMarkdown(body: string, mark?: MentionMarker): string {
  const html = purify.sanitize(md.render(body), PURIFY) as string;
  return mark ? markMentions(html, mark) : html;
}

/** MentionMarker cuts a run of text into plain text and the @mentions the server recorded (see mentionParts). */
export type MentionMarker = (text: string) => BodyPart[];

/**
 * markMentions wraps the recorded @mentions of the sanitized HTML's text in `<span class="mention">` (`mention
 * me` for mine). It works on text nodes only (never on markup) and leaves code and links alone, so that
 * `@name` in a code block stays code; the names go in as text, so nothing here can add markup.
 */
function markMentions(html: string, mark: MentionMarker): string {
  const tpl = document.createElement('template');
  tpl.innerHTML = html; // already sanitized; a template's content is inert
  const walker = document.createTreeWalker(tpl.content, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.parentElement?.closest('code, pre, a')) texts.push(n as Text);
  }
  for (const t of texts) {
    const parts = mark(t.data);
    if (!parts.some((p) => p.mention)) continue;
    const frag = document.createDocumentFragment();
    for (const p of parts) {
      if (!p.mention) {
        frag.append(p.text);
        continue;
      }
      const span = document.createElement('span');
      span.className = p.me ? 'mention me' : 'mention';
      span.textContent = p.text;
      frag.append(span);
    }
    t.replaceWith(frag);
  }
  return tpl.innerHTML;
}
