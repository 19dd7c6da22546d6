// End-to-end test of `fazhi-query serve` in Debian's headless Chromium, as a user works with the
// page: type a query and see hits, click a facet and see the filtered count, go back, download
// a CSV, read a hit in its whole report (section, matches, next/previous, citation, back), show
// the site chrome cleaning dropped struck through, open a bookmarked search, read a report that contains <script> as text, use a phone, switch to
// English; and, over a second server whose corpus copies (FAZHI_COPIES_BASE), see on each card
// where its text is copied (or that it is in no other report, or too short to tell) and where
// its report is also saved, as the API says, in Chinese and English, open the list
// of the reports a hit's text is in (and share it), read one, and list a report's copied sections;
// and, over a third server whose searches outlast its deadline (FAZHI_SLOW_BASE), read why in
// a web user's words.
//
//   node e2e.mjs BASE_URL SCREENSHOT.png                    the whole test (needs an index with
//                                                           the <script> report of browser.rs)
//   node e2e.mjs BASE_URL SCREENSHOT.png --screenshot-only  just the screenshot (any index)
//
// Writes SCREENSHOT.png (the desktop page for 法律顾问), and in the whole test also
// SCREENSHOT-phone.png. Exits 1 with the failed step's message on any failure, 2 on wrong usage.
// Run by tests/integration/browser.rs.

import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const QUERY = '法律顾问';
const SCRIPT_TEXT = '<script>alert(1)</script>';
// The page is Chinese, so are its export's column names (index_schema/labels.tsv, col.*).
const CSV_HEADER =
  '乡镇街道,区县,地市,省份,发布主体,年份,章节类型,标题,行号,报告标题,文件,发布机构,发布日期,段落,相关度,引用';
const PAGE_HITS = 20;
const PHONE = { width: 390, height: 844 };

const [base, screenshot, mode] = process.argv.slice(2);
if (!base || !screenshot || (mode && mode !== '--screenshot-only')) {
  console.error('usage: node e2e.mjs BASE_URL SCREENSHOT.png [--screenshot-only]');
  process.exit(2);
}
const phoneShot = screenshot.replace(/(\.png)?$/, '-phone.png');

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/// Chromium's console errors and uncaught exceptions (a CSP violation is one), and dialogs.
function watch(page, seen) {
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.errors.push(`page error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    seen.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
}

/// Waits for the search that the last action started to finish, and returns its total.
async function settled(page) {
  await page.waitForSelector('#main[data-state="done"]');
  const total = await page.getAttribute('#summary', 'data-total');
  check(total !== null, 'the summary has no data-total after a search');
  return Number(total);
}

async function search(page, query) {
  await page.fill('#q', query);
  await page.press('#q', 'Enter');
  return settled(page);
}

async function trendShown(page) {
  await page.waitForSelector('#trend[data-state="done"]');
  await page.waitForFunction(() => {
    const chart = document.getElementById('chart');
    return chart.complete && chart.naturalWidth > 0;
  });
}

/// Rows of a CSV (quoted cells may hold commas, quotes and line breaks).
function csvRows(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

const steps = [];
const step = (name, run) => steps.push({ name, run });

let all = 0;
let facet = null;

step('types a query and sees hits', async ({ page }) => {
  await page.goto(base);
  all = await search(page, QUERY);
  check(all > 0, `no hits for ${QUERY}`);
  const cards = await page.locator('li.hit').count();
  check(cards === Math.min(all, PAGE_HITS), `${cards} cards for ${all} hits`);
  const marks = await page.locator('li.hit mark').allTextContents();
  check(marks.length >= cards, `${marks.length} highlights in ${cards} cards`);
  check(marks.every((m) => m === QUERY), `highlights other than ${QUERY}: ${marks.join(' ')}`);
  const first = await page.locator('li.hit').first().locator('.meta').textContent();
  check(/20\d\d/.test(first), `the first card does not show a year: ${first}`);
  check(new URL(page.url()).searchParams.get('q') === QUERY, `the URL does not hold q: ${page.url()}`);
  await trendShown(page);
  const years = await page.locator('#trend-table tbody tr').count();
  check(years > 0, 'the trend table is empty');
});

step('clicks a facet and sees the filtered count; removes it; goes back', async ({ page }) => {
  const button = page.locator('.facet-group[data-key="province"] button.facet').last();
  facet = {
    value: await button.getAttribute('data-value'),
    count: Number(await button.locator('.count').textContent()),
  };
  check(facet.count < all, `the last province facet (${facet.value}) does not narrow ${all} hits`);
  await button.click();
  const filtered = await settled(page);
  check(filtered === facet.count, `${filtered} hits after choosing ${facet.value} (${facet.count})`);
  check(
    new URL(page.url()).searchParams.get('province') === facet.value,
    `the URL does not hold the province: ${page.url()}`,
  );
  const chip = page.locator(`#chips .chip[data-value="${facet.value}"]`);
  check((await chip.count()) === 1, `no chip for ${facet.value}`);
  const places = await page.locator('li.hit .meta .place').allTextContents();
  check(places.length === Math.min(filtered, PAGE_HITS), `${places.length} cards after filtering`);

  await chip.click();
  check((await settled(page)) === all, 'removing the chip does not restore every hit');
  await page.goBack();
  check((await settled(page)) === facet.count, 'the back button does not restore the filter');
  await page.goBack();
  check((await settled(page)) === all, 'the back button does not restore the unfiltered search');
  await page.goForward();
  check((await settled(page)) === facet.count, 'forward does not restore the filter');
});

