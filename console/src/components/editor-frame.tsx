/**
 * The frame of every editor: title, the note for file-managed items, what the last save said, a
 * summary of the mistakes with a button to each field, the form, and Save / Delete.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { get } from '../lib/api';
import type { Editor } from '../lib/editor';
import type { Kind } from '../lib/kinds';
import { fieldId, type FieldErrors } from '../lib/paths';
import { BannerView, Loading, PageTitle } from './common';
import { FormContext } from './fields';

let flowsFile: Promise<string> | undefined;
/** The flows file's name, for the note on file-managed items (asked once). */
function useFlowsFile(): string {
  const [file, setFile] = useState('the flows file');
  useEffect(() => {
    flowsFile ??= get<{ file: string }>('/config/status').then((s) => s.file, () => 'the flows file');
    void flowsFile.then(setFile);
  }, []);
  return file;
}

/** `questions[1].max_digits` -> `Question 2, max digits`: positions counted from 1, as on the page. */
export function describePath(path: string): string {
  if (path === '') return 'The whole item';
  return path
    .replace(/^questions\[(\d+)\]/, (_m, n: string) => `Question ${Number(n) + 1}`)
    .replace(/^webhook\.parameters\[(\d+)\]/, (_m, n: string) => `Webhook parameter ${Number(n) + 1}`)
    .replace(/\[(\d+)\]/g, (_m, n: string) => ` ${Number(n) + 1}`)
    .replace(/\./g, ', ')
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());
}

/** Focuses the field of a path, or of the nearest enclosing path that has one. */
export function focusField(path: string): void {
  let p = path;
  for (;;) {
    const el = document.getElementById(fieldId(p));
    if (el) {
      el.focus();
      el.scrollIntoView({ block: 'center' });
      return;
    }
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return;
    p = p.slice(0, cut);
  }
}

function ErrorSummary({ errors, reveal }: { errors: FieldErrors; reveal: (path: string) => void }) {
  const paths = Object.keys(errors);
  if (paths.length === 0) return null;
  return (
    <section class="error-summary" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">Fix {paths.length === 1 ? 'this' : `these ${paths.length}`} to save</h2>
      <ul>
        {paths.map((p) => (
          <li key={p}>
            <button type="button" class="link" onClick={() => reveal(p)}>
              {describePath(p)}: {errors[p]}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export interface EditorFrameProps<T extends object> {
  kind: Kind;
  editor: Editor<T>;
  title: string;
  /** Switch to the tab that holds a path before its field is focused. */
  reveal?: (path: string) => void;
  /** Links beside Save (e.g. "Test this IVR"). */
  extra?: ComponentChildren;
  children: ComponentChildren;
}

export function EditorFrame<T extends object>(p: EditorFrameProps<T>) {
  const { route } = useLocation();
  const file = useFlowsFile();
  const e = p.editor;
  const readOnly = e.managedBy === 'file';
  const pending = useRef<string | null>(null);

  const reveal = (path: string): void => {
    p.reveal?.(path);
    // After the tab switch renders.
    pending.current = path;
    setTimeout(() => {
      if (pending.current) focusField(pending.current);
      pending.current = null;
    }, 0);
  };

  if (e.status === 'loading') return <Loading what={p.kind.one} />;
  if (e.status === 'missing') {
    return (
      <>
        <PageTitle>{`No such ${p.kind.one}`}</PageTitle>
        <p>
          It may have been deleted. <a href={p.kind.path}>All {p.kind.many}</a>
        </p>
      </>
    );
  }

  const onSubmit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const key = await e.save();
    if (key !== undefined && e.isNew) route(`${p.kind.path}/${encodeURIComponent(key)}`, true);
  };
  const onDelete = async (): Promise<void> => {
    if (!window.confirm(`Delete ${p.title}? New calls will no longer reach it.`)) return;
    if (await e.remove()) route(p.kind.path);
  };

  return (
    <>
      <p class="crumbs">
        <a href={p.kind.path}>{p.kind.many}</a>
      </p>
      <PageTitle>{p.title}</PageTitle>
      {readOnly ? (
        <p class="note file-managed" id="file-managed-note">
          Defined in <code>{file}</code>; edit the file, then reload hookline (<code>kill -HUP</code>) or restart it. Shown here read-only.
        </p>
      ) : null}
      <BannerView banner={e.banner} onReload={e.reload} />
      <ErrorSummary errors={e.errors} reveal={reveal} />
      <FormContext.Provider value={{ errors: e.errors, readOnly }}>
        <form class="editor" onSubmit={onSubmit} noValidate aria-describedby={readOnly ? 'file-managed-note' : undefined}>
          {p.children}
          <div class="actions">
            {readOnly ? null : (
              <button type="submit" class="primary" disabled={e.busy}>
                {e.busy ? 'Saving…' : e.isNew ? `Create ${p.kind.one}` : 'Save'}
              </button>
            )}
            {p.extra}
            {readOnly || e.isNew ? null : (
              <button type="button" class="danger" disabled={e.busy} onClick={onDelete}>
                Delete
              </button>
            )}
          </div>
        </form>
      </FormContext.Provider>
    </>
  );
}
