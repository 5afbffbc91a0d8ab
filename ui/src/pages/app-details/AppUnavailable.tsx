// The page when the application could not be loaded: the error, and a way back when it does not exist
// or may not be seen.
import { ApiError } from '../../api/http';
import { EmptyState, ErrorBanner } from '../../components/ui';
import { Link } from '../../router';

export function AppUnavailable({ name, appNamespace, error }: { name: string; appNamespace: string | undefined; error: unknown }) {
  return (
    <main id="main" className="page">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/applications">Applications</Link> / {name}
      </nav>
      <ErrorBanner error={error} />
      {error instanceof ApiError && (error.kind === 'notFound' || error.kind === 'forbidden') ? (
        <EmptyState title={`Application ${appNamespace === undefined ? '' : `${appNamespace}/`}${name} is not available`}>
          <Link to="/applications">Back to the applications</Link>
        </EmptyState>
      ) : null}
    </main>
  );
}
