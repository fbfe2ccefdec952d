import { attention, device, online, openFailure, ready, unreadNotices } from '../app';
import { showsDossierNoticeBar } from '../auth';
import { lang, setLang, t } from '../i18n';
import { route } from '../router';
import { AccountPage } from './Account';
import { AtRiskNote } from './AtRiskNote';
import { CatalogPage, ProcedurePage } from './Catalog';
import { DESK_ROLES, DeskLoader } from './DeskLoader';
import { DemoBanner } from './DemoBanner';
import { DossierFromLink } from './DossierFromLink';
import { DossierRoute } from './DossierPage';
import { Home } from './Home';
import { LookupPage } from './Lookup';
import { OidcReturn } from './Oidc';
import { OutreachPage } from './Outreach';
import { ReceiptPage } from './Receipt';
import { SyncBar, SyncPage } from './SyncPage';

/** The database would not open: nothing was deleted; say so, and what to do. */
function OpenFailure({ reason }: { reason: string }) {
  return (
    <div class="error-box" role="alert" data-testid="open-failure">
      <p>
        {reason === 'VersionError'
          ? t('Dữ liệu trên máy này do một phiên bản mới hơn của ứng dụng tạo ra. Hãy tải lại trang khi có mạng để nhận phiên bản đó.', 'The data on this device was made by a newer version of the app. Reload the page when online to get that version.')
          : t(`Không mở được dữ liệu lưu trên máy này (${reason}). Hãy tải lại trang; nếu vẫn không được, hãy báo cho bộ phận hỗ trợ.`, `The data stored on this device could not be opened (${reason}). Reload the page; if that does not help, contact support.`)}
      </p>
      <p>{t('Hồ sơ, ảnh và các thay đổi chờ gửi trên máy không bị xoá.', 'The dossiers, photos and changes waiting on this device have not been deleted.')}</p>
      <button type="button" onClick={() => location.reload()}>
        {t('Tải lại', 'Reload')}
      </button>
    </div>
  );
}

function Page() {
  const r = route.value;
  const [first, second, third] = r.parts;
  switch (first) {
    case undefined:
      return <Home />;
    case 'thu-tuc':
      return second ? <ProcedurePage code={second} /> : <CatalogPage />;
    case 'ho-so':
      return second ? (
        <DossierFromLink id={second}>
          <DossierRoute id={second} sub={third} focus={r.query.get('field')} />
        </DossierFromLink>
      ) : (
        <Home />
      );
    case 'tai-khoan':
      return <AccountPage />;
    case 'tra-cuu':
      return <LookupPage key={r.query.toString()} initialCode={r.query.get('code') ?? ''} initialId={r.query.get('id') ?? ''} />;
    case 'luu-dong':
      return <OutreachPage next={r.query.get('next') === '1'} />;
    case 'bien-nhan':
      return second ? <ReceiptPage id={second} /> : <Home />;
    case 'mot-cua':
      return <DeskLoader parts={r.parts.slice(1)} />;
    case 'dong-bo':
      return <SyncPage />;
    default:
      return <p class="card">{t('Không có trang này.', 'No such page.')}</p>;
  }
}

/**
 * The line for the offline note and the notice bar. It is there, one line tall,
 * whether a note shows or not: a note that comes or goes (the network drops, a sync
 * brings news) must never move the form under a person's finger onto another
 * control. One note at a time: being offline first, as it tells why nothing goes
 * out (and no news can come in meanwhile); the news itself is at the end of the home
 * page. Always in the page, so screen readers announce what appears in it.
 */
function NoteLine({ showNotices }: { showNotices: boolean }) {
  const count = unreadNotices.value.length;
  return (
    <div class="note-line no-print" role="status" aria-live="polite">
      {!online.value ? (
        <p class="offline-note">{t('Đang ngoại tuyến – bạn vẫn làm hồ sơ bình thường.', 'Offline – you can keep working.')}</p>
      ) : (
        showNotices && (
          <a class="notice-bar" href="#/?xem=thong-bao" data-testid="notice-bar">
            {t(`${count} thông báo mới về hồ sơ`, `${count} new notice(s) about your dossiers`)}
          </a>
        )
      )}
    </div>
  );
}

export function App() {
  const dev = device.value;
  return (
    <>
      <header class="top no-print">
        <a href="#/" class="brand">
          <img src="./icons/icon-192.png" alt="" width={28} height={28} />
          <span>
            {t('Một cửa', 'One-stop')}
            <span class="long">{t(' – Hộ tịch', ' – Civil status')}</span>
          </span>
        </a>
        <nav>
          {dev?.role === 'outreach' && <a href="#/luu-dong">{t('Lưu động', 'Outreach')}</a>}
          {dev && DESK_ROLES.includes(dev.role) && (
            <a href="#/mot-cua" data-testid="desk-link">
              {t('Một cửa', 'Desk')}
            </a>
          )}
          <a href="#/tra-cuu">{t('Tra cứu', 'Look up')}</a>
          <a href="#/tai-khoan" data-testid="account-link">
            {dev ? dev.full_name.split(' ').pop() : t('Đăng nhập', 'Sign in')}
          </a>
          {/* Named in the language it switches to, its visible letters first (WCAG 2.5.3). */}
          <button type="button" class="link lang" lang={lang.value === 'vi' ? 'en' : 'vi'} onClick={() => setLang(lang.value === 'vi' ? 'en' : 'vi')} aria-label={t('EN – Switch to English', 'VI – Chuyển sang tiếng Việt')}>
            {lang.value === 'vi' ? 'EN' : 'VI'}
          </button>
        </nav>
      </header>
      <DemoBanner />
      <div class="no-print">
        {/* Nothing can be said of the queue when the database did not open. */}
        {!openFailure.value && <SyncBar />}
      </div>
      <NoteLine showNotices={unreadNotices.value.length > 0 && showsDossierNoticeBar(dev?.role)} />
      <AtRiskNote class="no-print" />
      <main id="main" data-ready={ready.value ? 'true' : 'false'} data-attention={attention.value}>
        {ready.value && <OidcReturn />}
        {ready.value ? <Page /> : openFailure.value ? <OpenFailure reason={openFailure.value} /> : <p class="muted">{t('Đang mở…', 'Opening…')}</p>}
      </main>
    </>
  );
}
