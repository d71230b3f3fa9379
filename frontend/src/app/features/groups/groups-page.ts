import { Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { Group, GroupMember } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { groupRoleKey } from '../../core/i18n/keys';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { UserAvatar } from '../../shared/user-avatar';
import { LoadMore } from '../../shared/load-more';
import { ConfirmDialog } from '../../shared/confirm-dialog';
import { ChatLists } from '../../core/chat/chat-lists';
import { ChatService } from '../../core/chat/chat.service';
import { People } from '../../core/chat/people';
import { ToastService } from '../../core/toast/toast.service';
import { GroupsService } from './groups.service';
import {
  MemberActions,
  canAddMembers,
  canDelete as mayDelete,
  canEditSettings,
  canLeave as mayLeave,
  memberActions,
  roleOf,
} from './group-permissions';

/**
 * Groups page: create a group (with friends as first members), see members, add and remove members, make members
 * admins (owner), rename and redescribe it (owner, admins), delete it after a confirmation (owner), leave. Only the
 * actions the viewer may take are offered; a rename by someone else shows at once (group.updated).
 */
@Component({
  selector: 'app-groups-page',
  imports: [FormsModule, RouterLink, TranslatePipe, LoadMore, ConfirmDialog, UserAvatar],
  template: `
    <section class="page">
      <h1>{{ 'groups.title' | t: lang() }}</h1>
      <div class="grid">
        <div class="stack">
          <form class="card stack" (ngSubmit)="create()" data-testid="group-create-form" novalidate>
            <h2>{{ 'groups.create' | t: lang() }}</h2>
            <div class="field">
              <label for="group-name">{{ 'groups.name' | t: lang() }}</label>
              <input id="group-name" name="name" required maxlength="100" data-testid="group-name" [(ngModel)]="name" />
            </div>
            <div class="field">
              <label for="group-description">{{ 'groups.description' | t: lang() }}</label>
              <input id="group-description" name="description" maxlength="500" data-testid="group-description" [(ngModel)]="description" />
            </div>
            <fieldset class="members-pick">
              <legend>{{ 'groups.pickMembers' | t: lang() }}</legend>
              @for (f of lists.friends(); track f.user.id) {
                <label class="check">
                  <input type="checkbox" [checked]="picked().has(f.user.id)" (change)="toggle(f.user.id)"
                         data-testid="group-member-option" [attr.data-username]="f.user.username" />
                  {{ f.user.displayName || f.user.username }}
                </label>
              } @empty {
                <p class="hint">{{ 'groups.noFriends' | t: lang() }}</p>
              }
            </fieldset>
            @if (createError()) { <p class="alert error" role="alert">{{ createError() }}</p> }
            <button type="submit" class="button" data-testid="group-create-submit" [disabled]="busy()">{{ 'groups.create' | t: lang() }}</button>
          </form>

          <div class="card">
            <h2>{{ 'groups.mine' | t: lang() }}</h2>
            @if (lists.groups().length === 0) {
              <p class="state" data-testid="groups-empty">{{ 'groups.none' | t: lang() }}</p>
            }
            <ul class="list" data-testid="group-list">
              @for (g of lists.groups(); track g.id) {
                <li data-testid="group-item" [attr.data-name]="g.name">
                  <a class="grow" [routerLink]="[]" [queryParams]="{ id: g.id }" [attr.aria-current]="g.id === selectedId() ? 'true' : null">{{ g.name }}</a>
                  <a class="button small secondary" [routerLink]="['/chat', 'g', g.id]" data-testid="group-open-chat">{{ 'groups.openChat' | t: lang() }}</a>
                </li>
              }
            </ul>
            @if (lists.groupList.hasMore()) {
              <app-load-more [loading]="lists.groupList.loadingMore()" (more)="lists.groupList.more()" />
            }
          </div>
        </div>

        <div class="card stack" data-testid="group-detail">
          @if (!selectedId()) {
            <p class="state">{{ 'groups.pick' | t: lang() }}</p>
          } @else if (detailLoading()) {
            <p class="state" role="status"><span class="spinner" aria-hidden="true"></span> {{ 'common.loading' | t: lang() }}</p>
          } @else if (detail(); as g) {
            <h2 data-testid="group-detail-name">{{ g.name }}</h2>
            @if (g.description) { <p class="muted" data-testid="group-detail-description">{{ g.description }}</p> }
            @if (canEdit()) {
              <form class="stack settings" (ngSubmit)="saveSettings(g)" data-testid="group-settings" novalidate>
                <h3>{{ 'groups.settings' | t: lang() }}</h3>
                <div class="field">
                  <label for="group-settings-name">{{ 'groups.name' | t: lang() }}</label>
                  <input id="group-settings-name" name="settingsName" required maxlength="100" data-testid="group-settings-name"
                         [ngModel]="settingsName()" (ngModelChange)="settingsName.set($event)" />
                </div>
                <div class="field">
                  <label for="group-settings-description">{{ 'groups.description' | t: lang() }}</label>
                  <input id="group-settings-description" name="settingsDescription" maxlength="1000" data-testid="group-settings-description"
                         [ngModel]="settingsDescription()" (ngModelChange)="settingsDescription.set($event)" />
                </div>
                @if (settingsError()) { <p class="alert error" role="alert">{{ settingsError() }}</p> }
                <div class="row">
                  <button type="submit" class="button small" data-testid="group-settings-save" [disabled]="savingSettings()">{{ 'common.save' | t: lang() }}</button>
                  @if (canDelete()) {
                    <button type="button" class="button small danger" data-testid="group-delete" (click)="deleting.set(g)">{{ 'groups.delete' | t: lang() }}</button>
                  }
                </div>
              </form>
            }
            <h3>{{ 'groups.members' | t: lang() }} ({{ g.members?.length ?? 0 }})</h3>
            <ul class="list" data-testid="group-members">
              @for (m of g.members ?? []; track m.user.id) {
                @let can = actions(m);
                <li data-testid="group-member" [attr.data-username]="m.user.username" [attr.data-role]="m.role">
                  <span class="dot" [class.online]="people.online(m.user.id)" aria-hidden="true"></span>
                  <app-user-avatar [user]="m.user" [size]="28" />
                  <span class="grow">{{ m.user.displayName || m.user.username }}</span>
                  <span class="status" data-testid="group-member-role">{{ groupRoleKey(m.role) | t: lang() }}</span>
                  @if (can.makeAdmin) {
                    <button type="button" class="button small secondary" data-testid="group-make-admin" [disabled]="roleBusy() === m.user.id"
                            [attr.aria-label]="'groups.makeAdminNamed' | t: lang() : { name: m.user.username }"
                            (click)="setRole(g, m, 'admin')">{{ 'groups.makeAdmin' | t: lang() }}</button>
                  }
                  @if (can.makeMember) {
                    <button type="button" class="button small secondary" data-testid="group-make-member" [disabled]="roleBusy() === m.user.id"
                            [attr.aria-label]="'groups.makeMemberNamed' | t: lang() : { name: m.user.username }"
                            (click)="setRole(g, m, 'member')">{{ 'groups.makeMember' | t: lang() }}</button>
                  }
                  @if (can.remove) {
                    <button type="button" class="button small secondary" data-testid="group-remove-member"
                            [attr.aria-label]="'groups.removeNamed' | t: lang() : { name: m.user.username }"
                            (click)="removeMember(g, m.user.id)">{{ 'groups.remove' | t: lang() }}</button>
                  }
                </li>
              }
            </ul>
            @if (canManage()) {
              <form class="row" (ngSubmit)="addMember(g)">
                <label class="visually-hidden" for="add-member">{{ 'groups.addMember' | t: lang() }}</label>
                <select id="add-member" name="addMember" class="grow" data-testid="group-add-member-select" [(ngModel)]="addUserId">
                  <option [ngValue]="null">{{ 'groups.chooseFriend' | t: lang() }}</option>
                  @for (f of addable(); track f.user.id) {
                    <option [ngValue]="f.user.id">{{ f.user.displayName || f.user.username }}</option>
                  }
                </select>
                <button type="submit" class="button small" data-testid="group-add-member" [disabled]="!addUserId">{{ 'groups.addMember' | t: lang() }}</button>
              </form>
            }
            <div class="row">
              <a class="button" [routerLink]="['/chat', 'g', g.id]">{{ 'groups.openChat' | t: lang() }}</a>
              @if (canLeave()) {
                <button type="button" class="button danger" data-testid="group-leave" (click)="leave(g)">{{ 'groups.leave' | t: lang() }}</button>
              }
            </div>
          } @else {
            <p class="state error" role="alert">{{ 'common.loadError' | t: lang() }}</p>
          }
        </div>
      </div>
      <app-confirm-dialog [open]="!!deleting()"
                          [title]="'groups.deleteTitle' | t: lang() : { name: deleting()?.name ?? '' }"
                          [text]="'groups.deleteText' | t: lang()"
                          [confirmLabel]="'common.delete' | t: lang()" [cancelLabel]="'common.cancel' | t: lang()"
                          (answered)="onDeleteAnswer($event)" />
    </section>
  `,
  styles: `
    .grid { display: grid; grid-template-columns: 1fr 1fr; gap: var(--space-4); align-items: start; }
    .grid .card + .card { margin-top: 0; }
    .members-pick { border: 1px solid var(--border); border-radius: var(--radius); padding: var(--space-2) var(--space-3); display: flex; flex-direction: column; gap: var(--space-1); max-height: 12rem; overflow-y: auto; }
    .check { display: flex; gap: var(--space-2); align-items: center; }
    .check input { width: auto; }
    .settings { border-top: 1px solid var(--border); padding-top: var(--space-3); }
    @media (max-width: 767px) { .grid { grid-template-columns: 1fr; } }
  `,
})
export class GroupsPage {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly groupRoleKey = groupRoleKey;
  protected readonly lists = inject(ChatLists);
  protected readonly people = inject(People);
  private readonly chatApi = inject(ChatService);
  private readonly api = inject(GroupsService);
  private readonly auth = inject(AuthService);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  private readonly router = inject(Router);
  /** ?id= of the selected group (component input binding). */
  readonly id = input<string>();

  protected name = '';
  protected description = '';
  protected addUserId: number | null = null;
  protected readonly picked = signal(new Set<number>());
  protected readonly busy = signal(false);
  protected readonly createError = signal<string | null>(null);
  protected readonly detail = signal<Group | null>(null);
  protected readonly detailLoading = signal(false);
  protected readonly me = computed(() => this.auth.user()?.id);
  protected readonly selectedId = computed(() => {
    const n = Number(this.id());
    return Number.isInteger(n) && n > 0 ? n : null;
  });
  /** The viewer's role in the selected group: what they may do follows from it (group-permissions.ts). */
  protected readonly myRole = computed(() => roleOf(this.detail()?.members, this.me()));
  protected readonly canManage = computed(() => canAddMembers(this.myRole()));
  protected readonly canLeave = computed(() => mayLeave(this.myRole()));
  protected readonly canEdit = computed(() => canEditSettings(this.myRole()));
  protected readonly canDelete = computed(() => mayDelete(this.myRole()));
  /** The settings form, filled from the group (and from a rename by someone else, unless edited here). */
  protected readonly settingsName = signal('');
  protected readonly settingsDescription = signal('');
  protected readonly settingsError = signal<string | null>(null);
  protected readonly savingSettings = signal(false);
  /** The group whose deletion waits for confirmation. */
  protected readonly deleting = signal<Group | null>(null);
  /** The member whose role is being changed (its buttons wait for the answer). */
  protected readonly roleBusy = signal<number | null>(null);
  protected readonly addable = computed(() => {
    const members = new Set((this.detail()?.members ?? []).map((m) => m.user.id));
    return this.lists.friends().filter((f) => !members.has(f.user.id));
  });

  constructor() {
    effect(() => {
      const id = this.selectedId();
      untracked(() => (id ? void this.loadDetail(id) : this.detail.set(null)));
    });
    // A rename pushed by the server (group.updated patches the list) shows in the open group too.
    effect(() => {
      const id = this.selectedId();
      const listed = this.lists.groups().find((g) => g.id === id);
      if (listed) untracked(() => this.showSettings(listed));
    });
  }

  /** showSettings takes a group's name and description into the detail, and into the form fields not being edited. */
  private showSettings(g: Pick<Group, 'id' | 'name' | 'description'>): void {
    const d = this.detail();
    if (!d || d.id !== g.id || (d.name === g.name && d.description === g.description)) return;
    if (this.settingsName() === d.name) this.settingsName.set(g.name);
    if (this.settingsDescription() === d.description) this.settingsDescription.set(g.description);
    this.detail.set({ ...d, name: g.name, description: g.description });
  }

  /** saveSettings sends what changed of the name and description (owner or admin). */
  protected async saveSettings(g: Group): Promise<void> {
    const name = this.settingsName().trim();
    const description = this.settingsDescription().trim();
    if (!name) {
      this.settingsError.set(this.i18n.t('groups.nameRequired'));
      return;
    }
    const patch: { name?: string; description?: string } = {};
    if (name !== g.name) patch.name = name;
    if (description !== g.description) patch.description = description;
    this.settingsError.set(null);
    if (!patch.name && patch.description === undefined) return;
    this.savingSettings.set(true);
    try {
      const updated = await firstValueFrom(this.api.updateGroup(g.id, patch));
      const fields = { name: updated?.name ?? name, description: updated?.description ?? description };
      this.settingsName.set(fields.name);
      this.settingsDescription.set(fields.description);
      this.detail.update((d) => (d && d.id === g.id ? { ...d, ...fields } : d));
      this.lists.groupList.patch(g.id, (x) => ({ ...x, ...fields }));
      this.toast.success(this.i18n.t('groups.saved'));
    } catch {
      /* toast by the interceptor */
    } finally {
      this.savingSettings.set(false);
    }
  }

  protected onDeleteAnswer(ok: boolean): void {
    const g = this.deleting();
    this.deleting.set(null);
    if (ok && g) void this.deleteGroup(g);
  }

  private async deleteGroup(g: Group): Promise<void> {
    try {
      await firstValueFrom(this.api.deleteGroup(g.id));
      this.toast.success(this.i18n.t('groups.deleted', { name: g.name }));
      this.lists.groupList.remove(g.id);
      await this.router.navigate([], { queryParams: {} });
    } catch {
      /* toast by the interceptor */
    }
  }

  protected toggle(id: number): void {
    this.picked.update((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  }

  protected async create(): Promise<void> {
    const name = this.name.trim();
    if (!name) {
      this.createError.set(this.i18n.t('groups.nameRequired'));
      return;
    }
    this.busy.set(true);
    this.createError.set(null);
    try {
      const body: { name: string; description?: string; memberIds?: number[] } = { name };
      if (this.description.trim()) body.description = this.description.trim();
      if (this.picked().size) body.memberIds = [...this.picked()];
      const g = await firstValueFrom(this.api.createGroup(body));
      this.name = '';
      this.description = '';
      this.picked.set(new Set());
      this.toast.success(this.i18n.t('groups.created', { name: g.name }));
      await this.lists.reloadGroups();
      await this.router.navigate([], { queryParams: { id: g.id } });
    } catch {
      /* toast by the interceptor */
    } finally {
      this.busy.set(false);
    }
  }

  private async loadDetail(id: number): Promise<void> {
    this.detailLoading.set(true);
    try {
      const g = await firstValueFrom(this.chatApi.group(id));
      this.detail.set(g);
      this.settingsName.set(g.name);
      this.settingsDescription.set(g.description ?? '');
      this.settingsError.set(null);
    } catch {
      this.detail.set(null);
    } finally {
      this.detailLoading.set(false);
    }
  }

  protected async addMember(g: Group): Promise<void> {
    if (!this.addUserId) return;
    try {
      await firstValueFrom(this.api.addMember(g.id, this.addUserId));
      this.addUserId = null;
      await this.loadDetail(g.id);
    } catch {
      /* toast by the interceptor */
    }
  }

  protected actions(m: GroupMember): MemberActions {
    return memberActions(this.myRole(), this.me(), m);
  }

  /** setRole makes a member an admin or a plain member again (owner only); the list shows the server's answer. */
  protected async setRole(g: Group, m: GroupMember, role: 'admin' | 'member'): Promise<void> {
    if (this.roleBusy() !== null) return;
    this.roleBusy.set(m.user.id);
    try {
      const updated = await firstValueFrom(this.api.setMemberRole(g.id, m.user.id, role));
      this.detail.update((d) =>
        d && d.id === g.id
          ? { ...d, members: (d.members ?? []).map((x) => (x.user.id === m.user.id ? { ...x, ...updated, user: { ...x.user, ...updated?.user } } : x)) }
          : d,
      );
      const name = m.user.displayName || m.user.username;
      this.toast.success(this.i18n.t(role === 'admin' ? 'groups.nowAdmin' : 'groups.nowMember', { name }));
    } catch {
      /* toast by the interceptor */
    } finally {
      this.roleBusy.set(null);
    }
  }

  protected async removeMember(g: Group, userId: number): Promise<void> {
    try {
      await firstValueFrom(this.api.removeMember(g.id, userId));
      await this.loadDetail(g.id);
    } catch {
      /* toast by the interceptor */
    }
  }

  protected async leave(g: Group): Promise<void> {
    const me = this.me();
    if (!me) return;
    try {
      await firstValueFrom(this.api.removeMember(g.id, me));
      this.toast.show(this.i18n.t('groups.left', { name: g.name }));
      await this.lists.reloadGroups();
      await this.router.navigate([], { queryParams: {} });
    } catch {
      /* toast by the interceptor */
    }
  }
}
