import { Injectable, inject } from '@angular/core';
import { I18nService } from '../i18n/i18n.service';
import { Clock, relativeTime } from '../util/relative-time';
import { People } from './people';

/**
 * LastSeen says when an offline user was last here, relative to now and in the UI language ("last seen 5 minutes
 * ago", "dernière connexion il y a 5 minutes"); it follows presence events and the clock's minute ticks.
 */
@Injectable({ providedIn: 'root' })
export class LastSeen {
  private readonly people = inject(People);
  private readonly clock = inject(Clock);
  private readonly i18n = inject(I18nService);

  /** of is the text for an offline user whose last visit is known; null while online, unknown or deleted. */
  of(userId: number): string | null {
    if (this.people.online(userId) !== false) return null;
    const iso = this.people.lastSeen(userId);
    if (!iso) return null;
    const when = relativeTime(iso, this.clock.now(), this.i18n.locale());
    return when ? this.i18n.t('presence.lastSeen', { when }) : this.i18n.t('presence.lastSeenJustNow');
  }
}
