// The destination clusters with their version, application count and connection status.
import { clusterService } from '../../api/clusters';
import type { Cluster } from '../../api/types';
import { DataTable, type Column } from '../../components/DataTable';
import { EmptyState, ErrorBanner } from '../../components/ui';
import { useLoad } from '../../state/hooks';
import { Connection } from './Connection';

const CLUSTER_COLUMNS: Column<Cluster>[] = [
  { header: 'Name', cell: (c) => c.name },
  { header: 'Server', cell: (c) => c.server },
  { header: 'Version', cell: (c) => c.info?.serverVersion ?? c.serverVersion ?? '' },
  { header: 'Apps', cell: (c) => c.info?.applicationsCount ?? '' },
  { header: 'Connection', cell: (c) => <Connection state={c.info?.connectionState ?? c.connectionState} /> },
];

export function Clusters() {
  const { data, error } = useLoad(() => clusterService.list(), []);
  const items = data?.items ?? [];
  return (
    <>
      <ErrorBanner error={error} />
      {data !== undefined && items.length === 0 ? <EmptyState title="No clusters">The in-cluster destination is always available.</EmptyState> : null}
      {items.length > 0 ? (
        <DataTable caption="Clusters" columns={CLUSTER_COLUMNS} rows={items} rowKey={(c) => c.server} />
      ) : null}
    </>
  );
}
