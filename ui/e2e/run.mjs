// End-to-end test of the console in headless Chromium against the packaged server:
//   npm run e2e -- [path/to/quarkus-run.jar] [--docs]
// Starts the jar on a free port with a fresh STILLPOINT_HOME (embedded PostgreSQL, demo host), drives
// the console through a backup and a restore as admin, checks what a viewer sees and may do, keeps
// screenshots in e2e/screenshots/ (with --docs also docs/dashboard.png for the README), and always
// stops the server it started. Exits non-zero on the first failed check.
import { spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const jar = resolve(args.find((a) => !a.startsWith('--')) ?? join(here, '../../target/quarkus-app/quarkus-run.jar'));
const updateDocs = args.includes('--docs');
const shots = join(here, 'screenshots');
const adminPassword = `e2e-admin-${Math.random().toString(36).slice(2)}`;
const viewerPassword = 'e2e-viewer-password';
const STARTUP_SECONDS = Number(process.env.STILLPOINT_E2E_STARTUP_SECONDS ?? 300);
// The flags Chromium needs on these machines: no sandbox as root, and no background connections,
// which the closed network would refuse many at a time.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
  console.log(`ok - ${message}`);
}

async function waitForServer(base, server) {
  const deadline = Date.now() + STARTUP_SECONDS * 1000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`the server exited with ${server.exitCode} before it was ready; see e2e/screenshots/server.log`);
    }
    try {
      const response = await fetch(`${base}/q/health/ready`);
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the server was not ready after ${STARTUP_SECONDS} s`);
}

async function stop(server) {
  if (server.exitCode !== null) {
    return;
  }
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 30000);
  await exited;
  clearTimeout(timer);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function nav(page, name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

async function signIn(page, base, username, password) {
  await page.goto(`${base}/`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the progress bar is full, noting the values it showed on the way. */
async function watchToEnd(page, name, timeoutMs = 180000) {
  const bar = page.getByRole('progressbar', { name, exact: true });
  await bar.waitFor();
  const seen = new Set();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = Number(await bar.getAttribute('aria-valuenow'));
    seen.add(value);
    if (value === 100) {
      return [...seen];
    }
    const failed = await page.locator('.live .status-failed, .live .status-cancelled').count();
    if (failed > 0) {
      throw new Error(`${name} ended without succeeding: ${await page.locator('.live').last().innerText()}`);
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`${name} did not reach the end in ${timeoutMs / 1000} s (saw ${[...seen].join(', ')} %)`);
}

/** A call from inside the signed-in page, the way the console makes it (session cookie and CSRF header). */
function apiFromPage(page, method, path, body, withToken = true) {
  return page.evaluate(async ({ method, path, body, withToken }) => {
    const token = document.cookie.split('; ').find((c) => c.startsWith('XSRF-TOKEN='))?.slice('XSRF-TOKEN='.length);
    const headers = { 'Content-Type': 'application/json' };
    if (withToken && token) {
      headers['X-XSRF-TOKEN'] = token;
    }
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  }, { method, path, body, withToken });
}

async function scenario(browser, base) {
  const basic = { Authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` };
  const api = async (path, init = {}) => {
    const response = await fetch(`${base}${path}`, { ...init, headers: { ...basic, 'Content-Type': 'application/json', ...init.headers } });
    return { status: response.status, json: response.status === 204 ? null : await response.json() };
  };

  const anonymous = await fetch(`${base}/api/vms`);
  check(anonymous.status === 401 && !(anonymous.headers.get('content-type') ?? '').includes('text/html'),
    'the API answers 401 without credentials, not the console page');
  const index = await fetch(`${base}/`);
  check(index.status === 200 && (await index.text()).includes('<div id="root">'), 'the server serves the console at /');

  const admin = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await admin.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  const cspViolations = [];
  page.on('console', (m) => m.text().includes('Content Security Policy') && cspViolations.push(m.text()));

  await signIn(page, base, 'admin', 'not-the-password');
  await page.getByRole('alert').filter({ hasText: 'Wrong user name or password.' }).waitFor();
  check(true, 'a wrong password is refused');
  await shot(page, 'signin-refused');

  // The failure just made holds the next attempt of 'admin' back for a second; when the sign-in comes
  // sooner, the page must say so, and the attempt after the wait the server named must go through.
  await signIn(page, base, 'admin', adminPassword);
  const dashboard = page.getByRole('heading', { level: 1, name: 'Dashboard' });
  const throttled = page.getByRole('alert').filter({ hasText: /Too many failed sign-ins\. Try again in \d+ seconds?\./ });
  await dashboard.or(throttled).waitFor();
  if (await throttled.isVisible()) {
    const seconds = Number((await throttled.textContent()).match(/in (\d+) second/)[1]);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await signIn(page, base, 'admin', adminPassword);
  }
  await dashboard.waitFor();
  check(true, 'the admin signs in');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement?.textContent) === 'VMs', 'Tab reaches the navigation after the skip link');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'VMs' }).waitFor();
  check(true, 'Enter on a navigation link opens its page');

  await nav(page, 'Jobs');
  await page.getByRole('button', { name: 'New job' }).click();
  await page.getByLabel('Name', { exact: true }).fill('e2e nightly');
  await page.getByLabel('Schedule (Quartz cron)').fill('0 0 2 * *');
  await page.getByText(/6 or 7 fields/).waitFor();
  check(true, 'the job form flags a cron expression with five fields');
  await page.getByLabel('Schedule (Quartz cron)').fill('0 30 2 * * ?');
  await page.getByRole('checkbox', { name: 'web01', exact: true }).check();
  await page.getByRole('button', { name: 'Create job' }).click();
  await page.getByText('Next fire times:').waitFor();
  check(await page.locator('.fire-times li').count() === 5, 'the saved job shows its next five fire times');
  await shot(page, 'jobs');

  await page.getByRole('button', { name: 'Run e2e nightly now' }).click();
  const seen = await watchToEnd(page, 'Backup of web01');
  check(true, `the run's progress bar reached the end (showed ${seen.join(', ')} %)`);
  await shot(page, 'jobs-run');

  await page.getByRole('link', { name: 'Run details for web01', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Run of web01' }).waitFor();
  await page.getByText(/The backup succeeded/).waitFor();
  check(await page.getByRole('table', { name: /Phases/ }).getByRole('rowheader', { name: /copy/ }).count() === 1,
    'the run detail shows the phase timeline with the copy');
  const runId = page.url().split('/runs/')[1];
  const tracked = (await api(`/api/runs/${runId}`)).json.changeTracking;
  const trackingShown = await page.locator('dt', { hasText: 'Change tracking' }).locator('xpath=following-sibling::dd[1]').innerText();
  const trackingWords = { bitmap: 'QEMU dirty bitmap:', differencing: 'differencing disks:', compare: 'compare:', none: 'none:' };
  check(tracked in trackingWords && trackingShown.startsWith(trackingWords[tracked]),
    `the run detail shows the run's change tracking (${tracked}: "${trackingShown}")`);
  await shot(page, 'run-detail');

  await page.getByRole('link', { name: 'Open restore point' }).click();
  await page.getByRole('heading', { level: 1, name: 'Restore points' }).waitFor();
  await page.getByRole('button', { name: 'Restore…' }).click();
  await page.getByLabel(/A new VM/).check();
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByLabel('New VM name').fill('web01-e2e');
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await page.getByText(/Create a new VM named web01-e2e/).waitFor();
  check(true, 'the restore wizard says what will happen before it starts');
  await shot(page, 'restore-wizard');
  await page.getByRole('button', { name: 'Start restore' }).click();
  await watchToEnd(page, 'Restore of web01');
  check(true, 'the restore as a new VM finished');
  await shot(page, 'restore-points');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /^Download Virtual Machines\/.*\.xml$/ }).click(),
  ]);
  check(download.suggestedFilename().endsWith('.xml') && (await download.failure()) === null,
    `the file browser downloads a single file (${download.suggestedFilename()})`);
  await page.getByRole('button', { name: 'Browse guest files' }).click();
  await page.getByRole('alert').filter({ hasText: /simulated host/ }).waitFor();
  check(true, 'browsing guest files of a simulated point says why it cannot be done');

  // A boot test from the restore point page: the simulated guest boots from the point's disks, and the
  // page shows its verdict and its screen.
  await page.getByRole('button', { name: 'Start a boot test' }).click();
  await page.getByTestId('boot-test-status').filter({ hasText: 'PASSED' }).waitFor({ timeout: 60000 });
  const screen = page.getByRole('img', { name: "The guest's screen at the end of the boot test" });
  await screen.waitFor();
  await page.waitForFunction(() => document.querySelector('img.boot-screenshot')?.complete);
  check(await screen.evaluate((img) => img.naturalWidth > 0),
    'a boot test started from the restore point page passes and shows its status and the guest\'s screen');
  check(await page.getByRole('link', { name: 'Open the serial log' }).count() === 1, 'the boot test links its serial log');
  await shot(page, 'boot-test');

  await nav(page, 'VMs');
  await page.getByRole('rowheader', { name: 'web01-e2e' }).waitFor();
  check(true, 'the restored VM is in the VM list');
  for (const [name, mode] of [['db01', 'pause'], ['app01', 'online']]) {
    await page.getByLabel(`Mode for ${name}`, { exact: true }).selectOption(mode);
    await page.getByRole('button', { name: `Back up ${name} now`, exact: true }).click();
    await watchToEnd(page, `Backup of ${name}`);
  }
  check(true, '"Back up now" on the VM list backs up db01 (pause) and app01 (online) with live progress');
  // Two more runs of the job, so that the dashboard's charts have a line to draw.
  for (let i = 0; i < 2; i++) {
    await nav(page, 'Jobs');
    await page.getByRole('button', { name: 'Run e2e nightly now' }).click();
    await watchToEnd(page, 'Backup of web01');
  }
  await nav(page, 'VMs');
  await shot(page, 'vms');

  for (const name of ['Runs', 'Repositories', 'Audit log', 'Users']) {
    await nav(page, name);
    await page.locator('tbody tr').first().waitFor();
    if (name === 'Repositories') {
      const repository = (await api('/api/repositories')).json[0];
      check(repository.blockClone !== null, `the server probed whether ${repository.name} clones blocks`);
      const expected = repository.blockClone ? 'yes (reflink: points share unchanged blocks)'
        : 'no (hard links: changed files written whole)';
      await page.getByRole('row', { name: new RegExp(repository.name) }).getByText(expected, { exact: true }).waitFor();
      check(true, `the repositories page shows whether ${repository.name} clones blocks: ${expected}`);
      await page.getByRole('img', { name: 'Used and Logical over time' }).first().waitFor();
      check(true, 'the repositories page charts used against logical size from the samples of the runs');
    }
    await shot(page, name.toLowerCase().replace(' ', '-'));
  }
  // An alert channel: a webhook on a receiver of this test, its secret shown once, and a test message to it.
  const hooks = [];
  const receiver = createHttpServer((request, response) => {
    request.resume();
    hooks.push(request.headers['x-stillpoint-signature']);
    response.end('received');
  });
  await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
  try {
    await nav(page, 'Alerts');
    await page.getByRole('button', { name: 'New channel' }).click();
    await page.getByLabel('Name', { exact: true }).fill('e2e hook');
    await page.getByLabel('Type').selectOption('webhook');
    await page.getByLabel('Webhook address (http or https)').fill(`http://127.0.0.1:${receiver.address().port}/hook`);
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('heading', { name: 'Signing secret of e2e hook' }).waitFor();
    check((await page.getByRole('status').locator('code').innerText()).startsWith('whsec_'), 'a new webhook shows its secret once');
    await page.getByRole('button', { name: 'Send a test to e2e hook' }).click();
    await page.getByText('Test to e2e hook: sent: 200 received').waitFor();
    check(hooks.length === 1 && hooks[0]?.startsWith('sha256='), 'the Alerts page sends a signed test message to the webhook');
    await shot(page, 'alerts');
  } finally {
    receiver.close();
  }

  // An API token: made on its page, its secret shown once, signing a script in, and refused once revoked.
  await nav(page, 'API tokens');
  await page.getByLabel('Name', { exact: true }).fill('e2e script');
  await page.getByLabel('Role').selectOption('viewer');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.getByTestId('token-secret').innerText();
  check(secret.startsWith('stp_'), 'a new API token shows its secret once');
  const bearer = { headers: { Authorization: `Bearer ${secret}` } };
  const asToken = await fetch(`${base}/api/me`, bearer);
  check(asToken.status === 200 && (await asToken.json()).role === 'viewer', 'a script signs in with the token, as a viewer');
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await shot(page, 'api-tokens');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Revoke e2e script of admin' }).click();
  await page.getByRole('rowheader', { name: 'e2e script' }).waitFor({ state: 'detached' });
  check((await fetch(`${base}/api/me`, bearer)).status === 401, 'a revoked token is refused at once');

  // A failed sign-in holds back its user name and address; the admin lifts both on the users page.
  const wrong = { headers: { Authorization: `Basic ${Buffer.from('e2e-ghost:not-the-password').toString('base64')}` } };
  check((await fetch(`${base}/api/me`, wrong)).status === 401, 'a wrong password is refused');
  await nav(page, 'Users');
  for (const [kind, name] of [['user', 'e2e-ghost'], ['address', '127.0.0.1']]) {
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
    await row.waitFor();
    page.once('dialog', (dialog) => dialog.accept());
    await row.getByRole('button', { name: `Lift ${kind} ${name}` }).click();
    await row.waitFor({ state: 'detached' });
  }
  check((await api('/api/sign-in/locks')).json.length === 0, 'the admin lifted the failed sign-ins of a user and an address');

  await nav(page, 'Dashboard');
  await page.getByText(/Backup duration: latest/).first().waitFor();
  await page.getByText('No run in progress.').waitFor();
  await shot(page, 'dashboard');

  const created = await api('/api/users', { method: 'POST', body: JSON.stringify({ username: 'e2e-viewer', password: viewerPassword, role: 'viewer' }) });
  check(created.status === 201, 'the admin creates a viewer through POST /api/users');
  const vm = (await api('/api/vms')).json.find((v) => v.name === 'web01');
  const point = (await api(`/api/restore-points?vmId=${vm.id}`)).json[0];
  const job = (await api('/api/jobs')).json[0];

  const viewer = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const vpage = await viewer.newPage();
  await signIn(vpage, base, 'e2e-viewer', viewerPassword);
  await vpage.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  check(await vpage.getByRole('link', { name: 'Audit log' }).count() === 0, 'a viewer has no audit log or users in the navigation');
  await nav(vpage, 'VMs');
  await vpage.getByRole('rowheader', { name: 'web01', exact: true }).waitFor();
  check(await vpage.getByRole('button', { name: /Back up/ }).count() === 0, 'a viewer sees no "Back up now"');
  await nav(vpage, 'Jobs');
  await vpage.getByRole('rowheader', { name: 'e2e nightly' }).waitFor();
  check(await vpage.getByRole('button', { name: /Edit|Run .* now|Prune|Delete|New job|Disable/ }).count() === 0,
    'a viewer sees no edit, run, prune or delete buttons on jobs');
  await vpage.goto(`${base}/#/restore-points?vm=${vm.id}&point=${point.id}`);
  await vpage.getByRole('heading', { level: 2, name: /Restore point of/ }).waitFor();
  check(await vpage.getByRole('button', { name: /^(Restore…|Verify|Protect|Unprotect|Start a boot test)$/ }).count() === 0,
    'a viewer sees no restore, verify, protect or boot test buttons');
  await shot(vpage, 'viewer-restore-points');

  const refused = [
    ['POST', `/api/vms/${vm.id}/backup`, { mode: 'auto' }],
    ['POST', `/api/restore-points/${point.id}/restore`, { target: 'new-vm', name: 'web01-viewer' }],
    ['PUT', `/api/restore-points/${point.id}/protected`, { protected: true }],
    ['PUT', `/api/jobs/${job.id}`, { ...job, name: 'renamed by a viewer' }],
    ['POST', `/api/jobs/${job.id}/run`, undefined],
  ];
  for (const [method, path, body] of refused) {
    const answer = await apiFromPage(vpage, method, path, body);
    check(answer.status === 403, `the API refuses the viewer ${method} ${path} with 403 (got ${answer.status})`);
  }
  const noToken = await apiFromPage(page, 'POST', `/api/jobs/${job.id}/disable`, undefined, false);
  check(noToken.status === 403, 'the API refuses a change without the X-XSRF-TOKEN header, even from an admin');
  const form = await fetch(`${base}/j_security_check`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ j_username: 'admin', j_password: 'wrong' }) });
  check(form.status === 401, 'the sign-in endpoint answers 401 to a wrong password');

  const session = (await admin.cookies()).find((c) => c.name === 'stillpoint-session');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const replayed = await fetch(`${base}/api/me`, { headers: { Cookie: `stillpoint-session=${session.value}` } });
  check(replayed.status === 401, 'after "Sign out" the old session cookie no longer signs in');
  check(cspViolations.length === 0, `the console runs under its Content-Security-Policy (${cspViolations.join('; ')})`);

  await admin.close();
  await viewer.close();
}

