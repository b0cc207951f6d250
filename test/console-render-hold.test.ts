/** A page's first loads drawn together (console/src/lib/render-hold.ts), driven by hand: clock, timers and deferrals are the test's. */
import { describe, expect, it } from 'vitest';
import { renderHold } from '../console/src/lib/render-hold.ts';

function rig(ms = 1500) {
  let now = 0;
  let pending = 0;
  const deferred: Array<() => void> = [];
  const timers: Array<{ at: number; f: () => void }> = [];
  const drawn: string[] = [];
  const hold = renderHold({
    pending: () => pending,
    now: () => now,
    defer: (f) => deferred.push(f),
    later: (f, ms) => timers.push({ at: now + ms, f }),
    ms,
  });
  return {
    hold,
    drawn,
    set pending(n: number) {
      pending = n;
    },
    /** Preact marking components and asking for a batch to be drawn. */
    ask: (what: string) => hold.debounce(() => drawn.push(what)),
    /** Run what was deferred (the microtasks after the current task). */
    tick: () => {
      for (const f of deferred.splice(0)) f();
    },
    /** Move the clock, firing the timers due. */
    advance: (by: number) => {
      now += by;
      for (const t of timers.filter((t) => t.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.f();
      }
    },
  };
}

describe('render hold', () => {
  it('draws at once when no page is opening, or when nothing is in flight', () => {
    const r = rig();
    r.pending = 2;
    r.ask('before any page');
    r.tick();
    expect(r.drawn).toEqual(['before any page']);
    r.hold.begin();
    r.pending = 0;
    r.ask('page skeleton');
    r.tick();
    expect(r.drawn).toEqual(['before any page', 'page skeleton']);
  });

  it('holds the first loads’ renders while any is in flight, and draws them once when the last answers', () => {
    const r = rig();
    r.hold.begin();
    r.pending = 3;
    r.ask('first answer');
    r.tick();
    r.advance(100);
    r.ask('second answer');
    r.tick();
    expect(r.drawn).toEqual([]);
    r.pending = 0;
    r.hold.release();
    r.tick();
    // One batch: Preact's flush draws every component marked since the batch began.
    expect(r.drawn).toEqual(['second answer']);
  });

  it('draws what waited when the page began `ms` ago, though a call is still in flight', () => {
    const r = rig(1500);
    r.hold.begin();
    r.pending = 2;
    r.advance(400);
    r.ask('fast answers');
    r.advance(1099);
    r.tick();
    expect(r.drawn).toEqual([]);
    r.advance(1);
    r.tick();
    expect(r.drawn).toEqual(['fast answers']);
    // Past the deadline nothing waits, whatever is in flight.
    r.ask('later answer');
    r.tick();
    expect(r.drawn).toEqual(['fast answers', 'later answer']);
  });

  it('once the page is drawn, renders go at once (live updates, reloads, a person’s actions)', () => {
    const r = rig();
    r.hold.begin();
    r.pending = 1;
    r.ask('held');
    r.hold.end();
    r.tick();
    expect(r.drawn).toEqual(['held']);
    r.ask('a reload answering');
    r.tick();
    expect(r.drawn).toEqual(['held', 'a reload answering']);
  });

  it("an earlier batch's deadline does not release the next page's batch early", () => {
    const r = rig(1500);
    r.hold.begin();
    r.pending = 1;
    r.ask('page A');
    r.pending = 0;
    r.hold.release();
    r.tick();
    expect(r.drawn).toEqual(['page A']);
    // Page B opens 1 s later; page A's timer (due at 1,500) is still set.
    r.advance(1000);
    r.hold.begin();
    r.pending = 2;
    r.ask('page B');
    r.advance(600);
    r.tick();
    expect(r.drawn).toEqual(['page A']);
    r.advance(900);
    r.tick();
    expect(r.drawn).toEqual(['page A', 'page B']);
  });
});
