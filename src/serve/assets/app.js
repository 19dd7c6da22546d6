// The search page of `fazhi-query serve`. The URL holds the search (q, filters, page) and the
// copies view open over it (`copies=FILE:LINE`: the reports a hit's text is also in), so a
// search or a view can be bookmarked and shared and the back button works; every piece of report text reaches the
// page through textContent (matches wrapped in <mark> from the API's character ranges), never
// as HTML. The language is Chinese unless `?lang=en` or the toggle (remembered) says English;
// section types, levels and the summary come from LABELS (index_schema/labels.tsv), which the
// server puts before common.js, loaded before this script.
'use strict';

const PAGE_HITS = 20;
const MAX_OFFSET = 10000;
const EXPORT_LIMIT = 10000;
/// Facet values shown before "more".
const FACET_ROWS = 12;
/// The facet table (index_schema/facets.tsv, from /api/facets), loaded before the first search:
/// each facet's name, filter option, parents, place in the sidebar and labels.
let FACETS = [];
/// The region drill-down, coarse to fine (facets).
let REGION_LEVELS = [];
/// Filters in the URL and the API (options), in chip order: the places, region, the others.
let FILTER_KEYS = [];

function loadFacets(table) {
  for (const f of table) {
    f.parents = (f.shape && f.shape.within) || [];
    f.single = f.values === 'range';
  }
  FACETS = table;
  REGION_LEVELS = table
    .filter((f) => f.sidebar.region !== undefined)
    .sort((a, b) => a.sidebar.region - b.sidebar.region);
  const others = table.filter((f) => f.sidebar.region === undefined);
  FILTER_KEYS = [...REGION_LEVELS.map((f) => f.option), 'region', ...others.map((f) => f.option)];
}

/// The facet whose filter option is `option`.
function facetOf(option) {
  return FACETS.find((f) => f.option === option);
}

/// A facet's name in the page's language; `region` for the path filter.
function facetLabel(option) {
  const facet = facetOf(option);
  return facet ? facet[lang] : t(option);
}
// The page's words are in LABELS[lang].page (index_schema/labels.tsv, page.*), put before
// common.js (the language, t, fill, el, marked) by the server with the section types, levels
// and summary.

// A language asked for in the address (a shared link) is remembered, as the toggle's choice is.
if (new URLSearchParams(location.search).get('lang') === lang) remember(lang);

/// A facet or filter value as shown: section types and levels by name, places as they are.
function valueName(key, value) {
  if (key === 'type') return typeName(value);
  if (key === 'level') return levelName(value);
  return value;
}

/// `5 份报告中有 9 个章节匹配“法律顾问”`, `9 sections in 5 reports match 法律顾问`.
function summaryText(query, sections, reports) {
  const labels = LABELS[lang];
  const count = (n, noun) => fill(labels.count[n === 1 ? `${noun}.one` : noun], { n });
  return fill(labels.summary[sections === 1 ? 'query.one' : 'query'], {
    sections: count(sections, 'section'),
    reports: count(reports, 'report'),
    query,
  });
}

function applyLang() {
  translatePage();
  document.title = t('title');
}

function toggleLang() {
  lang = lang === 'en' ? 'zh' : 'en';
  remember(lang);
  // The address keeps the language, so that a copied link opens in it.
  const params = new URLSearchParams(location.search);
  if (lang === 'en') params.set('lang', 'en');
  else params.delete('lang');
  const query = params.toString();
  history.replaceState(null, '', query ? '/?' + query : '/');
  applyLang();
  if (last.results) render(last.state, last.results);
  if (last.stats) renderTrendTable(last.stats);
  if (copiesView.answer) renderCopies(copiesView.place, copiesView.answer);
}

// ---------------------------------------------------------------------------------------------
// The search in the URL

/// {q, filters: {key: [values]}, page} from a query string.
function stateFromUrl(search) {
  const params = new URLSearchParams(search);
  const filters = {};
  for (const key of FILTER_KEYS) {
    filters[key] = params.getAll(key).filter((v) => v.trim() !== '');
  }
  const page = Math.max(1, parseInt(params.get('p') || '1', 10) || 1);
  const copies = (params.get('copies') || '').trim();
  return { q: (params.get('q') || '').trim(), filters, page, copies };
}