async function main() {
  if (!existsSync(jar)) {
    throw new Error(`no jar at ${jar}; build it with ./mvnw -q -DskipTests package`);
  }
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), 'stillpoint-e2e-'));
  const port = await freePort();
  // HTTPS on a free port too (8443 may be taken); the scenario uses plain HTTP on the loopback interface
  const httpsPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(shots, 'server.log'));
  console.log(`starting ${jar} on ${base} with STILLPOINT_HOME=${home}`);
  // The embedded defaults: a catalog URL from the caller's environment would skip the embedded
  // PostgreSQL and the demo host the scenario needs.
  const env = { ...process.env, STILLPOINT_HOME: home, STILLPOINT_ADMIN_PASSWORD: adminPassword };
  delete env.QUARKUS_DATASOURCE_JDBC_URL;
  const server = spawn('java', [`-Dquarkus.http.port=${port}`, `-Dquarkus.http.ssl-port=${httpsPort}`, '-jar', jar], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  let browser;
  try {
    await waitForServer(base, server);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    await scenario(browser, base);
    if (updateDocs) {
      mkdirSync(join(here, '../docs'), { recursive: true });
      copyFileSync(join(shots, 'dashboard.png'), join(here, '../docs/dashboard.png'));
    }
    console.log(`all checks passed; screenshots in ${shots}`);
  } catch (error) {
    for (const context of browser?.contexts() ?? []) {
      for (const [i, page] of context.pages().entries()) {
        await page.screenshot({ path: join(shots, `failure-${i}.png`), fullPage: true }).catch(() => {});
      }
    }
    throw error;
  } finally {
    await browser?.close();
    await stop(server);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exitCode = 1;
});