step('downloads a CSV of the filtered hits', async ({ page }) => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#export-csv'),
  ]);
  const name = download.suggestedFilename();
  check(name.endsWith('.csv'), `the download is named ${name}`);
  const text = await readFile(await download.path(), 'utf8');
  check(text.startsWith('\ufeff'), 'the CSV has no byte-order mark');
  const rows = csvRows(text.slice(1)).filter((r) => r.length > 1);
  check(rows[0].join(',') === CSV_HEADER, `the CSV header is ${rows[0].join(',')}`);
  check(rows.length - 1 === facet.count, `${rows.length - 1} CSV rows for ${facet.count} hits`);
  const province = rows[0].indexOf('省份');
  check(
    rows.slice(1).every((r) => r[province] === facet.value),
    `CSV rows outside ${facet.value}`,
  );
});

step('reads a hit in its report: section, matches, next/previous, citation, back', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.goto(base);
  await search(page, QUERY);
  // Each card cites its place as the command line does: file:line, and #N for the Nth
  // section on a line.
  const answer = await page.request.get(`${base}/api/search?q=${encodeURIComponent(QUERY)}&limit=100`);
  const cited = new Set(
    (await answer.json()).hits.map((h) => `${h.file}:${h.line}${h.nth_on_line ? `#${h.nth_on_line}` : ''}`),
  );
  const shown = (await page.locator('li.hit .file').allTextContents()).map((s) => s.trim());
  check(shown.length > 0 && shown.every((s) => cited.has(s)), `the cards cite ${shown}, the API ${[...cited]}`);
  const card = page.locator('li.hit').nth(2);
  await card.scrollIntoViewIfNeeded();
  const place = (await card.locator('.file').textContent()).trim();
  await card.locator('a.read').click();
  await page.waitForSelector('#report[data-state="done"]');
  const url = new URL(page.url());
  check(url.pathname === '/report' && url.searchParams.get('q') === QUERY, `the report opened at ${page.url()}`);
  const id = /^#section-(\d+)$/.exec(url.hash);
  check(id, `the address does not name the section: ${page.url()}`);
  const section = page.locator('.section.hit');
  check((await section.count()) === 1, 'no section (or several) is marked');
  check((await section.getAttribute('id')) === `section-${id[1]}`, 'the marked section is not the one in the address');
  const where = await section.locator('.where').textContent();
  check(where.includes(place), `the marked section is at ${where}, the hit at ${place}`);
  const inView = (locator) =>
    locator.evaluate((node) => {
      const box = node.getBoundingClientRect();
      return box.bottom > 0 && box.top < window.innerHeight;
    });
  check(await inView(section), 'the marked section is not scrolled into view');
  const marks = await page.locator('#report-text mark').allTextContents();
  check(marks.length > 0 && marks.every((m) => m === QUERY), `marks: ${marks.join(' ')}`);
  const tocTags = await page.locator('#toc-list .tag').count();
  const sections = await page.locator('#report-text .section').count();
  check(tocTags === sections && sections > 1, `${tocTags} tags in the contents for ${sections} sections`);
  check(
    (await page.$eval('#toc', (toc) => toc.open && getComputedStyle(toc).position)) === 'sticky',
    'the contents do not stand open and sticky beside the text on a wide screen',
  );
  const count = async () => (await page.textContent('#match-count')).trim();
  const ofN = new RegExp(`(\\d+) / ${marks.length}`);
  const first = ofN.exec(await count());
  check(first, `the count does not say "of ${marks.length}": ${await count()}`);
  const at = Number(first[1]);
  await page.click('#next-match');
  check(ofN.exec(await count())[1] === String((at % marks.length) + 1), `next: ${await count()}`);
  check(await inView(page.locator('#report-text mark.current')), 'the next match is not in view');
  await page.click('#prev-match');
  await page.click('#prev-match');
  const back2 = ((at - 2 + marks.length) % marks.length) + 1;
  check(ofN.exec(await count())[1] === String(back2), `previous twice: ${await count()}`);
  check((await page.locator('#report-text mark.current').count()) === 1, 'not one current match');

  await page.click('#copy-citation');
  await page.waitForFunction(() => document.getElementById('copied').textContent !== '');
  check((await page.textContent('#copied')) === '已复制', `copying says ${await page.textContent('#copied')}`);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const line = /:(\d+)/.exec(place)[1];
  check(copied === (await page.textContent('#citation')), `copied ${copied}`);
  check(copied.includes(`第${line}行`) && copied.includes('《'), `the citation is ${copied}`);

  await page.click('#back');
  await settled(page);
  check(new URL(page.url()).searchParams.get('q') === QUERY, `back went to ${page.url()}`);
  const again = page.locator('li.hit').nth(2);
  check((await again.locator('.file').textContent()).trim() === place, 'back shows other results');
  check(await inView(again), 'back does not return to where the results were');
});

