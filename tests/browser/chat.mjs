// Drives the chat page in Debian's headless Chromium through Playwright and prints what it saw
// as one JSON object. tests/e2e/test_web_chat.py builds the plan and checks the result.
//
//   node tests/browser/chat.mjs <page url> '<plan json>'
//
// plan: {"keyboard": bool, "steps": [...], "layout": bool, "viewport": {width, height}}; each step is one of
//   {"say": text, "expect": text}    type a message (keyboard: Tab to the input, type, Enter)
//   {"press": title, "expect": text} press a button (keyboard: Shift+Tab to it, Enter or Space)
//   {"reload": true}                 reload the page and record the transcript before and after
//   {"shown": "text"}                wait until a bot message holds the text (one already shown counts)
//   {"goto": path}                   open another page of the site in the same tab ("/es/")
//   {"axe": true}                    run axe-core (WCAG 2.1 A and AA rules) on the page as it is
//   {"status": text}                 wait until the page's status line says `text`
//   {"screenshot": path}             save a picture of the page (the README's docs/chat-page.png)
// "expect" must appear in the bot messages that arrive after the step.
// With "layout", the final transcript is also shown at 320 px and at 200 % zoom, and checked
// for horizontal overflow and cut-off content.
// A plan that reaches a confirmation (a step expecting "/confirmation/") then checks it here:
// the message with the link also shows the number and two links styled as buttons, "open the
// page" (its address, new tab) and "download PDF" (its address + ".pdf", `download`, which
// downloads the PDF); they are still there after a reload; and confirmations with bad addresses
// (another origin, javascript:, another path, credentials, a PDF of another page, markup in the
// number), injected into the socket as the server would send them or into the stored transcript,
// are never shown as links. "links" lists the links in message text, "confirmations" the
// confirmation boxes, "confirmationChecks" what was checked.
// Exit status: 0 when every step and check passed (the JSON then has the findings), 1 otherwise.
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
const NUMBER_PATTERN = /\b([A-Z0-9]{4}-[A-Z0-9]{4})\b/;

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

function check(condition, what) {
  if (!condition) {
    throw new Error(`confirmation check failed: ${what}`);
  }
}

// The confirmation boxes in the log, with their links as the page has them.
function confirmationBoxes(page) {
  return page.$$eval("#log .message", (messages) => messages.filter((message) => message.querySelector(".confirmation"))
    .map((message) => {
      const box = message.querySelector(".confirmation");
      const number = box.querySelector(".confirmation-number strong");
      const body = message.querySelector("p");
      return {
        text: body && !body.closest(".confirmation") ? body.textContent : "",
        textLinks: [...message.querySelectorAll(":scope > p a")].map((link) => link.href),
        label: box.querySelector(".confirmation-number .label").textContent,
        number: number.textContent,
        numberStyle: { fontSize: parseFloat(getComputedStyle(number).fontSize),
          fontWeight: Number(getComputedStyle(number).fontWeight),
          bodySize: parseFloat(getComputedStyle(document.body).fontSize) },
        links: [...box.querySelectorAll("a")].map((link) => {
          const style = getComputedStyle(link);
          return {
            href: link.href, text: link.childNodes[0].textContent, target: link.target, rel: link.rel,
            download: link.getAttribute("download"), className: link.className, display: style.display,
            paddingLeft: parseFloat(style.paddingLeft), borderWidth: parseFloat(style.borderTopWidth),
          };
        }),
      };
    }));
}

// Bad confirmations, as the server would send them; none may become a link.
function forgedConfirmations(origin, token) {
  const page = `${origin}/confirmation/${token}`;
  const bad = [
    { page: "javascript:alert(1)", pdf: "javascript:alert(1).pdf" },
    { page: "https://evil.example/confirmation/" + token, pdf: "https://evil.example/confirmation/" + token + ".pdf" },
    { page: `${origin}/static/chat.js`, pdf: `${origin}/static/chat.js.pdf` },
    { page, pdf: `${origin}/confirmation/OtherToken.pdf` },
    { page: page.replace("://", "://user:secret@"), pdf: page.replace("://", "://user:secret@") + ".pdf" },
    { page: page + "?next=https://evil.example", pdf: page + ".pdf?next=https://evil.example" },
    { page: page.replace("http:", "data:"), pdf: page.replace("http:", "data:") + ".pdf" },
    { page, pdf: page + ".pdf", number: "<img src=x onerror=alert(1)>" },
    { page: { href: page }, pdf: page + ".pdf" },
  ];
  return bad.map((fields, index) => ({
    text: `Injected message ${index + 1}.`,
    confirmation: { number: "YH9X-NHPR", ...fields },
  }));
}

