import { type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

/**
 * Browsers cap an element's height (Chromium near 33.5M px, Firefox near 17.9M): 1M rows of 36 px
 * overflow it. Past this height the scroll area is capped and mapped onto the content. Read once from
 * localStorage `trailmark.maxScrollPx` so the browser tests can exercise the mapped mode on a small log.
 */
export const MAX_SCROLL_PX = (() => {
  try {
    const v = Number(localStorage.getItem('trailmark.maxScrollPx'));
    if (Number.isFinite(v) && v >= 10_000) return v;
  } catch {
    // No storage: the default.
  }
  return 15_000_000;
})();

/** A scroll moving more than this at once is a jump (a drag of the thumb): it maps proportionally. */
const JUMP_PX = 2000;
/** After scrolling settles, the thumb is moved (silently) to where the content really is. */
const SETTLE_MS = 150;

/** Where the viewport is at one animation frame. */
export interface ScrollFrame {
  /** Offset of the viewport's top in content pixels (row i starts at i * rowHeight). */
  top: number;
  /** The element's scrollTop: where the viewport's top is inside the spacer. */
  real: number;
  viewport: number;
  /** The element's horizontal scroll and width, kept from its scroll events and ResizeObserver. */
  left: number;
  width: number;
}

export interface HugeScroll {
  /**
   * `top` of the last render. While scrolling, a render happens only when `top` crosses a multiple of
   * `quantum` (or the content jumps): render rows for [top rounded down to a quantum, + quantum + viewport].
   * Once scrolling settles it is exact.
   */
  top: number;
  viewport: number;
  /** Height of the element that makes the scroll area (≤ MAX_SCROLL_PX). */
  spacer: number;
  /** Where content pixel `y` is drawn inside the spacer. */
  place(y: number): number;
  scrolling: boolean;
  /** This scroll moved more than a viewport at once: the thumb is being dragged, not the wheel turned. */
  leaping: boolean;
  /** The position now, for what is drawn every frame without a render (a label by the thumb). */
  frame(): ScrollFrame;
  scrollToIndex(index: number, align?: 'auto' | 'start' | 'end'): void;
}

/**
 * The hybrid scroll model of the best data grids (glide-data-grid's infinite scroller, SlickGrid's
 * paging): below the cap the scrollbar is the content, 1:1. Above it, small moves (wheel, arrows, Page
 * Down) move the content 1:1 and big ones (dragging the thumb) jump proportionally, so the wheel keeps
 * its normal speed at 10M rows instead of being 20x too fast; the edges are exact (Home, End), and once
 * scrolling stops the thumb is put back where the content is, so the scrollbar keeps mapping to position.
 *
 * A frame of scrolling renders nothing unless `top` crossed a multiple of `quantum`: rows already drawn
 * keep their place in the spacer, the browser moves them, and a render adds a block of rows at once.
 * `onFrame` is called on every frame, for what must follow the scroll exactly.
 */
export function useHugeScroll(
  element: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  headerHeight: number,
  quantum: number,
  onFrame?: (frame: ScrollFrame) => void,
): HugeScroll {
  const content = count * rowHeight;
  const spacer = Math.min(content, MAX_SCROLL_PX);
  const mapped = content > MAX_SCROLL_PX;
  const [state, setState] = useState({ top: 0, real: 0, viewport: 600, scrolling: false, leaping: false });
  const rendered = useRef(state);
  const frameListener = useRef(onFrame);
  frameListener.current = onFrame;
  const model = useRef({ top: 0, last: 0, left: 0, programmatic: -1, settle: 0, frame: 0, leaping: false });
  const geometry = useRef({ content, spacer, mapped });
  geometry.current = { content, spacer, mapped };
  // The element's height, kept by the ResizeObserver: reading clientHeight in a scroll handler or right
  // after React changed the DOM forces a synchronous layout of the page (a third of the main thread's
  // time on a filter change, in a profile).
  const height = useRef(0);
  const width = useRef(0);

  /** Rows' viewport (below the sticky header), content and scroll maxima, and the content→scroll map. */
  const metrics = useCallback(
    (el: HTMLElement) => {
      const g = geometry.current;
      if (height.current === 0) height.current = el.clientHeight;
      const view = Math.max(0, height.current - headerHeight);
      const contentMax = Math.max(0, g.content - view);
      const realMax = Math.max(0, g.spacer - view);
      const toReal = (top: number) => (g.mapped ? (top / Math.max(1, contentMax)) * realMax : top);
      return { view, contentMax, realMax, toReal, mapped: g.mapped };
    },
    [headerHeight],
  );

  const frame = useCallback(
    (): ScrollFrame => ({
      top: model.current.top,
      real: model.current.last,
      viewport: Math.max(0, height.current - headerHeight),
      left: model.current.left,
      width: width.current,
    }),
    [headerHeight],
  );

  const publish = useCallback(
    (scrolling: boolean) => {
      const el = element.current;
      if (!el) return;
      const m = model.current;
      cancelAnimationFrame(m.frame);
      m.frame = requestAnimationFrame(() => {
        const now = frame();
        frameListener.current?.(now);
        const before = rendered.current;
        const leaping = scrolling && m.leaping;
        const render =
          !scrolling ||
          !before.scrolling ||
          leaping !== before.leaping ||
          now.viewport !== before.viewport ||
          Math.floor(now.top / quantum) !== Math.floor(before.top / quantum) ||
          // The content moved against the spacer (a jump, or the edges of the mapped scrollbar).
          Math.abs(now.real - now.top - (before.real - before.top)) >= 0.5;
        if (!render) return;
        rendered.current = { top: now.top, real: now.real, viewport: now.viewport, scrolling, leaping };
        setState(rendered.current);
      });
    },
    [element, frame, quantum],
  );

  useEffect(() => {
    const el = element.current;
    if (!el) return;
    const m = model.current;
    const onScroll = () => {
      const { contentMax, realMax, toReal, mapped: isMapped } = metrics(el);
      const st = el.scrollTop;
      m.left = el.scrollLeft;
      if (!isMapped) m.top = st;
      else if (m.programmatic >= 0 && Math.abs(st - toReal(m.programmatic)) < 2) m.top = m.programmatic;
      else if (st <= 0) m.top = 0;
      else if (st >= realMax - 1) m.top = contentMax;
      else {
        const delta = st - m.last;
        m.top =
          Math.abs(delta) > JUMP_PX
            ? (st / realMax) * contentMax
            : Math.min(contentMax, Math.max(0, m.top + delta));
      }
      if (m.programmatic < 0 && Math.abs(st - m.last) > height.current) m.leaping = true;
      m.programmatic = -1;
      m.last = st;
      publish(true);
      clearTimeout(m.settle);
      m.settle = window.setTimeout(() => {
        const now = metrics(el);
        if (now.mapped) {
          // Re-anchor the thumb to the content after 1:1 moves, without moving the content.
          const real = now.toReal(m.top);
          if (Math.abs(real - el.scrollTop) >= 1) {
            m.programmatic = m.top;
            el.scrollTop = real;
            m.last = el.scrollTop;
          }
        }
        m.leaping = false;
        publish(false);
      }, SETTLE_MS);
    };
    const observer = new ResizeObserver(() => {
      height.current = el.clientHeight;
      width.current = el.clientWidth;
      publish(false);
    });
    el.addEventListener('scroll', onScroll, { passive: true });
    observer.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      observer.disconnect();
      clearTimeout(m.settle);
      cancelAnimationFrame(m.frame);
    };
  }, [element, publish, metrics]);

  // Another result (another count): keep the position if it still exists, else the new end.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the content size changes
  useLayoutEffect(() => {
    const el = element.current;
    if (!el) return;
    const { contentMax, realMax, toReal, mapped: isMapped } = metrics(el);
    const m = model.current;
    // A filter change changes the count two or three times; touching scrollTop right after React
    // changed the DOM forces a layout each time, so it is read or written only when it must move.
    if (!isMapped) {
      // Plain scrolling: past the new end, the browser has clamped scrollTop to it.
      if (m.last > realMax) m.last = el.scrollTop;
      m.top = m.last;
    } else {
      // Mapped: the same content offset sits elsewhere on the new scrollbar.
      if (m.top > contentMax) m.top = contentMax;
      const real = toReal(m.top);
      if (Math.abs(real - m.last) >= 1) {
        m.programmatic = m.top;
        el.scrollTop = real;
        m.last = el.scrollTop;
      }
    }
    publish(false);
  }, [content]);

  const scrollToIndex = useCallback(
    (index: number, align: 'auto' | 'start' | 'end' = 'auto') => {
      const el = element.current;
      if (!el) return;
      const { view, contentMax, toReal } = metrics(el);
      const m = model.current;
      const rowTop = index * rowHeight;
      let top = m.top;
      if (align === 'start' || (align === 'auto' && rowTop < m.top)) top = rowTop;
      else if (align === 'end' || (align === 'auto' && rowTop + rowHeight > m.top + view))
        top = rowTop + rowHeight - view;
      top = Math.min(contentMax, Math.max(0, top));
      if (top === m.top) return;
      m.top = top;
      m.programmatic = top;
      el.scrollTop = toReal(top);
      m.last = el.scrollTop;
      publish(false);
    },
    [element, rowHeight, metrics, publish],
  );

  return {
    top: state.top,
    viewport: state.viewport,
    spacer,
    // Mapped, the spacer scrolled by `real` while the content moved by `top`: draw rows relative to both.
    place: (y) => (mapped ? state.real + (y - state.top) : y),
    scrolling: state.scrolling,
    leaping: state.leaping,
    frame,
    scrollToIndex,
  };
}
