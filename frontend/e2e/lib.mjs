// Shared helpers of the end-to-end scenarios (e2e/scenarios/*.mjs), run by e2e/run.mjs in real Chromium
// against a running server that serves the built app and the API on one origin (STATIC_DIR).
//
//   E2E_BASE_URL=http://127.0.0.1:18080 E2E_WEBHOOK_SECRET=whsec_... \
//   E2E_ADMIN_LOGIN=admin E2E_ADMIN_PASSWORD=... npm run e2e
//
// Each step saves a screenshot under e2e/screenshots/. run.mjs prints "e2e: N passed, M failed" last and exits
// non-zero when any step failed.

import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE = (process.env.E2E_BASE_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
export const WEBHOOK_SECRET = process.env.E2E_WEBHOOK_SECRET || '';
export const ADMIN_LOGIN = process.env.E2E_ADMIN_LOGIN || '';
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD || '';
export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
export const HEADLESS = process.env.E2E_HEADED ? false : true;
/** How long to wait for something the server pushes (socket round trips, polling). */
export const WAIT = Number(process.env.E2E_TIMEOUT_MS || 15000);
export const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });

export const run = Date.now().toString(36);
export const PASSWORD = 'e2e-Password-123';
export const users = {
  a: { username: `e2e_a_${run}`, displayName: `Alice ${run}`, email: `e2e_a_${run}@example.com` },
  b: { username: `e2e_b_${run}`, displayName: `Bob ${run}`, email: `e2e_b_${run}@example.com` },
  c: { username: `e2e_c_${run}`, displayName: `Carol ${run}`, email: `e2e_c_${run}@example.com` },
};

export const results = [];
let shotNo = 0;
let alerts = 0;

/** step runs one part of the demo, records its outcome and takes a screenshot of the given pages. */
export async function step(name, pages, fn) {
  const started = Date.now();
  let error = null;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  const ms = Date.now() - started;
  results.push({ name, ok: !error, error });
  console.log(`${error ? 'FAIL' : 'ok  '} ${name} (${ms} ms)${error ? `\n       ${String(error?.message || error).split('\n')[0]}` : ''}`);
  shotNo++;
  for (const [label, page] of Object.entries(pages())) {
    if (!page || page.isClosed()) continue;
    const file = `${SHOTS}${String(shotNo).padStart(2, '0')}-${slug(name)}-${label}.png`;
    await page.screenshot({ path: file, fullPage: false }).catch(() => undefined);
  }
  return !error;
}

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export const tid = (id) => `[data-testid="${id}"]`;

export async function visible(locator, what, timeout = WAIT) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`not visible after ${timeout} ms: ${what}`);
  }
}

export async function gone(locator, what, timeout = WAIT) {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout });
  } catch {
    throw new Error(`still visible after ${timeout} ms: ${what}`);
  }
}

export async function newUserPage(browser, options = {}) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 820 }, ...options });
  // Language fixed to English so that texts are stable; the cookie banner is tested on the first page only.
  await context.addInitScript(() => {
    try {
      if (!localStorage.getItem('wc_lang')) localStorage.setItem('wc_lang', 'en');
    } catch {}
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('dialog', async (d) => {
    alerts++;
    await d.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (e) => console.log(`       [page error] ${e.message}`));
  return { context, page };
}

export async function dismissCookies(page) {
  const accept = page.locator(tid('cookie-accept'));
  if (await accept.isVisible().catch(() => false)) await accept.click();
}

export async function register(page, u) {
  await page.goto(`${BASE}/register`);
  await dismissCookies(page);
  await page.locator(tid('register-username')).fill(u.username);
  await page.locator(tid('register-display-name')).fill(u.displayName);
  await page.locator(tid('register-email')).fill(u.email);
  await page.locator(tid('register-password')).fill(PASSWORD);
  await page.locator(tid('register-submit')).click();
  await page.waitForURL(/\/chat/, { timeout: WAIT });
  await visible(page.locator(tid('plan-badge')), 'plan badge after registration');
}

export async function login(page, loginName, password) {
  await page.locator(tid('login-username')).fill(loginName);
  await page.locator(tid('login-password')).fill(password);
  await page.locator(tid('login-submit')).click();
}

/** befriend: `from` searches `to` and sends a request; `to` accepts it. */
export async function befriend(fromPage, toPage, from, to) {
  await fromPage.goto(`${BASE}/friends`);
  await fromPage.locator(tid('friend-search')).fill(to.username);
  const result = fromPage.locator(`${tid('search-result')}[data-username="${to.username}"]`);
  await visible(result, `search result for ${to.username}`);
  await result.locator(tid('send-request')).click();
  await visible(fromPage.locator(`${tid('outgoing-request')}[data-username="${to.username}"]`), 'outgoing request');
  await toPage.goto(`${BASE}/friends`);
  const incoming = toPage.locator(`${tid('incoming-request')}[data-username="${from.username}"]`);
  await visible(incoming, `incoming request from ${from.username}`);
  await incoming.locator(tid('accept-request')).click();
  await visible(toPage.locator(`${tid('friend-item')}[data-username="${from.username}"]`), 'friend in the list of the addressee');
  await fromPage.locator(tid('friends-refresh')).click();
  await visible(fromPage.locator(`${tid('friend-item')}[data-username="${to.username}"]`), 'friend in the list of the sender');
}

/** openChatWith opens the conversation with a user (by display name) from the conversation list. */
export async function openChatWith(page, title) {
  await page.goto(`${BASE}/chat`);
  const item = page.locator(`${tid('conversation-item')}[data-title="${title}"]`);
  await visible(item, `conversation item "${title}"`);
  const key = await item.getAttribute('data-key');
  await item.click();
  await visible(page.locator(`${tid('message-pane')}[data-key="${key}"]`), `message pane ${key}`);
  return key;
}

export function messageWithText(page, text) {
  return page.locator(tid('message-item')).filter({ has: page.locator(tid('message-body'), { hasText: text }) });
}

export async function send(page, text) {
  const input = page.locator(tid('composer-input'));
  await input.fill(text);
  await page.locator(tid('composer-send')).click();
}

export function signWebhook(payload) {
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** alertCount is how many alert()/confirm() dialogs pages opened (and were dismissed) so far. */
export function alertCount() {
  return alerts;
}


/** launch starts Debian's Chromium with the flags this machine needs (no sandbox as root, no background network). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: HEADLESS,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** summary prints the failed steps and the totals; it returns how many steps failed. */
export function summary(extraFailures = 0) {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed + extraFailures;
  if (failed) {
    console.log('\nFailed steps:');
    for (const r of results.filter((x) => !x.ok)) console.log(`  - ${r.name}: ${String(r.error?.message || r.error).split('\n')[0]}`);
  }
  console.log(`screenshots: ${SHOTS}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed;
}

/** newUser makes a user of this run whose names carry tag (3 to 6 letters), for a scenario's own accounts. */
export function newUser(tag) {
  return { username: `e2e_${tag}_${run}`, displayName: `${tag} ${run}`, email: `e2e_${tag}_${run}@example.com` };
}
