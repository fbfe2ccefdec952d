// The sync bar's last word. A refusal is news the person must act on: while anything
// is refused the bar says so, never "Đồng bộ lúc …" as if all were well.

import type { SyncMeta } from './db';
import { formatTime, t } from './i18n';

export function syncOutcomeText(refused: number, lastSuccessAt: string | null | undefined): string {
  if (refused > 0) return t(`Có ${refused} mục bị từ chối – xem chi tiết`, `${refused} item(s) refused – see details`);
  return lastSuccessAt ? t(`Đồng bộ lúc ${formatTime(lastSuccessAt)}`, `Synced ${formatTime(lastSuccessAt)}`) : t('Chưa đồng bộ lần nào', 'Never synced');
}

/** While the app puts the person's dossiers back on a server restored from a backup (sync/README.md §9). */
export function recoveringText(): string {
  return t('Máy chủ vừa được khôi phục; đang gửi lại hồ sơ của bạn…', 'The server was just restored; sending your dossiers again…');
}

/** What the last put-back did, in the person's words; null when there was none. */
export function lastRecoveryText(meta: SyncMeta): string | null {
  const r = meta.last_recovery;
  if (!r) return null;
  const done = r.put_back
    ? t(
        `Máy chủ đã được khôi phục từ bản sao lưu. Lúc ${formatTime(r.at)}, ứng dụng đã tự gửi lại ${r.put_back} hồ sơ của bạn.`,
        `The server was restored from a backup. At ${formatTime(r.at)} the app sent ${r.put_back} of your dossier(s) back to it by itself.`,
      )
    : r.refused
      ? t(`Máy chủ đã được khôi phục từ bản sao lưu (ứng dụng kiểm tra lúc ${formatTime(r.at)}).`, `The server was restored from a backup (the app checked at ${formatTime(r.at)}).`)
      : t(
          `Máy chủ đã được khôi phục từ bản sao lưu. Lúc ${formatTime(r.at)}, ứng dụng đã kiểm tra: máy chủ vẫn có đủ hồ sơ của bạn.`,
          `The server was restored from a backup. At ${formatTime(r.at)} the app checked: the server still had all your dossiers.`,
        );
  const refused = r.refused
    ? t(` Máy chủ chưa nhận lại ${r.refused} hồ sơ – xem bên dưới; dữ liệu vẫn còn trên máy.`, ` It did not take back ${r.refused} dossier(s) – see below; the data is still on this device.`)
    : '';
  return done + refused;
}
