import { TestBed } from '@angular/core/testing';
import { encode } from 'uqr';
import { QrCode, qrPath } from './qr-code';

describe('QrCode', () => {
  const url = 'otpauth://totp/WorkComm:alice?algorithm=SHA1&digits=6&issuer=WorkComm&period=30&secret=JBSWY3DPEHPK3PXP';

  it('draws one unit square per dark module, inside a quiet zone of 4', () => {
    const { data } = encode(url, { ecc: 'M', border: 0 });
    const dark = data.flat().filter(Boolean).length;
    const { d, size } = qrPath(url);
    expect(size).toBe(data.length + 8);
    expect(d.match(/M/g)?.length).toBe(dark);
    // The top-left finder pattern starts at the corner of the quiet zone.
    expect(d.startsWith('M4 4h1v1h-1z')).toBe(true);
  });

  it('renders an SVG with its label, drawn locally', () => {
    const fixture = TestBed.createComponent(QrCode);
    fixture.componentRef.setInput('text', url);
    fixture.componentRef.setInput('label', 'QR code');
    fixture.detectChanges();
    const svg: SVGElement = fixture.nativeElement.querySelector('svg');
    expect(svg.getAttribute('role')).toBe('img');
    expect(svg.getAttribute('aria-label')).toBe('QR code');
    expect(svg.querySelector('path')?.getAttribute('d')).toBe(qrPath(url).d);
    expect(fixture.nativeElement.innerHTML).not.toContain('http');
    TestBed.resetTestingModule();
  });
});
