// The pages the mails link to, in a real headless Chromium (Debian's package), driven by
// playwright-core, as an owner meets them: a reminder the worker really sent is read from its
// .eml file, its duty link is followed and the form filled in and submitted; "Mine opgaver"
// records two duties with JavaScript turned off; every page passes axe-core at WCAG 2.1 A/AA;
// refusals show; screenshots at 360 and 1280 px go to docs/screenshots/.
//
// Environment: BASE (the service), MAIL_DIR (the .eml files), ADMIN_TOKEN, SYSTEMEJER_BIN (for
// the dry run), TOKENS_FILE (where the link tokens used are written, for the log check),
// SCREENSHOTS (a folder, or empty for none), CHROMIUM (default /usr/bin/chromium).
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { simpleParser } from "mailparser";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = (name, fallback) => process.env[name] ?? fallback;
const base = env("BASE");
const screenshots = env("SCREENSHOTS", "");
const tokens = [];

function log(message) {
  process.stdout.write(`browser: ${message}\n`);
}

// --- the mail ------------------------------------------------------------------------------

/** Every reminder in the folder: its recipient, text, and per duty title the link under it. */
async function reminders(dir) {
  const out = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".eml")).sort()) {
    const mail = await simpleParser(readFileSync(join(dir, name)));
    const text = mail.text ?? "";
    const items = [];
    const blocks = text.split("\n* ").slice(1);
    for (const block of blocks) {
      const title = block.split("\n")[0];
      const link = (block.match(/Registrér opgaven her: (\S+)/) ?? [])[1];
      if (link && link.includes("/l/")) items.push({ title, link });
    }
    const mine = (text.match(/Alle dine åbne opgaver: (\S+)/) ?? [])[1];
    if (items.length > 0) out.push({ to: mail.to.value[0].address, subject: mail.subject, items, mine, html: mail.html });
  }
  return out;
}

/** The first breach alert whose link opens the breach's page. */
async function breachAlert(dir) {
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".eml")).sort()) {
    const mail = await simpleParser(readFileSync(join(dir, name)));
    const link = ((mail.text ?? "").match(/Registrér anmeldelsen eller beslutningen her: (\S+)/) ?? [])[1];
    if (link && link.includes("/l/")) return { to: mail.to.value[0].address, link };
  }
  return null;
}

// --- checks --------------------------------------------------------------------------------

/** axe-core over the page at WCAG 2.1 A and AA: no violations. */
async function accessible(page, what) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  const problems = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  assert.deepEqual(problems, [], `${what}: axe-core found violations`);
  log(`${what}: axe-core, ${result.passes.length} rules pass, no violations`);
}

