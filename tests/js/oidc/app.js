// A browser app on its own origin that signs in through Gatehouse with oidc-client-ts.
// Each button runs one UserManager call; its outcome is written to #result (or #error) as
// JSON, and #state says which step finished, so the test reads everything from the page.
import { UserManager } from "oidc-client-ts";

const config = window.GATEHOUSE_TEST;
const here = `${window.location.origin}/oidc/`;

// The README's settings for oidc-client-ts ("Pointing an app at Gatehouse"), key for key
// (test_oidc_client_ts.py checks that the two name the same settings).
const manager = new UserManager({
  authority: config.gatehouse,
  metadataUrl: `${config.gatehouse}/.well-known/openid-configuration`,
  client_id: config.clientId,
  redirect_uri: here,
  post_logout_redirect_uri: `${here}?signed-out`,
  silent_redirect_uri: `${here}?silent`,
  response_type: "code",
  scope: "openid email profile",
  revokeTokenTypes: ["refresh_token"],
});

function show(state, result) {
  document.getElementById("result").textContent = JSON.stringify(result ?? null, null, 2);
  document.getElementById("state").textContent = state;
}

function fail(step, error) {
  document.getElementById("error").textContent = JSON.stringify({
    step,
    name: error?.name,
    error: error?.error, // an OAuth2 error response's code (login_required, say)
    message: error?.message,
  });
  document.getElementById("state").textContent = `${step}-failed`;
}

function describe(user) {
  return {
    email: user.profile.email,
    sub: user.profile.sub,
    scope: user.scope,
    expired: user.expired,
    idTokenIat: user.profile.iat,
    accessToken: user.access_token,
    refreshToken: user.refresh_token,
    idToken: user.id_token,
  };
}

function step(id, name, run) {
  document.getElementById(id).addEventListener("click", async () => {
    document.getElementById("state").textContent = `${name}-running`;
    try {
      show(name, await run());
    } catch (error) {
      fail(name, error);
    }
  });
}

step("sign-in", "sign-in", () => manager.signinRedirect());
// With a refresh token in the stored user, signinSilent uses the refresh_token grant.
step("refresh", "refresh", async () => describe(await manager.signinSilent()));
// Without a stored user (so no refresh token), signinSilent renews in a hidden iframe with
// prompt=none, answered by Gatehouse's session alone.
step("silent", "silent", async () => {
  await manager.removeUser();
  return describe(await manager.signinSilent());
});
step("revoke", "revoke", async () => {
  await manager.revokeTokens();
  return { revoked: true };
});
// The state to carry through sign-out is typed into #signout-state, so the test chooses it.
step("sign-out", "sign-out", () =>
  manager.signoutRedirect({ state: document.getElementById("signout-state").value }),
);

const params = new URLSearchParams(window.location.search);
if (params.has("silent")) {
  // Inside the hidden iframe: hand the answer to the page that asked.
  manager.signinSilentCallback().catch((error) => fail("silent-callback", error));
} else if (params.has("code") || params.has("error")) {
  manager.signinRedirectCallback().then(
    (user) => show("signed-in", describe(user)),
    (error) => fail("callback", error),
  );
} else if (params.has("signed-out")) {
  manager.signoutRedirectCallback().then(
    (response) => show("signed-out", { state: response.userState ?? null }),
    (error) => fail("sign-out-callback", error),
  );
} else {
  manager.getUser().then(
    (user) => show(user ? "signed-in" : "anonymous", user ? describe(user) : null),
    (error) => fail("load", error),
  );
}
