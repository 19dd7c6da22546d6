// The report page of `fazhi-query serve`: /report?file=…&q=…#section-N reads one report from
// /api/report (built from the index, never from the corpus) and shows its metadata with a
// copy-citation button, its table of contents with the section types as coloured tags, and its
// whole text with every match of the query marked (the API's character ranges: the same
// comparison the search matched with), the hit's section marked and scrolled into view, and
// next / previous match with a count; where cleaning dropped site chrome, a toggle shows the
// text as read with the dropped spans struck through in place (also from the index); a toggle
// (`copies=true` in the address) lists and marks the sections also found in other reports
// (/api/copies?file=FILE), each linking to the search page's list of those reports. A search hit links here with `#line-L` (or `#line-L.N`
// for the Nth section on line L), which the page turns into the section's `#section-N`. Text
// only ever reaches the page through textContent, never as HTML. The language, the words and
// the helpers it shares with the search page are in common.js, loaded before it.
'use strict';

/// Where the search page that opened a report was (its address), for the back link.
const RESULTS_KEY = 'fazhi-results';
/// The width from which the table of contents stands open beside the text (report.css).
const WIDE = '(min-width: 900px)';

const params = new URLSearchParams(location.search);
const wanted = {
  file: params.get('file') || '',
  q: (params.get('q') || '').trim(),
  copied: params.get('copies') === 'true',
};
// ---------------------------------------------------------------------------------------------
// The report

const shown = { report: null, target: null, marks: [], current: -1, copied: null };

async function load() {
  if (!wanted.file) {
    showError(t('noFile'));
    return;
  }
  const api = new URLSearchParams({ file: wanted.file, lang });
  if (wanted.q) api.set('q', wanted.q);
  try {
    const response = await fetch('/api/report?' + api.toString(), {
      headers: { Accept: 'application/json' },
    });
    shown.report = await answerOf(response);
  } catch (error) {
    showError(error.message);
    return;
  }
  render();
  goToTarget();
  $('report').dataset.state = 'done';
  if (wanted.copied) showCopied(true);
}

function showError(message) {
  const box = $('error');
  box.replaceChildren(el('strong', null, t('error')), el('pre', null, message));
  box.hidden = false;
  $('report').dataset.state = 'error';
}

/// The section the address points at: `#section-N`, or `#line-L` / `#line-L.N` from a hit
/// (the Nth of the sections that start on line L; else the last section that starts before
/// it, as `fazhi-query show FILE:LINE` reads a line).
function targetOf(hash, sections) {
  let found = /^#section-(\d+)$/.exec(hash);
  if (found) return sections.find((s) => s.id === Number(found[1])) || null;
  found = /^#line-(\d+)(?:\.(\d+))?$/.exec(hash);
  if (!found) return null;
  const line = Number(found[1]);
  const nth = found[2] ? Number(found[2]) : 1;
  const onLine = sections.filter((s) => s.line === line);
  if (onLine.length) return onLine.find((s) => (s.nth_on_line || 1) === nth) || null;
  const before = sections.filter((s) => s.line < line);
  return before.length ? before[before.length - 1] : sections[0] || null;
}

function render() {
  const report = shown.report;
  document.title = `《${report.title || t('untitled')}》`;
  $('report-title').textContent = `《${report.title || t('untitled')}》`;
  const rows = [
    ['town', report.town],
    ['county', report.county],
    ['city', report.city],
    ['province', report.province],
    ['level', levelName(report.level)],
    ['year', report.year],
    ['issuer', report.issuer],
    ['published', report.published],
    ['file', report.file],
  ];
  const meta = [];
  for (const [key, value] of rows) {
    meta.push(el('dt', null, t(key)), el('dd', null, value === null || value === undefined ? '—' : value));
  }
  $('report-meta').replaceChildren(...meta);
  $('report-head').hidden = false;
  $('toc-list').replaceChildren(...report.sections.map(tocEntry));
  $('report-text').replaceChildren(...report.sections.map(sectionNode));
  shown.marks = Array.from(document.querySelectorAll('#report-text mark'));
  $('matchbar').hidden = !wanted.q;
  showCitation();
  countMatches();
  renderAsRead(report);
  if (shown.copied) renderCopied(shown.copied);
}

function tag(type) {
  return el('span', `tag t-${type}`, typeName(type));
}

function sectionName(section) {
  return section.headings.length ? section.headings[section.headings.length - 1] : t('noHeading');
}

function tocEntry(section) {
  const item = el('li');
  item.dataset.section = String(section.id);
  item.style.paddingLeft = `${Math.max(0, section.headings.length - 1) * 0.9}rem`;
  const link = el('a');
  link.href = `#section-${section.id}`;
  link.append(tag(section.section_type), document.createTextNode(sectionName(section)));
  if (section.highlights.length) link.classList.add('has-match');
  link.addEventListener('click', (event) => {
    event.preventDefault();
    // Reading the text as read: the section's first line there.
    const asRead = $('as-read').hidden ? null : $(`as-read-line-${section.line}`);
    if (asRead) {
      asRead.scrollIntoView({ block: 'start' });
      return;
    }
    target(section, true);
  });
  item.append(link);
  return item;
}

