import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { TOPICS } from '../../../src/events/topics.ts';
import { formatInstant } from '../../../src/events/time.ts';
import { careTaskQueueSchema } from '../../../src/api/care-task-schemas.ts';
import { startHarness, type Harness } from '../../support/harness.ts';
import { launchChromium } from '../../support/browser.ts';
import { channel, profile, tx } from '../../support/events.ts';
import { uniqueName } from '../../support/stack.ts';

const ID_NUMBER = '110101195001011234';
const FULL_NAME = 'Wang Xiaoming';
const ACCOUNT = 'ACC6222029876543219';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const TOKEN = randomBytes(24).toString('base64url');
const HOUR = 3_600_000;

/**
 * The console in headless Chromium against the real stack: the page's own
 * script reads the agent API with the token typed into it. With
 * CONSOLE_SCREENSHOT=<file> it also saves a screenshot (docs/console.png).
 */
describe('the console in a browser', () => {
  let h: Harness;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let base: string;
  let consumed = 0;
  const fraudCustomer = uniqueName('C-console');
  const newCustomer = uniqueName('C-welcome');

  beforeAll(async () => {
    h = await startHarness({ API_TOKENS: JSON.stringify([{ name: 'console-test', sha256: sha(TOKEN), scopes: ['features:read', 'tasks:read', 'outcomes:write'] }]) });
    base = `http://127.0.0.1:${h.app.httpPort}`;
    const t0 = Date.now() - HOUR;
    const at = (ms: number) => formatInstant(ms, 'Asia/Shanghai');
    // Three open tasks with different due times: a fraud check (+24 h, P1), a
    // complaint's service recovery (+48 h, P2) and a welcome call (+7 days, P4).
    const events = [
      () => h.produce(TOPICS.customerProfiles, profile(fraudCustomer, { idNumber: ID_NUMBER, fullName: FULL_NAME })),
      () => h.produce(TOPICS.transactions, tx(fraudCustomer, at(t0 - 20 * 60_000), { accountId: ACCOUNT, amountMinor: 30_000_000, balanceAfterMinor: 30_000_000 })),
      () => h.produce(TOPICS.channelEvents, channel(fraudCustomer, at(t0 - 10 * 60_000), { action: 'COMPLAINT' })),
      () => h.produce(TOPICS.transactions, tx(fraudCustomer, at(t0), { accountId: ACCOUNT, type: 'TRANSFER_OUT', amountMinor: 60_000_000, balanceAfterMinor: 0, counterparty: { accountRef: 'CP-9', ownAccount: false } })),
      () => h.produce(TOPICS.customerProfiles, profile(newCustomer)),
      () => h.produce(TOPICS.channelEvents, channel(newCustomer, at(t0 + 60_000), { action: 'ACCOUNT_OPENED' })),
    ];
    for (const produce of events) {
      await produce();
      await h.waitForConsumed(++consumed);
    }
    browser = await launchChromium();
    page = await browser.context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  const rowIds = () => page.locator('[data-testid=queue-row]').evaluateAll((rows) => rows.map((r) => ({ id: r.getAttribute('data-task-id')!, due: r.getAttribute('data-due-by')! })));

  it('shows no data without a token, then the open tasks ordered by due time', async () => {
    await page.goto(`${base}/console`);
    expect(await page.title()).toBe('carestream console');
    expect(await page.locator('[data-testid=queue-row]').count()).toBe(0);

    await page.fill('[data-testid=token]', TOKEN);
    await page.click('[data-testid=signin]');
    await page.waitForSelector('[data-testid=queue-row]');
    await page.waitForSelector('.health.ready');

    const api = careTaskQueueSchema.parse(await (await fetch(`${base}/v1/tasks`, { headers: { authorization: `Bearer ${TOKEN}` } })).json());
    const shown = await rowIds();
    expect(shown.map((r) => r.id)).toEqual(api.tasks.map((t) => t.taskId));
    expect(api.tasks.filter((t) => t.customerId === fraudCustomer || t.customerId === newCustomer).map((t) => t.kind)).toEqual(['FRAUD_CHECK', 'SERVICE_RECOVERY', 'CARE']);
    const dues = shown.map((r) => Date.parse(r.due));
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    expect(await page.locator('[data-testid=count-P1]').textContent()).toMatch(/open [1-9]/);

    const text = await page.locator('body').innerText();
    for (const secret of [ID_NUMBER, FULL_NAME, ACCOUNT, '6222029876543219', TOKEN]) expect(text).not.toContain(secret);
  });

  it("a customer view shows a decision's reasons and evidence, and the timeline", async () => {
    const fraudRow = page.locator('[data-testid=queue-row]', { hasText: 'FRAUD_CHECK' }).filter({ hasText: fraudCustomer });
    await fraudRow.locator('[data-testid=queue-customer]').click();
    const decision = page.locator('[data-testid=decision]', { hasText: 'large-outflow' });
    await decision.waitFor();
    expect(await decision.locator('[data-testid=reasons]').textContent()).toContain('AMOUNT_OVER_THRESHOLD');
    expect(await decision.locator('[data-testid=evidence]').innerText()).toContain('amountMinor = 60000000');
    expect(await page.locator('[data-testid=timeline]').innerText()).toMatch(/FRAUD_CHECK task issued/);
    expect(await page.locator('[data-testid=customer-tier]').textContent()).toBe('ORDINARY');
    const text = await page.locator('[data-testid=customer]').innerText();
    for (const secret of [ID_NUMBER, FULL_NAME, ACCOUNT, '6222029876543219']) expect(text).not.toContain(secret);
    if (process.env.CONSOLE_SCREENSHOT) await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT, fullPage: true });
  });

  it('recording an outcome moves the task out of the open queue', async () => {
    const fraudRow = page.locator('[data-testid=queue-row]', { hasText: 'FRAUD_CHECK' }).filter({ hasText: fraudCustomer });
    const taskId = (await fraudRow.getAttribute('data-task-id'))!;
    await fraudRow.locator('[data-testid=outcome-select]').selectOption('CONFIRMED_GENUINE');
    await fraudRow.locator('[data-testid=outcome-record]').click();
    await page.waitForSelector('[data-testid=message].info');
    await h.waitForConsumed(++consumed);
    // The page refreshes itself; Refresh makes it sooner.
    const gone = async () => !(await rowIds()).some((r) => r.id === taskId);
    const deadline = Date.now() + 60_000;
    while (!(await gone()) && Date.now() < deadline) {
      await page.click('#queue-refresh');
      await page.waitForTimeout(300);
    }
    expect(await gone()).toBe(true);
    expect((await rowIds()).length).toBeGreaterThan(0);
    await page.selectOption('#queue-status', 'answered');
    await page.locator(`[data-testid=queue-row][data-task-id="${taskId}"]`).waitFor();
    expect(await page.locator(`[data-testid=queue-row][data-task-id="${taskId}"]`).innerText()).toContain('CONFIRMED_GENUINE');
  });
});
