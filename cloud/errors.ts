import { LogflowError } from '../core/errors.ts';

/**
 * Google Cloud errors as one line a user can act on. Both transports are understood: gRPC /
 * google-gax errors (numeric `code`, `details`, `reason`) and HTTP JSON errors (`code` 403,
 * `errors[].reason`). Expected kinds: no credentials, project missing, permission denied (which
 * role on what), API not enabled.
 */

export type CloudErrorKind = 'credentials' | 'api-disabled' | 'permission' | 'not-found' | 'already-exists' | 'other';

interface RawError {
  code?: number | string;
  message?: string;
  details?: string;
  reason?: string;
  errors?: Array<{ message?: string; reason?: string }>;
  response?: {
    status?: number;
    data?: { error?: { code?: number; message?: string; status?: string; details?: Array<{ reason?: string }> } };
  };
}

function text(error: unknown): string {
  const e = error as RawError;
  return e.response?.data?.error?.message ?? e.errors?.[0]?.message ?? e.details ?? e.message ?? String(error);
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').replace(/^\d+ [A-Z_]+: /, '').trim();
}

/** HTTP status or gRPC code, normalised to the gRPC code. */
function grpcCode(error: unknown): number | undefined {
  const e = error as RawError;
  const http = e.response?.status ?? (typeof e.code === 'number' && e.code >= 100 ? e.code : undefined);
  if (http !== undefined) return ({ 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 412: 9, 429: 8 } as Record<number, number>)[http] ?? 2;
  return typeof e.code === 'number' ? e.code : undefined;
}

export function classify(error: unknown): CloudErrorKind {
  const e = error as RawError;
  const message = text(error);
  const reasons = [
    e.reason,
    ...(e.errors ?? []).map((x) => x.reason),
    ...(e.response?.data?.error?.details ?? []).map((d) => d.reason),
  ].filter(Boolean);
  if (
    reasons.includes('SERVICE_DISABLED') ||
    reasons.includes('accessNotConfigured') ||
    /has not been used in project|it is disabled|API is not enabled/i.test(message)
  )
    return 'api-disabled';
  if (/default credentials|could not refresh access token|invalid_grant|GOOGLE_APPLICATION_CREDENTIALS/i.test(message))
    return 'credentials';
  const code = grpcCode(error);
  if (code === 16) return 'credentials';
  if (code === 7) return 'permission';
  if (code === 5) return 'not-found';
  if (code === 6) return 'already-exists';
  return 'other';
}

/** The API a "not enabled" message names (e.g. dataform.googleapis.com), if any. */
function disabledApi(message: string): string | undefined {
  return /([a-z0-9-]+\.googleapis\.com)/.exec(message)?.[1];
}

export const AUTH_HINT =
  'run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file) and retry';

export function credentialsError(error: unknown): LogflowError {
  const message = text(error);
  if (/GOOGLE_APPLICATION_CREDENTIALS/.test(message)) {
    const file = /The file at (\S+) /.exec(message)?.[1];
    return new LogflowError(
      `GOOGLE_APPLICATION_CREDENTIALS does not point at a readable credential file${file ? ` (${file})` : ''}; fix or unset it, or run \`gcloud auth application-default login\``,
    );
  }
  return new LogflowError(`no usable Google Cloud credentials (${firstLine(message)}): ${AUTH_HINT}`);
}

/**
 * One line for a failed call. `action` says what was done ("creating dataset p.logflow"),
 * `role` the predefined role that allows it and `on` where it must be granted.
 */
export function cloudError(error: unknown, project: string, action: string, role: string, on: string): LogflowError {
  if (error instanceof LogflowError) return error;
  const message = text(error);
  if (/on resource project \S+ \(or it may not exist\)|Project '?[^ ']+'? not found/i.test(message) && classify(error) !== 'api-disabled') {
    return new LogflowError(
      `project ${project} does not exist or the account cannot see it (needs roles/browser on it); check --project and \`gcloud projects list\``,
    );
  }
  switch (classify(error)) {
    case 'api-disabled': {
      const api = disabledApi(message) ?? 'the API';
      return new LogflowError(
        `${action}: ${api} is not enabled in project ${project}; run \`gcloud services enable ${api} --project=${project}\` (logflow setup enables it when the account may) and retry in a minute`,
      );
    }
    case 'credentials':
      return credentialsError(error);
    case 'permission':
      return new LogflowError(`${action}: PERMISSION_DENIED; the account needs ${role} on ${on} (${firstLine(message)})`);
    case 'not-found':
      return new LogflowError(`${action}: not found (${firstLine(message)})`);
    default:
      return new LogflowError(`${action} failed: ${firstLine(message)}`);
  }
}

export function isNotFound(error: unknown): boolean {
  return classify(error) === 'not-found';
}
