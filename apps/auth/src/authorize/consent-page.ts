import { escapeHtml, page } from '../common/html';
import { isLoopbackHost } from '../clients/address-policy';
import type { PendingAuthorization } from './pending-authorization';

/** The consent page: who is asking, where the answer goes, what the client will be able to do. */
export function renderConsentPage(p: {
  request: PendingAuthorization;
  handle: string;
  csrf: string;
  userLabel: string;
}): string {
  const r = p.request;
  const redirect = new URL(r.redirectUri);
  const where =
    redirect.protocol === 'http:' && isLoopbackHost(redirect.hostname)
      ? 'an app on this computer (a local address)'
      : redirect.protocol === 'https:'
        ? escapeHtml(redirect.host)
        : `the app that handles <code>${escapeHtml(redirect.protocol)}</code> links`;
  const identity =
    r.registration === 'cimd'
      ? `Published by <strong>${escapeHtml(new URL(r.clientId).hostname)}</strong> (client metadata at <code>${escapeHtml(r.clientId)}</code>).`
      : 'This client registered itself; its name is self-declared and not verified.';
  const warn =
    r.registration === 'cimd' && redirect.protocol === 'http:'
      ? `<p class="warn">The answer goes to a local address on your computer. Continue only if you started this sign-in from <strong>${escapeHtml(r.clientName)}</strong> just now.</p>`
      : '';
  return page(
    `Allow ${r.clientName}?`,
    `<h1 id="consent-title">Allow <span id="client-name">${escapeHtml(r.clientName)}</span> to use Portcullis as you?</h1>
<p class="muted">Signed in as <strong id="signed-in-user">${escapeHtml(p.userLabel)}</strong>.</p>
<p>${identity}</p>
${warn}
<p>If you allow it, <strong>${escapeHtml(r.clientName)}</strong> will be able to:</p>
<ul>
  <li>call the MCP tools your administrators have made available to you, through the Portcullis gateway at <code>${escapeHtml(r.resource)}</code>, acting as you;</li>
  <li>stay signed in (refreshing its access) until you or an administrator revoke it.</li>
</ul>
<p class="muted">It never receives your passwords or the credentials Portcullis holds for upstream services. Requested scope: <code id="scope">${escapeHtml(r.scope)}</code>. After you answer you return to ${where}.</p>
<form method="post" action="/oauth/consent" id="consent-form">
  <input type="hidden" name="request" value="${escapeHtml(p.handle)}">
  <input type="hidden" name="csrf" value="${escapeHtml(p.csrf)}">
  <button class="primary" type="submit" name="decision" value="approve" id="approve">Allow</button>
  <button class="secondary" type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>`,
  );
}