step('opens a report from a link, and says so for a file that is not one', async ({ context }) => {
  const page = await context.newPage();
  await page.goto(`${base}/report?file=script.txt&q=script#section-2`);
  await page.waitForSelector('#report[data-state="done"]');
  check(
    (await page.locator('#report-text .body', { hasText: SCRIPT_TEXT }).count()) === 1,
    `the report does not show ${SCRIPT_TEXT} as text`,
  );
  check((await page.locator('#report-text script').count()) === 0, 'a <script> element is in the report');
  await page.goto(`${base}/report?file=${encodeURIComponent('../corpus/script.txt')}`);
  await page.waitForSelector('#report[data-state="error"]');
  check(/索引中没有报告/.test(await page.textContent('#error')), 'no message for a file outside the index');
  await page.close();
});

step('shows the site chrome cleaning dropped, struck through, and hides it again', async ({ context }) => {
  const page = await context.newPage();
  // A bundled report that lost a breadcrumb and a footer to cleaning.
  await page.goto(`${base}/report?file=004_e1b441fd9463275d.txt`);
  await page.waitForSelector('#report[data-state="done"]');
  const toggle = page.locator('#show-dropped');
  check(await page.locator('#dropped-row').isVisible(), 'no toggle for the dropped chrome');
  check(/显示删去的网页框架/.test(await page.textContent('#dropped-row')), 'the toggle is not labelled');
  check(!(await page.locator('#as-read').isVisible()), 'the text as read is shown before the toggle');
  await toggle.check();
  await page.waitForSelector('#as-read:not([hidden])');
  check(!(await page.locator('#report-text').isVisible()), 'the text as indexed is still shown');
  const struck = page.locator('#as-read del.dropped', { hasText: '扫一扫在手机打开当前页' });
  check((await struck.count()) === 1, 'the dropped footer is not struck through');
  const style = await struck.evaluate((node) => getComputedStyle(node).textDecorationLine);
  check(style.includes('line-through'), `the dropped footer is not struck through: ${style}`);
  check(
    /mobile-qr/.test(await struck.locator('xpath=following-sibling::span[1]').textContent()),
    'the rule is not named beside the dropped text',
  );
  await toggle.uncheck();
  check(await page.locator('#report-text').isVisible(), 'the text as indexed is not back');
  check(!(await page.locator('#as-read').isVisible()), 'the text as read stays');
  // A report that dropped nothing has no toggle.
  await page.goto(`${base}/report?file=script.txt`);
  await page.waitForSelector('#report[data-state="done"]');
  check(!(await page.locator('#dropped-row').isVisible()), 'a toggle for a report that dropped nothing');
  await page.close();
});

