// Said only when the browser has not granted persistent storage and something exists
// only on this device: what it is, and a way to send it now.

import { device, loopStatus, online, persisted, syncNow, unsyncedWork } from '../app';
import { atRiskText } from '../atRisk';
import { t } from '../i18n';

export function AtRiskNote({ class: className = '' }: { class?: string }) {
  const text = persisted.value === false ? atRiskText(unsyncedWork.value) : null;
  if (!text) return null;
  return (
    <p class={`persist-note ${className}`} data-testid="at-risk">
      {text}{' '}
      {!device.value ? (
        <a href="#/tai-khoan">{t('Đăng nhập để gửi', 'Sign in to send')}</a>
      ) : online.value ? (
        <button type="button" class="link" disabled={loopStatus.value.phase === 'syncing'} onClick={() => void syncNow('button')}>
          {t('Đồng bộ ngay', 'Sync now')}
        </button>
      ) : (
        t('Sẽ gửi khi có mạng.', 'They go when online.')
      )}
    </p>
  );
}
