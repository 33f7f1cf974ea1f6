import jwt from 'jsonwebtoken';

export const TEST_JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters!';

export function tokenFor(role: 'client' | 'coach' | 'ops', sub: string, options: jwt.SignOptions = {}, secret = TEST_JWT_SECRET): string {
  return jwt.sign({ sub, role }, secret, { algorithm: 'HS256', expiresIn: '10m', ...options });
}
