// "Sau khôi phục dữ liệu": after the server was restored from a backup, the window
// that may have been lost and the dossiers whose phones saw more than the server
// holds, each with what to redo. For agency administrators (their commune) and
// administrators (every commune); the server refuses everyone else.

import { useEffect, useState } from 'preact/hooks';
import { displayCode } from '../../codes';
import type { DeviceRecord } from '../../db';
import { fetchRecovery, type PutBackEntry, type RecoveryList } from '../../desk/api';
import { causeText, detailLines, momentText, noteText, onServer, RECOVERY_ROLES, windowText } from '../../desk/recovery';
import { lang, t } from '../../i18n';
import { DeskTabs, ProblemBox, StatePill } from './common';

const PAGE = 100;

function StateCell({ state, label, version }: { state: number | null; label: PutBackEntry['phone_state_label']; version: number | null }) {
  if (state === null) return <span class="muted">{t('Không có', 'None')}</span>;
  return (
    <>
      <StatePill state={state} label={label ?? undefined} />
      {version !== null && <span class="muted small version">{t(`phiên bản ${version}`, `version ${version}`)}</span>}
    </>
  );
}

/** Column names, also shown before each cell where the table folds into cards (narrow screens). */
function columns() {
  return {
    code: t('Hồ sơ', 'Dossier'),
    phone: t('Điện thoại đã thấy', 'The phone saw'),
    server: t('Máy chủ đang có', 'The server has'),
    todo: t('Cần làm', 'What to do'),
  };
}

function Row({ entry }: { entry: PutBackEntry }) {
  const code = entry.code ? displayCode(entry.code) : t('(chưa có mã)', '(no code)');
  const details = detailLines(entry.detail);
  const c = columns();
  return (
    <tr data-testid="recovery-row" data-note={entry.note}>
      <td data-label={c.code}>
        <span class="code-inline">{onServer(entry) ? <a href={`#/mot-cua/ho-so/${entry.dossier_id}`}>{code}</a> : code}</span>
        <span class="muted small when">
          {entry.device_name
            ? t(`Gửi lại lúc ${momentText(entry.at)} từ “${entry.device_name}”`, `Sent back ${momentText(entry.at)} from “${entry.device_name}”`)
            : t(`Gửi lại lúc ${momentText(entry.at)}`, `Sent back ${momentText(entry.at)}`)}
        </span>
      </td>
      <td data-label={c.phone}>
        <StateCell state={entry.phone_state} label={entry.phone_state_label} version={entry.phone_version} />
      </td>
      <td data-label={c.server}>
        <StateCell state={entry.server_state} label={entry.server_state_label} version={entry.server_version} />
      </td>
      <td data-label={c.todo} class="todo">
        {noteText(entry, lang.value)}
        {details.length > 0 && (
          <ul class="small">
            {details.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

export function RecoveryScreen({ dev }: { dev: DeviceRecord }) {
  const [answer, setAnswer] = useState<RecoveryList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [offset, setOffset] = useState(0);

  useEffect(() => {
    if (!RECOVERY_ROLES.includes(dev.role)) return;
    setError(null);
    fetchRecovery(dev, offset, PAGE)
      .then(setAnswer)
      .catch((e) => setError(e));
  }, [offset, dev.device_id]);

  if (!RECOVERY_ROLES.includes(dev.role)) {
    return (
      <div class="desk">
        <DeskTabs current="recovery" />
        <p class="card warn" data-testid="recovery-not-allowed">
          {t('Trang này dành cho quản trị viên của cơ quan.', "This page is for the agency's administrators.")}
        </p>
      </div>
    );
  }
  const shownTo = answer ? offset + answer.put_backs.length : 0;
  return (
    <div class="desk desk-recovery">
      <DeskTabs current="recovery" />
      <h1>{t('Sau khôi phục dữ liệu', 'After a restore')}</h1>
      {error != null && <ProblemBox error={error} />}
      {answer && (
        <>
          <section class="card" data-testid="recovery-windows">
            {answer.generations.length === 0 ? (
              <p>{t('Máy chủ chưa từng được khôi phục từ bản sao lưu.', 'The server has never been restored from a backup.')}</p>
            ) : (
              <ul class="list">
                {answer.generations.map((g) => (
                  <li key={g.generation}>
                    <strong>{windowText(g, lang.value)}</strong>
                    <br />
                    <span class="muted small">
                      {causeText(g.cause, lang.value)} · {t(`khôi phục lúc ${momentText(g.started_at)}`, `restored at ${momentText(g.started_at)}`)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <p class="muted small">
              {t(
                'Thư điện tử và tin nhắn SMS xếp hàng sau bản sao lưu đã mất cùng dữ liệu; những tin chưa gửi lúc sao lưu có thể được gửi lại một lần.',
                'Emails and SMS queued after the backup were lost with the data; those not yet sent at the backup may be sent once more.',
              )}
            </p>
          </section>
          <section class="card">
            <h2>{t('Hồ sơ cần làm lại', 'Dossiers to redo')}</h2>
            {answer.total === 0 ? (
              <p data-testid="recovery-none">{t('Không có hồ sơ nào cần làm lại.', 'No dossier needs redoing.')}</p>
            ) : (
              <>
                <p class="muted small">{t(`${offset + 1}–${shownTo} trong ${answer.total} hồ sơ, mới nhất trước`, `${offset + 1}–${shownTo} of ${answer.total}, newest first`)}</p>
                <div class="compare-wrap">
                  <table class="compare recovery-table">
                    <thead>
                      <tr>
                        {Object.values(columns()).map((name) => (
                          <th key={name}>{name}</th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {answer.put_backs.map((entry) => (
                        <Row key={entry.id} entry={entry} />
                      ))}
                    </tbody>
                  </table>
                </div>
                {(offset > 0 || shownTo < answer.total) && (
                  <div class="actions">
                    <button type="button" class="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                      {t('‹ Trang trước', '‹ Previous')}
                    </button>
                    <button type="button" class="secondary" disabled={shownTo >= answer.total} onClick={() => setOffset(offset + PAGE)}>
                      {t('Trang sau ›', 'Next ›')}
                    </button>
                  </div>
                )}
              </>
            )}
          </section>
        </>
      )}
    </div>
  );
}
