import { OAuth2Client } from 'google-auth-library';

/** An auth client with a fixed token ('fake-token', what the loopback fakes accept): no ADC, no metadata server. */
export function fakeAuth(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
  return auth;
}