function sectionNode(section) {
  const node = el('section', 'section');
  node.id = `section-${section.id}`;
  node.dataset.section = String(section.id);
  const heading = el('h2');
  heading.append(
    tag(section.section_type),
    document.createTextNode(section.headings.length ? section.headings.join(' › ') : t('noHeading')),
  );
  const where = el('div', 'where', `§${section.id} · ${section.show}`);
  const body = el('p', 'body');
  body.append(...marked(section.text, section.highlights));
  node.append(heading, where, body);
  return node;
}

// ---------------------------------------------------------------------------------------------
// The text as read, with what cleaning dropped struck through

/// The text as read, line by line, every span cleaning dropped struck through in its place with
/// the rule that dropped it (the API's `dropped`: line, [start, end) in Unicode characters);
/// the toggle is offered only when something was dropped.
function renderAsRead(report) {
  const dropped = report.dropped || [];
  const has = dropped.length > 0 && typeof report.as_read === 'string';
  $('dropped-row').hidden = !has;
  if (!has) {
    $('as-read-lines').replaceChildren();
    showDropped(false);
    return;
  }
  const lines = report.as_read.split('\n').map((line, i) => {
    const item = el('li');
    item.id = `as-read-line-${i + 1}`;
    item.value = i + 1;
    const chars = Array.from(line);
    let at = 0;
    for (const span of dropped.filter((d) => d.line === i + 1)) {
      if (span.start < at || span.end <= span.start) continue;
      if (span.start > at) item.append(document.createTextNode(chars.slice(at, span.start).join('')));
      const cut = el('del', 'dropped', chars.slice(span.start, span.end).join(''));
      cut.title = span.rule;
      item.append(cut, el('span', 'rule', `{${span.rule}}`));
      at = span.end;
    }
    if (at < chars.length) item.append(document.createTextNode(chars.slice(at).join('')));
    return item;
  });
  $('as-read-lines').replaceChildren(...lines);
  showDropped($('show-dropped').checked);
}

/// Shows the text as read in place of the text as indexed, or back.
function showDropped(on) {
  $('show-dropped').checked = on;
  $('as-read').hidden = !on;
  $('report-text').hidden = on;
  $('matchbar').hidden = on || !wanted.q;
  $('report').dataset.view = on ? 'as-read' : 'text';
}

/// Marks `section` as the one being read (in the text and the table of contents), puts it in
/// the address and, when asked, scrolls it into view.
function target(section, scroll) {
  shown.target = section;
  for (const node of document.querySelectorAll('.section.hit, .toc-list li.current')) {
    node.classList.remove('hit', 'current');
  }
  if (!section) {
    showCitation();
    return;
  }
  const node = $(`section-${section.id}`);
  node.classList.add('hit');
  const entry = document.querySelector(`.toc-list li[data-section="${section.id}"]`);
  if (entry) entry.classList.add('current');
  history.replaceState(history.state, '', `${location.pathname}${location.search}#section-${section.id}`);
  showCitation();
  if (scroll) node.scrollIntoView({ block: 'start' });
  // The first match in the section becomes the current one.
  const first = shown.marks.findIndex((m) => node.contains(m));
  if (first >= 0) setCurrent(first, false);
}

function goToTarget() {
  const section = targetOf(location.hash, shown.report.sections);
  $('toc').open = window.matchMedia(WIDE).matches;
  if (section) {
    target(section, true);
  } else if (shown.marks.length) {
    setCurrent(0, true);
  }
}

// ---------------------------------------------------------------------------------------------
// The sections also found in other reports

/// Lists and marks the sections also found in other reports (loaded once), or hides them; the
/// address keeps the choice (`copies=true`).
async function showCopied(on) {
  $('show-copied').checked = on;
  $('copied-sections').hidden = !on;
  const address = new URLSearchParams(location.search);
  if (on) address.set('copies', 'true');
  else address.delete('copies');
  history.replaceState(history.state, '', `${location.pathname}?${address.toString()}${location.hash}`);
  for (const node of document.querySelectorAll('.section.copied')) {
    node.classList.toggle('show-copied', on);
  }
  if (!on || shown.copied) return;
  const panel = $('copied-sections');
  panel.dataset.state = 'loading';
  $('copied-summary').textContent = t('copiesLoading');
  try {
    const api = new URLSearchParams({ file: shown.report.file, lang });
    const response = await fetch('/api/copies?' + api.toString(), {
      headers: { Accept: 'application/json' },
    });
    shown.copied = await answerOf(response);
  } catch (error) {
    $('copied-summary').textContent = `${t('error')} ${error.message}`;
    panel.dataset.state = 'error';
    return;
  }
  renderCopied(shown.copied);
  panel.dataset.state = 'done';
}

/// A section's place as a hit's citation writes it: FILE:LINE, FILE:LINE#N.
function placeOf(file, section) {
  return `${file}:${section.line}${section.nth_on_line ? `#${section.nth_on_line}` : ''}`;
}

/// The report's section that starts where `copied` does.
function sectionOf(copied) {
  return shown.report.sections.find(
    (s) => s.line === copied.line && (s.nth_on_line || 1) === (copied.nth_on_line || 1),
  );
}

