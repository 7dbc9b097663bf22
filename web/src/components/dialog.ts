import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal dialog on the native <dialog>: focus moves into it and is kept there, Escape cancels, and the
 * body is a form, so Enter confirms. Focus returns to where it was when it closes.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  onSubmit?: () => void;
  children?: ComponentChildren;
  actions?: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dlg = ref.current!;
    const previous = document.activeElement as HTMLElement | null;
    if (!dlg.open) dlg.showModal();
    // The first field, else the confirming button (so Enter confirms), else any button.
    for (const sel of ['input:not([disabled]), select, textarea', '[autofocus]', 'button.primary', 'button']) {
      const el = dlg.querySelector<HTMLElement>(sel);
      if (el) {
        el.focus();
        break;
      }
    }
    return () => {
      if (dlg.open) dlg.close();
      previous?.focus?.();
    };
  }, []);
  const onCancel = (e: Event) => {
    e.preventDefault();
    props.onClose();
  };
  const onSubmit = (e: Event) => {
    e.preventDefault();
    props.onSubmit?.();
  };
  return html`<dialog ref=${ref} class=${props.wide ? 'dialog wide' : 'dialog'} onCancel=${onCancel} aria-labelledby="dialog-title">
    <form method="dialog" onSubmit=${onSubmit}>
      <h2 id="dialog-title">${props.title}</h2>
      <div class="dialog-body">${props.children}</div>
      <div class="dialog-actions">${props.actions}</div>
    </form>
  </dialog>`;
}

export function ConfirmDialog(props: {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return html`<${Dialog}
    title=${props.title}
    onClose=${props.onCancel}
    onSubmit=${props.onConfirm}
    actions=${html`
      <button type="button" class="btn" onClick=${props.onCancel}>Cancel</button>
      <button type="submit" class=${props.danger ? 'btn primary danger' : 'btn primary'} disabled=${props.busy} autofocus>
        ${props.confirmLabel}
      </button>
    `}
  >
    ${props.children}
  <//>`;
}
