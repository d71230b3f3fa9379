import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';
import { API } from '../../core/api/api-paths';
import { Group, GroupMember } from '../../core/api/models';

/** GroupsService: creating, renaming and deleting groups, and managing their members (reading a group is ChatService.group). */
@Injectable({ providedIn: 'root' })
export class GroupsService {
  private readonly http = inject(HttpClient);

  createGroup(body: { name: string; description?: string; memberIds?: number[] }): Observable<Group> {
    return this.http.post<Group>(`${API}/chat/groups`, body);
  }

  /** updateGroup renames or redescribes a group (owner or admin); the members' lists change live (group.updated). */
  updateGroup(groupId: number, patch: { name?: string; description?: string }): Observable<Group> {
    return this.http.patch<Group>(`${API}/chat/groups/${groupId}`, patch);
  }

  /** deleteGroup deletes a group (owner only); every member's socket leaves it (group.left). */
  deleteGroup(groupId: number): Observable<void> {
    return this.http.delete<void>(`${API}/chat/groups/${groupId}`);
  }

  addMember(groupId: number, userId: number): Observable<unknown> {
    return this.http.post(`${API}/chat/groups/${groupId}/members`, { userId });
  }

  /** setMemberRole makes a member an admin of the group or a plain member again (owner only); answers the member. */
  setMemberRole(groupId: number, userId: number, role: 'admin' | 'member'): Observable<GroupMember> {
    return this.http.patch<GroupMember>(`${API}/chat/groups/${groupId}/members/${userId}`, { role });
  }

  removeMember(groupId: number, userId: number): Observable<void> {
    return this.http.delete<void>(`${API}/chat/groups/${groupId}/members/${userId}`);
  }
}