step('opens a bookmarked search', async ({ context }) => {
  const page = await context.newPage();
  const url = `${base}/?q=${encodeURIComponent(QUERY)}&province=${encodeURIComponent(facet.value)}`;
  await page.goto(url);
  check((await settled(page)) === facet.count, `the bookmark ${url} shows another count`);
  check((await page.inputValue('#q')) === QUERY, 'the bookmark does not fill the search box');
  check(
    (await page.locator(`#chips .chip[data-value="${facet.value}"]`).count()) === 1,
    'the bookmark shows no chip',
  );
  await page.close();
});

step('shows a <script> passage as text', async ({ page, seen }) => {
  await page.goto(base);
  const total = await search(page, 'script');
  check(total > 0, 'no hit for the <script> report');
  const passage = page.locator('li.hit .passage', { hasText: SCRIPT_TEXT });
  check((await passage.count()) > 0, `no card shows ${SCRIPT_TEXT} as text`);
  check(await passage.first().isVisible(), 'the <script> passage is not visible');
  check((await page.locator('#hits script').count()) === 0, 'a <script> element is in the cards');
  check(seen.dialogs.length === 0, `a dialog opened: ${seen.dialogs.join(', ')}`);
});

// A second server over a synthetic corpus with copied passages and duplicate reports
// (browser.rs), and two queries: one whose hits are copied elsewhere, one whose hits are from a
// report saved more than once.
const copiesBase = process.env.FAZHI_COPIES_BASE;
const copiedQueries = [process.env.FAZHI_COPIED_QUERY, process.env.FAZHI_SAVED_QUERY];

