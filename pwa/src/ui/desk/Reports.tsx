// Reports for the commune: counts by procedure, state, commune and month, on time
// against late, average processing time and ratings, with a CSV export.

import { useEffect, useState } from 'preact/hooks';
import { catalog, communes } from '../../app';
import type { DeviceRecord } from '../../db';
import { fetchReport, reportQuery, type Count, type Report } from '../../desk/api';
import { fillMonths, monthLabel, rangeFromQuery, timeliness } from '../../desk/chart';
import { vnToday } from '../../formModel';
import { lang, t, tx } from '../../i18n';
import { navigate, route } from '../../router';
import { stateLabel } from '../../states';
import { BarChart, TimelinessBar } from './BarChart';
import { DeskTabs, ProblemBox } from './common';

function hoursText(hours: number | null): string {
  if (hours === null) return '—';
  if (hours < 48) return t(`${hours.toFixed(1)} giờ`, `${hours.toFixed(1)} hours`);
  const days = hours / 24;
  return t(`${days.toFixed(1)} ngày (${Math.round(hours)} giờ)`, `${days.toFixed(1)} days (${Math.round(hours)} hours)`);
}

function CountTable({ title, rows, name }: { title: string; rows: Count[]; name: (key: string) => string }) {
  return (
    <section class="card">
      <h2>{title}</h2>
      {rows.length ? (
        <table class="counts">
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th>{name(r.key)}</th>
                <td>{r.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">—</p>
      )}
    </section>
  );
}

export function ReportsScreen({ dev }: { dev: DeviceRecord }) {
  const range = rangeFromQuery(route.value.query, vnToday());
  const [since, setSince] = useState(range.since);
  const [until, setUntil] = useState(range.until);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setSince(range.since);
    setUntil(range.until);
    setError(null);
    fetchReport(dev, range)
      .then(setReport)
      .catch((e) => setError(e));
  }, [range.since, range.until, dev.device_id]);

  const procedureName = (code: string) => tx(catalog.value?.procedures.find((p) => p.code === code)?.name) || code;
  const share = report ? timeliness(report.on_time, report.late) : null;
  return (
    <div class="desk desk-reports">
      <DeskTabs current="reports" />
      <h1>{t('Báo cáo', 'Reports')}</h1>
      <form
        class="card row"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/mot-cua/bao-cao?${reportQuery({ since, until })}`);
        }}
      >
        <label>
          {t('Từ ngày', 'From')}
          <input id="report-since" type="date" value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('Đến ngày', 'To')}
          <input id="report-until" type="date" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">
          {t('Xem', 'Show')}
        </button>
        <a class="button secondary" href={`/api/desk/reports.csv?${reportQuery(range)}`} download data-testid="desk-csv">
          {t('Tải CSV', 'Download CSV')}
        </a>
      </form>
      {error != null && <ProblemBox error={error} />}
      {report && (
        <div data-testid="desk-report">
          <section class="card summary">
            <dl>
              <div>
                <dt>{t('Tổng số hồ sơ', 'Dossiers')}</dt>
                <dd data-testid="report-total">{report.total}</dd>
              </div>
              <div>
                <dt>{t('Đúng hạn / trễ hạn', 'On time / late')}</dt>
                <dd data-testid="report-timeliness">
                  {report.on_time} / {report.late}
                </dd>
              </div>
              <div>
                <dt>{t('Thời gian xử lý trung bình', 'Average processing time')}</dt>
                <dd>{hoursText(report.average_processing_hours)}</dd>
              </div>
              <div>
                <dt>{t('Đánh giá', 'Ratings')}</dt>
                <dd>{report.ratings ? `${report.average_rating?.toFixed(1)} ★ (${report.ratings})` : '—'}</dd>
              </div>
            </dl>
            {share && (
              <TimelinessBar
                onTime={report.on_time}
                late={report.late}
                label={(a, b) => t(`Đúng hạn ${a}% · trễ hạn ${b}%`, `On time ${a}% · late ${b}%`)}
              />
            )}
          </section>
          <section class="card">
            <BarChart
              testid="chart-by-month"
              title={t('Số hồ sơ theo tháng nộp', 'Dossiers by month submitted')}
              items={fillMonths(report.by_month, report.since, report.until).map((c) => ({ key: c.key, label: monthLabel(c.key), value: c.count }))}
            />
          </section>
          <section class="card">
            <BarChart
              testid="chart-by-procedure"
              title={t('Số hồ sơ theo thủ tục', 'Dossiers by procedure')}
              items={report.by_procedure.map((c) => ({ key: c.key, label: procedureName(c.key), value: c.count }))}
            />
          </section>
          <div class="report-tables">
            <CountTable title={t('Theo thủ tục', 'By procedure')} rows={report.by_procedure} name={procedureName} />
            <CountTable title={t('Theo trạng thái', 'By state')} rows={report.by_state} name={(k) => stateLabel(Number(k), lang.value)} />
            <CountTable title={t('Theo xã/phường', 'By commune')} rows={report.by_commune} name={(k) => communes.value?.byCode.get(k)?.label ?? k} />
            <CountTable title={t('Theo tháng', 'By month')} rows={report.by_month} name={monthLabel} />
          </div>
        </div>
      )}
    </div>
  );
}
