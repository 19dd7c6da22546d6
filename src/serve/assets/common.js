// What the search page (app.js) and the report page (report.js) share, loaded before either:
// the page's language (`?lang=`, else the toggle's remembered choice, else the server's
// `<html lang>`), its words from LABELS (index_schema/labels.tsv, which the server puts before
// this script), reading the API's answers, and making elements whose text only ever goes in as textContent, never as HTML.
'use strict';

/// Where the toggle's choice of language is remembered.
const LANG_KEY = 'fazhi-lang';

const $ = (id) => document.getElementById(id);

/// Element `tag` with a class and text (text only ever as textContent).
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Language

let lang = readLang();

/// `?lang=en` or `?lang=zh` in the address (a shared link), else the choice remembered from
/// the toggle, else the server's (`<html lang="en">` from `fazhi-query serve --lang en`), else
/// Chinese.
function readLang() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked === 'en' || asked === 'zh') return asked;
  const server = document.documentElement.lang === 'en' ? 'en' : 'zh';
  try {
    const remembered = localStorage.getItem(LANG_KEY);
    return remembered === 'en' || remembered === 'zh' ? remembered : server;
  } catch (_) {
    return server;
  }
}

function remember(choice) {
  try {
    localStorage.setItem(LANG_KEY, choice);
  } catch (_) {
    // A private window may refuse storage; the choice then lasts until the page is left.
  }
}

/// The page's word `key` (LABELS[lang].page: labels.tsv, page.*).
function t(key) {
  return LABELS[lang].page[key];
}

/// A label of LABELS with its `{name}`s filled, and its `{name|one|other}`s (English plurals)
/// by whether the value is 1, as the command line fills them (src/lang.rs, `Lang::fill`).
function fill(text, values) {
  const forms = (all, name, one, other) =>
    name in values ? (String(values[name]) === '1' ? one : other) : all;
  return text
    .replace(/\{(\w+)\|([^|}]*)\|([^}]*)\}/g, forms)
    .replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
}

/// The JSON of an API answer (`fetch`'s `response`); for an error, an Error with its message.
/// A search stopped at the server's deadline, or a server busy past it (`reason` of a 503), is
/// said in a web user's words: the API's message tells whoever runs the server to raise
/// `--deadline`, which a web user cannot.
async function answerOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (response.ok) return body;
  const reason = body && body.reason;
  if (reason === 'deadline') throw new Error(t('stoppedAtDeadline'));
  if (reason === 'busy') throw new Error(t('serverBusy'));
  throw new Error(body && body.error ? body.error : `HTTP ${response.status}`);
}

function typeName(type) {
  return LABELS[lang].types[type] || type;
}

function levelName(level) {
  return LABELS[lang].levels[level] || level;
}

/// The page's fixed words in its language: elements marked `data-i18n` (text),
/// `data-i18n-placeholder`, `data-i18n-label` (aria-label) and `data-i18n-alt`; the toggle
/// offers the other language.
function translatePage() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll('[data-i18n-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nLabel));
  }
  for (const node of document.querySelectorAll('[data-i18n-alt]')) {
    node.alt = t(node.dataset.i18nAlt);
  }
  const toggle = $('lang');
  toggle.textContent = lang === 'en' ? '中文' : 'English';
  toggle.lang = lang === 'en' ? 'zh-CN' : 'en';
}

/// Text nodes and <mark>s for `text` with `ranges` ([start, end) in Unicode characters).
function marked(text, ranges) {
  const chars = Array.from(text);
  const nodes = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at || end <= start) continue;
    if (start > at) nodes.push(document.createTextNode(chars.slice(at, start).join('')));
    nodes.push(el('mark', null, chars.slice(start, end).join('')));
    at = end;
  }
  if (at < chars.length) nodes.push(document.createTextNode(chars.slice(at).join('')));
  return nodes;
}
