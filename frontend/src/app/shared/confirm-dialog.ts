import { Component, ElementRef, effect, input, output, viewChild } from '@angular/core';

let nextId = 0;

/**
 * ConfirmDialog asks before something that cannot be undone (delete a group, an account, a friend): a modal
 * `<dialog>` (focus kept inside, Escape cancels, focus returns where it was), titled and described for screen
 * readers, with Cancel focused first. Open it with `[open]`; it answers once per opening with `(answered)`:
 * true for the confirm button, false for Cancel or Escape.
 */
@Component({
  selector: 'app-confirm-dialog',
  template: `
    <dialog #dialog class="confirm" data-testid="confirm-dialog" [attr.aria-labelledby]="id + '-title'"
            [attr.aria-describedby]="id + '-text'" (close)="onClose()">
      <h2 [id]="id + '-title'">{{ title() }}</h2>
      <p [id]="id + '-text'">{{ text() }}</p>
      <div class="actions">
        <button type="button" class="button secondary" data-testid="confirm-dialog-cancel" autofocus (click)="answer(false)">{{ cancelLabel() }}</button>
        <button type="button" class="button danger" data-testid="confirm-dialog-confirm" (click)="answer(true)">{{ confirmLabel() }}</button>
      </div>
    </dialog>
  `,
  styles: `
    .confirm {
      border: 1px solid var(--border); border-radius: var(--radius-lg); padding: var(--space-4); max-width: min(28rem, calc(100vw - 2rem));
      background: var(--surface); color: var(--text); box-shadow: var(--shadow);
    }
    .confirm::backdrop { background: rgb(10 15 30 / 0.45); }
    .confirm p { margin: 0 0 var(--space-4); }
    .actions { display: flex; gap: var(--space-2); justify-content: flex-end; flex-wrap: wrap; }
  `,
})
export class ConfirmDialog {
  /** The question, e.g. "Delete “Team”?". */
  readonly title = input.required<string>();
  /** What confirming does. */
  readonly text = input('');
  readonly confirmLabel = input.required<string>();
  readonly cancelLabel = input.required<string>();
  /** Shows the dialog while true. */
  readonly open = input(false);
  /** The answer: true to go ahead. */
  readonly answered = output<boolean>();

  protected readonly id = `confirm-${++nextId}`;
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');
  private result = false;

  constructor() {
    effect(() => {
      const el = this.dialog().nativeElement;
      if (this.open() && !el.open) {
        this.result = false;
        // showModal makes the rest of the page inert; an environment without it (tests) gets a plain open dialog.
        if (typeof el.showModal === 'function') el.showModal();
        else el.setAttribute('open', '');
      } else if (!this.open() && el.open) {
        this.close(el);
      }
    });
  }

  protected answer(ok: boolean): void {
    this.result = ok;
    this.close(this.dialog().nativeElement);
  }

  /** onClose: the dialog closed (a button, Escape): say how, once. */
  protected onClose(): void {
    this.answered.emit(this.result);
    this.result = false;
  }

  private close(el: HTMLDialogElement): void {
    if (typeof el.close === 'function') el.close();
    else {
      el.removeAttribute('open');
      this.onClose();
    }
  }
}
