// A browser app on its own origin that signs in through Gatehouse with AWS Amplify JS v6.
// Each button runs one Amplify call; its outcome is written to #result (or #error) as JSON,
// and #state says which step finished, so the test reads everything from the page.
import { Amplify } from "aws-amplify";
import {
  fetchAuthSession,
  fetchUserAttributes,
  getCurrentUser,
  signInWithRedirect,
  signOut,
} from "aws-amplify/auth";
import "aws-amplify/auth/enable-oauth-listener";
import { Hub } from "aws-amplify/utils";

const config = window.GATEHOUSE_TEST;
const here = `${window.location.origin}/amplify/`;

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: config.userPoolId,
      userPoolClientId: config.clientId,
      // Local mode: Amplify's Cognito API calls go to the local pool, not to AWS.
      userPoolEndpoint: `${config.gatehouse}/_localpool`,
      loginWith: {
        oauth: {
          // Gatehouse instead of <prefix>.auth.<region>.amazoncognito.com.
          domain: new URL(config.gatehouse).host,
          scopes: ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
          redirectSignIn: [here],
          redirectSignOut: [`${here}?signed-out`],
          responseType: "code",
        },
      },
    },
  },
});

function show(state, result) {
  document.getElementById("result").textContent = JSON.stringify(result ?? null, null, 2);
  document.getElementById("state").textContent = state;
}

function fail(step, error) {
  document.getElementById("error").textContent = JSON.stringify({
    step,
    name: error?.name,
    message: error?.message,
  });
  document.getElementById("state").textContent = `${step}-failed`;
}

function describe(session) {
  const { idToken, accessToken } = session.tokens ?? {};
  return {
    sub: idToken?.payload.sub,
    email: idToken?.payload.email,
    aud: idToken?.payload.aud,
    idTokenIat: idToken?.payload.iat,
    accessJti: accessToken?.payload.jti,
    accessScope: accessToken?.payload.scope,
    accessToken: accessToken?.toString(),
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

step("sign-in", "sign-in", () => signInWithRedirect());
step("session", "session", async () => describe(await fetchAuthSession()));
step("refresh", "refresh", async () => describe(await fetchAuthSession({ forceRefresh: true })));
step("attributes", "attributes", () => fetchUserAttributes());
step("sign-out", "sign-out", () => signOut());
step("sign-out-global", "sign-out-global", () => signOut({ global: true }));

Hub.listen("auth", ({ payload }) => {
  if (payload.event === "signInWithRedirect") {
    show("signed-in", { username: payload.data?.username });
  } else if (payload.event === "signInWithRedirect_failure") {
    fail("callback", payload.data?.error);
  }
});

// Without a redirect in flight, say whether someone is signed in, so the test knows the page is ready.
if (!new URLSearchParams(window.location.search).has("code")) {
  getCurrentUser().then(
    (user) => show("signed-in", { username: user.username }),
    () => show(window.location.search.includes("signed-out") ? "signed-out" : "anonymous"),
  );
}
