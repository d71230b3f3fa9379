import { Injectable, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { PublicUser } from '../api/models';
import { AuthService } from '../auth/auth.service';
import { I18nService } from '../i18n/i18n.service';
import { ChatService } from './chat.service';
import { ChatSockets } from './socket/chat-sockets';

/** People: the users the chat has heard of (peers, friends, group members): names, presence, deleted accounts. */
@Injectable({ providedIn: 'root' })
export class People {
  private readonly api = inject(ChatService);
  private readonly auth = inject(AuthService);
  private readonly i18n = inject(I18nService);
  private readonly sockets = inject(ChatSockets);
  private readonly state = signal<Record<number, PublicUser>>({});

  /** remember records users from a list or a group; a later view of someone completes the earlier one. */
  remember(users: readonly PublicUser[]): void {
    if (users.length === 0) return;
    this.state.update((p) => {
      const next = { ...p };
      for (const u of users) next[u.id] = { ...next[u.id], ...u };
      return next;
    });
  }

  /** isDeleted: the account was deleted (its history stays readable). */
  isDeleted(userId: number): boolean {
    return !!this.state()[userId]?.deleted;
  }

  /** online: the user's presence; null when unknown, and for a deleted account. */
  online(userId: number): boolean | null {
    if (this.isDeleted(userId)) return null;
    const p = this.sockets.presence(userId);
    if (p) return p === 'online';
    return this.state()[userId]?.online ?? null;
  }

  /** lastSeen: when a user was last seen (RFC 3339): the sockets' latest word, else the lists'; null if unknown. */
  lastSeen(userId: number): string | null {
    if (this.isDeleted(userId)) return null;
    return this.sockets.lastSeen(userId) ?? this.state()[userId]?.lastSeenAt ?? null;
  }

  /** user is what we know of a user (the self view for ourselves), for avatars and status; null if nothing. */
  user(userId: number): PublicUser | null {
    const me = this.auth.user();
    if (userId === me?.id) return me;
    return this.state()[userId] ?? null;
  }

  /** username of a user we know of (me included); null otherwise. */
  username(userId: number): string | null {
    const me = this.auth.user();
    if (userId === me?.id) return me.username;
    return this.state()[userId]?.username ?? null;
  }

  /** known lists the users we know of (for the @ autocomplete). */
  known(ids: readonly number[]): PublicUser[] {
    const all = this.state();
    return ids.map((id) => all[id]).filter((u): u is PublicUser => !!u && !u.deleted);
  }

  /** displayName of a user we know of; "#id" otherwise. */
  displayName(userId: number): string {
    const me = this.auth.user();
    if (userId === me?.id) return me.displayName || me.username || '';
    const u = this.state()[userId];
    if (u?.deleted) return this.i18n.t('chat.deletedAccount');
    return u ? u.displayName || u.username : `#${userId}`;
  }

  /** loadGroupMembers learns the names of a group's members (senders in its chat). */
  async loadGroupMembers(groupId: number): Promise<void> {
    try {
      const g = await firstValueFrom(this.api.group(groupId));
      this.remember((g.members ?? []).map((m) => m.user));
    } catch {
      /* shown by the interceptor */
    }
  }

  reset(): void {
    this.state.set({});
  }
}
