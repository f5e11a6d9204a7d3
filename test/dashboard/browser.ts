import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/**
 * What a test file needs, then Chromium: both ready in its tests and closed after them. The
 * dashboard they load is built once, before any test file (test/global-setup.ts).
 */
export function withDashboard<Setup extends { close(): Promise<void> }>(start: () => Promise<Setup>, timeoutMs = 120_000) {
  let setup: Setup | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  beforeAll(async () => {
    setup = await start();
    browser = await launchChromium();
  }, timeoutMs);
  afterAll(async () => {
    await browser?.close();
    await setup?.close();
  });
  return {
    get setup() {
      return setup!;
    },
    get chromium() {
      return browser!;
    },
  };
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, in a new empty profile that is removed on close. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'sfbackup-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
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
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's WCAG 2.1 A/AA rules (labels, names, roles, contrast...) on the page as it is now.
 * Returns one line per violation of the impacts given (every impact by default), so an assertion
 * shows what is wrong.
 */
export async function accessibilityViolations(page: Page, impacts?: string[]): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's content security policy does not govern.
  await page.evaluate(axeSource);
  return page.evaluate(async (kept) => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ passes: unknown[]; violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    if (result.passes.length === 0) return ['axe checked nothing: is the page empty?'];
    return result.violations
      .filter((violation) => !kept || kept.includes(violation.impact))
      .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} (${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')})`);
  }, impacts);
}

/** A new tab at the given width, signed in with the key on the dashboard's sign-in form; resolves once the instances page shows. */
export async function signIn(context: BrowserContext, publicUrl: string, key: string, width = 1280): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${publicUrl}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Salesforce instances' }).waitFor();
  return page;
}

/** The elements reaching past the window's right edge, named so a failure shows them; none when nothing scrolls sideways. */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => {
    if (document.documentElement.scrollWidth <= window.innerWidth) return [];
    const wide = [...document.querySelectorAll('body *')].filter((element) => element.getBoundingClientRect().right > window.innerWidth);
    return wide.map((element) => `${element.tagName.toLowerCase()}.${element.className} reaches ${Math.round(element.getBoundingClientRect().right)} px`);
  });
