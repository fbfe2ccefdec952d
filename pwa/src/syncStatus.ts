// The sync bar's last word. A refusal is news the person must act on: while anything
// is refused the bar says so, never "Đồng bộ lúc …" as if all were well.

import { formatTime, t } from './i18n';

export function syncOutcomeText(refused: number, lastSuccessAt: string | null | undefined): string {
  if (refused > 0) return t(`Có ${refused} mục bị từ chối – xem chi tiết`, `${refused} item(s) refused – see details`);
  return lastSuccessAt ? t(`Đồng bộ lúc ${formatTime(lastSuccessAt)}`, `Synced ${formatTime(lastSuccessAt)}`) : t('Chưa đồng bộ lần nào', 'Never synced');
}
