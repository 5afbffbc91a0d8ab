// Small shared components: status badges, banners, dialogs, a virtualized list.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { HealthStatusCode, OperationPhase, SyncStatusCode } from '../api/types';
import { ApiError } from '../api/http';

const SYNC_ICON: Record<SyncStatusCode, string> = { Synced: '✔', OutOfSync: '↻', Unknown: '?' };
const HEALTH_ICON: Record<HealthStatusCode, string> = { Healthy: '♥', Progressing: '◔', Degraded: '✖', Suspended: '❚❚', Missing: '⌀', Unknown: '?' };

export function SyncBadge({ status, label }: { status: SyncStatusCode | undefined; label?: string }) {
  const s = status ?? 'Unknown';
  return (
    <span className={`badge sync-${s}`} title={`Sync status: ${s}`}>
      <span aria-hidden="true">{SYNC_ICON[s]}</span> {label ?? s}
    </span>
  );
}

export function HealthBadge({ status }: { status: HealthStatusCode | undefined }) {
  const s = status ?? 'Unknown';
  return (
    <span className={`badge health-${s}`} title={`Health: ${s}`}>
      <span aria-hidden="true">{HEALTH_ICON[s]}</span> {s}
    </span>
  );
}

export function PhaseBadge({ phase }: { phase: OperationPhase | undefined }) {
  if (phase === undefined) return null;
  return <span className={`badge phase-${phase}`}>{phase === 'Running' ? <span className="spinner" aria-hidden="true" /> : null}{phase}</span>;
}

export function Banner({ kind, children, onClose }: { kind: 'error' | 'warning' | 'info' | 'success'; children: ReactNode; onClose?: () => void }) {
  return (
    <div className={`banner banner-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <div className="banner-body">{children}</div>
      {onClose === undefined ? null : (
        <button type="button" className="btn-icon" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

/** An error from the API as a banner, with what the user can do about it. */
export function ErrorBanner({ error, onClose }: { error: unknown; onClose?: () => void }) {
  if (error === undefined || error === null) return null;
  let title = 'Something went wrong';
  let message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unexpected error';
  if (error instanceof ApiError) {
    switch (error.kind) {
      case 'network':
        title = 'Server unreachable';
        break;
      case 'unavailable':
        title = 'Server unavailable';
        break;
      case 'forbidden':
        title = 'Permission denied';
        message = `${message}. Ask an administrator for access.`;
        break;
      case 'notFound':
        title = 'Not found';
        break;
      case 'unauthenticated':
        title = 'Session expired';
        break;
      case 'conflict':
        title = 'Conflict';
        break;
      case 'invalid':
        title = 'Invalid request';
        break;
      case 'server':
        title = 'Server error';
        break;
    }
  }
  return (
    <Banner kind="error" {...(onClose === undefined ? {} : { onClose })}>
      <strong>{title}:</strong> {message}
    </Banner>
  );
}

/** A modal dialog on the native <dialog> element (focus trap, Escape to close, inert background). */
export function Dialog({ title, open, onClose, children, wide }: { title: string; open: boolean; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d === null) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={wide === true ? 'dialog dialog-wide' : 'dialog'}
      aria-label={title}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <>
          <header className="dialog-header">
            <h2>{title}</h2>
            <button type="button" className="btn-icon" onClick={onClose} aria-label="Close">
              ×
            </button>
          </header>
          <div className="dialog-body">{children}</div>
        </>
      ) : null}
    </dialog>
  );
}

/**
 * A virtualized vertical list: only the rows in view (plus an overscan) are in the DOM, so thousands
 * of rows scroll smoothly. Rows have a fixed height.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  renderRow,
  overscan = 6,
  className,
  label,
  role,
}: {
  items: readonly T[];
  rowHeight: number;
  renderRow: (item: T, index: number) => ReactNode;
  overscan?: number;
  className?: string;
  label: string;
  role?: string;
}) {
  const [ref, height] = useClientSize<HTMLDivElement>('height', 800);
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i];
    if (item === undefined) continue;
    rows.push(
      <div key={i} className="vrow" style={{ top: i * rowHeight, height: rowHeight }}>
        {renderRow(item, i)}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      className={`vlist ${className ?? ''}`}
      role={role ?? 'region'}
      aria-label={label}
      tabIndex={0}
      onScroll={(e) => {
        setScrollTop(e.currentTarget.scrollTop);
      }}
    >
      <div className="vlist-inner" style={{ height: items.length * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}

/** An element's client width or height, kept up to date as it resizes; `initial` until it is laid out. */
function useClientSize<T extends HTMLElement>(axis: 'width' | 'height', initial: number): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [size, setSize] = useState(initial);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const measure = () => {
      setSize(axis === 'width' ? el.clientWidth : el.clientHeight);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, [axis]);
  return [ref, size];
}

/** Width of an element, kept up to date. */
export function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  return useClientSize<T>('width', 1200);
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-art" aria-hidden="true">
        〰
      </div>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Field({ label, children, hint, id }: { label: string; children: ReactNode; hint?: string; id: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint === undefined ? null : (
        <small className="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

let checkIds = 0;

/** A checkbox or radio with its label, and an optional hint read as its description. */
export function Check({ label, hint, checked, onChange, type = 'checkbox', name }: { label: string; hint?: string; checked: boolean; onChange: (checked: boolean) => void; type?: 'checkbox' | 'radio'; name?: string }) {
  const [id] = useState(() => `check-${++checkIds}`);
  return (
    <div className="check">
      <input
        id={id}
        type={type}
        checked={checked}
        onChange={(e) => {
          onChange(e.target.checked);
        }}
        {...(name === undefined ? {} : { name })}
        {...(hint === undefined ? {} : { 'aria-describedby': `${id}-hint` })}
      />
      <label htmlFor={id}>{label}</label>
      {hint === undefined ? null : (
        <small className="muted" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

/** kawa's mark: two waves (川, "river"). */
export function Logo({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M1 5c3-3 5 3 7 0s4 3 7 0M1 11c3-3 5 3 7 0s4 3 7 0" stroke="currentColor" strokeWidth="2" fill="none" strokeLinecap="round" />
    </svg>
  );
}
