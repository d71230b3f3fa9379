import { GroupMember, GroupRole } from '../../core/api/models';
import { canAddMembers, canDelete, canEditSettings, canLeave, memberActions, roleOf } from './group-permissions';

const member = (id: number, role: GroupRole): GroupMember => ({
  user: { id, username: `u${id}`, displayName: '' }, role, joinedAt: '2026-01-01T00:00:00Z',
});

describe('group permissions', () => {
  const owner = member(1, 'owner');
  const admin = member(2, 'admin');
  const admin2 = member(4, 'admin');
  const plain = member(3, 'member');
  const members = [owner, admin, plain, admin2];

  it('finds the viewer\'s role, null outside the group', () => {
    expect(roleOf(members, 1)).toBe('owner');
    expect(roleOf(members, 3)).toBe('member');
    expect(roleOf(members, 99)).toBeNull();
    expect(roleOf(undefined, 1)).toBeNull();
    expect(roleOf(members, undefined)).toBeNull();
  });

  it('the owner promotes plain members, demotes admins, removes both; never acts on themself', () => {
    expect(memberActions('owner', 1, plain)).toEqual({ remove: true, makeAdmin: true, makeMember: false });
    expect(memberActions('owner', 1, admin)).toEqual({ remove: true, makeAdmin: false, makeMember: true });
    expect(memberActions('owner', 1, owner)).toEqual({ remove: false, makeAdmin: false, makeMember: false });
  });

  it('an admin removes plain members only and changes no role', () => {
    expect(memberActions('admin', 2, plain)).toEqual({ remove: true, makeAdmin: false, makeMember: false });
    expect(memberActions('admin', 2, admin2)).toEqual({ remove: false, makeAdmin: false, makeMember: false });
    expect(memberActions('admin', 2, owner)).toEqual({ remove: false, makeAdmin: false, makeMember: false });
    expect(memberActions('admin', 2, admin)).toEqual({ remove: false, makeAdmin: false, makeMember: false });
  });

  it('a plain member or an outsider may do nothing to others', () => {
    for (const target of members) {
      expect(memberActions('member', 3, target)).toEqual({ remove: false, makeAdmin: false, makeMember: false });
      expect(memberActions(null, 99, target)).toEqual({ remove: false, makeAdmin: false, makeMember: false });
    }
  });

  it('owner and admins add members; everyone but the owner may leave', () => {
    expect([canAddMembers('owner'), canAddMembers('admin'), canAddMembers('member'), canAddMembers(null)]).toEqual([true, true, false, false]);
    expect([canLeave('owner'), canLeave('admin'), canLeave('member'), canLeave(null)]).toEqual([false, true, true, false]);
  });

  it('the owner and admins edit the settings; only the owner deletes the group', () => {
    expect((['owner', 'admin', 'member', null] as const).map((r) => [canEditSettings(r), canDelete(r)])).toEqual([
      [true, true],
      [true, false],
      [false, false],
      [false, false],
    ]);
  });
});
