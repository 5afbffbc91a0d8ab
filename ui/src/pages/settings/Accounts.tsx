// The local accounts: enabled, capabilities, token count.
import { accountService } from '../../api/accounts';
import type { Account } from '../../api/types';
import { DataTable, type Column } from '../../components/DataTable';
import { ErrorBanner } from '../../components/ui';
import { useLoad } from '../../state/hooks';

const ACCOUNT_COLUMNS: Column<Account>[] = [
  { header: 'Name', cell: (a) => a.name },
  { header: 'Enabled', cell: (a) => (a.enabled === false ? 'no' : 'yes') },
  { header: 'Capabilities', cell: (a) => (a.capabilities ?? []).join(', ') },
  { header: 'Tokens', cell: (a) => (a.tokens ?? []).length },
];

export function Accounts() {
  const { data, error } = useLoad(() => accountService.list(), []);
  const items = data?.items ?? [];
  return (
    <>
      <ErrorBanner error={error} />
      {items.length > 0 ? (
        <DataTable caption="Accounts" columns={ACCOUNT_COLUMNS} rows={items} rowKey={(a) => a.name} />
      ) : null}
    </>
  );
}
