import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { ConfirmDialog } from './confirm-dialog';

@Component({
  imports: [ConfirmDialog],
  template: `<app-confirm-dialog [open]="open()" title="Delete “Team”?" text="It goes for everyone." confirmLabel="Delete"
                                 cancelLabel="Cancel" (answered)="answers.push($event); open.set(false)" />`,
})
class Host {
  readonly open = signal(false);
  readonly answers: boolean[] = [];
}

describe('ConfirmDialog', () => {
  async function setup() {
    const fixture = TestBed.createComponent(Host);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const dialog = el.querySelector('dialog') as HTMLDialogElement;
    const openIt = async () => {
      fixture.componentInstance.open.set(true);
      await fixture.whenStable();
    };
    return { fixture, el, dialog, openIt, host: fixture.componentInstance };
  }

  it('opens titled and described, and answers once per opening: confirm true, cancel false', async () => {
    const { el, dialog, openIt, host } = await setup();
    expect(dialog.open).toBe(false);
    await openIt();
    expect(dialog.open).toBe(true);
    expect(el.querySelector(`#${dialog.getAttribute('aria-labelledby')}`)?.textContent).toBe('Delete “Team”?');
    expect(el.querySelector(`#${dialog.getAttribute('aria-describedby')}`)?.textContent).toBe('It goes for everyone.');
    (el.querySelector('[data-testid="confirm-dialog-confirm"]') as HTMLButtonElement).click();
    expect([dialog.open, host.answers]).toEqual([false, [true]]);
    await openIt();
    (el.querySelector('[data-testid="confirm-dialog-cancel"]') as HTMLButtonElement).click();
    expect([dialog.open, host.answers]).toEqual([false, [true, false]]);
  });

  it('a dialog closed another way (Escape) answers false', async () => {
    const { dialog, openIt, host } = await setup();
    await openIt();
    // What Escape does to a modal dialog (jsdom has no close()): it closes, then fires close.
    dialog.removeAttribute('open');
    dialog.dispatchEvent(new Event('close'));
    expect(host.answers).toEqual([false]);
  });
});
