/**
 * "Drawn": `<main data-ready="<ms>">` once the page's data has arrived and what it draws is on screen.
 * Every data load (useLoad) and every chart a page draws goes through track(); when none is pending,
 * two frames later (React-style effects of the last render have run by then, and may have started
 * more work: a chart, a child's own load) and nothing new has started meanwhile, main gets
 * `data-ready` with performance.now() (ms since the navigation began). A load starting clears it.
 * The shell calls settle() after mounting a page, for pages that load nothing. Tests and `pnpm
 * bench:ui` wait for it.
 */
import { options } from 'preact';
import { HOLD_MS, renderHold } from './render-hold.ts';

let pending = 0;
let generation = 0;

/** A page's first loads are drawn together (render-hold.ts). */
const hold = renderHold({
  pending: () => pending,
  now: () => performance.now(),
  defer: (f) => void Promise.resolve().then(f),
  later: (f, ms) => void setTimeout(f, ms),
  ms: HOLD_MS,
});
options.debounceRendering = hold.debounce;

const main = () => document.getElementById('main');

function frame(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
}

let onDrawn: Array<() => void> = [];

/** `f` once a page is next marked drawn (at once when the page is drawn now). */
export function whenDrawn(f: () => void): void {
  if (main()?.hasAttribute('data-ready')) f();
  else onDrawn.push(f);
}

/** Check, two frames from now, whether the page is drawn; mark it so if it is. */
export function settle(): void {
  const g = generation;
  void frame()
    .then(frame)
    .then(() => {
      const m = main();
      if (pending !== 0 || g !== generation || !m?.querySelector('h1') || m.hasAttribute('data-ready')) return;
      m.dataset.ready = String(Math.round(performance.now()));
      hold.end();
      const waiting = onDrawn;
      onDrawn = [];
      for (const f of waiting) f();
    });
}

/** Not drawn until `p` settles (either way). */
export function track<T>(p: Promise<T>): Promise<T> {
  pending++;
  generation++;
  main()?.removeAttribute('data-ready');
  return p.finally(() => {
    pending--;
    if (pending === 0) {
      hold.release();
      settle();
    }
  });
}

let startedAt = 0;

/** When the page now shown began (performance.now(): ms since the navigation that loaded the console). */
export const pageStartedAt = () => startedAt;

/** Leaving the page shown: renders go at once until the next page begins (resetReady). */
export function leavePage(): void {
  hold.end();
}

/** A new page: drawn again only once it is. */
export function resetReady(): void {
  startedAt = performance.now();
  hold.begin();
  generation++;
  main()?.removeAttribute('data-ready');
}
