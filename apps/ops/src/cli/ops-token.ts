import jwt from 'jsonwebtoken';

/** An ops token for the API: HS256 with the service's AUTH_JWT_SECRET, valid for 10 minutes. */
export function opsToken(secret: string, sub = 'ops-cli'): string {
  return jwt.sign({ sub, role: 'ops' }, secret, { algorithm: 'HS256', expiresIn: '10m' });
}
