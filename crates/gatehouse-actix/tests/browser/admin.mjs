// Drives Gatehouse's admin UI in headless Chromium the way an admin uses it, for
// tests/admin_ui_browser.rs.
//
//   node admin.mjs <base_url> <endpoint_url> <artifacts_dir>
//
// The admin's user name and password come from GATEHOUSE_ADMIN_USER and
// GATEHOUSE_ADMIN_PASSWORD. Every page visited is checked with axe-core (no serious or
// critical violation), checked for horizontal overflow at a phone's width, and photographed at
// 1280 px and 390 px into <artifacts_dir>. Progress goes to stderr; the last line on stdout is
// a JSON report (the credentials the pages showed, the endpoint integration's consumer key, the
// number of pages checked), which the Rust test uses to check the server from outside.
//
// Exit codes: 0 when every step and check passed, 1 on a failed step or check, 2 on bad
// arguments, 3 when the whole scenario overran its time.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';

const [baseUrl, endpointUrl, artifactsDir] = process.argv.slice(2);
if (!baseUrl || !endpointUrl || !artifactsDir) {
  console.error('usage: node admin.mjs <base_url> <endpoint_url> <artifacts_dir>');
  process.exit(2);
}
const adminUser = process.env.GATEHOUSE_ADMIN_USER ?? 'admin';
const adminPassword = process.env.GATEHOUSE_ADMIN_PASSWORD;
if (!adminPassword) {
  console.error('GATEHOUSE_ADMIN_PASSWORD is not set');
  process.exit(2);
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SCENARIO_TIMEOUT_MS = 240_000;
const identityUrl = new URL('/identity', endpointUrl).href;

// The reference's and the UI's messages the scenario expects to see.
const SIGN_IN_FAILED = 'The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later.';
const WRONG_PASSWORD = 'The password entered for the current user is invalid. Verify the password and try again.';
const BAD_URL = 'Please enter a valid URL. Protocol is required (http://, https://).';
const duplicateName = (name) => `The integration with name "${name}" exists.`;

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function log(...parts) {
  console.error('[admin.mjs]', ...parts);
}

const watchdog = setTimeout(() => {
  log(`the scenario did not finish within ${SCENARIO_TIMEOUT_MS / 1000} s`);
  process.exit(3);
}, SCENARIO_TIMEOUT_MS);
watchdog.unref();

// Problems found along the way that do not stop the scenario: reported together at the end.
const problems = [];
let pageCount = 0;

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-admin-ui-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: DESKTOP,
  acceptDownloads: false,
});
context.setDefaultTimeout(15_000);
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(baseUrl).origin });

// Everything a page loads must come from Gatehouse itself.
const origin = new URL(baseUrl).origin;
context.on('request', (request) => {
  const url = request.url();
  if (!url.startsWith(origin) && !url.startsWith('data:')) {
    problems.push(`a page loaded ${url}, which is not served by Gatehouse`);
  }
});

const page = context.pages()[0] ?? (await context.newPage());
page.on('pageerror', (error) => problems.push(`script error on ${page.url()}: ${error.message}`));
page.on('console', (message) => {
  // A refused form answers 400, 401 or 403 on purpose; Chromium reports each such load as a
  // console error. Failed loads are checked below, by resource type, instead.
  if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
    problems.push(`console error on ${page.url()}: ${message.text()}`);
  }
});
page.on('response', (response) => {
  if (response.status() >= 400 && response.request().resourceType() !== 'document') {
    problems.push(`${response.url()} answered ${response.status()}`);
  }
});

/** Photographs the page at both widths, checks it with axe-core and for overflow. */
async function checkPage(name) {
  pageCount += 1;
  const prefix = `${String(pageCount).padStart(2, '0')}-${name}`;
  await page.screenshot({ path: path.join(artifactsDir, `${prefix}-1280.png`), fullPage: true });

  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(artifactsDir, `${prefix}-390.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) {
    problems.push(`${name}: the page is ${overflow} px wider than a phone's screen`);
  }
  const phoneViolations = await serious();
  await page.setViewportSize(DESKTOP);

  for (const violation of [...(await serious()), ...phoneViolations]) {
    const where = violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join('; ');
    problems.push(`${name}: ${violation.impact} accessibility violation ${violation.id}: ${violation.help} (${where})`);
  }
  log(`checked page ${prefix}`);
}

/** The serious and critical axe-core violations of the page as it is now. */
async function serious() {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) {
    await page.evaluate(axeSource);
  }
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  if (results.passes.length === 0) {
    problems.push(`axe-core checked nothing on ${page.url()}`);
  }
  const minor = results.violations.filter((violation) => !['serious', 'critical'].includes(violation.impact));
  for (const violation of minor) {
    log(`  note: ${violation.impact} accessibility finding ${violation.id}: ${violation.help}`);
  }
  return results.violations.filter((violation) => ['serious', 'critical'].includes(violation.impact));
}

