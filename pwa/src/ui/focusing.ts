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
  if (el && (!current || current === document.body)) el.focus({ preventScroll: true });
}
