// Friends live and every action reachable (issue 17), in two browsers that never reload unless a step says so:
// a friend request and its acceptance appear on the other side live; a draft survives a conversation switch and
// a reload; a group renamed by its owner changes in a member's list live; the cookie banner, still unanswered,
// leaves the composer usable on a desktop and on a 390×844 phone; "last seen" for an offline friend; an admin
// deletes an account after a confirmation and sees its audit entry; a removed friend disappears on both sides.
import {
  BASE,
  ADMIN_LOGIN,
  ADMIN_PASSWORD,
  PASSWORD,
  SHOTS,
  run,
  step,
  assert,
  tid,
  visible,
  gone,
  newUserPage,
  dismissCookies,
  register,
  login,
  newUser,
} from '../lib.mjs';

const alice = newUser('fla');
const bob = newUser('flb');
const doomed = newUser('fldel');

/** marker sets a value in the page's window: still there later proves the page was not reloaded. */
async function markNoReload(page) {
  await page.evaluate(() => (window.__e2eNoReload = true));
}
async function assertNoReload(page, who) {
  assert(await page.evaluate(() => window.__e2eNoReload === true), `${who}'s page was reloaded`);
}

/** idOf signs in through the API (a session of its own, apart from the browser's) to learn a user's id. */
async function idOf(u) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: u.username, password: PASSWORD }),
  });
  assert(res.status === 200, `login of ${u.username} through the API answered ${res.status}`);
  return (await res.json()).user.id;
}

/** composerUsable checks, under the unanswered banner, that the composer and Send are clear of it, that the
 *  point at the input's centre is the input, and that a real click there focuses it. */
async function composerUsable(page, what, shot) {
  const banner = page.locator(tid('cookie-banner'));
  await visible(banner, `cookie banner still unanswered (${what})`);
  const input = page.locator(tid('composer-input'));
  await visible(input, `composer (${what})`);
  const boxes = await Promise.all([banner, input, page.locator(tid('composer-send'))].map((l) => l.boundingBox()));
  const [b, i, s] = boxes;
  const viewport = page.viewportSize();
  for (const [box, name] of [[i, 'composer input'], [s, 'send button']]) {
    assert(box, `${name} has no box (${what})`);
    const overlaps = box.x < b.x + b.width && b.x < box.x + box.width && box.y < b.y + b.height && b.y < box.y + box.height;
    assert(!overlaps, `the banner ${JSON.stringify(b)} overlaps the ${name} ${JSON.stringify(box)} (${what})`);
    assert(box.y + box.height <= viewport.height, `the ${name} is below the viewport (${what})`);
  }
  await page.screenshot({ path: `${SHOTS}friends-live-banner-unanswered-${shot}.png` });
  const x = i.x + i.width / 2;
  const y = i.y + i.height / 2;
  const hit = await page.evaluate(([px, py]) => document.elementFromPoint(px, py)?.getAttribute('data-testid'), [x, y]);
  assert(hit === 'composer-input', `the element at the composer's centre is ${hit} (${what})`);
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await page.mouse.click(x, y);
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  assert(focused === 'composer-input', `a click on the composer focused ${focused} (${what})`);
  await page.keyboard.type('typed under the banner');
  assert((await input.inputValue()) === 'typed under the banner', `typing after the click did not reach the composer (${what})`);
  await input.fill('');
  const region = await banner.getAttribute('role');
  const live = await page.locator(tid('cookie-banner-text')).getAttribute('role');
  assert(region === 'region' && live === 'status', `banner roles: ${region}, text ${live}`);
}

