/** Prefix of every REST path; the apiBaseUrl interceptor puts the configured origin in front of it. */
export const API = '/api/v1';

/** Reads the contract's `{error:{code,message,fields}}` out of anything an HttpClient call may throw. */
export function apiError(err: unknown): { status: number; code: string; message: string; fields: Record<string, string> } {
  const e = err as { status?: number; error?: { error?: { code?: string; message?: string; fields?: Record<string, string> } } };
  const body = e?.error?.error;
  return {
    status: e?.status ?? 0,
    code: body?.code ?? (e?.status === 0 ? 'network' : 'internal'),
    message: body?.message ?? '',
    fields: body?.fields ?? {},
  };
}
