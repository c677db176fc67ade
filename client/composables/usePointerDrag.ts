import { onUnmounted, shallowRef } from 'vue';

/** Pixels the pointer must travel with the button down before a press becomes a drag (below it, a click). */
const THRESHOLD = 5;

export interface DragState<T> {
  item: T;
  /** Pointer position (viewport). */
  x: number;
  y: number;
  /** Where in the dragged element the pointer grabbed it, so the ghost does not jump. */
  offsetX: number;
  offsetY: number;
  width: number;
  height: number;
}

export interface PointerDragHandlers<T> {
  /** The press became a drag. */
  onStart?(item: T): void;
  onMove?(state: DragState<T>): void;
  /** Released: `x`/`y` are where (viewport coordinates). */
  onDrop(state: DragState<T>): void;
  /** Escape, a cancelled pointer, or the component went away mid-drag. */
  onCancel?(state: DragState<T>): void;
}

/**
 * A drag made of pointer events, for mouse, pen and touch alike (and Playwright's mouse). Listeners go on the
 * window from the moment of the press, not on the pressed element: the list under the pointer may re-render
 * (live updates) without ending the drag. `justDragged()` tells a click handler to ignore the click that
 * follows a drop.
 */
export function usePointerDrag<T>(handlers: PointerDragHandlers<T>) {
  const state = shallowRef<DragState<T> | null>(null);
  let press: { item: T; startX: number; startY: number; pointerId: number; rect: DOMRect } | null = null;
  let suppressClickUntil = 0;

  function start(item: T, event: PointerEvent): void {
    if (event.button !== 0 || !event.isPrimary || press || state.value) return;
    const target = event.currentTarget as HTMLElement | null;
    if (!target) return;
    press = { item, startX: event.clientX, startY: event.clientY, pointerId: event.pointerId, rect: target.getBoundingClientRect() };
    window.addEventListener('pointermove', onMove, { passive: false });
    window.addEventListener('pointerup', onUp);
    window.addEventListener('pointercancel', onCancel);
    window.addEventListener('keydown', onKey);
    window.addEventListener('blur', onCancel);
  }

  function onMove(event: PointerEvent): void {
    if (!press || event.pointerId !== press.pointerId) return;
    if (!state.value) {
      if (Math.hypot(event.clientX - press.startX, event.clientY - press.startY) < THRESHOLD) return;
      state.value = {
        item: press.item,
        x: event.clientX,
        y: event.clientY,
        offsetX: press.startX - press.rect.left,
        offsetY: press.startY - press.rect.top,
        width: press.rect.width,
        height: press.rect.height,
      };
      handlers.onStart?.(press.item);
    } else {
      state.value = { ...state.value, x: event.clientX, y: event.clientY };
    }
    event.preventDefault();
    handlers.onMove?.(state.value);
  }

  function onUp(event: PointerEvent): void {
    if (!press || event.pointerId !== press.pointerId) return;
    const dragged = state.value ? { ...state.value, x: event.clientX, y: event.clientY } : null;
    stop();
    if (dragged) {
      suppressClickUntil = Date.now() + 300;
      handlers.onDrop(dragged);
    }
  }

  function onCancel(): void {
    const dragged = state.value;
    stop();
    if (dragged) handlers.onCancel?.(dragged);
  }

  function onKey(event: KeyboardEvent): void {
    if (event.key === 'Escape' && state.value) {
      event.preventDefault();
      onCancel();
    }
  }

  function stop(): void {
    press = null;
    state.value = null;
    window.removeEventListener('pointermove', onMove);
    window.removeEventListener('pointerup', onUp);
    window.removeEventListener('pointercancel', onCancel);
    window.removeEventListener('keydown', onKey);
    window.removeEventListener('blur', onCancel);
  }

  onUnmounted(onCancel);

  return {
    /** The drag under way, or null. */
    state,
    /** Bind to the draggable element's pointerdown. */
    start,
    cancel: onCancel,
    justDragged: () => Date.now() < suppressClickUntil,
  };
}

/** The element under a viewport point that carries `attribute` (the drag ghost must have pointer-events: none). */
export function dropTargetAt(x: number, y: number, attribute: string): HTMLElement | null {
  for (const element of document.elementsFromPoint(x, y)) {
    const hit = (element as HTMLElement).closest<HTMLElement>(`[${attribute}]`);
    if (hit) return hit;
  }
  return null;
}
