// Said on the home page only when the browser has not granted persistent storage and
// something exists only on this device: what it is, and a way to send it now.

import { loopStatus, needsSignIn, online, persisted, syncNow, unsyncedWork } from '../app';
import { atRiskText } from '../atRisk';
import { t } from '../i18n';
import { route } from '../router';

function noteText(): string | null {
  if (route.value.path !== '/' || persisted.value !== false) return null;
  return atRiskText(unsyncedWork.value);
}

/** Whether the note is on screen, with its own way to sign in or sync (the sync bar
 *  then leaves its "sign in to send" out rather than say it twice). */
export function atRiskNoteShown(): boolean {
  return noteText() !== null;
}

export function AtRiskNote({ class: className = '' }: { class?: string }) {
  const text = noteText();
  if (!text) return null;
  return (
    <p class={`persist-note ${className}`} data-testid="at-risk">
      {text}{' '}
      {needsSignIn.value ? (
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
