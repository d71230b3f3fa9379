import { APP_TITLE, tabTitle } from './chat-tell';

describe('tabTitle', () => {
  it('puts the unread total in front of the app name, capped', () => {
    expect(tabTitle(0)).toBe(APP_TITLE);
    expect(tabTitle(3)).toBe(`(3) ${APP_TITLE}`);
    expect(tabTitle(250)).toBe(`(99+) ${APP_TITLE}`);
  });
});
