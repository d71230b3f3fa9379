import { highlightParts, mentionParts } from './mention-text';

describe('mentionParts', () => {
  it('marks the recorded @names and mine', () => {
    const parts = mentionParts('hi @Bob and @carol, not @mallory', new Set(['bob', 'carol']), 'carol', true);
    expect(parts).toEqual([
      { text: 'hi ', mention: false, me: false },
      { text: '@Bob', mention: true, me: false },
      { text: ' and ', mention: false, me: false },
      { text: '@carol', mention: true, me: true },
      { text: ', not @mallory', mention: false, me: false },
    ]);
  });

  it('keeps a sentence dot out and an email address as text', () => {
    expect(mentionParts('ask @bob.', new Set(['bob']), null, false).map((p) => p.text)).toEqual(['ask ', '@bob', '.']);
    expect(mentionParts('bob@example.com', new Set(['example.com']), null, false)).toEqual([{ text: 'bob@example.com', mention: false, me: false }]);
  });

  it('shows @all as mine when the message mentions me', () => {
    expect(mentionParts('@all go', new Set(['all']), 'x', true)[0]).toEqual({ text: '@all', mention: true, me: true });
  });
});

describe('highlightParts', () => {
  it('cuts by code points, not UTF-16 units', () => {
    expect(highlightParts('😀 École ok', [[2, 7]])).toEqual([
      { text: '😀 ', hit: false },
      { text: 'École', hit: true },
      { text: ' ok', hit: false },
    ]);
  });

  it('ignores ranges out of the text', () => {
    expect(highlightParts('abc', [[2, 9]])).toEqual([{ text: 'abc', hit: false }]);
  });
});