/// The query and filters as API parameters, with the language (of error messages and of an
/// export's column names).
function apiParams(state) {
  const params = filterParams(state);
  params.set('lang', lang);
  return params;
}

function filterParams(state) {
  const params = new URLSearchParams();
  params.set('q', state.q);
  for (const key of FILTER_KEYS) {
    for (const value of state.filters[key]) params.append(key, value);
  }
  return params;
}

function pageUrl(state) {
  const params = filterParams(state);
  if (state.page > 1) params.set('p', String(state.page));
  if (lang === 'en') params.set('lang', 'en');
  return '/?' + params.toString();
}

function withFilters(state, change) {
  const filters = {};
  for (const key of FILTER_KEYS) filters[key] = state.filters[key].slice();
  change(filters);
  return { q: state.q, filters, page: 1 };
}

function navigate(state) {
  history.pushState(null, '', state.q ? pageUrl(state) : lang === 'en' ? '/?lang=en' : '/');
  run(state);
}

// ---------------------------------------------------------------------------------------------
// Fetching

const last = { state: null, results: null, stats: null };
let searchCount = 0;

async function getJson(url) {
  return answerOf(await fetch(url, { headers: { Accept: 'application/json' } }));
}

async function run(state) {
  const ticket = ++searchCount;
  $('q').value = state.q;
  const main = $('main');
  $('error').hidden = true;
  syncCopies(state.copies || '');
  if (!state.q) {
    main.dataset.state = 'idle';
    last.results = null;
    showIntro(true);
    clearResults();
    return;
  }
  showIntro(false);
  main.dataset.state = 'loading';
  $('summary').textContent = t('loading');
  const offset = Math.min((state.page - 1) * PAGE_HITS, MAX_OFFSET);
  const params = apiParams(state);
  params.set('offset', String(offset));
  params.set('limit', String(PAGE_HITS));
  params.set('copies', 'true');
  try {
    const results = await getJson('/api/search?' + params.toString());
    if (ticket !== searchCount) return;
    last.state = state;
    last.results = results;
    render(state, results);
    restoreScroll();
    main.dataset.state = 'done';
    loadTrend(state, results, ticket);
  } catch (error) {
    if (ticket !== searchCount) return;
    last.results = null;
    clearResults();
    showError(error.message);
    main.dataset.state = 'error';
  }
}

function showError(message) {
  const box = $('error');
  box.replaceChildren(el('strong', null, t('error')), el('pre', null, message));
  box.hidden = false;
  $('summary').textContent = '';
}

function showIntro(shown) {
  $('intro').hidden = !shown;
}

