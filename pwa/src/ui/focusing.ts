// Where keyboard focus goes when a screen of the form changes under it.

const FOCUSABLE = 'input:not([type="hidden"]), select, textarea, button, [tabindex]:not([tabindex="-1"])';

/** The control a person types into for the field at `path` ("section.field"): the input
 * itself, the checked (else first) radio of a group, or the commune's "Change" button. */
export function fieldControl(path: string): HTMLElement | null {
  const id = `f-${path}`;
  const el = document.getElementById(id);
  if (el?.matches(FOCUSABLE)) return el;
  const group = el ?? document.getElementById(`${id}-label`)?.parentElement;
  return group?.querySelector<HTMLElement>('input[type="radio"]:checked') ?? group?.querySelector<HTMLElement>(FOCUSABLE) ?? null;
}

/** Moves focus to the field at `path`, centred in view (clear of the sticky bar). */
export function focusField(path: string): boolean {
  const control = fieldControl(path);
  if (!control) return false;
  control.focus({ preventScroll: true });
  control.scrollIntoView({ block: 'center' });
  return true;
}

/** Focus lost with the screen it was on (a button that navigated is gone): put it on
 * `el` (a heading with tabIndex -1), so Tab goes on from the top of the new screen. */
export function focusIfLost(el: HTMLElement | null): void {
  const current = document.activeElement;
  // A page heading holds focus only because the router put it there on arrival (a
  // person cannot Tab to it): what this screen names as its start comes first.
  const placed = current instanceof HTMLElement && current.tagName === 'H1' && current.tabIndex === -1;
  if (el && (!current || current === document.body || (placed && current !== el))) el.focus({ preventScroll: true });
}

/** Focus on `el` and bring it into view clear of the sticky bar: `focus()` alone
 * scrolls it only just into the viewport, ignoring scroll-padding, so under the bar. */
export function focusInView(el: HTMLElement | null | undefined): void {
  if (!el) return;
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: 'nearest' });
}