/// The list of copied sections, and under each copied section's heading in the text, how many
/// reports hold it, linked to the list of those reports.
function renderCopied(answer) {
  const sections = answer.sections;
  $('copied-summary').textContent =
    sections.length === 0 ? t('copiedNone') : fill(t('copiedCount'), { n: sections.length });
  for (const note of document.querySelectorAll('.copied-note')) note.remove();
  const items = sections.map((copied) => {
    const section = sectionOf(copied);
    const count = fill(LABELS[lang].hit.copies, copied);
    const item = el('li', 'copied-item');
    item.dataset.line = String(copied.line);
    const go = el('a', 'copied-section', copied.headings.length ? copied.headings.join(' › ') : t('noHeading'));
    if (section) {
      go.href = `#section-${section.id}`;
      go.addEventListener('click', (event) => {
        event.preventDefault();
        target(section, true);
      });
    }
    item.append(go, el('span', 'copied-count', count), listLink(copied));
    if (section) {
      const node = $(`section-${section.id}`);
      node.classList.add('copied');
      node.classList.toggle('show-copied', $('show-copied').checked);
      const note = el('div', 'copied-note', `${count} · `);
      note.append(listLink(copied));
      node.querySelector('.where').after(note);
    }
    return item;
  });
  $('copied-list').replaceChildren(...items);
}

/// The search page's list of the reports that hold `copied` (its copies view).
function listLink(copied) {
  const search = new URLSearchParams({ copies: placeOf(shown.report.file, copied) });
  if (lang === 'en') search.set('lang', 'en');
  const link = el('a', 'list-copies', t('listCopies'));
  link.href = `/?${search.toString()}`;
  return link;
}

// ---------------------------------------------------------------------------------------------
// Matches

function countMatches() {
  const n = shown.marks.length;
  const query = wanted.q;
  $('match-count').textContent =
    n === 0 ? fill(t('noMatch'), { query }) : fill(t('matchOf'), { i: shown.current + 1, n, query });
  $('prev-match').disabled = n === 0;
  $('next-match').disabled = n === 0;
}

function setCurrent(i, scroll) {
  const marks = shown.marks;
  if (!marks.length) return;
  if (shown.current >= 0 && marks[shown.current]) marks[shown.current].classList.remove('current');
  shown.current = ((i % marks.length) + marks.length) % marks.length;
  const mark = marks[shown.current];
  mark.classList.add('current');
  if (scroll) mark.scrollIntoView({ block: 'center' });
  countMatches();
}

function step(delta) {
  const start = shown.current < 0 && delta < 0 ? 0 : shown.current;
  setCurrent(start + delta, true);
}

// ---------------------------------------------------------------------------------------------
// The citation

/// The marked section's citation, or the report's.
function citationText() {
  const report = shown.report;
  return shown.target ? shown.target.citation : report.citation;
}

function showCitation() {
  $('citation').textContent = citationText();
  $('copied').textContent = '';
}

async function copyCitation() {
  const text = citationText();
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch (_) {
    // No clipboard API (a page served over plain HTTP to another machine): copy a selection.
    const area = el('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    document.body.append(area);
    area.select();
    try {
      copied = document.execCommand('copy');
    } catch (_) {
      copied = false;
    }
    area.remove();
  }
  $('copied').textContent = copied ? t('copied') : t('copyFailed');
}

// ---------------------------------------------------------------------------------------------
// Back to the results

/// The search page that opened this report (kept by the search page), else a search for the
/// query.
function resultsUrl() {
  try {
    const kept = sessionStorage.getItem(RESULTS_KEY);
    if (kept && kept.startsWith('/')) return kept;
  } catch (_) {
    // No storage: a search for the query.
  }
  const search = new URLSearchParams();
  if (wanted.q) search.set('q', wanted.q);
  if (lang === 'en') search.set('lang', 'en');
  const query = search.toString();
  return query ? `/?${query}` : '/';
}

function goBack(event) {
  // Opened from the results: the browser's back keeps their page and scroll.
  if (history.length > 1 && cameFromResults()) {
    event.preventDefault();
    history.back();
  }
}

function cameFromResults() {
  try {
    return sessionStorage.getItem(RESULTS_KEY) !== null;
  } catch (_) {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function toggleLang() {
  lang = lang === 'en' ? 'zh' : 'en';
  remember(lang);
  translatePage();
  if (shown.report) {
    const section = shown.target;
    const current = shown.current;
    render();
    target(section, false);
    if (current >= 0) setCurrent(current, false);
  }
}

function start() {
  translatePage();
  $('back').href = resultsUrl();
  $('back').addEventListener('click', goBack);
  $('lang').addEventListener('click', toggleLang);
  $('prev-match').addEventListener('click', () => step(-1));
  $('next-match').addEventListener('click', () => step(1));
  $('copy-citation').addEventListener('click', copyCitation);
  $('show-dropped').addEventListener('change', (event) => showDropped(event.target.checked));
  $('show-copied').addEventListener('change', (event) => showCopied(event.target.checked));
  load();
}

start();