function clearResults() {
  $('summary').textContent = '';
  delete $('summary').dataset.total;
  $('chips').replaceChildren();
  $('facets').replaceChildren();
  $('hits').replaceChildren();
  $('pager').hidden = true;
  $('exports').hidden = true;
  $('trend').hidden = true;
  $('toggle-facets').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Rendering results

function render(state, results) {
  const summary = $('summary');
  summary.dataset.total = String(results.total_sections);
  summary.textContent =
    results.total_sections > 0
      ? summaryText(state.q, results.total_sections, results.total_reports)
      : t('none');
  renderChips(state);
  renderFacets(state, results.facets, results.facet_sizes);
  renderHits(results.hits, results.offset);
  renderPager(state, results.total_sections);
  renderExports(state, results.total_sections);
  $('toggle-facets').hidden = false;
}

function renderHits(hits, offset) {
  const list = $('hits');
  list.start = offset + 1;
  list.replaceChildren(...hits.map(card));
}

/// One hit: town · county · year · section type, the heading path, the passage with its
/// matches marked, the source.
function card(hit) {
  const item = el('li', 'hit');
  const meta = el('div', 'meta');
  const place = [hit.town, hit.county].filter(Boolean).join(' · ') || hit.province || '—';
  meta.append(
    el('span', 'place', place),
    el('span', 'year', hit.year === null || hit.year === undefined ? '—' : hit.year),
    el('span', 'type', typeName(hit.section_type)),
  );
  const path = el('div', 'path', hit.headings.length ? hit.headings.join(' › ') : t('noHeading'));
  const passage = el('p', 'passage');
  passage.append(...marked(hit.passage, hit.highlights));
  const source = el('div', 'source');
  source.append(
    el('span', 'title', `《${hit.title || t('untitled')}》`),
    el('span', 'file', citedPlace(hit)),
    readLink(hit),
  );
  item.append(meta, path, passage, ...copyNotes(hit), source);
  return item;
}

/// Under a hit's passage, as the command line writes them: in how many other reports (and
/// towns) its text is (also asked for, `copies=true`), in none, or too short to tell (the API
/// leaves `copies` out), and the other files of its report.
function copyNotes(hit) {
  const notes = [];
  const copies = hit.copies;
  const labels = LABELS[lang].hit;
  if (copies && copies.reports > 0) {
    const note = el('div', 'copies');
    note.append(copiesLink(citedPlace(hit), fill(labels.copies, copies)));
    notes.push(note);
  } else {
    notes.push(el('div', 'copies', copies ? labels.copies_none : labels.copies_short));
  }
  const files = hit.also_saved_as || [];
  if (files.length > 0) {
    const joined = files.join(lang === 'en' ? ', ' : '、');
    notes.push(el('div', 'saved-as', fill(LABELS[lang].hit.also_saved_as, { files: joined })));
  }
  return notes;
}

/// Where the hit is, as the command line's citation line writes it: `a.txt:21`, `a.txt:21#2`
/// for the second section on a line (what `fazhi-query show` takes).
function citedPlace(hit) {
  const nth = hit.nth_on_line ? `#${hit.nth_on_line}` : '';
  return `${hit.file}:${hit.line}${nth}`;
}

/// The link that opens the hit's whole report at its section (report.js reads `#line-L.N`),
/// with the query's matches marked.
function readLink(hit) {
  const params = new URLSearchParams({ file: hit.file });
  if (last.state && last.state.q) params.set('q', last.state.q);
  if (lang === 'en') params.set('lang', 'en');
  const nth = hit.nth_on_line ? `.${hit.nth_on_line}` : '';
  const link = el('a', 'read', t('readReport'));
  link.href = `/report?${params.toString()}#line-${hit.line}${nth}`;
  link.addEventListener('click', leaveForReport);
  return link;
}

/// Before a report opens: where the results were scrolled to (restored when back returns to
/// them) and their address (the report page's back link).
function leaveForReport() {
  history.replaceState({ scroll: window.scrollY }, '');
  try {
    sessionStorage.setItem('fazhi-results', location.pathname + location.search);
  } catch (_) {
    // Without storage the report's back link searches for the query again.
  }
}

/// Back from a report: the results scroll to where they were.
function restoreScroll() {
  const state = history.state;
  if (state && typeof state.scroll === 'number') window.scrollTo(0, state.scroll);
}

function renderPager(state, total) {
  const pages = Math.max(1, Math.min(Math.ceil(total / PAGE_HITS), MAX_OFFSET / PAGE_HITS + 1));
  const pager = $('pager');
  pager.hidden = pages <= 1;
  $('page-of').textContent = fill(t('pageOf'), { page: state.page, pages });
  $('prev').disabled = state.page <= 1;
  $('next').disabled = state.page >= pages;
}

function turnPage(delta) {
  const state = last.state;
  if (!state) return;
  navigate({ q: state.q, filters: state.filters, page: Math.max(1, state.page + delta) });
  window.scrollTo(0, 0);
}

function renderExports(state, total) {
  $('exports').hidden = total === 0;
  for (const format of ['csv', 'xlsx', 'jsonl']) {
    const params = apiParams(state);
    params.set('format', format);
    $('export-' + format).href = '/api/export?' + params.toString();
  }
  $('export-note').textContent = total > EXPORT_LIMIT ? fill(t('exportNote'), { n: EXPORT_LIMIT }) : '';
}

// ---------------------------------------------------------------------------------------------
// The copies view: the reports a hit's text is also in (/api/copies?file=FILE:LINE), each with
// its section and the share of the text it holds, over the results; `copies=FILE:LINE` in the
// address holds it.

const copiesView = { place: '', answer: null, ticket: 0 };

/// The address of this page with the copies of `place` open.
function copiesUrl(place) {
  const params = new URLSearchParams(location.search);
  params.set('copies', place);
  if (lang === 'en') params.set('lang', 'en');
  return '/?' + params.toString();
}

/// `text` as a link that opens the copies of `place` (FILE:LINE).
function copiesLink(place, text) {
  const link = el('a', 'copies-link', text);
  link.href = copiesUrl(place);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    history.pushState(null, '', copiesUrl(place));
    syncCopies(place);
  });
  return link;
}