export default async function friendsLive(browser) {
  const A = await newUserPage(browser);
  const B = await newUserPage(browser);
  let bobId = null;
  let aliceId = null;
  let groupId = null;
  let phone = null;
  let desk = null;
  let admin = null;
  let B2 = null;

  await step('friends live: a request appears for the addressee without a reload', () => ({ a: A.page, b: B.page }), async () => {
    await register(A.page, alice);
    await register(B.page, bob);
    aliceId = await idOf(alice);
    bobId = await idOf(bob);
    await B.page.goto(`${BASE}/friends`);
    await visible(B.page.locator(tid('incoming-empty')), 'no request yet on B');
    await markNoReload(B.page);
    await A.page.goto(`${BASE}/friends`);
    await A.page.locator(tid('friend-search')).fill(bob.username);
    const result = A.page.locator(`${tid('search-result')}[data-username="${bob.username}"]`);
    await visible(result, 'bob in the search results');
    await result.locator(tid('send-request')).click();
    await visible(A.page.locator(`${tid('outgoing-request')}[data-username="${bob.username}"]`), 'the sent request on A');
    await visible(B.page.locator(`${tid('incoming-request')}[data-username="${alice.username}"]`), 'the request on B, live');
    await visible(B.page.locator(`${tid('nav-friend-requests')}`), 'the requests badge in B\'s header');
    const count = (await B.page.locator(tid('nav-friend-requests')).innerText()).trim();
    assert(count === '1', `B's header badge says ${count}`);
    await assertNoReload(B.page, 'B');
  });

  await step('friends live: the acceptance appears for the requester without a reload', () => ({ a: A.page, b: B.page }), async () => {
    await markNoReload(A.page);
    await B.page.locator(`${tid('incoming-request')}[data-username="${alice.username}"] ${tid('accept-request')}`).click();
    await visible(B.page.locator(`${tid('friend-item')}[data-username="${alice.username}"]`), 'alice among B\'s friends');
    await gone(B.page.locator(tid('nav-friend-requests')), 'B\'s requests badge once answered');
    await visible(A.page.locator(`${tid('friend-item')}[data-username="${bob.username}"]`), 'bob among A\'s friends, live');
    await gone(A.page.locator(`${tid('outgoing-request')}[data-username="${bob.username}"]`), 'A\'s sent request once accepted');
    await visible(A.page.locator(tid('outgoing-empty')), 'no sent request left on A');
    await assertNoReload(A.page, 'A');
    // Presence came with the friendship: bob shows online on A's page.
    await visible(A.page.locator(`${tid('friend-item')}[data-username="${bob.username}"] .dot.online`), 'bob online on A');
  });

  await step('a group renamed by its owner changes in a member\'s list live', () => ({ a: A.page, b: B.page }), async () => {
    const name = `Live ${run}`;
    await A.page.goto(`${BASE}/groups`);
    await A.page.locator(tid('group-name')).fill(name);
    await A.page.locator(`${tid('group-member-option')}[data-username="${bob.username}"]`).check();
    await A.page.locator(tid('group-create-submit')).click();
    await visible(A.page.locator(tid('group-settings')), 'the owner\'s group settings');
    groupId = Number(new URL(A.page.url()).searchParams.get('id'));
    assert(groupId > 0, `no group id in ${A.page.url()}`);
    await B.page.goto(`${BASE}/chat`);
    const item = B.page.locator(`${tid('conversation-item')}[data-key="g:${groupId}"]`);
    await visible(item, 'the group in B\'s conversation list');
    await markNoReload(B.page);
    const renamed = `Renamed ${run}`;
    await A.page.locator(tid('group-settings-name')).fill(renamed);
    await A.page.locator(tid('group-settings-description')).fill('what we do now');
    await A.page.locator(tid('group-settings-save')).click();
    await visible(A.page.locator(tid('group-detail-name'), { hasText: renamed }), 'the new name on A');
    await visible(B.page.locator(`${tid('conversation-item')}[data-key="g:${groupId}"][data-title="${renamed}"]`), 'the new name in B\'s list, live');
    await assertNoReload(B.page, 'B');
  });

  await step('a draft survives a conversation switch and a reload, and goes when sent', () => ({ a: A.page }), async () => {
    assert(bobId && groupId, 'no friend or group from an earlier step');
    await A.page.goto(`${BASE}/chat/u/${bobId}`);
    const input = A.page.locator(tid('composer-input'));
    await visible(input, 'composer with bob');
    await input.fill('half a thought for bob');
    await A.page.locator(`${tid('conversation-item')}[data-key="g:${groupId}"]`).click();
    await visible(A.page.locator(`${tid('message-pane')}[data-key="g:${groupId}"]`), 'the group open');
    assert((await input.inputValue()) === '', 'the group\'s composer shows another conversation\'s draft');
    await visible(A.page.locator(`${tid('conversation-item')}[data-key="u:${bobId}"] ${tid('conversation-draft')}`), 'the draft marked in the list');
    await A.page.locator(`${tid('conversation-item')}[data-key="u:${bobId}"]`).click();
    await visible(A.page.locator(`${tid('message-pane')}[data-key="u:${bobId}"]`), 'bob\'s conversation open again');
    assert((await input.inputValue()) === 'half a thought for bob', `after the switch the composer holds "${await input.inputValue()}"`);
    await A.page.reload();
    await visible(A.page.locator(`${tid('message-pane')}[data-key="u:${bobId}"]`), 'bob\'s conversation after the reload');
    await A.page.waitForFunction(() => document.querySelector('[data-testid="composer-input"]')?.value === 'half a thought for bob', null, { timeout: 15000 })
      .catch(async () => assert(false, `after the reload the composer holds "${await input.inputValue()}"`));
    await A.page.locator(tid('composer-send')).click();
    await visible(A.page.locator(tid('message-item')).filter({ hasText: 'half a thought for bob' }), 'the draft sent');
    assert((await input.inputValue()) === '', 'the composer kept the sent text');
    await A.page.reload();
    await visible(A.page.locator(`${tid('message-pane')}[data-key="u:${bobId}"]`), 'bob\'s conversation after another reload');
    await A.page.waitForTimeout(500);
    assert((await input.inputValue()) === '', 'a sent draft came back after a reload');
  });

  await step('desktop: with the cookie banner unanswered, a click on the composer lands on it', () => ({ desktop: desk?.page }), async () => {
    desk = await newUserPage(browser);
    await desk.page.goto(`${BASE}/login`);
    await login(desk.page, alice.username, PASSWORD);
    await desk.page.waitForURL(/\/chat/);
    await desk.page.goto(`${BASE}/chat/u/${bobId}`);
    await composerUsable(desk.page, 'desktop 1280×820', 'desktop');
  });

  await step('phone 390×844: with the cookie banner unanswered, a click on the composer lands on it', () => ({ phone: phone?.page }), async () => {
    phone = await newUserPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.page.goto(`${BASE}/login`);
    await login(phone.page, bob.username, PASSWORD);
    await phone.page.waitForURL(/\/chat/);
    await phone.page.goto(`${BASE}/chat/u/${aliceId}`);
    await composerUsable(phone.page, 'phone 390×844', 'phone');
    // The list screen's own primary action is clear of it too.
    await phone.page.locator(tid('back-to-list')).click();
    const link = phone.page.locator(tid('new-group-link'));
    await visible(link, 'the list screen');
    const [l, b] = await Promise.all([link.boundingBox(), phone.page.locator(tid('cookie-banner')).boundingBox()]);
    assert(l.y + l.height <= b.y, 'the banner covers the list screen\'s button');
    await phone.page.locator(tid('cookie-accept')).click();
    await gone(phone.page.locator(tid('cookie-banner')), 'the banner once answered');
  });

  await step('last seen: a friend who goes offline shows "last seen just now"', () => ({ a: A.page }), async () => {
    await A.page.goto(`${BASE}/friends`);
    const row = A.page.locator(`${tid('friend-item')}[data-username="${bob.username}"]`);
    await visible(row, 'bob on A\'s friends page');
    // Every socket of bob closes: his page, and the phone of the step before.
    await B.context.close();
    await phone?.context.close();
    phone = null;
    const seen = row.locator(tid('friend-last-seen'));
    await visible(seen, 'bob\'s last seen once offline');
    const text = (await seen.innerText()).trim();
    assert(/^last seen (just now|1 minute ago)$/.test(text), `bob's last seen reads "${text}"`);
  });

  await step('an admin deletes an account after a confirmation and sees its audit entry', () => ({ admin: admin?.page }), async () => {
    assert(ADMIN_LOGIN && ADMIN_PASSWORD, 'E2E_ADMIN_LOGIN / E2E_ADMIN_PASSWORD are not set');
    const res = await fetch(`${BASE}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: doomed.username, email: doomed.email, password: PASSWORD }),
    });
    assert(res.status === 201, `registering the account to delete answered ${res.status}`);
    const doomedId = (await res.json()).user.id;
    admin = await newUserPage(browser);
    await admin.page.goto(`${BASE}/login`);
    await dismissCookies(admin.page);
    await login(admin.page, ADMIN_LOGIN, ADMIN_PASSWORD);
    await admin.page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await admin.page.goto(`${BASE}/admin`);
    await admin.page.locator(tid('admin-user-search')).fill(doomed.username);
    await admin.page.locator(tid('admin-user-search-submit')).click();
    const row = admin.page.locator(`${tid('admin-user-row')}[data-username="${doomed.username}"]`);
    await visible(row, 'the account in the admin list');
    await row.locator(tid('admin-delete')).click();
    const dialog = admin.page.locator(tid('confirm-dialog'));
    await visible(dialog, 'the confirmation dialog');
    // Cancel first: nothing happens.
    await dialog.locator(tid('confirm-dialog-cancel')).click();
    await gone(dialog, 'the dialog once cancelled');
    await visible(row, 'the account still listed after Cancel');
    await row.locator(tid('admin-delete')).click();
    await visible(dialog, 'the confirmation dialog again');
    await admin.page.screenshot({ path: `${SHOTS}friends-live-admin-delete-confirmation.png` });
    await dialog.locator(tid('confirm-dialog-confirm')).click();
    await gone(row, 'the deleted account in the list');
    const audit = admin.page.locator(tid('admin-deleted-audit'));
    await visible(audit, 'the audit entry of the deletion');
    const [action, target] = await Promise.all([audit.getAttribute('data-action'), audit.getAttribute('data-target-id')]);
    assert(action === 'user.delete' && Number(target) === doomedId, `audit entry ${action} #${target}, want user.delete #${doomedId}`);
    await admin.page.locator(tid('admin-show-audit')).click();
    await visible(admin.page.locator(`${tid('admin-audit-row')}[data-action="user.delete"][data-target-id="${doomedId}"]`), 'the entry in the audit log');
    const login2 = await fetch(`${BASE}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: doomed.username, password: PASSWORD }),
    });
    assert(login2.status === 401, `the deleted account can still sign in (${login2.status})`);
  });

  await step('friends live: a removal disappears on both sides', () => ({ a: A.page, b: B2?.page }), async () => {
    B2 = await newUserPage(browser);
    await B2.page.goto(`${BASE}/login`);
    await dismissCookies(B2.page);
    await login(B2.page, bob.username, PASSWORD);
    await B2.page.waitForURL(/\/chat/);
    await A.page.goto(`${BASE}/chat`);
    const convItem = A.page.locator(`${tid('conversation-item')}[data-key="u:${bobId}"]`);
    await visible(convItem, 'bob in A\'s conversation list');
    await markNoReload(A.page);
    await B2.page.goto(`${BASE}/friends`);
    const row = B2.page.locator(`${tid('friend-item')}[data-username="${alice.username}"]`);
    await visible(row, 'alice among B\'s friends');
    await row.locator(tid('remove-friend')).click();
    await B2.page.locator(`${tid('confirm-dialog')} ${tid('confirm-dialog-confirm')}`).click();
    await gone(row, 'alice in B\'s friends once removed');
    await visible(B2.page.locator(tid('friends-empty')), 'B has no friends left');
    await gone(convItem, 'bob in A\'s conversation list, live');
    await assertNoReload(A.page, 'A');
    await A.page.locator(tid('nav-friends')).click();
    await visible(A.page.locator(tid('friends-empty')), 'A has no friends left');
  });

  for (const c of [A, desk, admin, B2, phone]) await c?.context.close().catch(() => undefined);
}
