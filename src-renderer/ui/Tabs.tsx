import { useRef, type KeyboardEvent, type ReactNode } from 'react';
import { classNames } from '../common/class-names.js';

export interface TabItem<T extends string> {
  id: T;
  label: ReactNode;
}

interface TabsProps<T extends string> {
  /** Names the tab list for assistive technology. */
  label: string;
  /** Prefix of the tab and panel element ids, unique in the page. */
  idPrefix: string;
  items: readonly TabItem<T>[];
  selected: T;
  onSelect(id: NoInfer<T>): void;
  className?: string;
}

const tabId = (idPrefix: string, id: string) => `${idPrefix}-tab-${id}`;
const panelId = (idPrefix: string, id: string) => `${idPrefix}-panel-${id}`;

const STEP_BY_KEY: Record<string, number> = {
  ArrowRight: 1,
  ArrowDown: 1,
  ArrowLeft: -1,
  ArrowUp: -1,
};

/** WAI-ARIA tabs with automatic activation: arrows, Home and End move and select. */
export function Tabs<T extends string>({
  label,
  idPrefix,
  items,
  selected,
  onSelect,
  className,
}: TabsProps<T>) {
  const listRef = useRef<HTMLDivElement>(null);

  const selectAt = (index: number) => {
    const item = items[(index + items.length) % items.length];
    if (!item) return;
    onSelect(item.id);
    listRef.current
      ?.querySelector<HTMLElement>(`#${CSS.escape(tabId(idPrefix, item.id))}`)
      ?.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const current = items.findIndex((item) => item.id === selected);
    const step = STEP_BY_KEY[event.key];
    const target =
      step !== undefined
        ? current + step
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? -1
            : undefined;
    if (target === undefined) return;
    event.preventDefault();
    selectAt(target);
  };

  return (
    <div
      ref={listRef}
      role="tablist"
      aria-label={label}
      className={classNames('tabs', className)}
      onKeyDown={onKeyDown}
    >
      {items.map((item) => {
        const isSelected = item.id === selected;
        return (
          <button
            key={item.id}
            type="button"
            role="tab"
            id={tabId(idPrefix, item.id)}
            aria-selected={isSelected}
            aria-controls={panelId(idPrefix, item.id)}
            tabIndex={isSelected ? 0 : -1}
            className="tab"
            onClick={() => onSelect(item.id)}
          >
            {item.label}
          </button>
        );
      })}
    </div>
  );
}

export function TabPanel({
  idPrefix,
  id,
  children,
}: {
  idPrefix: string;
  id: string;
  children: ReactNode;
}) {
  return (
    <div
      role="tabpanel"
      id={panelId(idPrefix, id)}
      aria-labelledby={tabId(idPrefix, id)}
      className="tab-panel"
    >
      {children}
    </div>
  );
}
