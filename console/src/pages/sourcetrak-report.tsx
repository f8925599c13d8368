/** Calls matched to website visits (SourceTrak), by source, campaign, keyword and landing page. */
import { useState } from 'preact/hooks';
import { ErrorText, Loading, PageTitle } from '../components/common';
import { SelectField } from '../components/fields';
import { ListTable } from '../components/list';
import type { SourcetrakReportView } from '../../../src/admin/view-types';
import { useGet } from '../lib/use-get';

const WINDOWS = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
];

function Table({ caption, rows, none }: { caption: string; rows: SourcetrakReportView['by_source']; none: string }) {
  return (
    <ListTable caption={caption} columns={[caption, 'Calls']}>
      {rows.length === 0 ? (
        <tr>
          <td colSpan={2}>No calls.</td>
        </tr>
      ) : (
        rows.map((r) => (
          <tr key={r.value ?? ''}>
            <th scope="row">{r.value ?? <em>{none}</em>}</th>
            <td>{r.calls}</td>
          </tr>
        ))
      )}
    </ListTable>
  );
}

export function SourcetrakReportPage() {
  const [days, setDays] = useState('30');
  // The window is computed on the server from `since`; rounding to the hour keeps the URL steady between renders.
  const since = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - Number(days) * 86_400_000).toISOString();
  const { data, error } = useGet<SourcetrakReportView>(`/sourcetrak/report?since=${encodeURIComponent(since)}`);
  return (
    <>
      <PageTitle>Calls by source</PageTitle>
      <p>
        Calls to SourceTrak pool numbers, counted by what the visitor's visit said. Pools: <a href="/sourcetrak-pools">SourceTrak pools</a>.
      </p>
      <SelectField path="window" label="Period" value={days} choices={WINDOWS} onValue={setDays} />
      {error ? <ErrorText>{error}</ErrorText> : null}
      {!data && !error ? <Loading what="the report" /> : null}
      {data ? (
        <div class="report">
          <Table caption="Source" rows={data.by_source} none="direct, or no visit" />
          <Table caption="Campaign" rows={data.by_campaign} none="none" />
          <Table caption="Keyword" rows={data.by_keyword} none="none" />
          <Table caption="Landing page" rows={data.by_landing_page} none="no visit" />
        </div>
      ) : null}
    </>
  );
}
