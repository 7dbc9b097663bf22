import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A panel under a button: closes on Escape (focus back to the button) and on a click outside. */
export function Popover(props: {
  open: boolean;
  onClose: () => void;
  button: ComponentChildren;
  children?: ComponentChildren;
  label: string;
  align?: 'left' | 'right';
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!props.open) return;
    const onDown = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) props.onClose();
    };
    document.addEventListener('mousedown', onDown);
    const first = ref.current?.querySelector<HTMLElement>('.popover [autofocus], .popover button, .popover input');
    first?.focus();
    return () => document.removeEventListener('mousedown', onDown);
  }, [props.open]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && props.open) {
      e.stopPropagation();
      props.onClose();
      ref.current?.querySelector<HTMLElement>('.popover-anchor')?.focus();
    }
  };
  return html`<div class="popover-wrap" ref=${ref} onKeyDown=${onKey}>
    ${props.button}
    ${
      props.open &&
      html`<div class=${`popover ${props.align === 'right' ? 'right' : ''}`} role="dialog" aria-label=${props.label}>
      ${props.children}
    </div>`
    }
  </div>`;
}
