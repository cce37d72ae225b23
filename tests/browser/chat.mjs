// Drives the chat page in Debian's headless Chromium through Playwright and prints what it saw
// as one JSON object. tests/e2e/test_web_chat.py builds the plan and checks the result.
//
//   node tests/browser/chat.mjs <page url> '<plan json>'
//
// plan: {"keyboard": bool, "steps": [...], "layout": bool, "viewport": {width, height}}; each step is one of
//   {"say": text, "expect": text}    type a message (keyboard: Tab to the input, type, Enter)
//   {"press": title, "expect": text} press a button (keyboard: Shift+Tab to it, Enter or Space)
//   {"reload": true}                 reload the page and record the transcript before and after
//   {"goto": path}                   open another page of the site in the same tab ("/es/")
//   {"axe": true}                    run axe-core (WCAG 2.1 A and AA rules) on the page as it is
//   {"status": text}                 wait until the page's status line says `text`
//   {"screenshot": path}             save a picture of the page (the README's docs/chat-page.png)
// "expect" must appear in the bot messages that arrive after the step.
// With "layout", the final transcript is also shown at 320 px and at 200 % zoom, and checked
// for horizontal overflow and cut-off content.
// Exit status: 0 when every step ran (the JSON then has the findings), 1 otherwise.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AXE_SOURCE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const CHROMIUM = "/usr/bin/chromium";
const REPLY_TIMEOUT_MS = 20000;
const QUIET_MS = 250; // a turn's messages arrive together: wait this long for stragglers
const MAX_TABS = 80;
const STORE_KEY = "chat.conversation";

const [url, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const result = { steps: [], buttonTags: [], pageErrors: [], reloads: [], focusOutlines: [] };

async function botCount(page) {
  return page.locator("#log .message.bot").count();
}

// Waits for `expected` in the bot messages after the first `count`, then for a quiet moment.
async function waitForReply(page, count, expected) {
  await page.waitForFunction(
    ([count, expected]) => [...document.querySelectorAll("#log .message.bot")]
      .slice(count).some((message) => message.textContent.includes(expected)),
    [count, expected],
    { timeout: REPLY_TIMEOUT_MS },
  );
  let seen = await botCount(page);
  for (;;) {
    await page.waitForTimeout(QUIET_MS);
    const now = await botCount(page);
    if (now === seen) {
      return;
    }
    seen = now;
  }
}

function focused(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
      tag: element.tagName,
      id: element.id,
      text: element.textContent.trim(),
      outline: style.outlineStyle === "none" ? "none" : `${style.outlineWidth} ${style.outlineStyle}`,
    };
  });
}

// Presses `key` until `wanted(focused element)` holds; keyboard only, no focus() or clicks.
async function tabTo(page, key, wanted, what) {
  for (let presses = 0; presses <= MAX_TABS; presses += 1) {
    const element = await focused(page);
    if (wanted(element)) {
      result.focusOutlines.push({ tag: element.tag, outline: element.outline });
      return;
    }
    await page.keyboard.press(key);
  }
  throw new Error(`${key} never reached ${what}`);
}

async function say(page, text) {
  if (plan.keyboard) {
    await tabTo(page, "Tab", (element) => element.id === "message", "the message input");
    await page.keyboard.type(text);
    await page.keyboard.press("Enter");
  } else {
    await page.fill("#message", text);
    await page.click("#composer button[type=submit]");
  }
}

async function press(page, title, index) {
  const button = page.locator("#log .buttons button", { hasText: title }).last();
  await button.waitFor({ timeout: REPLY_TIMEOUT_MS });
  result.buttonTags.push(...await page.$$eval("#log .buttons > *", (elements) => elements.map((e) => e.tagName)));
  if (plan.keyboard) {
    // The buttons come before the input: from there, Shift+Tab walks back to them.
    await tabTo(page, "Shift+Tab", (element) => element.tag === "BUTTON" && element.text === title, title);
    await page.keyboard.press(index % 2 === 0 ? "Enter" : "Space");
  } else {
    await button.click();
  }
}

function transcript(page) {
  return page.$$eval("#log .message", (messages) => messages.map((message) => ({
    role: message.classList.contains("bot") ? "bot" : "you",
    lang: message.closest("[lang]").lang,
    ownLang: message.getAttribute("lang"),
    text: message.querySelector("p") ? message.querySelector("p").textContent : "",
  })));
}

