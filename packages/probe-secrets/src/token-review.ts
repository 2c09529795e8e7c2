import { defaultRedactor } from '@isoproof/core';
import type { KubeHandle } from '@isoproof/kube';
import { rawRequest } from '@isoproof/kube';
import { statusReason } from './api';
import type { TokenReviewResult } from './checks';

/** TokenReview of one token as the admin handle. The token goes only into the request body. */
export async function reviewToken(admin: KubeHandle, token: string): Promise<TokenReviewResult> {
  defaultRedactor.register(token);
  try {
    const res = await rawRequest(admin, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      timeoutMs: 20_000,
    });
    if (res.status !== 201 && res.status !== 200) return { authenticated: false, status: res.status, error: `TokenReview answered HTTP ${res.status} ${statusReason(res.body) ?? ''}`.trim() };
    const st = (res.body as { status?: { authenticated?: boolean; user?: { username?: string }; error?: string } }).status ?? {};
    const out: TokenReviewResult = { authenticated: st.authenticated === true };
    if (st.user?.username) out.username = st.user.username;
    if (st.error) out.reason = st.error;
    return out;
  } catch (e) {
    return { authenticated: false, error: e instanceof Error ? e.message : String(e) };
  }
}