/// Shows the copies of `place`, or closes the view when `place` is empty.
function syncCopies(place) {
  const view = $('copies-view');
  if (!place) {
    copiesView.place = '';
    copiesView.answer = null;
    if (view.open) view.close();
    return;
  }
  if (place === copiesView.place && view.open) return;
  loadCopies(place);
}

async function loadCopies(place) {
  const view = $('copies-view');
  const ticket = ++copiesView.ticket;
  copiesView.place = place;
  copiesView.answer = null;
  view.dataset.state = 'loading';
  $('copies-of').textContent = place;
  $('copies-summary').textContent = t('copiesLoading');
  $('copies-table').replaceChildren();
  $('copies-error').hidden = true;
  if (!view.open) view.showModal();
  try {
    const answer = await getJson('/api/copies?' + new URLSearchParams({ file: place, lang }).toString());
    if (ticket !== copiesView.ticket) return;
    copiesView.answer = answer;
    renderCopies(place, answer);
    view.dataset.state = 'done';
  } catch (error) {
    if (ticket !== copiesView.ticket) return;
    $('copies-summary').textContent = '';
    const box = $('copies-error');
    box.replaceChildren(el('strong', null, t('error')), el('pre', null, error.message));
    box.hidden = false;
    view.dataset.state = 'error';
  }
}

/// The section's place and headings, how many reports and towns hold it, and a row per report.
function renderCopies(place, answer) {
  const section = answer.sections[0];
  if (!section) {
    $('copies-of').textContent = place;
    $('copies-summary').textContent = t('copiesNone');
    $('copies-table').replaceChildren();
    return;
  }
  const headings = section.headings.length ? section.headings.join(' › ') : t('noHeading');
  $('copies-of').textContent = `${place} · ${headings}`;
  $('copies-summary').textContent = fill(LABELS[lang].hit.copies, section);
  const head = el('tr');
  for (const key of ['town', 'county', 'year', 'sectionCol', 'shareOfText', 'reportCol']) {
    head.append(el('th', null, t(key)));
  }
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  tbody.append(...(section.copies || []).map(copyRow));
  $('copies-table').replaceChildren(thead, tbody);
}

/// One report holding the text: town · county · year · its section, the share, a link to read it.
function copyRow(copy) {
  const row = el('tr', 'copy');
  row.dataset.file = copy.file;
  const missing = (value) => (value === null || value === undefined ? '—' : value);
  const section = copy.headings.length ? copy.headings.join(' › ') : t('noHeading');
  const read = el('td', 'read-cell');
  const params = new URLSearchParams({ file: copy.file });
  if (lang === 'en') params.set('lang', 'en');
  const nth = copy.nth_on_line ? `.${copy.nth_on_line}` : '';
  const link = el('a', 'read', t('readReport'));
  link.href = `/report?${params.toString()}#line-${copy.line}${nth}`;
  link.title = copy.file;
  link.addEventListener('click', leaveForReport);
  read.append(link);
  row.append(
    el('td', 'town', missing(copy.town)),
    el('td', 'county', missing(copy.county)),
    el('td', 'year', missing(copy.year)),
    el('td', 'section', section),
    el('td', 'num share', `${Math.round(copy.share * 100)}%`),
    read,
  );
  return row;
}

/// Closing the view takes `copies` out of the address.
function copiesClosed() {
  const params = new URLSearchParams(location.search);
  copiesView.place = '';
  copiesView.answer = null;
  if (!params.has('copies')) return;
  params.delete('copies');
  const query = params.toString();
  history.pushState(null, '', query ? '/?' + query : '/');
}