step('shows where a hit is copied, that it is not or is too short to tell, and where its report is also saved', async ({ context }) => {
  check(copiesBase && copiedQueries.every(Boolean), 'FAZHI_COPIES_BASE and its queries are not set');
  const page = await context.newPage();
  // The copied queries on the copies corpus; QUERY on the seeds, whose hits are in no other
  // report or too short to tell.
  const searches = [...copiedQueries.map((q) => [copiesBase, q]), [base, QUERY]];
  /// What a card says of a hit's copies, as the command line does (the API leaves `copies`
  /// out of a section too short to tell), and which kind of note that is.
  const copiesNote = (c, words) => {
    if (!c) return [words.short, 'short'];
    if (c.reports === 0) return [words.none, 'none'];
    return [words.some(c), 'copies'];
  };
  // English first: the language of the last search is remembered, and the steps after this one
  // open the page in Chinese.
  const languages = {
    en: {
      some: (c) => `also in ${c.reports} report${c.reports === 1 ? '' : 's'} (${c.towns} town${c.towns === 1 ? '' : 's'})`,
      none: 'not found in other reports',
      short: 'too short to tell whether it is copied',
      saved: (files) => `also saved as ${files.join(', ')}`,
    },
    zh: {
      some: (c) => `也见于 ${c.reports} 份报告（${c.towns} 个乡镇）`,
      none: '未见于其他报告',
      short: '太短，无法判断是否为副本',
      saved: (files) => `也存为 ${files.join('、')}`,
    },
  };
  for (const [language, words] of Object.entries(languages)) {
    const shown = { copies: 0, none: 0, short: 0, saved: 0 };
    for (const [server, query] of searches) {
      await page.goto(`${server}/?q=${encodeURIComponent(query)}&lang=${language}`);
      await settled(page);
      const api = await (
        await page.request.get(`${server}/api/search?q=${encodeURIComponent(query)}&limit=${PAGE_HITS}&copies=true`)
      ).json();
      const cards = page.locator('li.hit');
      check((await cards.count()) === api.hits.length, `${await cards.count()} cards, ${api.hits.length} hits`);
      for (const [i, hit] of api.hits.entries()) {
        const card = cards.nth(i);
        const copies = await card.locator('.copies').allTextContents();
        const [note, kind] = copiesNote(hit.copies, words);
        check(copies.join() === note, `${language}: ${hit.file}:${hit.line} shows ${copies}, not ${note}`);
        shown[kind] += 1;
        const saved = await card.locator('.saved-as').allTextContents();
        const files = hit.also_saved_as || [];
        const savedAs = files.length > 0 ? [words.saved(files)] : [];
        check(saved.join() === savedAs.join(), `${language}: ${hit.file}:${hit.line} shows ${saved}, not ${savedAs}`);
        shown.saved += saved.length;
      }
    }
    check(Object.values(shown).every((n) => n > 0), `${language}: not every kind of note is shown: ${JSON.stringify(shown)}`);
  }
  await page.close();
});

step("lists the reports a hit's text is also in, and a report's copied sections", async ({ context }) => {
  const page = await context.newPage();
  const seen = { errors: [], dialogs: [] };
  watch(page, seen);
  await page.goto(`${copiesBase}/?q=${encodeURIComponent(copiedQueries[0])}`);
  await settled(page);
  const card = page.locator('li.hit', { has: page.locator('.copies a') }).first();
  const cited = await card.locator('.file').textContent();
  const api = await (await page.request.get(`${copiesBase}/api/copies?file=${encodeURIComponent(cited)}`)).json();
  const copies = api.sections[0].copies;
  check(copies.length > 0, `${cited}: the API lists no copy`);
  /// The rows of the open view, checked against the API's copies.
  const viewShows = async (where) => {
    await page.waitForSelector('#copies-view[data-state="done"]');
    check(await page.isVisible('#copies-view'), `${where}: the copies view is not shown`);
    const rows = page.locator('#copies-table tbody tr');
    check((await rows.count()) === copies.length, `${where}: ${await rows.count()} rows, ${copies.length} copies`);
    for (const [i, copy] of copies.entries()) {
      const row = rows.nth(i);
      check((await row.getAttribute('data-file')) === copy.file, `${where}: row ${i} is not ${copy.file}`);
      const text = await row.textContent();
      const share = `${Math.round(copy.share * 100)}%`;
      for (const part of [copy.town || '—', String(copy.year), share]) {
        check(text.includes(part), `${where}: row ${i} (${text}) lacks ${part}`);
      }
    }
  };
  await card.locator('.copies a').click();
  await viewShows('after a click');
  const shared = page.url();
  check(new URL(shared).searchParams.get('copies') === cited, `the address does not hold the view: ${shared}`);
  await page.click('#copies-close');
  check(!(await page.isVisible('#copies-view')), 'the copies view does not close');
  check(!new URL(page.url()).searchParams.has('copies'), `closed, the address still holds it: ${page.url()}`);
  await page.goBack();
  await viewShows('back');
  // A shared link opens the view.
  const fresh = await context.newPage();
  watch(fresh, seen);
  await fresh.goto(shared);
  await fresh.waitForSelector('#copies-view[data-state="done"]');
  check((await fresh.locator('#copies-table tbody tr').count()) === copies.length, 'a shared link lists other reports');
  await fresh.goto(`${shared}&lang=en`);
  await fresh.waitForSelector('#copies-view[data-state="done"]');
  const english = await fresh.textContent('#copies-summary');
  check(/^also in \d+ reports? \(\d+ towns?\)$/.test(english), `not English: ${english}`);
  check((await fresh.textContent('#copies-title')) === 'Also in these reports', 'the title is not English');
  await fresh.close();

  // Read a copy in its report, at its section; list the report's copied sections.
  const copy = copies[0];
  await page.locator('#copies-table tbody tr').first().locator('a.read').click();
  await page.waitForSelector('#report[data-state="done"]');
  const marked = await page.locator('.section.hit h2').textContent();
  check(marked.includes(copy.headings[copy.headings.length - 1]), `the copy's section is not marked: ${marked}`);
  const own = await (await page.request.get(`${copiesBase}/api/copies?file=${encodeURIComponent(copy.file)}`)).json();
  check(own.sections.length > 0, `${copy.file} has no copied section`);
  await page.check('#show-copied');
  await page.waitForSelector('#copied-sections[data-state="done"]');
  const items = page.locator('#copied-list li');
  check((await items.count()) === own.sections.length, `${await items.count()} sections listed, ${own.sections.length} copied`);
  check((await page.locator('.section.copied .copied-note').count()) === own.sections.length, 'the copied sections are not marked in the text');
  check(new URL(page.url()).searchParams.get('copies') === 'true', `the address does not hold the list: ${page.url()}`);
  await page.reload();
  await page.waitForSelector('#copied-sections[data-state="done"]');
  check(await page.isVisible('#copied-list li'), 'a reload forgets the copied sections');
  // From a copied section to the list of the reports that hold it.
  await items.first().locator('a.list-copies').click();
  await page.waitForSelector('#copies-view[data-state="done"]');
  check((await page.locator('#copies-table tbody tr').count()) > 0, 'a copied section lists no report');
  check(seen.errors.length === 0, `the browser reported errors:\n  ${seen.errors.join('\n  ')}`);
  await page.close();
});