async function runAxe(page) {
  await page.evaluate(AXE_SOURCE);
  const axe = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  const summary = (items) => items.map((item) => ({
    id: item.id, impact: item.impact, help: item.help, nodes: item.nodes.map((node) => node.target.join(" ")),
  }));
  return {
    version: axe.testEngine.version,
    buttonsShown: await page.locator("#log .buttons button").count(),
    violations: summary(axe.violations),
    incomplete: summary(axe.incomplete),
    passes: axe.passes.length,
  };
}

// Opens the conversation kept in `storage` in a fresh page of `options` (viewport etc.) and
// lists whatever sticks out to the side or is cut off.
async function checkLayout(browser, name, options, storage) {
  const context = await browser.newContext(options);
  await context.addInitScript(([key, value]) => window.sessionStorage.setItem(key, value), [STORE_KEY, storage]);
  const page = await context.newPage();
  await page.goto(url);
  await page.locator("#composer").waitFor();
  const found = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const problems = [];
    const describe = (element) => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
      (element.className && typeof element.className === "string" ? "." + element.className.split(" ").join(".") : "");
    for (const element of document.querySelectorAll("body *")) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || element.closest(".visually-hidden")) {
        continue;
      }
      if (box.left < -0.5 || box.right > width + 0.5) {
        problems.push(`${describe(element)} spans ${Math.round(box.left)}..${Math.round(box.right)} of ${width}`);
      } else if (element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX !== "visible") {
        problems.push(`${describe(element)} cuts its content: ${element.scrollWidth} > ${element.clientWidth}`);
      }
    }
    const composer = document.getElementById("composer").getBoundingClientRect();
    return {
      viewportWidth: width,
      scrollWidth: document.documentElement.scrollWidth,
      // Page height below the message input: nothing visible is there.
      blankBelow: Math.round(document.documentElement.scrollHeight - (composer.bottom + window.scrollY)),
      messages: document.querySelectorAll("#log .message").length,
      problems,
    };
  });
  if (process.env.SCREENSHOT_DIR) {
    await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  }
  await context.close();
  return { name, ...options, ...found };
}

async function main() {
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const context = await browser.newContext({ viewport: plan.viewport ?? { width: 1024, height: 768 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => result.pageErrors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") {
        result.pageErrors.push(message.text());
      }
    });
    await page.goto(url);
    await page.locator("#composer").waitFor();
    for (const [index, step] of plan.steps.entries()) {
      const stepStarted = Date.now();
      const count = await botCount(page);
      if (step.say !== undefined) {
        await say(page, step.say);
      } else if (step.press !== undefined) {
        await press(page, step.press, index);
      } else if (step.reload) {
        const before = await transcript(page);
        await page.reload();
        await page.locator("#composer").waitFor();
        result.reloads.push({ before, after: await transcript(page) });
      } else if (step.goto !== undefined) {
        await page.goto(new URL(step.goto, url).href);
        await page.locator("#composer").waitFor();
      } else if (step.axe) {
        result.axe = await runAxe(page);
      } else if (step.screenshot !== undefined) {
        await page.screenshot({ path: step.screenshot });
      } else if (step.status !== undefined) {
        await page.waitForFunction(
          (text) => document.getElementById("status").textContent === text, step.status, { timeout: REPLY_TIMEOUT_MS },
        );
      }
      if (step.expect !== undefined) {
        await waitForReply(page, count, step.expect);
      }
      result.steps.push({ step: Object.keys(step)[0], ms: Date.now() - stepStarted });
    }
    result.transcript = await transcript(page);
    result.storage = await page.evaluate(() => ({
      local: Object.keys(window.localStorage),
      session: Object.keys(window.sessionStorage),
    }));
    result.links = await page.$$eval("#log a", (links) => links.map((link) => ({
      href: link.href, target: link.target, rel: link.rel, text: link.textContent,
    })));
    if (plan.layout) {
      const storage = await page.evaluate((key) => window.sessionStorage.getItem(key), STORE_KEY);
      result.layout = [
        await checkLayout(browser, "width-320", { viewport: { width: 320, height: 640 } }, storage),
        // 200 % zoom of a 1280 x 800 window: 640 x 400 CSS pixels, each drawn as 2 x 2.
        await checkLayout(browser, "zoom-200", { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 }, storage),
      ];
    }
  } finally {
    await browser.close();
  }
  result.ms = Date.now() - started;
}

main().then(
  () => process.stdout.write(JSON.stringify(result) + "\n"),
  (error) => {
    result.error = String(error && error.stack ? error.stack : error);
    process.stdout.write(JSON.stringify(result) + "\n");
    process.exitCode = 1;
  },
);
