import { msg } from '../../testing/fakes';
import { GROUP_SOCKET } from './group-socket.service';
import { PRIVATE_SOCKET } from './private-socket.service';

describe('socket kinds', () => {
  const none = () => null;

  it('private: a message or event from someone else names them; our own waits for the known conversation', () => {
    expect(PRIVATE_SOCKET.guessKey(msg(1, 1, { senderId: 2 }), 1)).toBe('u:2');
    expect(PRIVATE_SOCKET.guessKey(msg(1, 1, { senderId: 1 }), 1)).toBeNull();
    expect(PRIVATE_SOCKET.eventKey({ userId: 2, toUserId: 1 }, 1, none)).toBe('u:2');
    const ref = { type: 'private' as const, id: 100 };
    expect(PRIVATE_SOCKET.eventKey({ userId: 1, conversation: ref }, 1, (r) => (r === ref ? 'u:5' : null))).toBe('u:5');
    expect(PRIVATE_SOCKET.eventKey({ userId: 1, conversation: ref }, 1, none)).toBeNull();
  });

  it('group: messages and events are named by the group', () => {
    expect(GROUP_SOCKET.guessKey(msg(1, 1, { conversation: { type: 'group', id: 7 } }), 1)).toBe('g:7');
    expect(GROUP_SOCKET.guessKey(msg(1, 1), 1)).toBeNull();
    expect(GROUP_SOCKET.eventKey({ userId: 2, groupId: 7 }, 1, none)).toBe('g:7');
    expect(GROUP_SOCKET.eventKey({ userId: 2, conversation: { type: 'group', id: 8 } }, 1, none)).toBe('g:8');
    expect(GROUP_SOCKET.eventKey({ userId: 2, conversation: { type: 'private', id: 8 } }, 1, none)).toBeNull();
  });
});
