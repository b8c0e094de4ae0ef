/** Plain functions of the intervention dialogs (no React): checking JSON fields, moving a step. */

/** Parses a JSON field: its value, nothing when empty and optional, or what is wrong in words. */
export function parseJson(text: string, name: string, required = false): { value?: unknown; error?: string } {
  if (!text.trim()) return required ? { error: `${name}: JSON is required.` } : {};
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `${name} is not valid JSON: ${(e as Error).message}` };
  }
}

/** `list` with the item at `from` moved to `to` (both in range). */
export function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item as T);
  return next;
}
