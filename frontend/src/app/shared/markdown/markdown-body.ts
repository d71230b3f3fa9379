import { Component, ElementRef, ViewEncapsulation, afterRenderEffect, computed, inject, input } from '@angular/core';
import { mentionParts } from '../../core/chat/mention-text';
import { renderMarkdown } from './render-markdown';

/** highlight.js, loaded on the first code block only (a separate chunk the chat does not wait for). */
let highlighter: Promise<{ highlightElement(el: HTMLElement): void }> | null = null;
function loadHighlighter(): Promise<{ highlightElement(el: HTMLElement): void }> {
  highlighter ??= import('highlight.js/lib/common').then((m) => {
    m.default.configure({ ignoreUnescapedHTML: true });
    return m.default;
  });
  return highlighter;
}

/** Longest code block worth highlighting: beyond it, plain text keeps the main thread free. */
const HIGHLIGHT_MAX = 20_000;

/** MarkdownBody shows a message body: the chat subset of Markdown, sanitized, code blocks highlighted lazily. */
@Component({
  selector: 'app-markdown',
  template: `<div class="md-body" [innerHTML]="html()"></div>`,
  // The rendered HTML is not this template's, so its styles cannot be scoped: every rule starts with .md-body.
  encapsulation: ViewEncapsulation.None,
  styles: `
    .md-body { overflow-wrap: anywhere; }
    .md-body p { margin: 0; }
    .md-body p + p, .md-body ul, .md-body ol, .md-body pre, .md-body blockquote { margin: var(--space-1, 0.25rem) 0 0; }
    .md-body ul, .md-body ol { padding-left: 1.25rem; }
    .md-body blockquote { border-left: 3px solid var(--border, #ccc); padding-left: 0.5rem; color: var(--muted, #555); }
    .md-body code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; background: rgba(127, 127, 127, 0.15); padding: 0 0.2em; border-radius: 3px; }
    .md-body pre { max-width: 100%; max-height: 24rem; overflow: auto; background: rgba(127, 127, 127, 0.12); padding: 0.5rem; border-radius: 4px; }
    .md-body pre code { background: none; padding: 0; white-space: pre; display: block; }
    .md-body a { color: inherit; text-decoration: underline; }
    /* Code in my own (dark) bubble sits on a light ground, where the highlighter's colours keep their contrast. */
    .msg.mine .md-body pre, .msg.mine .md-body :not(pre) > code { background: rgb(255 255 255 / 0.94); color: #1f2328; }
    .md-body .mention { font-weight: 600; color: var(--primary, #2563eb); }
    .msg.mine .md-body .mention { color: inherit; text-decoration: underline; }
    .md-body .mention.me { background: var(--warning-bg, #fef3c7); color: #92400e; border-radius: 3px; padding: 0 2px; }
    .md-body .hljs-keyword, .md-body .hljs-built_in, .md-body .hljs-selector-tag { color: #a626a4; }
    .md-body .hljs-string, .md-body .hljs-attr, .md-body .hljs-template-variable { color: #50a14f; }
    .md-body .hljs-number, .md-body .hljs-literal { color: #986801; }
    .md-body .hljs-comment { color: #8a8f98; font-style: italic; }
    .md-body .hljs-title, .md-body .hljs-function { color: #4078f2; }
  `,
})
export class MarkdownBody {
  /** The message body, Markdown as written. */
  readonly text = input.required<string>();
  /**
   * The lower-cased usernames the server recorded as this message's mentions, space-separated ('all' when it
   * mentions everyone; '' for none): plain strings, so that an unchanged message is not rendered again.
   */
  readonly mentioned = input('');
  /** My lower-cased username, and whether the message mentions me: my mentions stand out. */
  readonly me = input('');
  readonly mentionsMe = input(false);
  protected readonly html = computed(() => {
    const names = this.mentioned();
    if (!names) return renderMarkdown(this.text());
    const set = new Set(names.split(' '));
    const me = this.me() || null;
    const mentionsMe = this.mentionsMe();
    return renderMarkdown(this.text(), (text) => mentionParts(text, set, me, mentionsMe));
  });
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  constructor() {
    afterRenderEffect(() => {
      this.html();
      const blocks = Array.from(this.host.nativeElement.querySelectorAll<HTMLElement>('pre code')).filter(
        (el) => !el.dataset['highlighted'] && (el.textContent ?? '').length <= HIGHLIGHT_MAX,
      );
      if (blocks.length === 0) return;
      void loadHighlighter()
        .then((hljs) => blocks.forEach((el) => el.isConnected && hljs.highlightElement(el)))
        .catch(() => undefined); // unhighlighted code is still code
    });
  }
}
