import { Message, SearchHit } from '../../core/api/models';
import { groupHits } from './search-results';

function hit(id: number, type: 'private' | 'group', conv: number, senderId: number): SearchHit {
  const message = { id, conversation: { type, id: conv }, seq: id, senderId, body: 'x', clientMsgId: null, createdAt: '', editedAt: null, deleted: false } as Message;
  return { message, snippet: { text: 'x', highlights: [] } };
}

describe('groupHits', () => {
  it('groups by conversation in the order of the newest hit', () => {
    const hits = [hit(9, 'group', 3, 2), hit(8, 'private', 40, 1), hit(7, 'group', 3, 5), hit(6, 'private', 41, 7)];
    const groups = groupHits(hits, 1, (c) => (c === 40 ? 2 : null));
    expect(groups.map((g) => [g.key, g.hits.map((h) => h.message.id)])).toEqual([
      ['g:3', [9, 7]],
      ['u:2', [8]],
      ['u:7', [6]],
    ]);
  });

  it('leaves out a private hit of mine whose peer is unknown', () => {
    expect(groupHits([hit(1, 'private', 50, 1)], 1, () => null)).toEqual([]);
  });
});
