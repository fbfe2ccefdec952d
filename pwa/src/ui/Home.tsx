import { useEffect } from 'preact/hooks';
import { catalog, changed, device, dossiers, getDb, notices, online, startDraft, unreadNotices } from '../app';
import type { LocalDossier } from '../db';
import { displayCode } from '../codes';
import { procedureName } from '../procedureNames';
import { dossierTitle } from '../formModel';
import { formatTime, lang, t } from '../i18n';
import { navigate, route } from '../router';
import { State, stateClass, stateLabel } from '../states';

function DossierItem({ d }: { d: LocalDossier }) {
  return (
    <li>
      <a href={`#/ho-so/${d.id}`} class="dossier-item">
        <strong>{dossierTitle(d.answers) || t('(chưa có tên)', '(no name yet)')}</strong>
        <span class="muted small">{procedureName(d.procedure_code, catalog.value)}</span>
        <span class={`pill ${stateClass(d.state)}`}>{d.submit_queued ? t('Chờ gửi', 'Waiting to send') : stateLabel(d.state, lang.value)}</span>
        {d.code && <span class="small code-inline">{displayCode(d.code)}</span>}
        {(d.conflicts?.length ?? 0) > 0 && <span class="badge danger">{t('Cần chọn', 'Choose')}</span>}
      </a>
    </li>
  );
}

export function Home() {
  const show = route.value.query.get('xem');
  // Sent here by the notice bar: bring the news into view, once on arrival.
  useEffect(() => {
    if (show === 'thong-bao') document.getElementById('thong-bao')?.scrollIntoView({ block: 'start' });
  }, [show]);
  const all = dossiers.value.filter((d) => !d.outreach || device.value?.role !== 'outreach');
  const drafts = all.filter((d) => d.state === State.DRAFT && !d.submit_queued);
  const sent = all.filter((d) => d.state !== State.DRAFT || d.submit_queued);
  const unread = unreadNotices.value;
  return (
    <div>
      {/* The page's name for screen readers and the router's focus; the buttons say it on screen. */}
      <h1 class="visually-hidden">{t('Hồ sơ của tôi', 'My dossiers')}</h1>
      <div class="hero">
        <a class="button primary big" href="#/thu-tuc">
          {t('Làm hồ sơ mới', 'Start a new dossier')}
        </a>
        <button
          type="button"
          class="secondary big"
          onClick={async () => {
            navigate(`/ho-so/${await startDraft('khai-sinh')}`);
          }}
        >
          {t('Đăng ký khai sinh', 'Register a birth')}
        </button>
      </div>
      <section>
        <h2>{t('Bản nháp', 'Drafts')}</h2>
        {drafts.length ? (
          <ul class="list">
            {drafts.map((d) => (
              <DossierItem key={d.id} d={d} />
            ))}
          </ul>
        ) : (
          <p class="muted">
            {/* Offline, the line under the bar says so already. */}
            {online.value ? t('Chưa có bản nháp. Bạn có thể làm hồ sơ cả khi không có mạng.', 'No drafts. You can prepare a dossier even offline.') : t('Chưa có bản nháp.', 'No drafts.')}
          </p>
        )}
      </section>
      <section>
        <h2>{t('Hồ sơ đã nộp', 'Sent dossiers')}</h2>
        {sent.length ? (
          <ul class="list">
            {sent.map((d) => (
              <DossierItem key={d.id} d={d} />
            ))}
          </ul>
        ) : (
          <p class="muted">{t('Chưa có hồ sơ đã nộp.', 'Nothing sent yet.')}</p>
        )}
      </section>
      <p>
        <a href="#/tra-cuu">{t('Tra cứu hồ sơ bằng mã', 'Look a dossier up by its code')}</a>
      </p>
      {/* Last, so news that arrives moves nothing above it; the notes' line at the top
          says it is here. */}
      {unread.length > 0 && (
        <div class="card notice" id="thong-bao" role="status">
          {unread.slice(0, 5).map((n) => (
            <p key={n.id}>
              <a href={n.dossier_id ? `#/ho-so/${n.dossier_id}` : '#/'}>{lang.value === 'vi' ? n.vi : n.en}</a> <span class="muted small">{formatTime(n.at)}</span>
            </p>
          ))}
          <button
            type="button"
            class="link"
            onClick={async () => {
              const db = getDb();
              const tx = db.transaction('notices', 'readwrite');
              for (const n of notices.value) if (!n.read) await tx.store.put({ ...n, read: true });
              await tx.done;
              changed();
            }}
          >
            {t('Đã xem', 'Mark as read')}
          </button>
        </div>
      )}
    </div>
  );
}
