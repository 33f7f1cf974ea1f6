import type { Server } from 'node:net';

/**
 * Listens on `host:port`; when `port` is taken, calls `onTaken` and listens on a free port instead
 * (port 0 always picks a free one). Resolves to the port listened on.
 */
export function listenOrFree(server: Server, port: number, host: string, onTaken?: (port: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const attempt = (p: number) => {
      const onError = (error: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        if (error.code === 'EADDRINUSE' && p !== 0 && onTaken) {
          onTaken(p);
          attempt(0);
        } else reject(error);
      };
      const onListening = () => {
        server.off('error', onError);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : p);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(p, host);
    };
    attempt(port);
  });
}
