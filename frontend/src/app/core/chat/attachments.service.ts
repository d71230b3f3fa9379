import { HttpClient, HttpContext, HttpEvent, HttpEventType } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, filter, map } from 'rxjs';
import { environment } from '../../../environments/environment';
import { API } from '../api/api-paths';
import { Attachment } from '../api/models';
import { SKIP_ERROR_TOAST } from '../http/http-context';

/** What an upload in flight reports: its progress (0 to 1), then the stored file. */
export type UploadProgress = { done: false; progress: number } | { done: true; attachment: Attachment };

/** AttachmentsService uploads files (POST /attachments, multipart, with progress; unsubscribe to cancel). */
@Injectable({ providedIn: 'root' })
export class AttachmentsService {
  private readonly http = inject(HttpClient);

  upload(file: File): Observable<UploadProgress> {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.http
      .post<Attachment>(`${API}/attachments`, form, {
        observe: 'events',
        reportProgress: true,
        // The composer shows the outcome on the file itself.
        context: new HttpContext().set(SKIP_ERROR_TOAST, true),
      })
      .pipe(
        filter((e: HttpEvent<Attachment>) => e.type === HttpEventType.UploadProgress || e.type === HttpEventType.Response),
        map((e): UploadProgress => {
          if (e.type === HttpEventType.Response) return { done: true, attachment: e.body as Attachment };
          const p = e as { loaded: number; total?: number };
          return { done: false, progress: p.total ? p.loaded / p.total : 0 };
        }),
      );
  }
}

/** fileUrl is a signed file link as the browser loads it (an <img>, a download): on the API's origin. */
export function fileUrl(link: string): string {
  const base = environment.apiBaseUrl.replace(/\/$/, '');
  return base && link.startsWith('/api/') ? base + link : link;
}

/** fileSize is a byte count for people: 512 B, 3.4 KB, 12 MB. */
export function fileSize(bytes: number, lang: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  const digits = u === 0 || n >= 10 ? 0 : 1;
  return `${n.toLocaleString(lang, { maximumFractionDigits: digits })} ${units[u]}`;
}
