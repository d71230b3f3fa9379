import { Injectable, signal } from '@angular/core';

/** One toast on screen. */
export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'error';
  text: string;
}

/** How long a toast stays, in ms: long enough to read two lines. */
const TOAST_LIFETIME_MS = 6000;

/** ToastService keeps the list of toasts shown by the ToasterComponent. */
@Injectable({ providedIn: 'root' })
export class ToastService {
  private nextId = 1;
  private readonly state = signal<Toast[]>([]);
  /** Toasts currently shown, oldest first. */
  readonly toasts = this.state.asReadonly();

  show(text: string, kind: Toast['kind'] = 'info'): void {
    // The same error twice in a row (e.g. several failing calls) is shown once.
    if (this.state().some((t) => t.text === text && t.kind === kind)) return;
    const id = this.nextId++;
    this.state.update((list) => [...list, { id, kind, text }]);
    setTimeout(() => this.dismiss(id), TOAST_LIFETIME_MS);
  }

  error(text: string): void {
    this.show(text, 'error');
  }

  success(text: string): void {
    this.show(text, 'success');
  }

  dismiss(id: number): void {
    this.state.update((list) => list.filter((t) => t.id !== id));
  }
}