// ---------------------------------------------------------------------------------------------
// Filters: chips and facets

function filterLabel(key, value) {
  return `${facetLabel(key)}：${valueName(key, value)}`;
}

function renderChips(state) {
  const chips = [];
  for (const key of FILTER_KEYS) {
    for (const value of state.filters[key]) {
      const label = filterLabel(key, value);
      const chip = el('button', 'chip');
      chip.type = 'button';
      chip.dataset.key = key;
      chip.dataset.value = value;
      chip.setAttribute('aria-label', fill(t('remove'), { label }));
      chip.append(el('span', null, label), el('span', 'x', '×'));
      chip.addEventListener('click', () =>
        navigate(withFilters(state, (f) => {
          f[key] = f[key].filter((v) => v !== value);
        })),
      );
      chips.push(chip);
    }
  }
  if (chips.length > 1) {
    const clear = el('button', 'chip clear', t('clearAll'));
    clear.type = 'button';
    clear.addEventListener('click', () =>
      navigate(withFilters(state, (f) => {
        for (const key of FILTER_KEYS) f[key] = [];
      })),
    );
    chips.push(clear);
  }
  $('chips').replaceChildren(...chips);
}

function renderFacets(state, facets, sizes) {
  const groups = [];
  const level = REGION_LEVELS.find(
    (f) => state.filters[f.option].length === 0 && (facets[f.name] || []).length > 0,
  );
  if (level) {
    const title = `${t('region')} · ${level[lang]}`;
    groups.push(facetGroup(state, title, level, facets[level.name], sizes[level.name]));
  }
  for (const f of FACETS.filter((f) => f.sidebar === 'own')) {
    if ((facets[f.name] || []).length) {
      groups.push(facetGroup(state, f[lang], f, facets[f.name], sizes[f.name]));
    }
  }
  $('facets').replaceChildren(...groups);
}

/// A facet's values as buttons; the server lists the largest counts, and says how many values
/// there are in all (`size`), so the rest is named rather than silently dropped.
function facetGroup(state, title, table, values, size) {
  const key = table.option;
  const group = el('section', 'facet-group');
  group.dataset.key = key;
  group.append(el('h3', null, title));
  const list = el('ul', 'facet-list');
  values.forEach((facet, i) => {
    const item = el('li', i >= FACET_ROWS ? 'extra' : null);
    item.append(facetButton(state, table, facet));
    list.append(item);
  });
  if (size > values.length) {
    const hidden = values.length > FACET_ROWS ? 'extra ' : '';
    const note = el('li', `${hidden}unlisted`, fill(t('unlisted'), { n: size - values.length }));
    list.append(note);
  }
  group.append(list);
  if (values.length > FACET_ROWS) {
    const more = el('button', 'more', fill(t('more'), { n: values.length - FACET_ROWS }));
    more.type = 'button';
    more.addEventListener('click', () => {
      const open = list.classList.toggle('open');
      more.textContent = open ? t('less') : fill(t('more'), { n: values.length - FACET_ROWS });
    });
    group.append(more);
  }
  return group;
}

function facetButton(state, table, facet) {
  const key = table.option;
  const parent = table.parents[0];
  const button = el('button', 'facet');
  button.type = 'button';
  button.dataset.key = key;
  button.dataset.value = facet.value;
  const name = el('span', 'name', valueName(key, facet.value));
  if (parent && facet[parent]) name.append(el('small', null, ` ${facet[parent]}`));
  const active = state.filters[key].includes(facet.value);
  button.setAttribute('aria-pressed', String(active));
  button.append(name, el('span', 'count', facet.count));
  button.addEventListener('click', () => navigate(withFilters(state, (f) => choose(f, table, facet))));
  return button;
}

