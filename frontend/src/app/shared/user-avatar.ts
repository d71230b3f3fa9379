import { Component, computed, input, signal } from '@angular/core';

/** What an avatar needs of a user: any of the self or public views. */
export interface AvatarUser {
  displayName?: string;
  username?: string;
  avatarUrl?: string | null;
}

/** initials are the first letters of the first two words of the name (one for a single word), upper-cased. */
export function initials(user: AvatarUser | null | undefined): string {
  const name = (user?.displayName || user?.username || '').trim();
  const words = name.split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0] ?? '');
  return letters.join('').toLocaleUpperCase() || '?';
}

/**
 * UserAvatar shows a user's picture, or their initials when they have none (or it fails to load). It is
 * decorative (aria-hidden): the name is always written beside it.
 */
@Component({
  selector: 'app-user-avatar',
  host: {
    class: 'user-avatar',
    'aria-hidden': 'true',
    '[style.width.px]': 'size()',
    '[style.height.px]': 'size()',
    '[style.font-size.px]': 'size() * 0.4',
  },
  template: `
    @if (src(); as url) {
      <img [src]="url" alt="" [width]="size()" [height]="size()" loading="lazy" data-testid="avatar-img" (error)="failed.set(url)" />
    } @else {
      <span data-testid="avatar-initials">{{ letters() }}</span>
    }
  `,
  styles: `
    :host { flex: none; display: inline-grid; place-items: center; border-radius: 50%; overflow: hidden;
            background: var(--surface-2); color: var(--text); font-weight: 700; line-height: 1; }
    img { width: 100%; height: 100%; object-fit: cover; display: block; }
  `,
})
export class UserAvatar {
  readonly user = input<AvatarUser | null | undefined>(null);
  /** Side in CSS pixels. */
  readonly size = input(40);

  /** The URL that failed to load, so that a broken picture falls back to initials. */
  protected readonly failed = signal<string | null>(null);
  protected readonly src = computed(() => {
    const url = this.user()?.avatarUrl;
    return url && url !== this.failed() ? url : null;
  });
  protected readonly letters = computed(() => initials(this.user()));
}