// What a plan that reached a confirmation checks at the end (see the top of this file).
async function checkConfirmation(browser, page, sockets) {
  const checks = {};
  const boxes = await confirmationBoxes(page);
  result.confirmations = boxes;
  const texts = await page.$eval("#log", (log) => ({ ...log.dataset }));
  const linked = boxes.filter((box) => box.textLinks.some((href) => href.includes("/confirmation/")));
  check(boxes.length === 1 && linked.length === 1, `one confirmation box, on the message with the link: ${JSON.stringify(boxes)}`);
  const [box] = boxes;
  const link = box.textLinks.find((href) => href.includes("/confirmation/"));
  const number = (box.text.match(NUMBER_PATTERN) || [])[1];
  check(number && box.number === number, `the number ${number} stands out: ${box.number}`);
  check(box.label === texts.confirmationNumber, `the number's label: ${box.label}`);
  check(box.numberStyle.fontWeight >= 700 && box.numberStyle.fontSize >= 1.5 * box.numberStyle.bodySize,
    `the number is large and bold: ${JSON.stringify(box.numberStyle)}`);
  const [open, pdf] = box.links;
  check(box.links.length === 2, `two links: ${JSON.stringify(box.links)}`);
  check(open.href === link && open.text === texts.openPage && open.target === "_blank" &&
    open.rel.split(" ").includes("noopener") && open.download === null, `"open the page": ${JSON.stringify(open)}`);
  check(pdf.href === link + ".pdf" && pdf.text === texts.downloadPdf && pdf.download === `confirmation-${number}.pdf`,
    `"download PDF": ${JSON.stringify(pdf)}`);
  for (const button of box.links) {
    check(button.className.split(" ").includes("link-button") && button.display !== "inline" &&
      button.paddingLeft > 0 && button.borderWidth > 0, `styled as a button: ${JSON.stringify(button)}`);
  }
  checks.links = true;

  const served = await page.request.get(pdf.href);
  const bytes = await served.body();
  check(served.status() === 200 && served.headers()["content-type"] === "application/pdf" &&
    bytes.subarray(0, 5).toString() === "%PDF-", `the PDF link serves a PDF: ${served.status()}`);
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: REPLY_TIMEOUT_MS }),
    page.locator("#log .confirmation a[download]").click(),
  ]);
  check(download.suggestedFilename() === `confirmation-${number}.pdf`, `downloaded as ${download.suggestedFilename()}`);
  checks.download = download.suggestedFilename();
  await download.delete();

  await page.evaluate(AXE_SOURCE);
  const axe = await page.evaluate(() => window.axe.run({ include: [["#log .confirmation"]] }, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  check(axe.violations.length === 0, `axe on the confirmation: ${JSON.stringify(axe.violations.map((v) => v.id))}`);
  checks.axePasses = axe.passes.length;

  // Bad confirmations pushed into the open socket, as the server's bot_uttered events.
  const origin = new URL(url).origin;
  const token = new URL(link).pathname.split("/").pop();
  const forged = forgedConfirmations(origin, token);
  const before = await botCount(page);
  const socket = sockets[sockets.length - 1];
  check(socket, "the page's socket was routed");
  for (const reply of forged) {
    socket.send("42" + JSON.stringify(["bot_uttered", reply]));
  }
  await page.waitForFunction((count) => document.querySelectorAll("#log .message.bot").length >= count,
    before + forged.length, { timeout: REPLY_TIMEOUT_MS });
  const shown = async () => page.$$eval("#log .message.bot", (messages) => messages
    .filter((message) => message.textContent.includes("Injected message"))
    .map((message) => ({
      text: message.querySelector("p").textContent,
      anchors: message.querySelectorAll("a").length,
      boxes: message.querySelectorAll(".confirmation").length,
      images: message.querySelectorAll("img").length,
    })));
  const injected = await shown();
  check(injected.length === forged.length && injected.every((m) => m.anchors === 0 && m.boxes === 0 && m.images === 0),
    `no link from a bad confirmation: ${JSON.stringify(injected)}`);
  checks.forgedNotLinked = injected.length;

  // A reload keeps the real links and still shows none of the bad ones.
  await page.reload();
  await page.locator("#composer").waitFor();
  const reloaded = await confirmationBoxes(page);
  check(JSON.stringify(reloaded) === JSON.stringify(boxes), `the links survive a reload: ${JSON.stringify(reloaded)}`);
  const injectedAfter = await shown();
  check(JSON.stringify(injectedAfter) === JSON.stringify(injected), `after the reload: ${JSON.stringify(injectedAfter)}`);
  checks.reload = true;

  // A stored transcript with a bad confirmation (tampered storage) is not shown at all.
  const stored = JSON.parse(await page.evaluate((key) => window.sessionStorage.getItem(key), STORE_KEY));
  for (const reply of forged) {
    const entry = { role: "bot", text: reply.text, lang: stored.language, buttons: [], confirmation: reply.confirmation };
    const context = await browser.newContext();
    await context.addInitScript(([key, value]) => window.sessionStorage.setItem(key, value),
      [STORE_KEY, JSON.stringify({ ...stored, entries: [...stored.entries, entry] })]);
    const other = await context.newPage();
    await other.goto(url);
    await other.locator("#composer").waitFor();
    const seen = await other.$$eval("#log a, #log img, #log .confirmation", (elements) => elements.length);
    await context.close();
    check(seen === 0, `a stored bad confirmation is not rendered: ${JSON.stringify(reply.confirmation)}`);
  }
  checks.tamperedStorage = forged.length;
  result.confirmationChecks = checks;
}

async function main() {
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const context = await browser.newContext({ viewport: plan.viewport ?? { width: 1024, height: 768 } });
    const page = await context.newPage();
    const reachesConfirmation = plan.steps.some((step) => String(step.expect ?? "").includes("/confirmation/"));
    const sockets = [];
    if (reachesConfirmation) {
      // The page's socket passes through unchanged; checkConfirmation adds frames of its own.
      await page.routeWebSocket(/\/socket\.io\//, (socket) => {
        socket.connectToServer();
        sockets.push(socket);
      });
    }
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
      if (step.shown !== undefined) {
        // Already shown or about to be, whatever the count (the page's own welcome).
        await page.waitForFunction(
          (expected) => [...document.querySelectorAll("#log .message.bot")]
            .some((message) => message.textContent.includes(expected)),
          step.shown,
          { timeout: REPLY_TIMEOUT_MS },
        );
      } else if (step.say !== undefined) {
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
    result.links = await page.$$eval("#log .message > p a", (links) => links.map((link) => ({
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
    if (reachesConfirmation) {
      await checkConfirmation(browser, page, sockets);
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