/** Screenshots of the page's URL at 360 and 1280 px, in the page's own context (its cookies). */
async function shoot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: width === 360 ? 780 : 900 });
    await page.screenshot({ path: join(screenshots, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function api(path) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${env("ADMIN_TOKEN")}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json();
}

/** Fills a duty's form by what it asks for. */
async function fill(form) {
  if ((await form.locator('input[name="result"]').count()) > 0) await form.locator('input[value="passed"]').check();
  const set = async (name, value) => {
    const field = form.locator(`[name="${name}"]`);
    if ((await field.count()) > 0) await field.fill(value);
  };
  await set("accounts_reviewed", "25");
  await set("accounts_removed", "2");
  await set("restore_minutes", "40");
  await set("restored", "Hele databasen på testserveren");
  await set("conclusion", "Ingen bemærkninger");
  await set("version_in_use", "2026.4 (build 1187)");
  await set("last_updated_on", new Date(Date.now() - 7 * 86400000).toISOString().slice(0, 10));
  await set("notes", "Registreret fra mailen i browsertesten");
  const method = form.locator('select[name="report_kind"]');
  if ((await method.count()) > 0) await method.selectOption("isae_3402");
}

// --- the run -------------------------------------------------------------------------------

const mails = await reminders(env("MAIL_DIR"));
assert.ok(mails.length > 0, "the worker sent reminders with links");
// The list is tried by the recipient with the most duties; the single duty by another one,
// an access review where there is one (its form has counts that can be got wrong).
const listMail = [...mails].sort((a, b) => b.items.length - a.items.length)[0];
assert.ok(listMail.items.length >= 2, "a recipient with two duties for Mine opgaver");
const others = mails.filter((m) => m.to !== listMail.to);
const preferred = ["Kontrol af brugeradgange", "Logstikprøve", "Test af gendannelse fra backup"];
const mail = others.find((m) => m.items.some((i) => i.title.includes(preferred[0]))) ??
  others.find((m) => m.items.some((i) => preferred.some((p) => i.title.includes(p)))) ?? others[0];
const item = mail.items.find((i) => preferred.some((p) => i.title.includes(p))) ?? mail.items[0];
assert.ok(mail.html.includes(item.link), "the HTML part carries the same link");
log(`following "${item.title}" from the mail to ${mail.to}`);
const token = item.link.split("/l/")[1];
tokens.push(token, listMail.mine.split("/l/")[1]);

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  // 1. The duty, from the mail's link, with JavaScript as most readers have it.
  const owner = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "da-DK" });
  const page = await owner.newPage();
  await page.goto(item.link);
  await page.waitForURL(/\/opgave\//);
  assert.ok(!page.url().includes(token), "the address no longer carries the token");
  const path = new URL(page.url()).pathname;
  const [, , system, kind] = path.split("/");
  assert.match(await page.locator("h1").innerText(), new RegExp(item.title.split(": ")[1].replace(/[()]/g, ".")));
  await accessible(page, "the duty");
  await shoot(page, "opgave");

  // A mistake first, where the kind has a count: named at its field, the input kept.
  if (kind === "access_review") {
    await page.fill('[name="accounts_reviewed"]', "3");
    await page.fill('[name="accounts_removed"]', "5");
    await page.click('button[type="submit"]');
    await page.waitForLoadState();
    assert.ok((await page.content()).includes("Der kan ikke være fjernet flere konti"), "the problem is shown");
    assert.equal(await page.inputValue('[name="accounts_reviewed"]'), "3", "the typed value is kept");
    await accessible(page, "the duty with a problem");
    await shoot(page, "opgave-fejl");
  }
  await fill(page.locator("form"));
  await page.click('button[type="submit"]');
  await page.waitForLoadState();
  const recorded = await page.content();
  assert.ok(recorded.includes("Opgaven er registreret"), "the page confirms");
  assert.ok(recorded.includes("Påmindelserne om denne frist stopper."));
  await accessible(page, "the recorded duty");
  await shoot(page, "opgave-registreret");

  const list = (await api(`/api/v1/systems/${system}/obligations/${kind}/completions`)).items;
  assert.equal(list[0].via, "link");
  assert.equal(list[0].recorded_by, mail.to);
  log(`recorded: ${kind} of ${system} by ${list[0].recorded_by} via ${list[0].via}`);

  // The next reminder pass does not mention it.
  const planned = JSON.parse(execFileSync(env("SYSTEMEJER_BIN"), ["worker", "--once", "--dry-run", "--json"], { encoding: "utf8" }));
  const mentioned = JSON.stringify(planned).includes(`"system_id":"${system}"`) &&
    JSON.stringify(planned).includes(`"kind":"${kind}"`) &&
    planned.some((p) => p.items.some((i) => i.system_id === system && i.kind === kind));
  assert.ok(!mentioned, "the next pass leaves the recorded duty out");

  // The page again (from the mail, or a second submit): who recorded it, nothing more written.
  const csrf = await page.evaluate(() => document.cookie).catch(() => "");
  assert.equal(csrf, "", "the session cookie is out of reach of scripts (HttpOnly)");
  await page.goto(`${base}${path}`);
  assert.ok((await page.content()).includes("Registreret af"), "the page shows who recorded it");
  assert.equal((await api(`/api/v1/systems/${system}/obligations/${kind}/completions`)).items.length, list.length);

  // 2. "Mine opgaver" with JavaScript turned off: two duties recorded from one page.
  const plain = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 780 }, locale: "da-DK" });
  const phone = await plain.newPage();
  await phone.goto(listMail.mine);
  await phone.waitForURL(/\/mine-opgaver/);
  const recordedNow = [];
  for (let round = 0; round < 2; round += 1) {
    const forms = phone.locator("details form[action^='/mine-opgaver/opgave/']");
    assert.ok((await forms.count()) > 0, "an open duty to record");
    const form = forms.first();
    const action = await form.getAttribute("action");
    await form.locator("xpath=ancestor::details/summary").click();
    await fill(form);
    await form.locator('button[type="submit"]').click();
    await phone.waitForLoadState();
    assert.ok((await phone.content()).includes("Registreret:"), "the list confirms");
    recordedNow.push(action.split("/").slice(3));
  }
  for (const [sys, k] of recordedNow) {
    const done = (await api(`/api/v1/systems/${sys}/obligations/${k}/completions`)).items;
    assert.equal(done[0].via, "link");
    assert.equal(done[0].recorded_by, listMail.to);
  }
  log(`recorded from Mine opgaver without JavaScript: ${recordedNow.map((r) => r[1]).join(", ")}`);
  // The same list, checked by axe-core (which needs JavaScript) in a context given its cookie.
  const checker = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await checker.addCookies(await plain.cookies());
  const listPage = await checker.newPage();
  await listPage.goto(`${base}/mine-opgaver`);
  await accessible(listPage, "Mine opgaver");
  await shoot(listPage, "mine-opgaver");

  // 3. A breach, from its alert: the report recorded, and the clock stops.
  const alert = await breachAlert(env("MAIL_DIR"));
  assert.ok(alert, "the breach watch sent an alert with a link");
  tokens.push(alert.link.split("/l/")[1]);
  const dpo = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "da-DK" });
  const breach = await dpo.newPage();
  await breach.goto(alert.link);
  await breach.waitForURL(/\/brud\//);
  const incident = new URL(breach.url()).pathname.split("/")[2];
  assert.equal(await breach.locator("h1").innerText(), "Brud på persondatasikkerheden");
  await accessible(breach, "the breach");
  await shoot(breach, "brud");
  const report = breach.locator(`form[action$="/anmeldt"]`);
  await report.locator('[name="reference"]').fill("2026-431-0042");
  await report.locator('[name="late_report_reason"]').fill("Bruddet blev først vurderet efter weekenden.");
  await report.locator('button[type="submit"]').click();
  await breach.waitForLoadState();
  assert.ok((await breach.content()).includes("Uret er stoppet"), "the clock stops");
  await accessible(breach, "the reported breach");
  await shoot(breach, "brud-anmeldt");
  const reported = await api(`/api/v1/incidents/${incident}`);
  assert.equal(reported.status, "reported");
  assert.equal(reported.reports[0].reference, "2026-431-0042");
  log(`breach ${incident} reported from its alert by ${alert.to}`);

  // 4. Refusals, and the front page.
  const stranger = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const refused = await stranger.newPage();
  const tampered = item.link.slice(0, -1) + (item.link.endsWith("A") ? "B" : "A");
  const answer = await refused.goto(tampered);
  assert.equal(answer.status(), 403);
  assert.equal(await refused.locator("h1").innerText(), "Linket virker ikke");
  await accessible(refused, "a refused link");
  await shoot(refused, "afvist");
  const posted = await refused.request.post(`${base}${path}`, { form: { done_on: "2026-12-01" }, maxRedirects: 0 });
  assert.equal(posted.status(), 403, "a form without its session writes nothing");
  await refused.goto(`${base}/`);
  await accessible(refused, "the front page");
  await shoot(refused, "forside");

  // 5. The API documentation the front page links to: titled as the service, the operations
  // listed, and no server selector (the document names no server: its paths are relative).
  await refused.click('a[href="/docs/"]');
  await refused.locator(".opblock-summary-path").first().waitFor();
  assert.equal(await refused.title(), "systemejer API");
  assert.equal(await refused.locator("h2.title").first().innerText().then((t) => t.startsWith("systemejer API")), true);
  assert.ok((await refused.locator(".opblock-summary-path").count()) > 60, "every operation is listed");
  assert.equal(await refused.locator(".servers, .servers-title").count(), 0, "no server selector");
  log("the API documentation: titled, every operation listed, no server selector");
} finally {
  await browser.close();
  if (env("TOKENS_FILE", "")) writeFileSync(env("TOKENS_FILE"), tokens.join("\n") + "\n");
}
log("all pages pass");
