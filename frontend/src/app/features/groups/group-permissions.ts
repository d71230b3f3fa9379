import { GroupMember, GroupRole } from '../../core/api/models';

/** What the viewer may do to one member of a group (the server's rules, so that the UI offers nothing it refuses). */
export interface MemberActions {
  /** Remove them from the group: the owner removes anyone but themself; an admin removes plain members only. */
  remove: boolean;
  /** Make a plain member an admin: the owner only. */
  makeAdmin: boolean;
  /** Make an admin a plain member again: the owner only. */
  makeMember: boolean;
}

const NONE: MemberActions = { remove: false, makeAdmin: false, makeMember: false };

/** roleOf is a user's role in a member list, or null when they are not in it. */
export function roleOf(members: readonly GroupMember[] | undefined, userId: number | null | undefined): GroupRole | null {
  if (userId == null) return null;
  return members?.find((m) => m.user.id === userId)?.role ?? null;
}

/** canAddMembers: the owner and admins add members. */
export function canAddMembers(viewer: GroupRole | null): boolean {
  return viewer === 'owner' || viewer === 'admin';
}

/** canEditSettings: the owner and admins rename and redescribe the group. */
export function canEditSettings(viewer: GroupRole | null): boolean {
  return viewer === 'owner' || viewer === 'admin';
}

/** canDelete: the owner only deletes the group. */
export function canDelete(viewer: GroupRole | null): boolean {
  return viewer === 'owner';
}

/** canLeave: every member but the owner (who deletes the group instead). */
export function canLeave(viewer: GroupRole | null): boolean {
  return viewer === 'admin' || viewer === 'member';
}

/** memberActions lists what a viewer with role `viewer` (id `viewerId`) may do to `target`. */
export function memberActions(viewer: GroupRole | null, viewerId: number | null | undefined, target: GroupMember): MemberActions {
  if (target.user.id === viewerId || target.role === 'owner') return NONE;
  if (viewer === 'owner') {
    return { remove: true, makeAdmin: target.role === 'member', makeMember: target.role === 'admin' };
  }
  if (viewer === 'admin') return { ...NONE, remove: target.role === 'member' };
  return NONE;
}
