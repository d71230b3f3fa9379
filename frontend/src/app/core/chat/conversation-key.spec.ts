import { conversationKey, groupKey, idOf, isGroupKey, isPrivateKey, kindOf, parseKey, privateKey, routeKey } from './conversation-key';

describe('conversation keys', () => {
  it('builds private and group keys and reads them back', () => {
    expect(privateKey(5)).toBe('u:5');
    expect(groupKey(3)).toBe('g:3');
    expect(conversationKey('g', 12)).toBe('g:12');
    expect([kindOf('u:5'), idOf('u:5')]).toEqual(['u', 5]);
    expect([kindOf('g:3'), idOf('g:3')]).toEqual(['g', 3]);
    expect([isGroupKey('g:3'), isPrivateKey('g:3'), isGroupKey('u:3'), isPrivateKey('u:3')]).toEqual([true, false, false, true]);
  });

  it('reads route parameters only when they name a conversation', () => {
    expect(routeKey('u', '5')).toBe('u:5');
    expect(routeKey('g', 7)).toBe('g:7');
    for (const [kind, id] of [['x', '5'], ['u', '0'], ['u', '-1'], ['u', '1.5'], ['u', 'abc'], ['g', ''], [undefined, '3'], ['u', '99999999999999999999']]) {
      expect(routeKey(kind, id)).toBeNull();
    }
  });

  it('parses only well-formed keys', () => {
    expect(parseKey('u:42')).toBe('u:42');
    expect(parseKey('g:1')).toBe('g:1');
    for (const bad of ['', 'u:', 'u:0', 'x:1', 'u:1:2', ' g:1', 'g:01x', null, undefined]) expect(parseKey(bad)).toBeNull();
  });
});
