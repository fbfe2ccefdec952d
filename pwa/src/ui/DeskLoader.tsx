// Loads the desk screens (ui/desk/) on first use. They are a separate chunk that the
// service worker does not precache, so the app shell citizens install stays small;
// opening them needs a connection, which the desk works with anyway.

import { useEffect, useState } from 'preact/hooks';
import type { FunctionComponent } from 'preact';
import { device } from '../app';
import { DESK_ROLES } from '../auth';
import type { DeviceRecord } from '../db';
import { t } from '../i18n';

type Screens = FunctionComponent<{ dev: DeviceRecord; parts: string[] }>;
let loaded: Screens | null = null;

/** Roles that see the desk entry. */
export { DESK_ROLES };

export function DeskLoader({ parts }: { parts: string[] }) {
  const dev = device.value;
  const allowed = !!dev && DESK_ROLES.includes(dev.role);
  const [screens, setScreens] = useState<Screens | null>(loaded);
  const [failed, setFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (screens || !allowed) return;
    let live = true;
    setFailed(false);
    import('./desk/DeskScreens')
      .then((m) => {
        loaded = m.DeskScreens;
        if (live) setScreens(() => m.DeskScreens);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [attempt, allowed]);
  if (!allowed) {
    // Checked before loading anything: a citizen who types the address gets words, not the chunk.
    return (
      <p class="card warn" data-testid="desk-not-allowed">
        {t('Trang này dành cho cán bộ bộ phận một cửa. Hãy đăng nhập bằng tài khoản cán bộ.', 'This page is for one-stop desk officials. Sign in with an official account.')}{' '}
        <a href="#/tai-khoan">{t('Đăng nhập', 'Sign in')}</a>
      </p>
    );
  }
  if (screens) {
    const Screens = screens;
    return <Screens dev={dev} parts={parts} />;
  }
  if (failed) {
    return (
      <div class="card warn" role="alert">
        <p>{t('Không tải được màn hình một cửa. Màn hình này cần có mạng.', 'Could not load the desk screens. They need a connection.')}</p>
        <button type="button" class="secondary" onClick={() => setAttempt(attempt + 1)}>
          {t('Thử lại', 'Try again')}
        </button>
      </div>
    );
  }
  return <p class="muted">{t('Đang mở màn hình một cửa…', 'Opening the desk…')}</p>;
}