// A third server (browser.rs) whose searches of many hits outlast its deadline.
const slowBase = process.env.FAZHI_SLOW_BASE;

step("says a search stopped at the server's deadline in a web user's words", async ({ context }) => {
  check(slowBase, 'FAZHI_SLOW_BASE is not set');
  const page = await context.newPage();
  const words = {
    zh: '检索用时超过了服务器允许的时间，已停止。请缩小检索范围',
    en: 'The search took longer than this server allows and was stopped. Narrow it',
  };
  for (const [language, said] of Object.entries(words)) {
    await page.goto(`${slowBase}/?q=${encodeURIComponent('法')}&lang=${language}`);
    await page.waitForSelector('#main[data-state="error"]');
    const shown = await page.textContent('#error');
    check(shown.includes(said), `${language}: the page says ${shown}, not ${said}`);
    // A server's option is nothing a web user can set.
    check(!shown.includes('--deadline'), `${language}: the page tells a web user to raise --deadline: ${shown}`);
  }
  // The API's own message keeps the advice for whoever runs the server.
  const api = await page.request.get(`${slowBase}/api/search?q=${encodeURIComponent('法')}&limit=${PAGE_HITS}`);
  const body = await api.json();
  check(api.status() === 503 && body.reason === 'deadline', `the API answers ${api.status()} ${JSON.stringify(body)}`);
  check(body.error.includes('--deadline'), `the API's message lost its advice: ${body.error}`);
  await page.close();
});

