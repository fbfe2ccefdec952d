// Pieces the desk screens share: the tabs, the problem text, the state pill.

import { ApiError, NetworkError } from '../../api/http';
import { device } from '../../app';
import { errorText } from '../../desk/actions';
import { RECOVERY_ROLES } from '../../desk/recovery';
import { t } from '../../i18n';
import { lang } from '../../i18n';
import { stateClass, stateLabel } from '../../states';

export function DeskTabs({ current }: { current: 'queue' | 'reports' | 'recovery' }) {
  const role = device.value?.role;
  return (
    <nav class="desk-tabs no-print" aria-label={t('Bộ phận một cửa', 'One-stop desk')}>
      <a href="#/mot-cua" aria-current={current === 'queue' ? 'page' : undefined}>
        {t('Hồ sơ cần xử lý', 'Queue')}
      </a>
      <a href="#/mot-cua/bao-cao" aria-current={current === 'reports' ? 'page' : undefined}>
        {t('Báo cáo', 'Reports')}
      </a>
      {role && RECOVERY_ROLES.includes(role) && (
        <a href="#/mot-cua/sau-khoi-phuc" aria-current={current === 'recovery' ? 'page' : undefined}>
          {t('Sau khôi phục dữ liệu', 'After a restore')}
        </a>
      )}
    </nav>
  );
}

/** A failed call in words: the problem's title and detail, and each field error with its path. */
export function problemLines(e: unknown): string[] {
  if (e instanceof NetworkError) return [t('Không kết nối được máy chủ. Màn hình một cửa cần có mạng.', 'Cannot reach the server. The desk screens need a connection.')];
  if (e instanceof ApiError) {
    if (e.status === 401) return [t('Phiên làm việc đã hết. Hãy đăng nhập lại ở trang Tài khoản.', 'Your session has ended. Sign in again on the Account page.')];
    const head = [e.problem.title || `HTTP ${e.status}`, e.problem.detail].filter(Boolean).join(': ');
    return [head, ...(e.problem.errors ?? []).map((x) => errorText(x, lang.value))];
  }
  return [e instanceof Error ? e.message : String(e)];
}

export function ProblemBox({ error, testid }: { error: unknown; testid?: string }) {
  const [head, ...rest] = problemLines(error);
  return (
    <div class="card error-box" role="alert" data-testid={testid ?? 'desk-problem'}>
      <strong>{head}</strong>
      {rest.length > 0 && (
        <ul>
          {rest.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function StatePill({ state, label }: { state: number; label?: { vi: string; en: string } }) {
  return <span class={`pill ${stateClass(state)}`}>{label ? (lang.value === 'vi' ? label.vi : label.en) : stateLabel(state, lang.value)}</span>;
}
