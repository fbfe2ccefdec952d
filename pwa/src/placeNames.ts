// A commune as a person knows it, from the commune list stored on the device: its kind,
// name and province ("Phường Ba Đình, Thành phố Hà Nội"), never its five-digit code.

import type { CommuneIndex } from './reference';

/** The commune's name with its province; null while the list is not on the device or
 *  does not hold the code (the caller then says it in other words). */
export function communeName(code: string | null | undefined, index: CommuneIndex | null | undefined): string | null {
  const commune = code ? index?.byCode.get(code) : undefined;
  return commune ? `${commune.label}, ${commune.provinceName}` : null;
}