step('fits a phone', async ({ browser }) => {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(`${base}/?q=${encodeURIComponent(QUERY)}`);
  await settled(page);
  await trendShown(page);
  const overflow = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check((await overflow()) <= 0, `the page scrolls sideways by ${await overflow()}px on a phone`);
  // The chart is drawn for the width it is shown at: scaled down, its 12 px labels would shrink.
  const chart = await page.evaluate(() => {
    const img = document.getElementById('chart');
    return { shown: img.clientWidth, drawn: img.naturalWidth };
  });
  check(chart.shown === chart.drawn, `the chart is scaled on a phone: ${JSON.stringify(chart)}`);
  check(!(await page.isVisible('#facets')), 'the facets are not folded away on a phone');
  await page.click('#toggle-facets');
  check(await page.isVisible('#facets .facet'), 'the filter button does not show the facets');
  check((await overflow()) <= 0, 'the open facets scroll sideways on a phone');
  await page.click('#toggle-facets');
  await page.screenshot({ path: phoneShot });
  // A report on a phone: the contents folded above the text, nothing sideways.
  await page.locator('li.hit a.read').first().click();
  await page.waitForSelector('#report[data-state="done"]');
  check(!(await page.$eval('#toc', (toc) => toc.open)), 'the contents are not folded on a phone');
  check(await page.isVisible('.section.hit'), 'the marked section is not shown on a phone');
  check((await overflow()) <= 0, `the report scrolls sideways by ${await overflow()}px on a phone`);
  await context.close();
});

step('switches to English and remembers it', async ({ page }) => {
  await page.goto(`${base}/?q=${encodeURIComponent(QUERY)}`);
  await settled(page);
  await page.click('#lang');
  check((await page.getAttribute('html', 'lang')) === 'en', 'the page is not marked English');
  const summary = await page.textContent('#summary');
  check(/sections in \d+ reports/.test(summary), `the summary is not English: ${summary}`);
  await page.reload();
  await settled(page);
  check(/sections in/.test(await page.textContent('#summary')), 'English is forgotten on reload');
  await page.click('#lang');
  check(/份报告中有 \d+ 个章节/.test(await page.textContent('#summary')), 'cannot switch back to Chinese');
  check(!page.url().includes('lang=en'), `the address still asks for English: ${page.url()}`);
});

step('opens in English from ?lang=en, section types by English name', async ({ context }) => {
  const page = await context.newPage();
  await page.goto(`${base}/?q=${encodeURIComponent(QUERY)}&lang=en`);
  await settled(page);
  check((await page.getAttribute('html', 'lang')) === 'en', '?lang=en is not English');
  const summary = await page.textContent('#summary');
  check(/sections? in \d+ reports? match/.test(summary), `the summary is not English: ${summary}`);
  const types = await page.locator('.facet-group[data-key="type"] button.facet .name').allTextContents();
  check(types.length > 0 && types.every((t) => /^[A-Z]/.test(t)), `section types: ${types}`);
  const href = await page.getAttribute('#export-csv', 'href');
  check(href.includes('lang=en'), `the export is not asked for in English: ${href}`);
  await page.goto(`${base}/?q=${encodeURIComponent(QUERY)}&lang=zh`);
  await settled(page);
  check(/份报告中有/.test(await page.textContent('#summary')), '?lang=zh is not Chinese');
  await page.close();
});

/// The desktop page for 法律顾问 with its facets, trend and cards (docs/serve.png).
async function screenshotOf(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${base}/?q=${encodeURIComponent(QUERY)}`);
  await settled(page);
  await trendShown(page);
  await page.screenshot({ path: screenshot, fullPage: false });
  await context.close();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
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
  try {
    if (mode === '--screenshot-only') {
      await screenshotOf(browser);
      console.log(`wrote ${screenshot}`);
      return;
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const seen = { errors: [], dialogs: [] };
    watch(page, seen);
    for (const { name, run } of steps) {
      try {
        await run({ browser, context, page, seen });
      } catch (error) {
        throw new Error(`${name}: ${error.message}`);
      }
      console.log(`ok - ${name}`);
    }
    check(seen.errors.length === 0, `the browser reported errors:\n  ${seen.errors.join('\n  ')}`);
    console.log('ok - no console errors, no dialogs');
    await context.close();
    await screenshotOf(browser);
    console.log(`all ${steps.length} steps passed`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`FAIL: ${error.message}`);
  process.exit(1);
});
