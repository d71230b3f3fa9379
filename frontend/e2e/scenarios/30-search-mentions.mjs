// Find and be told (issue 13), in two browsers: a mention notifies the other browser (its context granted the
// Notification permission, the tab reported hidden) and counts in its tab title and mention badge; the search
// box (Ctrl+K) finds an older message and opens it in place, highlighted; a reply shows its quoted original and
// a click on the quote brings the original into view; on a 390×844 phone the search box and its results fit.
import { BASE, step, assert, tid, visible, newUserPage, register, befriend, openChatWith, messageWithText, send, newUser, run } from '../lib.mjs';

const alice = newUser('sma');
const bob = newUser('smb');
const word = `zanzibar${run}`;

/** watchNotifications records the page's notifications and lets the test report the tab hidden. */
async function watchNotifications(context) {
  await context.addInitScript(() => {
    window.__notes = [];
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title, options) {
        super(title, options);
        window.__notes.push(title);
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Recorded.requestPermission = (...a) => Real.requestPermission(...a);
    window.Notification = Recorded;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__e2eHidden === true });
  });
}

export default async function searchMentions(browser) {
  const A = await newUserPage(browser);
  const B = await newUserPage(browser);
  await B.context.grantPermissions(['notifications'], { origin: BASE });
  await watchNotifications(B.context);
  const pages = () => ({ a: A.page, b: B.page });

  await step('search & mentions: two friends, the second opts in to notifications', pages, async () => {
    await register(A.page, alice);
    await register(B.page, bob);
    await befriend(A.page, B.page, alice, bob);
    await B.page.goto(`${BASE}/chat`);
    await B.page.locator(tid('user-menu-button')).click();
    await B.page.locator(tid('notify-toggle')).check();
    assert(await B.page.locator(tid('notify-toggle')).isChecked(), 'notifications stay off after opting in');
    await B.page.keyboard.press('Escape');
  });

  await step('a mention notifies the other browser and counts in its tab title and badge', pages, async () => {
    await openChatWith(A.page, bob.displayName);
    await send(A.page, `the ${word} file is ready`);
    await visible(messageWithText(A.page, word), 'the first message on A');
    for (let i = 0; i < 14; i++) await send(A.page, `filler message ${i}`);
    await visible(messageWithText(A.page, 'filler message 13'), 'the last filler on A');
    await B.page.evaluate(() => (window.__e2eHidden = true));
    await send(A.page, `@${bob.username} please look`);
    await B.page.waitForFunction(() => window.__notes.length > 0, null, { timeout: 15000 });
    const notes = await B.page.evaluate(() => window.__notes);
    assert(notes.some((t) => t.includes('mentioned you')), `notifications on B: ${JSON.stringify(notes)}`);
    await B.page.waitForFunction(() => /^\(\d+\) WorkComm$/.test(document.title), null, { timeout: 15000 });
    const title = await B.page.title();
    assert(title === "(16) WorkComm", `B's tab title is ${title}`);
    const badge = B.page.locator(`${tid('conversation-item')}[data-title="${alice.displayName}"] ${tid('mention-badge')}`);
    await visible(badge, 'the mention badge on B');
    await B.page.evaluate(() => (window.__e2eHidden = false));
  });

  await step('search (Ctrl+K) finds an older message and opens it in place, highlighted', pages, async () => {
    await B.page.locator('body').click();
    await B.page.keyboard.press('Control+k');
    const input = B.page.locator(tid('search-input'));
    assert(await input.evaluate((el) => el === document.activeElement), 'Ctrl+K did not focus the search box');
    await input.fill(word.slice(0, 8));
    const hit = B.page.locator(tid('search-hit')).first();
    await visible(hit, 'a search hit');
    assert((await hit.locator('mark').innerText()).toLowerCase().startsWith('zanzibar'), 'the hit is not highlighted');
    await hit.click();
    const target = messageWithText(B.page, word);
    await visible(target, 'the found message in its conversation');
    await B.page.waitForFunction(() => !!document.querySelector('[data-testid="message-item"].highlight'), null, { timeout: 15000 });
    assert(await target.evaluate((el) => el.classList.contains('highlight')), 'the found message is not the highlighted one');
    const inView = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    assert(inView, 'the found message is not in view');
    await B.page.waitForFunction(() => document.title === 'WorkComm', null, { timeout: 15000 });
  });

  await step('a reply quotes its original, and a click on the quote brings the original into view', pages, async () => {
    await messageWithText(B.page, word).locator(tid('message-reply')).click();
    await visible(B.page.locator(tid('reply-strip')), 'the quote strip in the composer');
    await send(B.page, 'got it, thanks');
    const reply = messageWithText(A.page, 'got it, thanks');
    await visible(reply, 'the reply on A');
    const quote = reply.locator(tid('reply-quote'));
    await visible(quote, 'the quoted original above the reply on A');
    assert((await quote.innerText()).includes(word), 'the quote does not show the original');
    await quote.click();
    await A.page.waitForFunction(() => !!document.querySelector('[data-testid="message-item"].highlight'), null, { timeout: 15000 });
    assert(await messageWithText(A.page, word).evaluate((el) => el.classList.contains('highlight')), 'the original is not highlighted');
  });

  await step('phone 390×844: the search box and its results fit the screen, a hit opens the conversation', pages, async () => {
    await B.page.setViewportSize({ width: 390, height: 844 });
    await B.page.goto(`${BASE}/chat`);
    const input = B.page.locator(tid('search-input'));
    await visible(input, 'the search box on a phone');
    await input.fill('got it');
    const hit = B.page.locator(tid('search-hit')).first();
    await visible(hit, 'a hit on a phone');
    for (const [loc, what] of [[input, 'search box'], [B.page.locator(tid('search-results')), 'results']]) {
      const box = await loc.boundingBox();
      assert(box && box.x >= 0 && box.x + box.width <= 390 + 1, `the ${what} overflow the phone's width: ${JSON.stringify(box)}`);
    }
    await hit.click();
    await visible(B.page.locator(tid('message-pane')), 'the conversation on a phone');
    await visible(messageWithText(B.page, 'got it, thanks'), 'the found reply on a phone');
  });

  await A.context.close();
  await B.context.close();
}
