import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { LoadMore } from './load-more';

@Component({
  imports: [LoadMore],
  template: `<app-load-more [loading]="loading()" (more)="asked = asked + 1" />`,
})
class Host {
  readonly loading = signal(false);
  asked = 0;
}

/** A stand-in for the browser's IntersectionObserver that a test can trigger. */
class FakeObserver {
  static last: FakeObserver | null = null;
  observed: Element[] = [];
  disconnected = false;
  constructor(readonly callback: (entries: { isIntersecting: boolean }[]) => void) {
    FakeObserver.last = this;
  }
  observe(el: Element): void {
    this.observed.push(el);
  }
  disconnect(): void {
    this.disconnected = true;
  }
}

describe('LoadMore', () => {
  beforeEach(() => {
    FakeObserver.last = null;
    vi.stubGlobal('IntersectionObserver', FakeObserver);
  });
  afterEach(() => vi.unstubAllGlobals());

  async function render() {
    const fixture = TestBed.createComponent(Host);
    await fixture.whenStable();
    const button = (fixture.nativeElement as HTMLElement).querySelector<HTMLButtonElement>('[data-testid="load-more"]')!;
    return { fixture, host: fixture.componentInstance, button };
  }

  it('asks for more on click, not while the page loads, and says it is busy', async () => {
    const { fixture, host, button } = await render();
    expect(button.textContent!.trim()).toBe('Load more');
    button.click();
    expect(host.asked).toBe(1);
    host.loading.set(true);
    await fixture.whenStable();
    expect(button.getAttribute('aria-busy')).toBe('true');
    button.click();
    expect(host.asked).toBe(1);
  });

  it('asks by itself when it scrolls into view (infinite scroll), and stops watching when gone', async () => {
    const { fixture, host } = await render();
    const observer = FakeObserver.last!;
    expect(observer.observed.length).toBe(1);
    observer.callback([{ isIntersecting: false }]);
    expect(host.asked).toBe(0);
    observer.callback([{ isIntersecting: true }]);
    expect(host.asked).toBe(1);
    fixture.destroy();
    expect(observer.disconnected).toBe(true);
  });
});
