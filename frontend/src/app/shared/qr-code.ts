import { Component, computed, input } from '@angular/core';
import { encode } from 'uqr';

/**
 * qrPath draws the dark modules of a QR code for text as one SVG path (one unit square each), inside a quiet
 * zone of `border` modules; size is the side in modules, quiet zone included.
 */
export function qrPath(text: string, border = 4): { d: string; size: number } {
  const { data } = encode(text, { ecc: 'M', border: 0 });
  const parts: string[] = [];
  data.forEach((row, y) => row.forEach((dark, x) => dark && parts.push(`M${x + border} ${y + border}h1v1h-1z`)));
  return { d: parts.join(''), size: data.length + 2 * border };
}

/** QrCode draws a QR code in the browser (no remote service sees the text: an otpauth:// secret). */
@Component({
  selector: 'app-qr-code',
  template: `
    <svg [attr.viewBox]="'0 0 ' + qr().size + ' ' + qr().size" role="img" [attr.aria-label]="label()"
         shape-rendering="crispEdges" data-testid="qr-code">
      <rect [attr.width]="qr().size" [attr.height]="qr().size" fill="#fff" />
      <path [attr.d]="qr().d" fill="#000" />
    </svg>
  `,
  styles: `:host { display: block; width: min(100%, 14rem); } svg { display: block; width: 100%; height: auto; }`,
})
export class QrCode {
  readonly text = input.required<string>();
  readonly label = input('');
  protected readonly qr = computed(() => qrPath(this.text()));
}
