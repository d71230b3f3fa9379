import { TestBed } from '@angular/core/testing';
import { UserAvatar, initials } from './user-avatar';

describe('UserAvatar', () => {
  afterEach(() => TestBed.resetTestingModule());

  it('makes initials from the first two words of the display name, else the username', () => {
    expect(initials({ displayName: 'alice martin', username: 'am' })).toBe('AM');
    expect(initials({ displayName: '  Éloïse  ', username: 'e' })).toBe('É');
    expect(initials({ displayName: 'Jean Paul Sartre' })).toBe('JP');
    expect(initials({ displayName: '', username: 'bob' })).toBe('B');
    expect(initials(null)).toBe('?');
  });

  it('shows the picture when there is one, and the initials when it fails to load', () => {
    const fixture = TestBed.createComponent(UserAvatar);
    fixture.componentRef.setInput('user', { displayName: 'Alice Martin', avatarUrl: '/files/a.png' });
    fixture.detectChanges();
    const el: HTMLElement = fixture.nativeElement;
    const img = el.querySelector('img');
    expect(img?.getAttribute('src')).toBe('/files/a.png');
    expect(el.getAttribute('aria-hidden')).toBe('true');

    img!.dispatchEvent(new Event('error'));
    fixture.detectChanges();
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('[data-testid="avatar-initials"]')?.textContent).toBe('AM');
  });

  it('shows initials when there is no picture', () => {
    const fixture = TestBed.createComponent(UserAvatar);
    fixture.componentRef.setInput('user', { displayName: 'Bob', avatarUrl: null });
    fixture.componentRef.setInput('size', 24);
    fixture.detectChanges();
    const el: HTMLElement = fixture.nativeElement;
    expect(el.querySelector('img')).toBeNull();
    expect(el.textContent?.trim()).toBe('B');
    expect(el.style.width).toBe('24px');
  });
});