/** The text of the element `selector` finds, trimmed. */
async function textOf(selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

/** Waits for a page at `pathname`. */
async function expectPath(pathname) {
  await page.waitForURL((url) => url.pathname === pathname);
}

/** The grid row of integration `name`. */
function row(name) {
  return page.locator('tbody tr').filter({ has: page.locator('th', { hasText: name }) });
}

/** Fills the integration form and saves it. */
async function fillIntegration({ name, email = '', endpoint = '', identity = '', resources, password }) {
  await page.fill('#name', name);
  await page.fill('#email', email);
  await page.fill('#endpoint', endpoint);
  await page.fill('#identity_link_url', identity);
  if (resources === 'all') {
    await page.check('#resource-access-all');
  } else {
    await page.check('#resource-access-custom');
    for (const id of resources) {
      await page.check(`input[name="resource"][value="${id}"]`);
    }
  }
  await page.fill('#current_password', password);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save")')]);
}

/** Reads the four credentials of the tokens page. */
async function readCredentials() {
  const value = (id) => page.inputValue(`#${id}`);
  const credentials = {
    consumerKey: await value('consumer-key'),
    consumerSecret: await value('consumer-secret'),
    accessToken: await value('access-token'),
    accessTokenSecret: await value('access-token-secret'),
  };
  for (const [name, credential] of Object.entries(credentials)) {
    assert.match(credential, /^[0-9a-z]{32}$/, `${name} is a credential`);
  }
  return credentials;
}

async function scenario() {
  // A visitor without a session is sent to sign in; a wrong password is refused.
  await page.goto(new URL('admin/', baseUrl).href);
  await expectPath('/admin/login');
  await checkPage('sign-in');

  await page.fill('#username', adminUser);
  await page.fill('#password', 'not the password');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
  assert.equal(await textOf('[role="alert"]'), SIGN_IN_FAILED);
  await checkPage('sign-in-refused');

  // Signing in with the keyboard alone: Tab to the fields, Enter to send.
  await page.locator('#username').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(adminUser);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.keyboard.type(adminPassword);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await expectPath('/admin/integrations');
  assert.equal(await textOf('h1'), 'Integrations');
  assert.match(await textOf('tbody'), /couldn't find any records/);
  await checkPage('grid-empty');

  // A new integration with two resources; a wrong "Your Password" saves nothing.
  await page.click('text=Add New Integration');
  await expectPath('/admin/integrations/new');
  await checkPage('new-integration');
  await page.check('#resource-access-custom');
  await page.check('input[name="resource"][value="Magento_Sales::sales"]');
  assert.ok(
    await page.isChecked('input[name="resource"][value="Magento_Sales::cancel"]'),
    'checking a resource checks what is under it',
  );
  await fillIntegration({
    name: 'Shop Sync',
    email: 'sync@example.com',
    resources: ['Magento_Sales::sales', 'Magento_Customer::manage'],
    password: 'not the password',
  });
  assert.equal(await textOf('#current_password-error'), WRONG_PASSWORD);
  assert.equal(await page.inputValue('#name'), 'Shop Sync', 'the form keeps what was typed');
  await checkPage('wrong-password');

  await fillIntegration({
    name: 'Shop Sync',
    email: 'sync@example.com',
    resources: ['Magento_Sales::sales', 'Magento_Customer::manage'],
    password: adminPassword,
  });
  await expectPath('/admin/integrations');
  assert.equal(await textOf('[role="status"]'), "The integration 'Shop Sync' has been saved.");
  assert.equal(await row('Shop Sync').locator('td[data-label="Status"]').innerText(), 'Inactive');
  await checkPage('grid-saved');

  // A taken name and a bad URL are refused next to their fields.
  await page.click('text=Add New Integration');
  await fillIntegration({ name: 'Shop Sync', resources: 'all', password: adminPassword });
  assert.equal(await textOf('#name-error'), duplicateName('Shop Sync'));
  await checkPage('duplicate-name');

  await fillIntegration({
    name: 'Bad Url App',
    endpoint: 'ftp://files.example.com/in',
    resources: 'all',
    password: adminPassword,
  });
  assert.equal(await textOf('#endpoint-error'), BAD_URL);
  assert.equal(await page.getAttribute('#endpoint', 'aria-invalid'), 'true');
  await checkPage('bad-url');
  await page.click('a:has-text("Cancel")');
  await expectPath('/admin/integrations');

  // Activation without an endpoint shows the four credentials once, with copy buttons.
  await row('Shop Sync').locator('a', { hasText: 'Activate' }).click();
  await page.waitForURL(/\/admin\/integrations\/\d+\/activate$/);
  assert.match(await textOf('.bullets'), /Sales/);
  assert.match(await textOf('.bullets'), /All Customers/);
  await checkPage('activate-confirm');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Allow")')]);
  assert.equal(await textOf('h1'), 'Integration Tokens for Extensions');
  const activated = await readCredentials();
  await page.click('button[data-copy="consumer-key"]');
  await page.waitForFunction(() => document.querySelector('[data-copy-status]').textContent !== '');
  const copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
  if (copied !== null) {
    assert.equal(copied, activated.consumerKey, 'the copy button copies the consumer key');
  }
  await checkPage('tokens');
  await page.click('a:has-text("Done")');
  await expectPath('/admin/integrations');
  assert.equal(await row('Shop Sync').locator('td[data-label="Status"]').innerText(), 'Active');

  // An integration with an endpoint: the credentials are posted there; the page shows the
  // identity link.
  await page.click('text=Add New Integration');
  await fillIntegration({
    name: 'Endpoint App',
    email: 'endpoint@example.com',
    endpoint: endpointUrl,
    identity: identityUrl,
    resources: 'all',
    password: adminPassword,
  });
  await expectPath('/admin/integrations');
  await row('Endpoint App').locator('a', { hasText: 'Activate' }).click();
  assert.match(await textOf('.bullets'), /All resources/);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Allow")')]);
  assert.equal(await textOf('h1'), 'Credentials sent to Endpoint App');
  assert.equal(await page.getAttribute('#identity-link', 'href'), identityUrl);
  const endpointKey = await textOf('#consumer-key');
  assert.match(endpointKey, /^[0-9a-z]{32}$/);
  await checkPage('credentials-posted');
  await page.click('a:has-text("Done")');

  // Filtering and sorting happen on the server.
  await page.fill('#filter-name', 'endpoint');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Search")')]);
  assert.equal(await page.locator('tbody tr').count(), 1);
  assert.match(new URL(page.url()).search, /name=endpoint/);
  await page.click('a:has-text("Reset filter")');
  await page.click('thead a:has-text("Name")');
  assert.equal(await page.getAttribute('thead th[aria-sort]', 'aria-sort'), 'descending');
  const names = await page.locator('tbody th').allInnerTexts();
  assert.deepEqual(names, ['Shop Sync', 'Endpoint App']);
  await checkPage('grid-sorted');

  // Reauthorizing keeps the consumer and replaces the token.
  await row('Shop Sync').locator('a', { hasText: 'Reauthorize' }).click();
  await checkPage('reauthorize-confirm');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Reauthorize")')]);
  const reauthorized = await readCredentials();
  assert.equal(reauthorized.consumerKey, activated.consumerKey);
  assert.notEqual(reauthorized.accessToken, activated.accessToken);
  await page.click('a:has-text("Done")');

  // The edit form shows the grant.
  await row('Shop Sync').locator('a', { hasText: 'Edit' }).click();
  assert.equal(await page.inputValue('#name'), 'Shop Sync');
  assert.ok(await page.isChecked('input[name="resource"][value="Magento_Sales::sales"]'));
  assert.ok(await page.isChecked('input[name="resource"][value="Magento_Sales::sales_order"]'));
  assert.ok(!(await page.isChecked('input[name="resource"][value="Magento_Catalog::catalog"]')));
  await checkPage('edit-integration');
  await page.click('a:has-text("Cancel")');

  // Deleting asks first, then removes the integration.
  await row('Endpoint App').locator('a', { hasText: 'Delete' }).click();
  assert.match(await textOf('.card p'), /Are you sure you want to delete this integration\?/);
  await checkPage('delete-confirm');
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Delete")')]);
  assert.equal(await textOf('[role="status"]'), "The integration 'Endpoint App' has been deleted.");
  assert.equal(await row('Endpoint App').count(), 0);
  await checkPage('grid-after-delete');

  // Signing out ends the session.
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign out")')]);
  await expectPath('/admin/login');
  assert.equal(await textOf('[role="status"]'), 'You have logged out.');
  await checkPage('signed-out');
  await page.goto(new URL('admin/integrations', baseUrl).href);
  await expectPath('/admin/login');

  return { activated, reauthorized, endpoint: { consumerKey: endpointKey } };
}

let exitCode = 0;
try {
  const report = await scenario();
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  }
  console.log(JSON.stringify({ ...report, pages: pageCount }));
} catch (error) {
  exitCode = 1;
  log(`FAILED on ${page.url()}: ${error.stack ?? error}`);
  if (problems.length > 0 && !String(error.message).includes('problem(s)')) {
    log(`also:\n  ${problems.join('\n  ')}`);
  }
  await page
    .screenshot({ path: path.join(artifactsDir, 'failure.png'), fullPage: true })
    .catch(() => {});
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
