/**
 * A page's first loads drawn together. While the loads a page starts when it opens are in flight, the
 * re-renders their answers ask for wait, and are done at once when the last has answered (or `ms` after
 * the page began, whichever comes first: a slow call does not keep the rest of the page blank). Once
 * the page is drawn, every render goes at once again (live updates, reloads, a person's actions).
 *
 * Why: drawn as each of eight answers arrived, a page laid out and painted up to eight times while its
 * remaining calls were still being answered, on the same cores when the collector and the browser share
 * a machine (bench:ui: the operator page's renders took about as much CPU in that window as the collector
 * needed to answer the calls). Drawn once, the page is complete sooner and the calls answer sooner.
 *
 * Pure: the clock, the timer, the deferral and the count of pending loads are given (ready.ts wires it
 * to Preact's `options.debounceRendering`; console-render-hold.test.ts drives it by hand).
 */
/** How long a page's first renders wait at most, from the page's start (ms): the console's setting. */
export const HOLD_MS = 1500;

export interface RenderHoldDeps {
  /** How many of the page's loads are in flight now. */
  pending: () => number;
  /** ms, any monotonic clock. */
  now: () => number;
  /** Run `f` soon, after the current task (Preact's own default: a resolved promise). */
  defer: (f: () => void) => void;
  /** Run `f` in `ms`. */
  later: (f: () => void, ms: number) => void;
  /** The longest a page's first renders wait (ms from `begin`). */
  ms: number;
}

export interface RenderHold {
  /** Preact's `options.debounceRendering`: how a batch of re-renders (`flush`) is scheduled. */
  debounce: (flush: () => void) => void;
  /** A page began: hold its first loads' renders, for `ms` at most. */
  begin: () => void;
  /** The page is drawn: renders go at once from now on. */
  end: () => void;
  /** No load is in flight any more: draw what waited. */
  release: () => void;
}

export function renderHold(d: RenderHoldDeps): RenderHold {
  let holding = false;
  let until = 0;
  let held: (() => void) | undefined;
  // The deadline timer of the batch held now; an older one (a batch released since) does nothing.
  let timer = 0;
  const release = () => {
    timer++;
    const f = held;
    held = undefined;
    if (f) d.defer(f);
  };
  return {
    debounce: (flush) => {
      const left = until - d.now();
      if (holding && d.pending() > 0 && left > 0) {
        // Preact asks once per batch: `flush` draws every component marked since.
        if (!held) {
          const mine = ++timer;
          d.later(() => mine === timer && release(), left);
        }
        held = flush;
        return;
      }
      d.defer(flush);
    },
    begin: () => {
      holding = true;
      until = d.now() + d.ms;
    },
    end: () => {
      holding = false;
      release();
    },
    release,
  };
}
