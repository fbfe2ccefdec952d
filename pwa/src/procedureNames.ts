// A procedure as the catalog stored on the device names it ("Đăng ký khai sinh"), never
// its code ("khai-sinh"). Apart from dossierNames.ts, which the service worker uses too.

import type { CatalogPayload } from './api/types';
import { tx } from './i18n';

/** The name in the language on screen; null when the catalog is not on the device yet. */
export function procedureName(code: string, catalog: CatalogPayload | null | undefined): string | null {
  const procedure = catalog?.procedures.find((p) => p.code === code);
  return procedure ? tx(procedure.name) : null;
}
