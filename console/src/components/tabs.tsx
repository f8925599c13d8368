/**
 * Tabs as the WAI-ARIA Authoring Practices describe them: one tab stop for the tab list, arrow keys
 * (and Home/End) move between tabs and select them, each panel is labelled by its tab.
 */
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabDef {
  id: string;
  label: ComponentChildren;
}

export function Tabs(p: { label: string; tabs: TabDef[]; selected: string; onSelect(id: string): void; children: ComponentChildren; idPrefix?: string }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const prefix = p.idPrefix ?? 'tab';
  const onKey = (e: KeyboardEvent): void => {
    const i = p.tabs.findIndex((t) => t.id === p.selected);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % p.tabs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + p.tabs.length) % p.tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = p.tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const id = p.tabs[next]?.id;
    if (id === undefined) return;
    p.onSelect(id);
    refs.current[id]?.focus();
  };
  return (
    <div class="tabs">
      <div role="tablist" aria-label={p.label}>
        {p.tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`${prefix}-${t.id}`}
            aria-selected={t.id === p.selected}
            aria-controls={`${prefix}-${t.id}-panel`}
            tabIndex={t.id === p.selected ? 0 : -1}
            onClick={() => p.onSelect(t.id)}
            onKeyDown={onKey}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${prefix}-${p.selected}-panel`} aria-labelledby={`${prefix}-${p.selected}`} class="tabpanel">
        {p.children}
      </div>
    </div>
  );
}
