import { HttpClient, HttpContext, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../api/api-paths';
import { Group, GroupMember, Message, MessagePage, Page, PrivateConversation } from '../api/models';
import { ConversationKey, idOf, isGroupKey } from '../chat/conversation-key';
import { SKIP_ERROR_TOAST } from '../http/http-context';
import { itemsOf } from './friends.service';

/** base is where a conversation lives on the REST API. */
function base(key: ConversationKey): string {
  return isGroupKey(key) ? `${API}/chat/groups/${idOf(key)}` : `${API}/chat/private/${idOf(key)}`;
}

function messagesBase(key: ConversationKey): string {
  return isGroupKey(key) ? `${API}/chat/groups/messages` : `${API}/chat/private/messages`;
}

/** ChatService is the REST side of chat: conversation lists, history pages, read marks, edits, groups. */
@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly http = inject(HttpClient);

  privateConversations(): Observable<PrivateConversation[]> {
    return this.http
      .get<PrivateConversation[] | Page<PrivateConversation>>(`${API}/chat/private`)
      .pipe(map((r) => itemsOf(r)));
  }

  /** history: the latest page, or the page just below `before` (paging upwards). */
  history(t: ConversationKey, opts: { before?: number; after?: number; limit?: number } = {}): Observable<MessagePage> {
    let params = new HttpParams().set('limit', String(opts.limit ?? 50));
    if (opts.before) params = params.set('before', String(opts.before));
    if (opts.after) params = params.set('after', String(opts.after));
    return this.http
      .get<MessagePage>(`${base(t)}/messages`, { params })
      .pipe(map((r) => ({ items: r?.items ?? [], hasMore: !!r?.hasMore })));
  }

  send(t: ConversationKey, body: string, clientMsgId: string): Observable<Message> {
    // The caller (the REST fallback of a pending message) shows the outcome on the message itself.
    return this.http.post<Message>(`${base(t)}/messages`, { body, clientMsgId }, { context: new HttpContext().set(SKIP_ERROR_TOAST, true) });
  }

  markRead(t: ConversationKey, seq: number): Observable<void> {
    return this.http.post<void>(`${base(t)}/read`, { seq });
  }

  editMessage(t: ConversationKey, messageId: number, body: string): Observable<Message> {
    return this.http.patch<Message>(`${messagesBase(t)}/${messageId}`, { body });
  }

  deleteMessage(t: ConversationKey, messageId: number): Observable<void> {
    return this.http.delete<void>(`${messagesBase(t)}/${messageId}`);
  }

  groups(): Observable<Group[]> {
    return this.http.get<Group[] | Page<Group>>(`${API}/chat/groups`).pipe(map((r) => itemsOf(r)));
  }

  group(id: number): Observable<Group> {
    return this.http.get<Group>(`${API}/chat/groups/${id}`);
  }

  createGroup(body: { name: string; description?: string; memberIds?: number[] }): Observable<Group> {
    return this.http.post<Group>(`${API}/chat/groups`, body);
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
