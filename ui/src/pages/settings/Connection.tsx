// A repository's or cluster's connection status as a badge: the status, when it was tried, and why on hover.
import type { ConnectionState } from '../../api/types';
import { timeAgo } from '../../state/status';

export function Connection({ state }: { state: ConnectionState | undefined }) {
  const s = state?.status ?? 'Unknown';
  return (
    <span className={`badge conn-${s}`} title={state?.message}>
      {s}
      {state?.attemptedAt === undefined ? '' : ` · ${timeAgo(state.attemptedAt)}`}
    </span>
  );
}
