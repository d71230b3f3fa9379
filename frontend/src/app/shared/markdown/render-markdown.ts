import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';

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
export function renderMarkdown(body: string): string {
  return purify.sanitize(md.render(body), PURIFY) as string;
}