/// Adds a facet value to the filters; a value with parents brings the first (a town its
/// county), so that same-named towns in other counties stay out.
function choose(filters, table, facet) {
  const key = table.option;
  if (table.single) {
    filters[key] = [facet.value];
  } else if (!filters[key].includes(facet.value)) {
    filters[key].push(facet.value);
  }
  const parent = FACETS.find((f) => f.name === table.parents[0]);
  if (parent && facet[parent.name] && filters[parent.option].length === 0) {
    filters[parent.option].push(facet[parent.name]);
  }
}

// ---------------------------------------------------------------------------------------------
// The trend panel: the chart of /api/chart.svg and the table of /api/stats, by year

async function loadTrend(state, results, ticket) {
  const panel = $('trend');
  if (results.total_sections === 0) {
    panel.hidden = true;
    return;
  }
  const params = apiParams(state);
  params.set('by', 'year');
  panel.hidden = false;
  panel.dataset.state = 'loading';
  const chart = $('chart');
  chart.hidden = false;
  chartParams = params;
  drawChart();
  try {
    const stats = await getJson('/api/stats?' + params.toString());
    if (ticket !== searchCount) return;
    last.stats = stats;
    renderTrendTable(stats);
    panel.dataset.state = 'done';
  } catch (error) {
    if (ticket !== searchCount) return;
    $('trend-table').replaceChildren();
    panel.dataset.state = 'error';
  }
}

// The chart is drawn for the width it is shown at and never scaled down, so that its text
// keeps its size (≥ 12 px) on a phone: the panel's width, at most 540 px (the table fits beside it).
let chartParams = null;

function chartWidth() {
  const body = $('trend').querySelector('.trend-body');
  return Math.max(280, Math.min(540, Math.floor(body.clientWidth)));
}

function drawChart() {
  if (!chartParams) return;
  const params = new URLSearchParams(chartParams);
  params.set('width', String(chartWidth()));
  const src = '/api/chart.svg?' + params.toString();
  if ($('chart').getAttribute('src') !== src) $('chart').src = src;
}

function renderTrendTable(stats) {
  const head = el('tr');
  for (const key of ['yearCol', 'matchingCol', 'reportsCol', 'shareCol']) {
    head.append(el('th', null, t(key)));
  }
  const rows = stats.rows.map((row) => {
    const tr = el('tr');
    tr.append(
      el('td', null, row.group[0] || '—'),
      el('td', 'num', row.matching_reports),
      el('td', 'num', row.reports),
      el('td', 'num', shareText(row)),
    );
    return tr;
  });
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  tbody.append(...rows);
  const parts = [thead, tbody];
  if (stats.rows.some((row) => row.small_n && row.share !== null)) {
    parts.unshift(el('caption', 'note', t('smallNote')));
  }
  $('trend-table').replaceChildren(...parts);
}

// 62.5%, 40.0% * from fewer than 5 reports, — for a year with no report (0 of 0 is no share).
function shareText(row) {
  if (row.share === null) return '—';
  const share = `${(row.share * 100).toFixed(1)}%`;
  return row.small_n ? `${share} *` : share;
}

// ---------------------------------------------------------------------------------------------
// Wiring

async function start() {
  applyLang();
  try {
    loadFacets(await getJson('/api/facets'));
  } catch (error) {
    showError(error.message);
    return;
  }
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = $('q').value.trim();
    if (!q) return;
    const filters = last.state && last.state.q ? last.state.filters : stateFromUrl('').filters;
    navigate({ q, filters, page: 1 });
  });
  $('lang').addEventListener('click', toggleLang);
  $('copies-close').addEventListener('click', () => $('copies-view').close());
  $('copies-view').addEventListener('close', copiesClosed);
  $('prev').addEventListener('click', () => turnPage(-1));
  $('next').addEventListener('click', () => turnPage(1));
  $('chart').addEventListener('error', () => {
    $('chart').hidden = true;
  });
  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(drawChart, 250);
  });
  $('toggle-facets').addEventListener('click', () => {
    const open = $('facets').classList.toggle('open');
    $('toggle-facets').setAttribute('aria-expanded', String(open));
  });
  for (const link of document.querySelectorAll('a.example')) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      navigate(stateFromUrl(new URL(link.href).search));
    });
  }
  window.addEventListener('popstate', () => run(stateFromUrl(location.search)));
  run(stateFromUrl(location.search));
}

start();
