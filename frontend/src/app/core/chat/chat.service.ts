import { HttpClient, HttpContext, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../api/api-paths';
import { Friend, FriendRequests, Group, Message, MessagePage, Page, PrivateConversation, Reader, SearchHit, SendExtras, sendExtras } from '../api/models';
import { pageOf, pageParams } from '../api/page';
import { SKIP_ERROR_TOAST } from '../http/http-context';
import { ConversationKey, idOf, isGroupKey } from './conversation-key';

/** base is where a conversation lives on the REST API. */
function base(key: ConversationKey): string {
  return isGroupKey(key) ? `${API}/chat/groups/${idOf(key)}` : `${API}/chat/private/${idOf(key)}`;
}

function messagesBase(key: ConversationKey): string {
  return isGroupKey(key) ? `${API}/chat/groups/messages` : `${API}/chat/private/messages`;
}

/**
 * ChatService is the REST side of chat: the lists the conversation list is made of (private conversations,
 * groups, friends), pending friend requests, a group with its members, history pages, sending, read marks, edits.
 */
@Injectable({ providedIn: 'root' })
export class ChatService {
  private readonly http = inject(HttpClient);

  /** privateConversations: a page of my private conversations, newest activity first. */
  privateConversations(cursor?: string | null): Observable<Page<PrivateConversation>> {
    return this.page<PrivateConversation>(`${API}/chat/private`, cursor);
  }

  /** groups: a page of my groups, with unread counts and last messages. */
  groups(cursor?: string | null): Observable<Page<Group>> {
    return this.page<Group>(`${API}/chat/groups`, cursor);
  }

  /** friends: a page of my friends. */
  friends(cursor?: string | null): Observable<Page<Friend>> {
    return this.page<Friend>(`${API}/friends`, cursor);
  }

  /** friendRequests: my pending friend requests, received and sent. */
  friendRequests(): Observable<FriendRequests> {
    return this.http
      .get<FriendRequests>(`${API}/friends/requests`)
      .pipe(map((r) => ({ incoming: r?.incoming ?? [], outgoing: r?.outgoing ?? [] })));
  }

  /** group: one group with its members. */
  group(id: number): Observable<Group> {
    return this.http.get<Group>(`${API}/chat/groups/${id}`);
  }

  /**
   * history: the latest page, the page just below `before` (paging upwards), just above `after` (paging
   * newer), or centred on `around` (an old message to show; its hasMore: newer messages follow).
   */
  history(key: ConversationKey, opts: { before?: number; after?: number; around?: number; limit?: number } = {}): Observable<MessagePage> {
    let params = new HttpParams().set('limit', String(opts.limit ?? 50));
    if (opts.around) params = params.set('around', String(opts.around));
    if (opts.before) params = params.set('before', String(opts.before));
    if (opts.after) params = params.set('after', String(opts.after));
    return this.http
      .get<MessagePage>(`${base(key)}/messages`, { params })
      .pipe(map((r) => ({ items: r?.items ?? [], hasMore: !!r?.hasMore })));
  }

  send(key: ConversationKey, body: string, clientMsgId: string, extras: SendExtras = {}): Observable<Message> {
    // The caller (the REST fallback of a pending message) shows the outcome on the message itself.
    const payload = { body, clientMsgId, ...sendExtras(extras) };
    return this.http.post<Message>(`${base(key)}/messages`, payload, { context: new HttpContext().set(SKIP_ERROR_TOAST, true) });
  }

  /** settings stores my mute of a conversation (every device agrees). */
  setMuted(key: ConversationKey, muted: boolean): Observable<{ muted: boolean }> {
    return this.http.patch<{ muted: boolean }>(`${base(key)}/settings`, { muted });
  }

  /** readers: the members of a group who have read up to seq ("seen by"). */
  readers(groupId: number, seq: number): Observable<Reader[]> {
    return this.http.get<{ items: Reader[] }>(`${API}/chat/groups/${groupId}/messages/${seq}/readers`).pipe(map((r) => r?.items ?? []));
  }

  /** search: a page of the messages matching q, newest first. */
  search(q: string, cursor?: string | null): Observable<Page<SearchHit>> {
    let params = new HttpParams().set('q', q).set('limit', '20');
    if (cursor) params = params.set('cursor', cursor);
    return this.http
      .get<Page<SearchHit>>(`${API}/search/messages`, { params, context: new HttpContext().set(SKIP_ERROR_TOAST, true) })
      .pipe(map((r) => pageOf(r)));
  }

  markRead(key: ConversationKey, seq: number): Observable<void> {
    return this.http.post<void>(`${base(key)}/read`, { seq });
  }

  editMessage(key: ConversationKey, messageId: number, body: string): Observable<Message> {
    return this.http.patch<Message>(`${messagesBase(key)}/${messageId}`, { body });
  }

  deleteMessage(key: ConversationKey, messageId: number): Observable<void> {
    return this.http.delete<void>(`${messagesBase(key)}/${messageId}`);
  }

  /** react puts (or takes off) my emoji on a message. */
  react(key: ConversationKey, messageId: number, emoji: string, on: boolean): Observable<void> {
    const url = `${messagesBase(key)}/${messageId}/reactions/${encodeURIComponent(emoji)}`;
    return on ? this.http.put<void>(url, null) : this.http.delete<void>(url);
  }

  /** whoReacted lists, emoji by emoji, the users who reacted to a message. */
  whoReacted(key: ConversationKey, messageId: number): Observable<{ emoji: string; userIds: number[] }[]> {
    return this.http
      .get<{ items: { emoji: string; userIds: number[] }[] }>(`${messagesBase(key)}/${messageId}/reactions`)
      .pipe(map((r) => r?.items ?? []));
  }

  private page<T>(url: string, cursor?: string | null): Observable<Page<T>> {
    return this.http.get<T[] | Page<T>>(url, { params: pageParams(cursor) }).pipe(map((r) => pageOf(r)));
  }
}
