import { insertMention, mentionQuery, suggestMentions } from './mention-suggest';

describe('@ autocomplete', () => {
  it('finds the @name being typed, not an email address', () => {
    expect(mentionQuery('hello @bo')).toBe('bo');
    expect(mentionQuery('@')).toBe('');
    expect(mentionQuery('mail bob@ex')).toBeNull();
    expect(mentionQuery('@bob done')).toBeNull();
  });

  it('suggests by username or name prefix', () => {
    const all = [{ username: 'bob', label: 'Bob Smith' }, { username: 'carol', label: 'Carol' }, { username: 'all', label: 'all' }];
    expect(suggestMentions('b', all).map((c) => c.username)).toEqual(['bob']);
    expect(suggestMentions('', all).length).toBe(3);
  });

  it('replaces the query by the name and a space', () => {
    expect(insertMention('hi @bo there', 6, 'bob')).toEqual({ text: 'hi @bob  there', caret: 8 });
  });
});
