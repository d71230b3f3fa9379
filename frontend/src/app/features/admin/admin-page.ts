import { Component, OnInit, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { firstValueFrom } from 'rxjs';
import { AdminPayment, AdminStats, AuditEntry, PaymentStatus, Role, User } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService, TranslationKey } from '../../core/i18n/i18n.service';
import { paymentStatusKey, planKey } from '../../core/i18n/keys';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { AdminService } from './admin.service';
import { ToastService } from '../../core/toast/toast.service';
import { formatMoney } from '../payments/subscription-page';
import { ConfirmDialog } from '../../shared/confirm-dialog';

type Tab = 'users' | 'payments' | 'stats' | 'audit';

/**
 * Admin console: users (search, ban/unban, role, delete after a confirmation, with the audit entry it made shown
 * at once), payments by status, stats and the audit log.
 */
@Component({
  selector: 'app-admin-page',
  imports: [FormsModule, TranslatePipe, ConfirmDialog],
  templateUrl: './admin-page.html',
  styles: `
    .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: var(--space-3); }
    .stat { background: var(--surface-2); border-radius: var(--radius); padding: var(--space-3); }
    .stat strong { display: block; font-size: 1.5rem; }
    .banned { color: var(--danger); font-weight: 700; }
    td select { width: auto; }
    pre { margin: 0; white-space: pre-wrap; font-size: 0.75rem; max-width: 24rem; }
    .deleted-note { margin-top: var(--space-3); }
    .deleted-note dl { display: grid; grid-template-columns: auto 1fr; gap: var(--space-1) var(--space-3); margin: var(--space-2) 0; }
    .deleted-note dt { font-weight: 600; }
    .deleted-note dd { margin: 0; }
  `,
})
export class AdminPage implements OnInit {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly planKey = planKey;
  protected readonly paymentStatusKey = paymentStatusKey;
  /** The payment statuses to filter by. */
  protected readonly statuses: readonly PaymentStatus[] = ['pending', 'processing', 'succeeded', 'failed', 'canceled'];
  private readonly admin = inject(AdminService);
  protected readonly auth = inject(AuthService);
  private readonly i18n = inject(I18nService);
  private readonly toast = inject(ToastService);

  protected readonly tab = signal<Tab>('users');
  protected readonly tabs: Tab[] = ['users', 'payments', 'stats', 'audit'];
  protected q = '';
  protected status = '';
  protected readonly users = signal<User[]>([]);
  protected readonly usersCursor = signal<string | null>(null);
  protected readonly payments = signal<AdminPayment[]>([]);
  protected readonly paymentsCursor = signal<string | null>(null);
  protected readonly stats = signal<AdminStats | null>(null);
  protected readonly audit = signal<AuditEntry[]>([]);
  protected readonly auditCursor = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal(false);
  /** The account whose deletion waits for confirmation. */
  protected readonly deleting = signal<User | null>(null);
  /** The last account deleted here, with the audit entry the deletion made (null until the log is read). */
  protected readonly lastDeletion = signal<{ user: User; entry: AuditEntry | null } | null>(null);

  ngOnInit(): void {
    void this.show('users');
  }

  protected async show(tab: Tab): Promise<void> {
    this.tab.set(tab);
    if (tab === 'users') await this.loadUsers();
    if (tab === 'payments') await this.loadPayments();
    if (tab === 'stats') await this.run(async () => this.stats.set(await firstValueFrom(this.admin.stats())));
    if (tab === 'audit') await this.loadAudit();
  }

  protected tabKey(tab: Tab): TranslationKey {
    return `admin.tab.${tab}`;
  }

  protected onTabKey(ev: KeyboardEvent, index: number): void {
    const delta = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    const next = this.tabs[(index + delta + this.tabs.length) % this.tabs.length];
    void this.show(next);
    queueMicrotask(() => document.getElementById(`tab-${next}`)?.focus());
  }

  protected async loadUsers(more = false): Promise<void> {
    await this.run(async () => {
      const page = await firstValueFrom(this.admin.users(this.q.trim(), more ? this.usersCursor() : null));
      this.users.set(more ? [...this.users(), ...page.items] : page.items);
      this.usersCursor.set(page.nextCursor);
    });
  }

  protected async loadPayments(more = false): Promise<void> {
    await this.run(async () => {
      const page = await firstValueFrom(this.admin.payments(this.status, more ? this.paymentsCursor() : null));
      this.payments.set(more ? [...this.payments(), ...page.items] : page.items);
      this.paymentsCursor.set(page.nextCursor);
    });
  }

  protected async loadAudit(more = false): Promise<void> {
    await this.run(async () => {
      const page = await firstValueFrom(this.admin.audit(more ? this.auditCursor() : null));
      this.audit.set(more ? [...this.audit(), ...page.items] : page.items);
      this.auditCursor.set(page.nextCursor);
    });
  }

  protected async setBanned(u: User, banned: boolean): Promise<void> {
    await this.update(u, { banned }, banned ? 'admin.bannedToast' : 'admin.unbannedToast');
  }

  protected async setRole(u: User, ev: Event): Promise<void> {
    const role = (ev.target as HTMLSelectElement).value as Role;
    if (role !== u.role) await this.update(u, { role }, 'admin.roleToast');
  }

  protected onDeleteAnswer(ok: boolean): void {
    const u = this.deleting();
    this.deleting.set(null);
    if (ok && u) void this.deleteUser(u);
  }

  /** deleteUser deletes an account, then reads the audit log's newest page to show the entry it made. */
  private async deleteUser(u: User): Promise<void> {
    try {
      await firstValueFrom(this.admin.deleteUser(u.id));
    } catch {
      return; /* toast by the interceptor */
    }
    this.users.update((list) => list.filter((x) => x.id !== u.id));
    this.toast.success(this.i18n.t('admin.deletedToast', { name: u.username }));
    this.lastDeletion.set({ user: u, entry: null });
    try {
      const page = await firstValueFrom(this.admin.audit(null));
      const entry = page.items.find((a) => a.action === 'user.delete' && a.targetType === 'user' && Number(a.targetId) === u.id) ?? null;
      this.lastDeletion.update((d) => (d?.user.id === u.id ? { user: u, entry } : d));
    } catch {
      /* the audit tab still has it */
    }
  }

  private async update(u: User, patch: { role?: Role; banned?: boolean }, toastKey: TranslationKey): Promise<void> {
    try {
      const updated = await firstValueFrom(this.admin.updateUser(u.id, patch));
      const merged = { ...u, ...patch, ...(updated && typeof updated === 'object' ? updated : {}) };
      this.users.update((list) => list.map((x) => (x.id === u.id ? merged : x)));
      this.toast.success(this.i18n.t(toastKey, { name: u.username }));
    } catch {
      /* toast by the interceptor */
    }
  }

  protected money(amount: number, currency = 'eur'): string {
    return formatMoney(amount, currency, this.i18n.locale());
  }

  protected date(iso: string): string {
    const d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString(this.i18n.locale());
  }

  protected json(v: unknown): string {
    return v === null || v === undefined ? '' : JSON.stringify(v);
  }

  private async run(fn: () => Promise<void>): Promise<void> {
    this.loading.set(true);
    this.error.set(false);
    try {
      await fn();
    } catch {
      this.error.set(true);
    } finally {
      this.loading.set(false);
    }
  }
}
