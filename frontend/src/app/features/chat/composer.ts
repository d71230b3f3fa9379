import { Component, DestroyRef, ElementRef, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import { Subscription, firstValueFrom } from 'rxjs';
import { apiError } from '../../core/api/api-paths';
import { Attachment } from '../../core/api/models';
import { AttachmentsService, fileSize } from '../../core/chat/attachments.service';
import { ConversationKey, idOf, isGroupKey } from '../../core/chat/conversation-key';
import { I18nService } from '../../core/i18n/i18n.service';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { TranslationKey } from '../../core/i18n/en';
import { ChatActivity } from '../../core/chat/chat-activity';
import { ChatService } from '../../core/chat/chat.service';
import { Drafts } from '../../core/chat/drafts';
import { MessageSender } from '../../core/chat/message-sender';
import { People } from '../../core/chat/people';
import { ReplyAndJump } from '../../core/chat/reply-and-jump';
import { AuthService } from '../../core/auth/auth.service';
import { MentionCandidate, insertMention, mentionQuery, suggestMentions } from './mention-suggest';

/** Longest message body (the server's limit, in code points). */
export const MAX_BODY = 4000;
/** Most files one message carries (the server's limit). */
export const MAX_FILES = 10;

/** A file being attached: uploading (progress 0 to 1), stored (attachment), or refused (error). */
interface PendingFile {
  localId: number;
  name: string;
  size: number;
  progress: number;
  attachment: Attachment | null;
  error: TranslationKey | null;
}

/**
 * Composer: keeps a draft per conversation; Enter sends, Shift+Enter adds a line. Shows the message being
 * answered (a quote strip) and suggests the conversation's members after an @. Files are attached by the
 * button, by pasting or by dropping them: each uploads at once with its progress and can be cancelled; the
 * message goes when every file is stored.
 */
@Component({
  selector: 'app-composer',
  imports: [TranslatePipe],
  template: `
    @if (replyTo(); as r) {
      <div class="quote-strip" data-testid="reply-strip">
        <span class="quote-text">
          <strong>{{ 'chat.replyingTo' | t: lang() : { name: people.displayName(r.senderId) } }}</strong>
          <span class="quote-body">{{ r.deleted ? ('chat.quoteDeleted' | t: lang()) : r.body }}</span>
        </span>
        <button type="button" class="link-button" data-testid="reply-cancel" [attr.aria-label]="'chat.cancelReply' | t: lang()"
                (click)="rj.setReply(key(), null)">✕</button>
      </div>
    }
    @if (suggestions().length) {
      <ul class="suggest" role="listbox" id="mention-suggest" data-testid="mention-suggestions" [attr.aria-label]="'chat.mentionSuggestions' | t: lang()">
        @for (c of suggestions(); track c.username; let i = $index) {
          <li role="option" [attr.aria-selected]="i === active()" [class.active]="i === active()" data-testid="mention-suggestion"
              (mousedown)="$event.preventDefault(); pick(c)">
            <strong>{{ '@' + c.username }}</strong> <span>{{ c.label }}</span>
          </li>
        }
      </ul>
    }
    <form class="composer" (submit)="$event.preventDefault(); send()" data-testid="composer"
          [class.dragging]="dragging()" (dragover)="onDragOver($event)" (dragleave)="dragging.set(false)" (drop)="onDrop($event)">
      @if (files().length > 0) {
        <ul class="files" data-testid="composer-files">
          @for (f of files(); track f.localId) {
            <li class="file" [class.failed]="!!f.error" data-testid="composer-file" [attr.data-done]="f.attachment ? 'true' : 'false'">
              <span class="name">{{ f.name }}</span>
              <span class="size">{{ size(f.size) }}</span>
              @if (f.error) {
                <span class="error" role="alert">{{ f.error | t: lang() }}</span>
              } @else if (!f.attachment) {
                <progress max="1" [value]="f.progress" [attr.aria-label]="'rich.uploading' | t: lang() : { name: f.name }"></progress>
              }
              <button type="button" class="link-button" data-testid="composer-file-remove" (click)="remove(f)"
                      [attr.aria-label]="(f.attachment || f.error ? 'rich.removeFile' : 'rich.cancelUpload') | t: lang() : { name: f.name }">✕</button>
            </li>
          }
        </ul>
      }
      @if (tooMany()) { <p class="error" role="alert">{{ 'rich.tooMany' | t: lang() }}</p> }
      <div class="row">
        <input #picker type="file" multiple hidden data-testid="composer-file-input" (change)="onPicked($event)" />
        <button type="button" class="button secondary attach" data-testid="composer-attach" [attr.aria-label]="'rich.attach' | t: lang()"
                [title]="'rich.attach' | t: lang()" (click)="picker.click()"><svg class="clip" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M21.4 11.1l-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg></button>
        <label class="visually-hidden" for="composer-input">{{ 'chat.messageLabel' | t: lang() }}</label>
        <span id="composer-hint" class="visually-hidden">{{ 'chat.composerHint' | t: lang() }} {{ 'rich.formatHint' | t: lang() }}</span>
        <textarea #box id="composer-input" rows="1" data-testid="composer-input" [value]="drafts.of(key())"
                  aria-describedby="composer-hint" [attr.aria-controls]="suggestions().length ? 'mention-suggest' : null"
                  [title]="'rich.formatHint' | t: lang()" [attr.maxlength]="max" [placeholder]="'chat.placeholder' | t: lang()"
                  (input)="onInput($event)" (keydown)="onKey($event)" (paste)="onPaste($event)"></textarea>
        <button type="submit" class="button" data-testid="composer-send" [disabled]="!canSend()"
                [attr.aria-label]="'chat.send' | t: lang()">{{ 'chat.send' | t: lang() }}</button>
      </div>
    </form>
  `,
  styles: `
    :host { display: block; position: relative; }
    .quote-strip { display: flex; gap: var(--space-2); align-items: center; padding: var(--space-1) var(--space-3); border-top: 1px solid var(--border); border-left: 3px solid var(--primary, #3b82f6); background: var(--surface); font-size: 0.875rem; }
    .quote-text { flex: 1; min-width: 0; display: flex; gap: var(--space-2); }
    .quote-body { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; opacity: 0.8; }
    .suggest { position: absolute; bottom: 100%; left: var(--space-3); right: var(--space-3); max-width: 22rem; margin: 0; padding: var(--space-1) 0; list-style: none; background: var(--surface); border: 1px solid var(--border); border-radius: 0.5rem; box-shadow: 0 4px 16px rgb(0 0 0 / 0.15); z-index: 5; }
    .suggest li { padding: var(--space-1) var(--space-3); cursor: pointer; }
    .suggest li.active, .suggest li:hover { background: var(--hover, rgb(0 0 0 / 0.06)); }
    .composer { display: flex; flex-direction: column; gap: var(--space-1); padding: var(--space-2) var(--space-3); border-top: 1px solid var(--border); background: var(--surface); }
    .composer.dragging { outline: 2px dashed var(--primary, #3b6ef5); outline-offset: -4px; }
    .row { display: flex; gap: var(--space-2); align-items: flex-end; }
    textarea { flex: 1; min-width: 0; min-height: 2.5rem; max-height: 10rem; resize: none; }
    .attach { padding-inline: 0.6rem; display: inline-flex; align-items: center; }
    .files { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
    .file { display: flex; gap: 0.5rem; align-items: center; font-size: 0.9rem; min-width: 0; }
    .file .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
    .file .size { opacity: 0.7; white-space: nowrap; }
    .file progress { flex: 1; min-width: 3rem; }
    .error { color: var(--danger, #c0392b); margin: 0; }
  `,
})
export class Composer {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly drafts = inject(Drafts);
  protected readonly people = inject(People);
  protected readonly rj = inject(ReplyAndJump);
  private readonly sender = inject(MessageSender);
  private readonly activity = inject(ChatActivity);
  private readonly api = inject(ChatService);
  private readonly auth = inject(AuthService);
  private readonly uploads = inject(AttachmentsService);
  /** The conversation this composer writes to. */
  readonly key = input.required<ConversationKey>();
  protected readonly max = MAX_BODY;
  private readonly box = viewChild.required<ElementRef<HTMLTextAreaElement>>('box');

  protected readonly replyTo = computed(() => this.rj.replyingTo(this.key()));
  /** The @name being typed (null: none). */
  private readonly query = signal<string | null>(null);
  protected readonly active = signal(0);
  /** Who can be mentioned here: the peer, or the group's members (loaded once per group) and @all. */
  private readonly candidates = signal<MentionCandidate[]>([]);
  protected readonly suggestions = computed(() => {
    const q = this.query();
    return q === null ? [] : suggestMentions(q, this.candidates());
  });

  protected readonly files = signal<PendingFile[]>([]);
  protected readonly dragging = signal(false);
  protected readonly tooMany = signal(false);
  private readonly inFlight = new Map<number, Subscription>();
  private nextLocalId = 1;

  /** Ready when there is text or a file, and every file is stored. */
  protected readonly canSend = computed(() => {
    const files = this.files();
    if (files.some((f) => !f.attachment && !f.error)) return false;
    return !!this.drafts.of(this.key()).trim() || files.some((f) => f.attachment);
  });

  constructor() {
    // Focus the composer when the conversation changes (keyboard users land where they type); files being
    // attached belong to the conversation they were dropped in.
    effect(() => {
      const key = this.key();
      this.query.set(null);
      untracked(() => {
        this.clearFiles();
        void this.loadCandidates(key);
      });
      queueMicrotask(() => this.box().nativeElement.focus({ preventScroll: true }));
    });
    // A reply chosen: type it here.
    effect(() => {
      if (this.replyTo()) queueMicrotask(() => this.box().nativeElement.focus({ preventScroll: true }));
    });
    inject(DestroyRef).onDestroy(() => this.clearFiles());
  }

  protected size(bytes: number): string {
    return fileSize(bytes, this.lang());
  }

  protected onInput(ev: Event): void {
    const el = ev.target as HTMLTextAreaElement;
    const value = el.value;
    this.drafts.set(this.key(), value);
    this.query.set(mentionQuery(value.slice(0, el.selectionStart ?? value.length)));
    this.active.set(0);
    if (value.trim()) this.activity.typing(this.key());
  }

  protected onKey(ev: KeyboardEvent): void {
    const list = this.suggestions();
    if (list.length) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        const step = ev.key === 'ArrowDown' ? 1 : list.length - 1;
        this.active.set((this.active() + step) % list.length);
        return;
      }
      if (ev.key === 'Enter' || ev.key === 'Tab') {
        ev.preventDefault();
        this.pick(list[Math.min(this.active(), list.length - 1)]);
        return;
      }
      if (ev.key === 'Escape') {
        this.query.set(null);
        return;
      }
    }
    if (ev.key === 'Escape' && this.replyTo()) {
      this.rj.setReply(this.key(), null);
      return;
    }
    if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing) return;
    ev.preventDefault();
    this.send();
  }

  protected pick(c: MentionCandidate): void {
    const el = this.box().nativeElement;
    const next = insertMention(el.value, el.selectionStart ?? el.value.length, c.username);
    el.value = next.text;
    el.setSelectionRange(next.caret, next.caret);
    this.drafts.set(this.key(), next.text);
    this.query.set(null);
  }

  protected onPaste(ev: ClipboardEvent): void {
    const files = Array.from(ev.clipboardData?.files ?? []);
    if (files.length === 0) return; // text pastes as text
    ev.preventDefault();
    this.attach(files);
  }

  protected onDragOver(ev: DragEvent): void {
    if (!ev.dataTransfer?.types.includes('Files')) return;
    ev.preventDefault();
    this.dragging.set(true);
  }

  protected onDrop(ev: DragEvent): void {
    this.dragging.set(false);
    const files = Array.from(ev.dataTransfer?.files ?? []);
    if (files.length === 0) return;
    ev.preventDefault();
    this.attach(files);
  }

  protected onPicked(ev: Event): void {
    const input = ev.target as HTMLInputElement;
    this.attach(Array.from(input.files ?? []));
    input.value = '';
  }

  /** attach uploads each file at once (at most MAX_FILES a message). */
  attach(files: File[]): void {
    const room = MAX_FILES - this.files().length;
    this.tooMany.set(files.length > room);
    for (const file of files.slice(0, Math.max(room, 0))) {
      const f: PendingFile = { localId: this.nextLocalId++, name: file.name || 'file', size: file.size, progress: 0, attachment: null, error: null };
      this.files.update((list) => [...list, f]);
      const sub = this.uploads.upload(file).subscribe({
        next: (p) => this.update(f.localId, p.done ? { attachment: p.attachment, progress: 1 } : { progress: p.progress }),
        error: (err) => {
          this.inFlight.delete(f.localId);
          const code = apiError(err).code;
          this.update(f.localId, { error: code === 'payload_too_large' ? 'rich.tooLarge' : code === 'plan_limit' ? 'rich.planLimit' : 'rich.uploadFailed' });
        },
        complete: () => this.inFlight.delete(f.localId),
      });
      this.inFlight.set(f.localId, sub);
    }
  }

  /** remove cancels an upload in flight (the request is aborted) or drops a file from the message. */
  protected remove(f: PendingFile): void {
    this.inFlight.get(f.localId)?.unsubscribe();
    this.inFlight.delete(f.localId);
    this.files.update((list) => list.filter((x) => x.localId !== f.localId));
    this.tooMany.set(false);
  }

  protected send(): void {
    if (!this.canSend()) return;
    const key = this.key();
    const text = this.drafts.of(key);
    const ids = this.files().flatMap((f) => (f.attachment ? [f.attachment.id] : []));
    this.sender.send(key, text, { replyToId: this.replyTo()?.id, attachmentIds: ids });
    this.rj.setReply(key, null);
    this.drafts.set(key, '');
    this.query.set(null);
    this.box().nativeElement.value = '';
    this.clearFiles();
  }

  private update(localId: number, change: Partial<PendingFile>): void {
    this.files.update((list) => list.map((f) => (f.localId === localId ? { ...f, ...change } : f)));
  }

  private clearFiles(): void {
    for (const sub of this.inFlight.values()) sub.unsubscribe();
    this.inFlight.clear();
    this.files.set([]);
    this.tooMany.set(false);
  }

  private async loadCandidates(key: ConversationKey): Promise<void> {
    const me = this.auth.user()?.id;
    const label = (u: { username: string; displayName?: string }) => u.displayName || u.username;
    if (!isGroupKey(key)) {
      const name = this.people.username(idOf(key));
      this.candidates.set(name ? [{ username: name, label: this.people.displayName(idOf(key)) }] : []);
      return;
    }
    this.candidates.set([]);
    try {
      const g = await firstValueFrom(this.api.group(idOf(key)));
      if (key !== this.key()) return;
      const members = (g?.members ?? []).filter((m) => m.user.id !== me && !m.user.deleted);
      const mine = g?.members?.find((m) => m.user.id === me);
      const all = mine && mine.role !== 'member' ? [{ username: 'all', label: 'all' }] : [];
      this.candidates.set([...members.map((m) => ({ username: m.user.username, label: label(m.user) })), ...all]);
    } catch {
      /* no suggestions: typing the name still mentions */
    }
  }
}
