import { mentionParts } from '../../core/chat/mention-text';
import { renderMarkdown } from './render-markdown';

/** A detached element holding the rendered HTML, to query it as a browser would. */
function dom(body: string): HTMLElement {
  const el = document.createElement('div');
  el.innerHTML = renderMarkdown(body);
  return el;
}

describe('renderMarkdown', () => {
  it('shows a <script> as text and runs nothing', () => {
    const el = dom('<script>alert(1)</script> hello');
    expect(el.querySelector('script')).toBeNull();
    expect(el.textContent).toContain('<script>alert(1)</script> hello');
  });

  it('keeps an <img onerror> as text: no element, no handler, no request', () => {
    const el = dom('<img src=x onerror="alert(1)">');
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('[onerror]')).toBeNull();
    expect(el.textContent).toContain('<img src=x onerror="alert(1)">');
  });

  it('never links to javascript:, in any spelling', () => {
    for (const body of ['[x](javascript:alert(1))', '[x](JaVaScRiPt:alert(1))', '[x]( javascript:alert(1) )', '<javascript:alert(1)>',
      'javascript:alert(1)', '[x](data:text/html,<script>alert(1)</script>)', '[x](vbscript:msgbox(1))']) {
      const el = dom(body);
      for (const a of Array.from(el.querySelectorAll('a'))) {
        expect(a.getAttribute('href') ?? '').toMatch(/^(https?:|mailto:)/i);
      }
      expect(el.innerHTML).not.toMatch(/href="\s*(javascript|data|vbscript):/i);
    }
  });

  it('links http, https and mailto, autolinks URLs, in a new tab without a referrer', () => {
    const el = dom('[site](https://example.com/a?b=1) and www.example.org and [mail](mailto:a@example.com)');
    const hrefs = Array.from(el.querySelectorAll('a')).map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['https://example.com/a?b=1', 'http://www.example.org', 'mailto:a@example.com']);
    for (const a of Array.from(el.querySelectorAll('a'))) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    }
  });

  it('loads no remote image', () => {
    const el = dom('![tracker](https://evil.example/pixel.png)');
    expect(el.querySelector('img')).toBeNull();
  });

  it('renders emphasis, strike, inline code, lists and nested quotes', () => {
    const el = dom('**bold** _it_ ~~gone~~ `code`\n\n- one\n- two\n\n> outer\n>> inner\n>>> innermost');
    expect(el.querySelector('strong')?.textContent).toBe('bold');
    expect(el.querySelector('em')?.textContent).toBe('it');
    expect(el.querySelector('s')?.textContent).toBe('gone');
    expect(el.querySelector('code')?.textContent).toBe('code');
    expect(el.querySelectorAll('li').length).toBe(2);
    expect(el.querySelector('blockquote blockquote blockquote')?.textContent?.trim()).toBe('innermost');
  });

  it('keeps a 4,000-character code block whole, escaped and unlinked', () => {
    const line = '<b>if (a < b && c > d) { x = "https://example.com"; }</b>\n';
    const code = line.repeat(Math.ceil(4000 / line.length)).slice(0, 4000);
    const el = dom('```js\n' + code + '\n```');
    const block = el.querySelector('pre code');
    expect(block).not.toBeNull();
    expect(block!.className).toBe('language-js');
    expect(block!.textContent).toBe(code + '\n');
    expect(block!.querySelector('b, a')).toBeNull();
  });

  it('shows headings and tables as plain text (not in the chat subset)', () => {
    const el = dom('# Title');
    expect(el.querySelector('h1')).toBeNull();
    expect(el.textContent).toContain('# Title');
  });

  describe('with the mentions the server recorded', () => {
    const mark = (text: string) => mentionParts(text, new Set(['bob', 'all']), 'bob', true);
    const render = (body: string) => {
      const el = document.createElement('div');
      el.innerHTML = renderMarkdown(body, mark);
      return el;
    };

    it('wraps a recorded @name in a mention span, mine standing out, inside emphasis too', () => {
      const el = render('hi @bob and **@all**, not @carol');
      const spans = Array.from(el.querySelectorAll('span.mention')).map((s) => [s.textContent, s.classList.contains('me')]);
      expect(spans).toEqual([['@bob', true], ['@all', true]]);
      expect(el.querySelector('strong span.mention')?.textContent).toBe('@all');
      expect(el.textContent?.trim()).toBe('hi @bob and @all, not @carol');
    });

    it('leaves code and links alone, and a name with markup stays text', () => {
      const el = render('`@bob` and [@bob](https://example.org) and @bob<img src=x onerror=alert(1)>');
      expect(el.querySelector('code span')).toBeNull();
      expect(el.querySelector('a span')).toBeNull();
      expect(el.querySelectorAll('span.mention').length).toBe(1);
      expect(el.querySelector('img')).toBeNull();
    });
  });
});
