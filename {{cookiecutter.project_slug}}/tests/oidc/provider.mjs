// An OpenID Connect provider for the sign-in tests, on 127.0.0.1 only (node-oidc-provider).
//
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI POST_LOGOUT_URI
//
// Its development login form takes any login name and password: the login name is the
// user (sub), with the e-mail <login>@example.test unless the login is an address itself.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri, postLogoutUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  async findAccount(ctx, id) {
    const email = id.includes('@') ? id : `${id}@example.test`;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email, email_verified: true, name: id };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false, // the ID token carries e-mail and name (Streamlit reads it)
  cookies: { keys: ['only-for-tests-on-localhost'] },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc provider ready at ${issuer}`);
});
