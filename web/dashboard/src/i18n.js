// Interface strings: one table per language in locales/<code>.json, English the fallback.
// To add a language, add its table and one line to LOCALES.
import en from "./locales/en.json";
import uk from "./locales/uk.json";

export const LOCALES = {
  en: { name: "English", strings: en },
  uk: { name: "Українська", strings: uk },
};
const KEY = "ceasefire.lang";
let current = pickInitial();
const listeners = [];

function pickInitial() {
  const saved = localStorage.getItem(KEY);
  if (saved && LOCALES[saved]) return saved;
  const browser = (navigator.language || "en").slice(0, 2);
  return LOCALES[browser] ? browser : "en";
}

export function lang() {
  return current;
}

export function setLang(code) {
  if (!LOCALES[code]) return;
  current = code;
  localStorage.setItem(KEY, code);
  document.documentElement.lang = code;
  apply();
  for (const fn of listeners) fn(code);
}

export function onLang(fn) {
  listeners.push(fn);
}

/** The string for key in the current language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = LOCALES[current].strings[key] ?? LOCALES.en.strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Fill the static page: data-i18n sets the text, data-i18n-aria the aria-label. */
export function apply(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(value);
}
