import { computed, ref, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import { dropTargetAt, usePointerDrag, type DragState } from './usePointerDrag';

export interface ReorderableListOptions<T extends { id: number }> {
  /** The list in the server's order. */
  items(): readonly T[];
  /** The attribute every row carries with its item's id (`data-status-row`): what the pointer is over. */
  rowAttribute: string;
  /** Another change is under way: no drag starts. */
  busy(): boolean;
  /**
   * Sends a new order (every id once) and applies the answer; it handles its own failure. Called only when the
   * order differs from `items()`; the list shows the new order until it settles.
   */
  save(ids: number[]): Promise<void>;
}

/**
 * A settings list reordered by dragging a row's handle (the rows move as the pointer passes over them: the list
 * is the preview) or by one step up or down. A drop or a step saves the order; while that request is under way
 * the list shows the order asked for, and after it the server's (so a refusal snaps the rows back).
 */
export function useReorderableList<T extends { id: number }>(options: ReorderableListOptions<T>): {
  /** The rows in the order to show. */
  shown: ComputedRef<readonly T[]>;
  /** The id of the row being dragged, or null. */
  draggingId: Ref<number | null>;
  /** The drag under way (for the ghost that follows the pointer), or null. */
  ghost: ShallowRef<DragState<T> | null>;
  /** Bind to a row handle's pointerdown. */
  grab(item: T, event: PointerEvent): void;
  /** Moves a row one place up (-1) or down (1). */
  step(item: T, delta: -1 | 1): void;
} {
  /** The order shown while a drag or a reorder request is under way. */
  const previewOrder = ref<number[] | null>(null);
  const draggingId = ref<number | null>(null);

  const shown = computed<readonly T[]>(() => {
    const items = options.items();
    if (!previewOrder.value) return items;
    const byId = new Map(items.map((item) => [item.id, item]));
    return previewOrder.value.map((id) => byId.get(id)).filter((item): item is T => !!item);
  });

  async function saveOrder(ids: number[]): Promise<void> {
    if (ids.join() === options.items().map((item) => item.id).join()) {
      previewOrder.value = null;
      return;
    }
    previewOrder.value = ids;
    try {
      await options.save(ids);
    } finally {
      previewOrder.value = null;
    }
  }

  function step(item: T, delta: -1 | 1): void {
    const ids = shown.value.map((row) => row.id);
    const from = ids.indexOf(item.id);
    const to = from + delta;
    if (to < 0 || to >= ids.length) return;
    ids.splice(from, 1);
    ids.splice(to, 0, item.id);
    void saveOrder(ids);
  }

  const drag = usePointerDrag<T>({
    onStart(item) {
      draggingId.value = item.id;
      previewOrder.value = options.items().map((row) => row.id);
    },
    onMove(state) {
      const hit = dropTargetAt(state.x, state.y, options.rowAttribute);
      const over = hit ? Number(hit.getAttribute(options.rowAttribute)) : null;
      const order = previewOrder.value;
      if (!hit || !order || over === null || over === state.item.id) return;
      const next = order.filter((id) => id !== state.item.id);
      const at = next.indexOf(over);
      const rect = hit.getBoundingClientRect();
      next.splice(state.y > rect.top + rect.height / 2 ? at + 1 : at, 0, state.item.id);
      if (next.join() !== order.join()) previewOrder.value = next;
    },
    onDrop() {
      draggingId.value = null;
      const order = previewOrder.value;
      if (order) void saveOrder(order);
    },
    onCancel() {
      draggingId.value = null;
      previewOrder.value = null;
    },
  });

  function grab(item: T, event: PointerEvent): void {
    if (options.busy()) return;
    drag.start(item, event);
  }

  return { shown, draggingId, ghost: drag.state, grab, step };
}
