// What only this device holds: dossiers with changes the server has not confirmed and
// files it does not have. Without persistent storage the browser may evict them when
// the phone runs out of space, so the person is told plainly, and only once there is
// something to lose (an empty app warns of nothing).

import type { OutboxItem } from './db';
import { t } from './i18n';

export interface Unsynced {
  dossiers: number;
  files: number;
}

export function unsynced(items: readonly OutboxItem[], waitingFiles: number): Unsynced {
  const dossiers = new Set(items.filter((i) => i.status === 'pending' && !i.discarded).map((i) => i.dossier_id));
  return { dossiers: dossiers.size, files: waitingFiles };
}

/** "3 hồ sơ và 2 tệp đính kèm chưa gửi lên máy chủ – …", or null when nothing is at risk. */
export function atRiskText({ dossiers, files }: Unsynced): string | null {
  if (!dossiers && !files) return null;
  const vi = [dossiers && `${dossiers} hồ sơ`, files && `${files} tệp đính kèm`].filter(Boolean).join(' và ');
  const en = [dossiers && `${dossiers} dossier${dossiers > 1 ? 's' : ''}`, files && `${files} file${files > 1 ? 's' : ''}`].filter(Boolean).join(' and ');
  return t(
    `${vi} chưa gửi lên máy chủ – trình duyệt có thể xóa chúng khi máy đầy bộ nhớ.`,
    `${en} not yet sent to the server – the browser may delete ${dossiers + files > 1 ? 'them' : 'it'} when the phone runs out of space.`,
  );
}
