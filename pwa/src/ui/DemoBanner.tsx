import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, dataOf } from '../api/http';
import { t } from '../i18n';

// Asked once per app start; unknown (offline, an old server) shows nothing.
const demoMode = signal(false);
let asked = false;

/** The server runs in demo mode (/health/live says so): a line linking to the demo accounts (/demo). */
export function DemoBanner() {
  useEffect(() => {
    if (asked) return;
    asked = true;
    dataOf(api.GET('/health/live')).then(
      (live) => (demoMode.value = live.demo_mode ?? false),
      () => (asked = false),
    );
  }, []);
  if (!demoMode.value) return null;
  return (
    <p class="demo-banner no-print" data-testid="demo-banner">
      {t('Chế độ thử: dữ liệu chỉ để thử. ', 'Demo mode: the data is for trying only. ')}
      <a href="/demo">{t('Xem tài khoản thử', 'See the demo accounts')}</a>
    </p>
  );
}
