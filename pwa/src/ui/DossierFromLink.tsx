import type { ComponentChildren } from 'preact';
import { device, dossiers, loopStatus, syncMeta } from '../app';
import { t } from '../i18n';
import { AccountPage } from './Account';

/**
 * Emails link a dossier into the app (#/ho-so/<id>, server/dossiers/links.py). Where
 * nobody is signed in, the link asks for the sign-in here and, once the sync has
 * brought the dossier, shows it in place; the public status lookup of the same dossier
 * is offered to whoever has no account on this device.
 */
export function DossierFromLink({ id, children }: { id: string; children: ComponentChildren }) {
  if (dossiers.value.some((d) => d.id === id)) return <>{children}</>;
  if (!device.value || syncMeta.value.needs_sign_in) {
    return (
      <>
        <div class="card" data-testid="dossier-sign-in">
          <p>{t('Hãy đăng nhập để xem hồ sơ này trên máy này.', 'Sign in to see this dossier on this device.')}</p>
          <a href={`#/tra-cuu?id=${encodeURIComponent(id)}`}>{t('Hoặc tra cứu tình trạng hồ sơ (không cần đăng nhập)', 'Or look up its status (no sign-in needed)')}</a>
        </div>
        <AccountPage />
      </>
    );
  }
  // Just signed in: the first sync is bringing the account's dossiers.
  if (loopStatus.value.phase === 'syncing') return <p class="card muted">{t('Đang tải hồ sơ…', 'Loading the dossier…')}</p>;
  return <>{children}</>;
}
